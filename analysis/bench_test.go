package analysis

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// lognormal returns n deterministic lognormal samples, latency-like.
func lognormal(n int, mu, sigma float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 42))
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Exp(mu + sigma*r.NormFloat64())
	}
	return x
}

func benchCompare(b *testing.B, n int) {
	x := lognormal(n, math.Log(210), 0.3, 1)
	y := lognormal(n, math.Log(200), 0.3, 2)
	b.ReportAllocs()
	loopCPU(b, func() {
		if _, err := Compare(x, y, 0.98); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(float64(2*n)*math.Log2(float64(n)*float64(n))), "ns/((m+n)log2(mn))")
	// Pairs reuse pooled memory, so B/op stays near zero: report what one
	// comparison holds instead, its floats and per-row counts.
	p, err := NewPair(x, y)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Compare(0.98); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(8*cap(*p.floats)+4*cap(*p.ints))/float64(2*n), "B-held/value")
	p.Release()
}

// BenchmarkMannWhitney10k is the full analysis (U, two-sided p,
// Hodges–Lehmann estimate, 98% interval) of 10,000 vs 10,000 lognormal
// samples. Targets on one core: <= 6 ms/op and <= 64 B × (m+n) held.
func BenchmarkMannWhitney10k(b *testing.B) { benchCompare(b, 10_000) }

// BenchmarkCount is one counting walk over 10,000 × 10,000 differences. The
// pivot changes from call to call, as it does in a selection: with one fixed
// pivot the processor learns the walk's branches and the figure flatters.
func BenchmarkCount(b *testing.B) {
	x := lognormal(10_000, math.Log(210), 0.3, 1)
	y := lognormal(10_000, math.Log(200), 0.3, 2)
	s, scratch, _ := newTwoSample(x, y, diffScratch(len(x), len(y)))
	dm := newDiffMatrix(s.x, s.y, scratch, nil)
	i := 0
	loopCPU(b, func() {
		i++
		dm.count(5+float64(i%1024)/128, dm.lt, dm.le)
	})
}

// loopCPU runs f in the benchmark loop and reports the CPU time per
// operation too, which is steadier than wall time on a shared machine.
func loopCPU(b *testing.B, f func()) {
	cpu0 := cpuTime()
	for b.Loop() {
		f()
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkMannWhitneyTied is the full analysis of 10,000 vs 10,000 values
// from {0, 1, 2, 3}, where most differences equal one of seven values: the
// counting walks must still take O(m+n) steps, not one per tied element.
func BenchmarkMannWhitneyTied(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	x, y := make([]float64, 10_000), make([]float64, 10_000)
	for i := range x {
		x[i], y[i] = float64(r.IntN(4)), float64(r.IntN(4))
	}
	loopCPU(b, func() {
		if _, err := Compare(x, y, 0.98); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkMannWhitney shows the growth at 1k, 10k and 100k per side.
func BenchmarkMannWhitney(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(itoa(n), func(b *testing.B) { benchCompare(b, n) })
	}
}

func itoa(n int) string {
	switch {
	case n%1000 == 0:
		return itoa(n/1000) + "k"
	case n < 10:
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// BenchmarkSignedRankCI is the signed-rank interval and estimate (R's
// asymptotic branch: three root searches over W(d), each step O(n)) of n
// paired differences; n = 10,000 is a day of 15 s points with L = 1.
func BenchmarkSignedRankCI(b *testing.B) {
	for _, n := range []int{240, 2000, 10_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			x := lognormal(n, math.Log(210), 0.3, 1)
			y := lognormal(n, math.Log(200), 0.3, 2)
			for i := range x {
				x[i] -= y[i]
			}
			b.ReportAllocs()
			loopCPU(b, func() {
				if _, err := SignedRankCI(x, 0.98); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
