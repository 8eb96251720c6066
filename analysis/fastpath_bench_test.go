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

// BenchmarkSortFloats is sortFloats' radix sort against slices.Sort on
// latency-like values. Both sort a fresh copy each time.
func BenchmarkSortFloats(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		data := lognormal(n, math.Log(200), 0.3, 3)
		a, scratch := make([]float64, n), make([]float64, n)
		b.Run(itoa(n)+"/radix", func(b *testing.B) {
			loopCPU(b, func() {
				copy(a, data)
				sortFloats(a, scratch)
			})
		})
		b.Run(itoa(n)+"/slices.Sort", func(b *testing.B) {
			loopCPU(b, func() {
				copy(a, data)
				slices.Sort(a)
			})
		})
	}
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
