package analysis

import (
	"math"
	"slices"
	"unsafe"
)

// radixMin is the length below which sortFloats uses the comparison sort.
const radixMin = 256

// sortFloats sorts a (no NaN) ascending. Long slices get an LSD radix sort
// over the order-preserving bit patterns of the doubles, one byte per pass,
// skipping the bytes all values share; scratch must hold len(a) values.
func sortFloats(a, scratch []float64) {
	n := len(a)
	if n < radixMin || len(scratch) < n {
		slices.Sort(a)
		return
	}
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(&a[0])), n)
	tmp := unsafe.Slice((*uint64)(unsafe.Pointer(&scratch[0])), n)
	var hist [8][256]int32
	for i, k := range keys {
		k = orderedBits(k)
		keys[i] = k
		for b := range 8 {
			hist[b][byte(k>>(8*b))]++
		}
	}
	src, dst := keys, tmp
	for b := range 8 {
		h := &hist[b]
		if h[byte(src[0]>>(8*b))] == int32(n) {
			continue // every key has the same byte here
		}
		sum := int32(0)
		for d := range h {
			sum, h[d] = sum+h[d], sum
		}
		shift := uint(8 * b)
		for _, k := range src {
			d := byte(k >> shift)
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	for i, k := range src {
		a[i] = math.Float64frombits(floatBits(k))
	}
}

// orderedBits maps a double's bits to an unsigned key with the same order:
// negative values have every bit flipped, others only the sign bit.
func orderedBits(u uint64) uint64 {
	if u>>63 == 1 {
		return ^u
	}
	return u | 1<<63
}

// floatBits inverts orderedBits.
func floatBits(k uint64) uint64 {
	if k>>63 == 1 {
		return k &^ (1 << 63)
	}
	return ^k
}
