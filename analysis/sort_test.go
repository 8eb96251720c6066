package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// radixSortFloats is the LSD radix sort sortFloats was before its bucket
// pass (11 bits a digit, six passes, skipping the digits every key shares):
// BenchmarkSortFloats races the two, and the tests check they agree to the
// bit (-0 before +0 in both).
func radixSortFloats(a, scratch []float64) {
	const bits, digits, mask = 11, 6, 1<<11 - 1
	n := len(a)
	if n < radixMin || len(scratch) < n {
		slices.Sort(a)
		return
	}
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(&a[0])), n)
	tmp := unsafe.Slice((*uint64)(unsafe.Pointer(&scratch[0])), n)
	var hist [digits][1 << bits]int32
	for i, k := range keys {
		k = orderedBits(k)
		keys[i] = k
		for b := range digits {
			hist[b][k>>(bits*b)&mask]++
		}
	}
	src, dst := keys, tmp
	for b := range digits {
		h := &hist[b]
		shift := uint(bits * b)
		if h[src[0]>>shift&mask] == int32(n) {
			continue
		}
		sum := int32(0)
		for d := range h {
			sum, h[d] = sum+h[d], sum
		}
		for _, k := range src {
			d := k >> shift & mask
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	for i, k := range src {
		keys[i] = floatBits(k)
	}
}

// wantSorted is slices.Sort's order with sortFloats' one refinement from
// radixMin values up: among zeros, every -0 before every +0.
func wantSorted(a []float64) []float64 {
	w := slices.Clone(a)
	slices.Sort(w)
	if len(w) < radixMin {
		return w
	}
	i, _ := slices.BinarySearch(w, 0)
	neg := 0
	for j := i; j < len(w) && w[j] == 0; j++ {
		if math.Signbit(w[j]) {
			neg++
		}
	}
	for j := i; j < len(w) && w[j] == 0; j++ {
		w[j] = 0
		if j-i < neg {
			w[j] = math.Copysign(0, -1)
		}
	}
	return w
}

// checkSortFloats sorts a copy of a with sortFloats and with the radix sort
// it replaced and fails unless both equal wantSorted(a) to the bit.
func checkSortFloats(t *testing.T, name string, a []float64) {
	t.Helper()
	want := wantSorted(a)
	for _, s := range []struct {
		name string
		sort func(a, scratch []float64)
	}{{"sortFloats", sortFloats}, {"radixSortFloats", radixSortFloats}} {
		got := slices.Clone(a)
		s.sort(got, make([]float64, len(got)))
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s, %d values: %s gave [%d] = %v (%#x), want %v (%#x)", name, len(a), s.name, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
			}
		}
	}
}

// sortShapes are the inputs the sort tests try at every length: the judge's
// (latencies, their differences, 6-decimal gauges), ties, clusters that
// force nested bucket passes, and the edges of the doubles.
var sortShapes = []struct {
	name string
	gen  func(r *rand.Rand, i, n int) float64
}{
	{"lognormal", func(r *rand.Rand, _, _ int) float64 { return math.Exp(math.Log(200) + 0.3*r.NormFloat64()) }},
	{"differences", func(r *rand.Rand, _, _ int) float64 {
		return math.Exp(5+0.3*r.NormFloat64()) - math.Exp(5+0.3*r.NormFloat64())
	}},
	{"gauge", func(r *rand.Rand, _, _ int) float64 { return math.Round((100+10*r.Float64())*1e6) / 1e6 }},
	{"normal", func(r *rand.Rand, _, _ int) float64 { return r.NormFloat64() }},
	{"four values", func(r *rand.Rand, _, _ int) float64 { return float64(r.IntN(4)) }},
	{"two values", func(r *rand.Rand, _, _ int) float64 { return float64(r.IntN(2)) - 0.5 }},
	{"all equal", func(*rand.Rand, int, int) float64 { return 3.25 }},
	{"signed zeros", func(r *rand.Rand, _, _ int) float64 { return math.Copysign(0, float64(r.IntN(2))-0.5) }},
	{"zeros and ones", func(r *rand.Rand, _, _ int) float64 {
		return []float64{0, math.Copysign(0, -1), 1, -1}[r.IntN(4)]
	}},
	{"sorted", func(r *rand.Rand, i, _ int) float64 { return float64(i) }},
	{"reversed", func(r *rand.Rand, i, n int) float64 { return float64(n - i) }},
	{"sorted with ties", func(r *rand.Rand, i, _ int) float64 { return float64(i / 7) }},
	{"eighths and outliers", func(r *rand.Rand, _, _ int) float64 {
		v := float64(r.IntN(1000)) / 8
		if r.IntN(10) == 0 {
			v *= 1e6
		}
		return v
	}},
	{"one far outlier", func(r *rand.Rand, i, _ int) float64 {
		if i == 0 {
			return 1e300
		}
		return 100 + r.Float64()
	}},
	{"one-ulp cluster", func(r *rand.Rand, _, _ int) float64 {
		return math.Float64frombits(math.Float64bits(1e3) + uint64(r.IntN(200)))
	}},
	{"clusters of clusters", func(r *rand.Rand, _, _ int) float64 {
		// a few set bits in each 9-bit digit: every bucket pass finds a
		// handful of crowded buckets and nests again, to the last bits
		var u uint64
		for s := 0; s < 62; s += 9 {
			u |= uint64(r.IntN(3)) << s
		}
		return math.Float64frombits(u &^ (1 << 63 >> 1)) // finite
	}},
	{"powers of two", func(r *rand.Rand, _, _ int) float64 { return math.Ldexp(1, r.IntN(2098)-1074) * float64(1-2*r.IntN(2)) }},
	{"edges", func(r *rand.Rand, _, _ int) float64 {
		return []float64{math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
			-math.SmallestNonzeroFloat64, 0, math.Copysign(0, -1), 1, -1, 0x1p-1022, -0x1p-1022}[r.IntN(12)]
	}},
	{"denormals", func(r *rand.Rand, _, _ int) float64 {
		return math.Float64frombits(r.Uint64()&(1<<52-1)) * float64(1-2*r.IntN(2))
	}},
	{"raw bits", func(r *rand.Rand, _, _ int) float64 {
		v := math.Float64frombits(r.Uint64())
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}},
}

// TestSortFloatsShapes checks sortFloats (and the radix sort it replaced)
// against slices.Sort, to the bit, on every shape at lengths around
// radixMin and smallBuckets, the judge's sizes and beyond the first pass's
// largest bucket count.
func TestSortFloatsShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, radixMin - 1, radixMin, radixMin + 1, 1000, smallBuckets, smallBuckets + 1, 5760, 10_000, 40_000} {
		for _, s := range sortShapes {
			a := make([]float64, n)
			for i := range a {
				a[i] = s.gen(r, i, n)
			}
			checkSortFloats(t, s.name, a)
			if n >= 2 { // and two values of the shape at the front
				a[0], a[1] = a[1], a[0]
				checkSortFloats(t, s.name+", swapped", a)
			}
		}
	}
}

// TestSortBucketDepth takes sortBucket past bucketDepth, where the
// comparison sort finishes, which 64-bit keys never reach from sortFloats.
func TestSortBucketDepth(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, depth := range []int{bucketDepth - 1, bucketDepth} {
		for _, s := range sortShapes {
			n := 1000
			a := make([]float64, n)
			for i := range a {
				a[i] = math.Abs(s.gen(r, i, n)) // -0 and +0 only at depth 0
			}
			want := wantSorted(a)
			sortNested(a, make([]uint64, n), new(bucketWork), depth)
			if !slices.Equal(a, want) {
				t.Fatalf("%s at depth %d: sortNested's order differs from slices.Sort's", s.name, depth)
			}
		}
	}
}

// TestFillSlots checks the unit-to-slot table against slotUnits for unit
// spans from one to all 4,096 binades and placements around the sign: the
// slots' units partition the span in order, and the units of -0 and +0 are
// never in one slot.
func TestFillSlots(t *testing.T) {
	for _, span := range []int{0, 1, 2, 3, 7, 31, slotWindow - 1, slotWindow, slotWindow + 1, 2 * slotWindow, 2*slotWindow + 1, 2*slotWindow + 2, 2*slotWindow + 3, 300, 4095} {
		for _, loE := range []int{0, signBinade - span - 1, signBinade - span, signBinade - span/2, signBinade - 1, signBinade, signBinade + 1, 4095 - span} {
			hiE := loE + span
			if loE < 0 || hiE > 4095 {
				continue
			}
			for _, ends := range [][2]uint64{{0, 1<<52 - 1}, {1 << 51, 1 << 50}, {1<<52 - 1, 0}} {
				lo, hi := uint64(loE)<<52|ends[0], uint64(hiE)<<52|ends[1]
				if lo >= hi {
					continue
				}
				u := newUnits(lo, hi)
				// 2^m units a binade: unitsWanted to twice as many in all,
				// unless binades alone are as many
				if m := 52 - int(u.shift); m < 0 || m > 0 && ((span+1)<<m < unitsWanted || (span+1)<<m >= 2*unitsWanted) || m == 0 && span+1 < unitsWanted {
					t.Fatalf("binades %d..%d: %d units a binade", loE, hiE, 1<<m)
				}
				checkSlots(t, &u)
			}
		}
	}
}

func checkSlots(t *testing.T, u *units) {
	t.Helper()
	var slots [1 << 12]uint8
	fillSlots(&slots, u)
	fine := u.shift - u.tableShift
	if entries := u.hi<<fine | (1<<fine - 1) - u.table + 1; entries > 1<<12 {
		t.Fatalf("units %d..%d: %d table entries", u.lo, u.hi, entries)
	}
	prev := -1
	for f := u.table; f <= u.hi<<fine|(1<<fine-1); f++ {
		e := f >> fine
		if e < u.lo || e > u.hi {
			continue
		}
		s := int(slots[f-u.table])
		if first, last := slotUnits(s, u); e < first || e > last {
			t.Fatalf("units %d..%d: unit %d (entry %d) in slot %d, which holds %d..%d", u.lo, u.hi, e, f, s, first, last)
		}
		if s < prev || s == prev && e == u.sign && f&(1<<fine-1) == 0 {
			t.Fatalf("units %d..%d: unit %d in slot %d after slot %d", u.lo, u.hi, e, s, prev)
		}
		prev = s
	}
	for s := range slotCount {
		first, last := slotUnits(s, u)
		for e := first; e <= last; e++ {
			if e < u.lo || e > u.hi || int(slots[max(e<<fine, u.table)-u.table]) != s {
				t.Fatalf("units %d..%d: slot %d claims unit %d", u.lo, u.hi, s, e)
			}
		}
	}
}

// FuzzSortFloats checks sortFloats against slices.Sort on values from the
// fuzzer's bytes: each eight bytes one double (NaN as +Inf), repeated with
// a varying low byte to at least radixMin values.
func FuzzSortFloats(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf0\x3f\x01\x00\x00\x00\x00\x00\xf0\xbf"), uint8(3))
	f.Add([]byte("latency 123.456 and more bytes"), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, spread uint8) {
		var vals []float64
		for len(data) >= 8 {
			vals = append(vals, math.Float64frombits(uint64(data[0])|uint64(data[1])<<8|uint64(data[2])<<16|uint64(data[3])<<24|
				uint64(data[4])<<32|uint64(data[5])<<40|uint64(data[6])<<48|uint64(data[7])<<56))
			data = data[8:]
		}
		if len(vals) == 0 {
			vals = append(vals, 1)
		}
		n := max(radixMin, len(vals))
		a := make([]float64, n)
		for i := range a {
			u := math.Float64bits(vals[i%len(vals)])
			if i >= len(vals) { // spread the copies over the low bits
				u ^= uint64(i*int(spread)) & 0xff
			}
			a[i] = math.Float64frombits(u)
			if math.IsNaN(a[i]) {
				a[i] = math.Inf(1)
			}
		}
		checkSortFloats(t, "fuzz", a)
	})
}
