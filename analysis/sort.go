package analysis

import (
	"math"
	"slices"
	"unsafe"
)

// radixMin is the length below which sortFloats uses the comparison sort.
const radixMin = 256

// sortFloats sorts a (no NaN) ascending. Long slices get an LSD radix sort
// over the order-preserving bit patterns of the doubles, 11 bits per pass
// (six passes for 64 bits, against eight of a byte; a third less time from a
// thousand values up), skipping the digits all values share; scratch must
// hold len(a) values.
func sortFloats(a, scratch []float64) {
	n := len(a)
	if n < radixMin || len(scratch) < n {
		slices.Sort(a)
		return
	}
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(&a[0])), n)
	tmp := unsafe.Slice((*uint64)(unsafe.Pointer(&scratch[0])), n)
	var hist [radixDigits][1 << radixBits]int32
	for i, k := range keys {
		k = orderedBits(k)
		keys[i] = k
		hist[0][k&radixMask]++
		hist[1][k>>radixBits&radixMask]++
		hist[2][k>>(2*radixBits)&radixMask]++
		hist[3][k>>(3*radixBits)&radixMask]++
		hist[4][k>>(4*radixBits)&radixMask]++
		hist[5][k>>(5*radixBits)&radixMask]++
	}
	src, dst := keys, tmp
	for b := range radixDigits {
		h := &hist[b]
		shift := uint(radixBits * b)
		if h[src[0]>>shift&radixMask] == int32(n) {
			continue // every key has the same digit here
		}
		sum := int32(0)
		for d := range h {
			sum, h[d] = sum+h[d], sum
		}
		for _, k := range src {
			d := k >> shift & radixMask
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	for i, k := range src {
		a[i] = math.Float64frombits(floatBits(k))
	}
}

// The radix sort's digits: six of 11 bits cover a 64-bit key.
const (
	radixBits   = 11
	radixDigits = 6
	radixMask   = 1<<radixBits - 1
)

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
