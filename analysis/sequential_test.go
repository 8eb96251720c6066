package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func simReps(t *testing.T, full int) int {
	if testing.Short() {
		return full / 8
	}
	return full
}

// The t-mixture Bayes factor has mean 1 under its null (it is a likelihood
// ratio of the scale-invariant t statistic, t ~ Student(n−1) under H0):
// integrated exactly over t's density, for several n and g.
func TestTMixtureMeanOneUnderNull(t *testing.T) {
	for _, n := range []float64{2, 4, 10, 40} {
		for _, g := range []float64{0.1, 0.5, 4} {
			st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
			// t = tan θ over (−π/2, π/2), dt = (1 + t²) dθ
			const steps = 40000
			sum, plus, h := 0.0, 0.0, math.Pi/steps
			for i := 1; i < steps; i++ {
				tv := math.Tan(-math.Pi/2 + float64(i)*h)
				sum += math.Exp(tMixtureLogBF(n, tv, g)+st.LogProb(tv)) * (1 + tv*tv) * h
				plus += math.Exp(tMixtureLogBFPlus(n, tv, g)+st.LogProb(tv)) * (1 + tv*tv) * h
			}
			if math.Abs(sum-1) > 1e-3 {
				t.Errorf("n=%v g=%v: E[BF] under H0 = %.6f, want 1", n, g, sum)
			}
			if math.Abs(plus-1) > 1e-3 {
				t.Errorf("n=%v g=%v: E[BF₊] under H0 = %.6f, want 1", n, g, plus)
			}
		}
	}
}

// cloneCount copies a CountSequential so that the next interval can be tried
// with every outcome.
func cloneCount(s *CountSequential) *CountSequential {
	c := *s
	c.logR = append([]float64(nil), s.logR...)
	c.logL = append([]float64(nil), s.logL...)
	return &c
}

// Given m events in the next interval, the canary's x is Binomial(m, p(r));
// the expected next e-value, summed exactly over x, equals the current one
// at r = r0 and is below it for r inside H0 (a supermartingale).
func TestCountSequentialSupermartingale(t *testing.T) {
	for _, tc := range []struct {
		r0, rTrue float64
		alt       Alternative
		equal     bool
	}{
		{1, 1, Greater, true}, {1.1, 1.1, Greater, true}, {1.1, 1.1, Less, true}, {0.9, 0.9, Less, true},
		{1.1, 0.8, Greater, false}, {1.1, 1.6, Less, false},
	} {
		s, _ := NewCountSequential(tc.r0, tc.alt, 0)
		_ = s.Update(12, 3000, 9, 5000) // some history with another share
		_ = s.Update(4, 1000, 3, 1000)
		now := s.Evidence().E
		const m = 40
		nc, nb := 2000.0, 6000.0
		share := nc / (nc + nb)
		p := tc.rTrue * share / (tc.rTrue*share + 1 - share)
		next := 0.0
		for x := 0; x <= m; x++ {
			c := cloneCount(s)
			_ = c.Update(float64(x), nc, float64(m-x), nb)
			lg, _ := math.Lgamma(m + 1)
			lx, _ := math.Lgamma(float64(x) + 1)
			ly, _ := math.Lgamma(float64(m-x) + 1)
			pmf := math.Exp(lg - lx - ly + float64(x)*math.Log(p) + float64(m-x)*math.Log1p(-p))
			next += pmf * c.Evidence().E
		}
		switch {
		case tc.equal && math.Abs(next/now-1) > 1e-9:
			t.Errorf("%+v: E[next] = %.12g, now %.12g: want equal", tc, next, now)
		case !tc.equal && !(next < now):
			t.Errorf("%+v: E[next] = %.12g, now %.12g: want smaller", tc, next, now)
		}
	}
}

func TestCountSequentialDirections(t *testing.T) {
	up, _ := NewCountSequential(1.1, Greater, 0)
	down, _ := NewCountSequential(1.1, Less, 0)
	for range 10 { // canary twice the baseline's rate, equal exposure
		_ = up.Update(40, 10000, 20, 10000)
		_ = down.Update(40, 10000, 20, 10000)
	}
	if p := up.Evidence().P; p > 1e-6 {
		t.Errorf("canary 2× worse: inferiority p = %g, want tiny", p)
	}
	if p := down.Evidence().P; p != 1 {
		t.Errorf("canary 2× worse: non-inferiority p = %g, want 1", p)
	}
	within, _ := NewCountSequential(1.5, Less, 0)
	for range 30 { // equal rates, margin 50%: shown within the margin
		_ = within.Update(50, 10000, 50, 10000)
	}
	if p := within.Evidence().P; p > 0.001 {
		t.Errorf("equal rates, margin 50%%: non-inferiority p = %g, want small", p)
	}
}

func TestCountSequentialBadInput(t *testing.T) {
	for _, bad := range []struct {
		r0  float64
		alt Alternative
		k   float64
	}{{0, Greater, 0}, {math.Inf(1), Greater, 0}, {1, TwoSided, 0}, {1, Greater, -1}, {math.NaN(), Less, 0}} {
		if _, err := NewCountSequential(bad.r0, bad.alt, bad.k); err == nil {
			t.Errorf("NewCountSequential(%v, %v, %v): want an error", bad.r0, bad.alt, bad.k)
		}
	}
	s, _ := NewCountSequential(1, Greater, 0)
	if err := s.Update(-1, 10, 0, 10); err == nil {
		t.Error("negative events: want an error")
	}
	if err := s.Update(math.NaN(), 10, 0, 10); err == nil {
		t.Error("NaN events: want an error")
	}
	if err := s.Update(3, 0, 1, 10); err != nil || s.Intervals() != 0 || s.Evidence().E != 1 {
		t.Errorf("no canary exposure: want no evidence, got %v %+v", err, s.Evidence())
	}
}

func TestSeriesSequentialBlocksAndBurnIn(t *testing.T) {
	s, err := NewSeriesSequential(3, SeriesOptions{MinBlocks: 3})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Track(0, Greater)
	zeros := make([]float64, 8)
	s.Push(zeros, []float64{1, 1.1, math.NaN(), 0.9, 1.2, 1, 0.8}) // NaN skipped: two blocks and one point
	if s.Blocks() != 2 || s.Evidence(h).E != 1 {
		t.Fatalf("after 2 blocks: blocks=%d E=%v, want 2 and no evidence during burn-in", s.Blocks(), s.Evidence(h).E)
	}
	s.Push(zeros, []float64{1.1, 0.9, 1.3})
	if s.Blocks() != 3 || !(s.Evidence(h).E > 1) {
		t.Fatalf("after 3 clearly positive blocks: blocks=%d E=%v, want evidence > 1", s.Blocks(), s.Evidence(h).E)
	}
	if got, want := s.Mean(), (1+1.1+0.9+1.2+1+0.8+1.1+0.9+1.3)/9; math.Abs(got-want) > 1e-12 {
		t.Errorf("mean of block means = %v, want %v", got, want)
	}
	if _, err := NewSeriesSequential(0, SeriesOptions{}); err == nil {
		t.Error("block length 0: want an error")
	}
	if _, err := NewSeriesSequential(2, SeriesOptions{Precision: -1}); err == nil {
		t.Error("negative precision: want an error")
	}
}

// Incremental feeding gives the same evidence as feeding everything at once.
func TestSeriesSequentialIncremental(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	_, bs, cs := latency(r, 0.5, 1.1, 0)
	a, _ := NewSeriesSequential(4, SeriesOptions{})
	b, _ := NewSeriesSequential(4, SeriesOptions{})
	ha, hb := a.Track(0.001, Greater), b.Track(0.001, Greater)
	for i := 0; i < len(bs); i += 7 {
		a.Push(bs[i:min(i+7, len(bs))], cs[i:min(i+7, len(cs))])
	}
	b.Push(bs, cs)
	if a.Evidence(ha) != b.Evidence(hb) {
		t.Errorf("incremental %+v != at once %+v", a.Evidence(ha), b.Evidence(hb))
	}
}

// False rejections under H0 when checked every minute for 30 minutes stay at
// or below α (with room for Monte Carlo error), for iid and AR(1) series and
// for counts; and the regressions the targets name are detected.
func TestSequentialSimulation(t *testing.T) {
	reps := simReps(t, 2000)
	const alpha = 0.05
	slack := 3 * math.Sqrt(alpha*(1-alpha)/float64(reps))
	rows := [][]string{{"scenario", "L (median)", "H0, α=0.05", "H0, α=0.005", "+20% / 2×, α=0.005"}}
	for i, phi := range []float64{0, 0.5, 0.8} {
		for _, hist := range []int{0, 60} {
			r := rand.New(rand.NewPCG(uint64(10+i), uint64(hist)))
			h0, h0s, h1, ls := make([]int, reps), make([]int, reps), make([]int, reps), make([]int, reps)
			for k := range reps {
				hb, b, c := latency(r, phi, 1, hist)
				h0[k], ls[k] = seriesRun(hb, b, c, SeriesOptions{}, alpha)
				h0s[k], _ = seriesRun(hb, b, c, SeriesOptions{}, 0.005)
				hb, b, c = latency(r, phi, 1.2, hist)
				h1[k], _ = seriesRun(hb, b, c, SeriesOptions{}, 0.005)
			}
			sort.Ints(ls)
			s0, s0s, s1 := summarize(h0), summarize(h0s), summarize(h1)
			name := fmt.Sprintf("latency AR(1) φ=%.1f, %d min history", phi, hist/4)
			rows = append(rows, []string{name, fmt.Sprint(ls[reps/2]), s0.rate(), s0s.rate(), s1.String()})
			if (hist > 0 || phi <= 0.5) && s0.rejected > alpha+slack {
				t.Errorf("%s: false rejection %.3f > α=%v", name, s0.rejected, alpha)
			}
			if phi <= 0.5 && s1.rejected < 0.9 {
				t.Errorf("%s: +20%% detected in %.3f of runs, want ≥ 0.9", name, s1.rejected)
			}
		}
	}
	for i, rps := range []float64{5, 20, 100} {
		r := rand.New(rand.NewPCG(uint64(20+i), 2))
		h0, h0s, h1 := make([]int, reps), make([]int, reps), make([]int, reps)
		for k := range reps {
			seed := r.Uint64()
			h0[k] = countRun(rand.New(rand.NewPCG(seed, 1)), rps, 0.005, 1, 0, alpha)
			h0s[k] = countRun(rand.New(rand.NewPCG(seed, 1)), rps, 0.005, 1, 0, 0.005)
			h1[k] = countRun(r, rps, 0.005, 2, 0, 0.005)
		}
		s0, s0s, s1 := summarize(h0), summarize(h0s), summarize(h1)
		rows = append(rows, []string{fmt.Sprintf("errors 0.5%%, %v req/s", rps), "-", s0.rate(), s0s.rate(), s1.String()})
		if s0.rejected > alpha+slack {
			t.Errorf("%v req/s: false rejection %.3f > α=%v", rps, s0.rejected, alpha)
		}
		if rps >= 20 && s1.rejected < 0.9 {
			t.Errorf("%v req/s: 2× errors detected in %.3f of runs, want ≥ 0.9", rps, s1.rejected)
		}
	}
	t.Logf("%d rollouts each, 30 min at 15 s, checked every minute\n%s", reps, table(rows))
}
