package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// intervalRanks are the ranks of Compare's asymptotic interval bounds among
// the sorted differences of s at confidence conf (0 for an end of the
// search interval).
func intervalRanks(s *twoSample, conf float64) (kLo, kHi int64) {
	lo, hi := s.x[0]-s.y[len(s.y)-1], s.x[len(s.x)-1]-s.y[0]
	z := -qnorm((1 - conf) / 2)
	wLo, wHi := s.wAt(lo), s.wAt(hi)
	_, kLo = s.rootAsymptotic(z, lo, hi, wLo, wHi)
	_, kHi = s.rootAsymptotic(-z, lo, hi, wLo, wHi)
	return kLo, kHi
}

// BenchmarkSketchSelect is Compare's selections (the Hodges–Lehmann
// estimate and the 98% interval's bounds) starting from the sketch's
// pivots against one band prepared around all of them, on lognormal
// samples of 1,000, 5,760 and 10,000 a side.
func BenchmarkSketchSelect(b *testing.B) {
	for _, n := range []int{1000, 5760, 10_000} {
		x := lognormal(n, math.Log(210), 0.3, 1)
		y := lognormal(n, math.Log(200), 0.3, 2)
		s, scratch, err := newTwoSample(x, y, diffScratch(n, n))
		if err != nil {
			b.Fatal(err)
		}
		kLo, kHi := intervalRanks(s, 0.98)
		ints := make([]int32, diffInts(n))
		for _, sketch := range []bool{true, false} {
			name := itoa(n) + "/sketch"
			if !sketch {
				name = itoa(n) + "/prepared"
			}
			b.Run(name, func(b *testing.B) {
				loopCPU(b, func() {
					newDiffMatrix(s.x, s.y, scratch, ints).estimate(kLo, kHi, sketch)
				})
			})
		}
	}
}

// sketchSample draws two sorted samples of sizes m and n of one of several
// shapes: continuous, heavily tied small integers, one side constant,
// skewed against a narrow side, and recorded 4-decimal values.
func sketchSample(r *rand.Rand, m, n, shape int) (x, y []float64) {
	switch shape % 5 {
	case 0:
		x, y = lognormal(m, math.Log(210), 0.3, r.Uint64()), lognormal(n, math.Log(200), 0.3, r.Uint64())
	case 1:
		x, y = randomSample(r, m, 1), randomSample(r, n, 1)
	case 2:
		x, y = randomSample(r, m, 0), make([]float64, n)
		for i := range y {
			y[i] = 0.25
		}
	case 3:
		x, y = lognormal(m, math.Log(210), 1.5, r.Uint64()), lognormal(n, math.Log(200), 0.05, r.Uint64())
	case 4:
		x, y = rankAtSamples(r, m, n, 0.01+r.Float64())
	}
	slices.Sort(x)
	slices.Sort(y)
	return x, y
}

// TestSketchMatchesBruteForce: with the sketch's pivots, the estimate, the
// interval's bounds and other ranks selected through the sketch equal the
// sorted differences and the selections from a prepared band, on every
// shape of sample and sizes with one and two levels of sketch.
func TestSketchMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	hinted := 0
	for iter := range 40 {
		m, n := 4*sketchMin+r.IntN(700), 4*sketchMin+r.IntN(700)
		if iter%8 == 0 {
			m, n = 16*sketchMin+r.IntN(200), 16*sketchMin+r.IntN(200) // a sketch of the sketch
		}
		x, y := sketchSample(r, m, n, iter)
		want := bruteDiffs(x, y)
		s := &twoSample{x: x, y: y}
		s.rankStats = rankAt(x, y, 0)
		if want[0] == want[len(want)-1] {
			continue
		}
		kLo, kHi := intervalRanks(s, []float64{0.8, 0.95, 0.98}[iter%3])
		fl, ints := make([]float64, diffScratch(m, n)), make([]int32, diffInts(m))
		dm := newDiffMatrix(x, y, fl, ints)
		est, lo, hi := dm.estimate(kLo, kHi, true)
		hinted += dm.nhints
		pest, plo, phi := newDiffMatrix(x, y, fl, ints).estimate(kLo, kHi, false)
		if est != bruteMedian(want) || est != pest {
			t.Fatalf("iter %d m=%d n=%d: estimate %v, brute force %v, prepared %v", iter, m, n, est, bruteMedian(want), pest)
		}
		if kLo > 0 && (lo != want[kLo-1] || lo != plo) {
			t.Fatalf("iter %d m=%d n=%d: rank %d %v, brute force %v, prepared %v", iter, m, n, kLo, lo, want[kLo-1], plo)
		}
		if kHi > 0 && (hi != want[kHi-1] || hi != phi) {
			t.Fatalf("iter %d m=%d n=%d: rank %d %v, brute force %v, prepared %v", iter, m, n, kHi, hi, want[kHi-1], phi)
		}
		// any ranks, the ends included
		size := int64(len(want))
		ks := [][2]int64{{1, 1}, {size, size}, {1 + r.Int64N(size), 0}, {1 + r.Int64N(size), 0}}
		ks[2][1], ks[3][1] = ks[2][0], ks[3][0]
		dm = newDiffMatrix(x, y, fl, ints)
		if !dm.sketch(ks) {
			t.Fatalf("iter %d m=%d n=%d: no sketch", iter, m, n)
		}
		for _, k := range ks {
			if got := dm.kth(k[0]); got != want[k[0]-1] {
				t.Fatalf("iter %d m=%d n=%d shape %d: kth(%d) through the sketch %v, brute force %v", iter, m, n, iter%5, k[0], got, want[k[0]-1])
			}
		}
	}
	if hinted < 40 {
		t.Fatalf("the sketch gave pivots for %d ranks in 40 comparisons: the test checks too little", hinted)
	}
}

// FuzzSketchSelect: the estimate and the interval's bounds selected from
// the sketch's pivots equal those selected from a prepared band, for any
// sizes, shapes and confidence levels.
func FuzzSketchSelect(f *testing.F) {
	f.Add(uint64(1), uint16(600), uint16(700), uint8(0), uint8(95))
	f.Add(uint64(2), uint16(2100), uint16(2050), uint8(1), uint8(98))
	f.Add(uint64(3), uint16(520), uint16(3000), uint8(2), uint8(80))
	f.Add(uint64(4), uint16(900), uint16(600), uint8(3), uint8(99))
	f.Add(uint64(5), uint16(5760), uint16(5760), uint8(4), uint8(98))
	f.Fuzz(func(t *testing.T, seed uint64, m, n uint16, shape, conf uint8) {
		r := rand.New(rand.NewPCG(seed, 23))
		mm, nn := 1+int(m%8000), 1+int(n%8000)
		x, y := sketchSample(r, mm, nn, int(shape))
		s := &twoSample{x: x, y: y}
		s.rankStats = rankAt(x, y, 0)
		if x[0]-y[nn-1] == x[mm-1]-y[0] {
			return // every difference equal: Compare does not select
		}
		kLo, kHi := intervalRanks(s, 0.5+float64(conf%50)/100)
		fl, ints := make([]float64, diffScratch(mm, nn)), make([]int32, diffInts(mm))
		est, lo, hi := newDiffMatrix(x, y, fl, ints).estimate(kLo, kHi, true)
		pest, plo, phi := newDiffMatrix(x, y, fl, ints).estimate(kLo, kHi, false)
		if est != pest || lo != plo || hi != phi {
			t.Fatalf("m=%d n=%d shape %d ranks %d, %d: sketch %v [%v, %v], prepared %v [%v, %v]", mm, nn, shape%5, kLo, kHi, est, lo, hi, pest, plo, phi)
		}
	})
}

// TestSketchMisses bounds how often the sketch's pivots miss their ranks
// (each miss costs the rounds the sketch saves) at the judge's 5,760 and
// at 10,000 values a side, for latency-like, recorded and skewed samples.
func TestSketchMisses(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	misses, sub, hints := 0, 0, 0
	for iter := range 24 {
		n := []int{5760, 10_000}[iter%2]
		x, y := sketchSample(r, n, n+iter%3, []int{0, 3, 4}[iter%3])
		s := &twoSample{x: x, y: y}
		s.rankStats = rankAt(x, y, 0)
		kLo, kHi := intervalRanks(s, 0.98)
		dm := newDiffMatrix(x, y, make([]float64, diffScratch(len(x), len(y))), nil)
		dm.estimate(kLo, kHi, true)
		misses, sub, hints = misses+dm.misses, sub+dm.subMisses, hints+dm.nhints
	}
	t.Logf("%d misses in %d ranks, %d in the sketches", misses, hints, sub)
	if hints != 3*24 || misses > 1 || sub > 6 {
		t.Errorf("%d pivots for 72 ranks, %d missed, %d missed in the sketches: want 72, at most 1 and 6", hints, misses, sub)
	}
}

// plainSelectKth is the quickselect selectKth replaces: median-of-3 pivots
// and a three-way partition that branches on every value.
func plainSelectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)
	for hi-lo > 1 {
		pv := medianOf3(a[lo], a[lo+(hi-lo)/2], a[hi-1])
		lt, gt := lo, hi
		for i := lo; i < gt; {
			switch v := a[i]; {
			case v < pv:
				a[i], a[lt] = a[lt], a[i]
				lt++
				i++
			case v > pv:
				gt--
				a[i], a[gt] = a[gt], a[i]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pv
		}
	}
	return a[lo]
}

// FuzzSelectKth: selectKth is the sorted values' k-th, and plainSelectKth's,
// on randomSample's shapes (continuous, few distinct values, skewed,
// extremes), in random order, sorted and reversed.
func FuzzSelectKth(f *testing.F) {
	f.Add(uint64(1), uint16(1), uint8(0))
	f.Add(uint64(2), uint16(2), uint8(1))
	f.Add(uint64(3), uint16(3000), uint8(6))
	f.Add(uint64(4), uint16(500), uint8(11))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, shape uint8) {
		r := rand.New(rand.NewPCG(seed, 24))
		a := randomSample(r, 1+int(n%5000), int(shape))
		switch shape % 12 / 4 { // in random order, sorted, reversed
		case 1:
			slices.Sort(a)
		case 2:
			slices.Sort(a)
			slices.Reverse(a)
		}
		want := slices.Sorted(slices.Values(a))
		for _, k := range []int{0, len(a) - 1, len(a) / 2, r.IntN(len(a))} {
			b, c := slices.Clone(a), slices.Clone(a)
			if got, plain := selectKth(b, k), plainSelectKth(c, k); got != want[k] || plain != want[k] {
				t.Fatalf("n=%d shape %d k=%d: selectKth %v, plain %v, sorted %v", len(a), shape%12, k, got, plain, want[k])
			}
		}
	})
}

// BenchmarkSelectKth is selectKth against plainSelectKth on the band the
// sketch's pivots collect for the median at 5,760 lognormal values a side.
func BenchmarkSelectKth(b *testing.B) {
	x := lognormal(5760, math.Log(210), 0.3, 1)
	y := lognormal(5760, math.Log(200), 0.3, 2)
	s, scratch, _ := newTwoSample(x, y, diffScratch(len(x), len(y)))
	dm := newDiffMatrix(s.x, s.y, scratch, nil)
	k := (dm.size() + 1) / 2
	if !dm.sketch([][2]int64{{k, k}}) {
		b.Fatal("no sketch")
	}
	dm.kth(k)
	band, r := slices.Clone(dm.sel), int(k-dm.selBelow-1)
	work := make([]float64, len(band))
	b.Logf("%d values", len(band))
	b.Run("branch-free", func(b *testing.B) {
		loopCPU(b, func() { copy(work, band); selectKth(work, r) })
	})
	b.Run("three-way", func(b *testing.B) {
		loopCPU(b, func() { copy(work, band); plainSelectKth(work, r) })
	})
}

// TestSketchError checks the margin sketchHalf leaves: the ranks among all
// differences that the sketch's counts give the true k-th difference (a
// range when it is tied) miss k by less than a third of it in rms at the
// judge's sizes, for the middle and an interval's ends, on continuous,
// skewed and recorded samples.
func TestSketchError(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, n := range []int{1000, 5760, 10_000} {
		var sum2 float64
		cases := 0
		var dm *diffMatrix
		for iter := range 18 {
			x, y := sketchSample(r, n, n+iter%3, []int{0, 3, 4}[iter%3])
			dm = newDiffMatrix(x, y, make([]float64, diffScratch(len(x), len(y))), nil)
			ms, ns := len(x)/sketchStride, len(y)/sketchStride
			xs, ys := make([]float64, ms), make([]float64, ns)
			pick(xs, x)
			pick(ys, y)
			sub := newDiffMatrix(xs, ys, make([]float64, diffScratch(ms, ns)), nil)
			for _, f := range []float64{0.47, 0.5, 0.53} {
				k := int64(f * float64(dm.size()))
				v := dm.kth(k)
				// the sketch's ranks of v, scaled: for a tied v, a range
				lt, le := sub.count(v, sub.lt, sub.le)
				scale := float64(dm.size()) / float64(sub.size())
				e := max(float64(lt)*scale-float64(k), float64(k)-float64(le)*scale, 0)
				sum2 += e * e
				cases++
			}
		}
		margin := sketchHalf * float64(cap(dm.buf))
		rms := math.Sqrt(sum2 / float64(cases))
		t.Logf("n=%d: rms rank error %.0f, %.2f of the margin", n, rms, rms/margin)
		if n > 1000 && rms > margin/3 {
			t.Errorf("n=%d: the sketch's rms rank error %.0f is over a third of the margin %.0f", n, rms, margin)
		}
	}
}
