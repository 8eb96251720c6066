package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The hand-written fast paths of this package, each benchmarked against the
// plain version it replaces, side by side in one run (make bench-fastpaths;
// figures in docs/performance.md).

// BenchmarkSortFloats is sortFloats' bucket pass against slices.Sort and
// against the LSD radix sort it replaced (radixSortFloats), on latency-like
// values and on paired differences of two such series (straddling zero), at
// the sizes the judge sorts (5,760 is a day at 15 s). Each sorts a fresh
// copy each time.
func BenchmarkSortFloats(b *testing.B) {
	for _, shape := range []string{"latency", "diffs"} {
		for _, n := range []int{1_000, 5_760, 10_000} {
			data := sortBenchData(shape, n)
			a, scratch := make([]float64, n), make([]float64, n)
			for _, s := range []struct {
				name string
				sort func()
			}{
				{"bucket", func() { sortFloats(a, scratch) }},
				{"radix", func() { radixSortFloats(a, scratch) }},
				{"slices.Sort", func() { slices.Sort(a) }},
			} {
				b.Run(shape+"/"+itoa(n)+"/"+s.name, func(b *testing.B) {
					loopCPU(b, func() {
						copy(a, data)
						s.sort()
					})
				})
			}
		}
	}
}

// sortBenchData is n latency-like values (lognormal around 200) or n
// differences of two such series.
func sortBenchData(shape string, n int) []float64 {
	x := lognormal(n, math.Log(200), 0.3, 3)
	if shape == "diffs" {
		y := lognormal(n, math.Log(200), 0.3, 4)
		for i := range x {
			x[i] -= y[i]
		}
	}
	return x
}

// plainCount is the counting walk count replaces: one row after the other,
// a column at a time. It returns #{x[i]-y[j] < t} and #{x[i]-y[j] <= t}
// with the per-row counts in lt and le, for ascending x and y.
func plainCount(x, y []float64, t float64, lt, le []int32) (nlt, nle int64) {
	n := len(y)
	j, k := 0, 0 // columns with x[i]-y[c] > t, and >= t: both grow down the rows
	for i, xi := range x {
		for j < n && xi-y[j] > t {
			j++
		}
		k = max(k, j)
		for k < n && xi-y[k] >= t {
			k++
		}
		le[i], lt[i] = int32(n-j), int32(n-k)
		nle += int64(n - j)
		nlt += int64(n - k)
	}
	return nlt, nle
}

// TestPlainCountAgrees checks the benchmark's plain walk against count, on
// continuous and on heavily tied samples, so the two race over the same work.
func TestPlainCountAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 200 {
		m, n := 1+r.IntN(300), 1+r.IntN(300)
		x, y := make([]float64, m), make([]float64, n)
		for i := range x {
			x[i] = math.Round(r.NormFloat64() * float64(1+iter%4*10))
		}
		for i := range y {
			y[i] = math.Round(r.NormFloat64() * float64(1+iter%4*10))
		}
		slices.Sort(x)
		slices.Sort(y)
		dm := newDiffMatrix(x, y, make([]float64, diffScratch(m, n)), nil)
		lt, le := make([]int32, m), make([]int32, m)
		for _, p := range []float64{x[r.IntN(m)] - y[r.IntN(n)], x[0] - y[n-1] - 1, x[m-1] - y[0] + 1, 0} {
			wlt, wle := dm.count(p, dm.lt, dm.le)
			glt, gle := plainCount(x, y, p, lt, le)
			if glt != wlt || gle != wle || !slices.Equal(lt, dm.lt[:m]) || !slices.Equal(le, dm.le[:m]) {
				t.Fatalf("iter %d m=%d n=%d t=%v: plain walk %d, %d; count %d, %d", iter, m, n, p, glt, gle, wlt, wle)
			}
		}
	}
}

// BenchmarkCountWalk is count's four-lane walk against the plain two-pointer
// walk over the same 10,000 × 10,000 differences, the pivot changing from
// call to call as in BenchmarkCount.
func BenchmarkCountWalk(b *testing.B) {
	x := lognormal(10_000, math.Log(210), 0.3, 1)
	y := lognormal(10_000, math.Log(200), 0.3, 2)
	s, scratch, _ := newTwoSample(x, y, diffScratch(len(x), len(y)))
	dm := newDiffMatrix(s.x, s.y, scratch, nil)
	b.Run("four-lane", func(b *testing.B) {
		i := 0
		loopCPU(b, func() {
			i++
			dm.count(5+float64(i%1024)/128, dm.lt, dm.le)
		})
	})
	b.Run("plain", func(b *testing.B) {
		i := 0
		loopCPU(b, func() {
			i++
			plainCount(s.x, s.y, 5+float64(i%1024)/128, dm.lt, dm.le)
		})
	})
}

// plainRankAt is the midrank walk rankAt replaces: for each value of the
// combined sample (x - shift, y) in turn, its group on each side, U's count
// of smaller y, the cross ties, and Σ t³-t as the groups are met.
func plainRankAt(x, y []float64, shift float64) rankStats {
	var r rankStats
	var gt, eq int64
	m, n := len(x), len(y)
	i, j := 0, 0
	for i < m || j < n {
		var v float64
		if j >= n || (i < m && x[i]-shift <= y[j]) {
			v = x[i] - shift
		} else {
			v = y[j]
		}
		ci, cj := int64(0), int64(0)
		for i < m && x[i]-shift == v {
			i++
			ci++
		}
		for j < n && y[j] == v {
			j++
			cj++
		}
		gt += ci * (int64(j) - cj)
		eq += ci * cj
		if t := ci + cj; t > 1 {
			r.ties = true
			r.tieSum += cube(t)
			r.tieSumX += cube(ci)
			r.tieSumY += cube(cj)
		}
	}
	r.u = float64(gt) + 0.5*float64(eq)
	return r
}

// rankAtSamples are two sorted samples of 4-decimal values around 100, as
// recorded gauges are (ties within and across the samples), and shifts.
func rankAtSamples(r *rand.Rand, m, n int, spread float64) (x, y []float64) {
	x, y = make([]float64, m), make([]float64, n)
	for i := range x {
		x[i] = math.Round((100+spread*r.NormFloat64())*1e4) / 1e4
	}
	for i := range y {
		y[i] = math.Round((100+spread*r.NormFloat64())*1e4) / 1e4
	}
	slices.Sort(x)
	slices.Sort(y)
	return x, y
}

// FuzzRankAt: rankAt's statistics equal the midrank walk's to the bit, on
// samples with ties within and across them (few distinct values at small
// spreads) and at shifts that create ties by rounding.
func FuzzRankAt(f *testing.F) {
	f.Add(uint64(1), uint16(40), uint16(50), uint8(0), int16(0))
	f.Add(uint64(2), uint16(5760), uint16(5760), uint8(15), int16(3))
	f.Add(uint64(3), uint16(300), uint16(1), uint8(1), int16(-7))
	f.Add(uint64(4), uint16(0), uint16(10), uint8(1), int16(0))
	f.Fuzz(func(t *testing.T, seed uint64, m, n uint16, spread uint8, shift int16) {
		r := rand.New(rand.NewPCG(seed, 5))
		x, y := rankAtSamples(r, int(m%6000), int(n%6000), float64(spread)/16)
		sh := float64(shift) / 1e4
		if shift%5 == 1 && len(x) > 0 && len(y) > 0 {
			sh = x[0] - y[len(y)/2] // a cross tie by construction
		}
		got, want := rankAt(x, y, sh), plainRankAt(x, y, sh)
		if got != want {
			t.Fatalf("m=%d n=%d shift %v: rankAt %+v, midrank walk %+v", len(x), len(y), sh, got, want)
		}
	})
}

// BenchmarkRankAt is rankAt, the merge without branches, against the
// midrank walk it replaces, on 5,760 recorded 4-decimal values a side
// (about 30 tied pairs within each, as many across).
func BenchmarkRankAt(b *testing.B) {
	x, y := rankAtSamples(rand.New(rand.NewPCG(7, 8)), 5760, 5760, 15)
	if rankAt(x, y, 0) != plainRankAt(x, y, 0) {
		b.Fatal("rankAt and the midrank walk disagree")
	}
	b.Run("merge", func(b *testing.B) { loopCPU(b, func() { rankAt(x, y, 0) }) })
	b.Run("midrank-walk", func(b *testing.B) { loopCPU(b, func() { plainRankAt(x, y, 0) }) })
}

// plainNext is what nextInBand replaces: the (k+1)-th difference after
// v = kth(k) by a counting walk (v again when more than k are <= v) and
// then, if not, the smallest difference above v over every row.
func plainNext(dm *diffMatrix, k int64, v float64) float64 {
	if _, nle := dm.count(v, dm.lt, dm.le); nle > k {
		return v
	}
	w, _ := dm.next()
	return w
}

// TestNextInBandAgrees: wherever nextInBand answers, it is plainNext's
// answer, on continuous and on heavily tied samples, at the median and at
// ranks near the interval's bounds.
func TestNextInBandAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	answered := 0
	for iter := range 300 {
		m, n := 1+r.IntN(400), 1+r.IntN(400)
		x, y := rankAtSamples(r, m, n, []float64{0.001, 0.01, 1, 15}[iter%4])
		dm := newDiffMatrix(x, y, make([]float64, diffScratch(m, n)), nil)
		size := dm.size()
		for _, k := range []int64{(size + 1) / 2, 1 + r.Int64N(size), max(1, size/50)} {
			if k >= size {
				continue
			}
			v := dm.kth(k)
			w, ok := dm.nextInBand(k, v)
			if !ok {
				continue
			}
			answered++
			if want := plainNext(dm, k, v); w != want {
				t.Fatalf("iter %d m=%d n=%d k=%d: nextInBand %v, the walk %v", iter, m, n, k, w, want)
			}
		}
	}
	if answered < 300 {
		t.Fatalf("nextInBand answered %d times in 900: the test checks too little", answered)
	}
}

// BenchmarkNextDifference is nextInBand against plainNext after the
// Hodges–Lehmann median's selection, 5,760 recorded values a side.
func BenchmarkNextDifference(b *testing.B) {
	x, y := rankAtSamples(rand.New(rand.NewPCG(7, 8)), 5760, 5760, 15)
	dm := newDiffMatrix(x, y, make([]float64, diffScratch(len(x), len(y))), nil)
	k := (dm.size() + 1) / 2
	v := dm.kth(k)
	if w, ok := dm.nextInBand(k, v); !ok || w != plainNext(dm, k, v) {
		b.Fatalf("nextInBand %v %v, the walk %v", w, ok, plainNext(dm, k, v))
	}
	b.Run("band", func(b *testing.B) { loopCPU(b, func() { dm.nextInBand(k, v) }) })
	b.Run("count-walk", func(b *testing.B) { loopCPU(b, func() { plainNext(dm, k, v) }) })
}
