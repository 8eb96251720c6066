package analysis

import "sync"

// Buffers reused across Pairs. A judge analyses one metric after another,
// each with a few hundred kilobytes of scratch at 24 h of samples; reusing
// them spares the allocator zeroing that memory and the collector finding it.
var (
	floatPool sync.Pool // *[]float64
	intPool   sync.Pool // *[]int32
)

// getFloats returns a buffer of length 0 and capacity at least n.
func getFloats(n int) *[]float64 {
	if b, ok := floatPool.Get().(*[]float64); ok && cap(*b) >= n {
		*b = (*b)[:0]
		return b
	}
	b := make([]float64, 0, n)
	return &b
}

// getInts returns a buffer of length n.
func getInts(n int) *[]int32 {
	if b, ok := intPool.Get().(*[]int32); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]int32, n)
	return &b
}
