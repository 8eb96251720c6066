package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSignedRankBadInput(t *testing.T) {
	for _, x := range [][]float64{nil, {}, {nan}, {inf, -inf, nan}} {
		if _, err := SignedRank(x, 0, TwoSided); !errors.Is(err, ErrEmpty) {
			t.Errorf("SignedRank(%v) error %v, want ErrEmpty", x, err)
		}
		if _, err := SignedRankCI(x, 0.95); !errors.Is(err, ErrEmpty) {
			t.Errorf("SignedRankCI(%v) error %v, want ErrEmpty", x, err)
		}
	}
	if _, err := SignedRank([]float64{1}, nan, TwoSided); err == nil {
		t.Error("SignedRank with mu NaN: no error")
	}
	if _, err := SignedRank([]float64{1}, 0, Alternative(7)); err == nil {
		t.Error("SignedRank with an unknown alternative: no error")
	}
	for _, c := range []float64{0, 1, -0.5, nan} {
		if _, err := SignedRankCI([]float64{1, 2}, c); err == nil {
			t.Errorf("SignedRankCI confidence %v: no error", c)
		}
	}
}

// TestSignedRankNonFiniteDropped: NaN and ±Inf are dropped, so the result
// equals that of the finite values alone.
func TestSignedRankNonFiniteDropped(t *testing.T) {
	x := []float64{0.3, -1.2, 2.5, 0.8, 1.9, -0.4, 3.1}
	withBad := append([]float64{nan, inf}, x...)
	withBad = append(withBad, -inf)
	for _, alt := range []Alternative{TwoSided, Greater, Less} {
		a, _ := SignedRank(x, 0.1, alt)
		b, _ := SignedRank(withBad, 0.1, alt)
		if a != b {
			t.Errorf("alt %d: %+v with non-finite values, %+v without", alt, b, a)
		}
	}
	a, _ := SignedRankCI(x, 0.9)
	b, _ := SignedRankCI(withBad, 0.9)
	if a != b {
		t.Errorf("interval %+v with non-finite values, %+v without", b, a)
	}
}

// TestSignedRankAllEqualMu: every value equal to mu leaves no difference;
// R has no two-sided answer and verdict says P = 1.
func TestSignedRankAllEqualMu(t *testing.T) {
	for _, alt := range []Alternative{TwoSided, Greater, Less} {
		r, err := SignedRank([]float64{2, 2, 2, 2}, 2, alt)
		if err != nil || r.N != 0 || r.V != 0 || r.P != 1 || r.Method != MethodAsymptotic {
			t.Errorf("alt %d: %+v, %v; want N 0, V 0, P 1, asymptotic", alt, r, err)
		}
	}
	ci, _ := SignedRankCI([]float64{0, 0, 0}, 0.95)
	if !math.IsNaN(ci.Estimate) || !math.IsNaN(ci.Low) || !math.IsNaN(ci.High) || ci.Achieved != 0 {
		t.Errorf("all zero: %+v, want NaN estimate and bounds, achieved 0", ci)
	}
	ci, _ = SignedRankCI([]float64{0, 4, 4, 4}, 0.95)
	if ci.Estimate != 4 || !math.IsNaN(ci.Low) || !math.IsNaN(ci.High) || ci.Achieved != 0 {
		t.Errorf("constant nonzero: %+v, want estimate 4, NaN bounds, achieved 0", ci)
	}
}

// TestSignedRankSmallExact checks hand-counted exact p-values: with n = 4
// untied differences all positive, V = 10 and P(V >= 10) = 1/16.
func TestSignedRankSmallExact(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	r, _ := SignedRank(x, 0, Greater)
	if r.V != 10 || r.P != 1.0/16 || r.Method != MethodExact || r.N != 4 {
		t.Errorf("greater: %+v, want V 10 P 1/16 exact", r)
	}
	r, _ = SignedRank(x, 0, TwoSided)
	if r.P != 2.0/16 {
		t.Errorf("two-sided: P %v, want 1/8", r.P)
	}
	// mu = 2.5: differences -1.5 -0.5 0.5 1.5 tie in absolute value: asymptotic.
	r, _ = SignedRank(x, 2.5, TwoSided)
	if r.Method != MethodAsymptotic || r.V != 5 || r.P != 1 {
		t.Errorf("mu 2.5: %+v, want asymptotic V 5 P 1", r)
	}
	// A zero forces the normal approximation even for small n.
	r, _ = SignedRank([]float64{0, 1, 2, 3}, 0, Greater)
	if r.Method != MethodAsymptotic || r.N != 3 || r.V != 6 {
		t.Errorf("with a zero: %+v, want asymptotic N 3 V 6", r)
	}
}

func TestMinSignedRankP(t *testing.T) {
	for n := 1; n < 50; n++ {
		want := math.Ldexp(1, -n)
		if got := MinSignedRankP(n); !relClose(got, want, 1e-14) {
			t.Errorf("MinSignedRankP(%d) = %g, want 2^-%d", n, got, n)
		}
		// It is what SignedRank gives for n positive, untied values.
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i + 1)
		}
		if r, _ := SignedRank(x, 0, Greater); r.P != MinSignedRankP(n) {
			t.Errorf("n %d: SignedRank P %g, MinSignedRankP %g", n, r.P, MinSignedRankP(n))
		}
	}
	if MinSignedRankP(0) != 1 || MinSignedRankP(-3) != 1 {
		t.Error("MinSignedRankP of no values is not 1")
	}
	// Above the exact threshold: the normal tail of (n(n+1)/4 - 0.5)/σ.
	n := 60.0
	want := pnormUpper((n*(n+1)/4 - 0.5) / math.Sqrt(n*(n+1)*(2*n+1)/24))
	if got := MinSignedRankP(60); got != want {
		t.Errorf("MinSignedRankP(60) = %g, want %g", got, want)
	}
	// Seven blocks reach α = 0.01 one-sided, six do not.
	if MinSignedRankP(7) >= 0.01 || MinSignedRankP(6) < 0.01 {
		t.Errorf("MinSignedRankP(6) = %g, (7) = %g: the 0.01 threshold moved", MinSignedRankP(6), MinSignedRankP(7))
	}
}

// walshQuantiles are the sorted Walsh averages of x, by brute force.
func walshQuantiles(x []float64) []float64 {
	var w []float64
	for i := range x {
		for j := i; j < len(x); j++ {
			w = append(w, (x[i]+x[j])/2)
		}
	}
	slices.Sort(w)
	return w
}

// TestSignedRankCIShape checks properties that do not depend on R's exact
// numbers: the interval holds the estimate, shifts with the data, and the
// asymptotic bounds sit on (within R's tolerance of) Walsh averages.
func TestSignedRankCIShape(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{10, 49, 50, 120, 400} {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() + 0.3
		}
		ci, err := SignedRankCI(x, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if !(ci.Low <= ci.Estimate && ci.Estimate <= ci.High) || ci.Achieved != 0.95 {
			t.Errorf("n %d: %+v does not hold its estimate at 95%%", n, ci)
		}
		shifted := make([]float64, n)
		for i, v := range x {
			shifted[i] = v + 10
		}
		cs, _ := SignedRankCI(shifted, 0.95)
		if math.Abs(cs.Low-ci.Low-10) > 1e-9 || math.Abs(cs.High-ci.High-10) > 1e-9 {
			t.Errorf("n %d: shifting by 10 moved the interval from %+v to %+v", n, ci, cs)
		}
		w := walshQuantiles(x)
		for _, b := range []float64{ci.Low, ci.High} {
			k, _ := slices.BinarySearch(w, b)
			near := math.Inf(1)
			for _, j := range []int{k - 1, k} {
				if j >= 0 && j < len(w) {
					near = math.Min(near, math.Abs(w[j]-b))
				}
			}
			if near > 1e-11 {
				t.Errorf("n %d: bound %v is %g from the nearest Walsh average", n, b, near)
			}
		}
	}
}

func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("Holm[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if len(Holm(nil)) != 0 {
		t.Error("Holm(nil) is not empty")
	}
	in := []float64{0.9, 0.5}
	if out := Holm(in); out[0] != 1 || out[1] != 1 || in[0] != 0.9 {
		t.Errorf("Holm(%v) = %v: want capped at 1 and the input untouched", in, out)
	}
}

// bruteSignedRanks is R's computation spelled out: x - d, zeros dropped,
// midranks of the absolute values by comparing every pair.
func bruteSignedRanks(x []float64, d float64) signedRanks {
	var y []float64
	r := signedRanks{}
	for _, v := range x {
		if v-d == 0 {
			r.zeros = true
			continue
		}
		y = append(y, v-d)
	}
	r.n = len(y)
	counted := map[float64]bool{}
	for _, a := range y {
		less, equal := 0, 0
		for _, b := range y {
			switch {
			case math.Abs(b) < math.Abs(a):
				less++
			case math.Abs(b) == math.Abs(a):
				equal++
			}
		}
		if a > 0 {
			r.v += float64(less) + float64(equal+1)/2
		}
		if equal > 1 && !counted[math.Abs(a)] {
			counted[math.Abs(a)] = true
			r.ties = true
			r.tieSum += cube(int64(equal))
		}
	}
	return r
}

// testSample is n ascending values of one kind: normal (0), integers in
// [-3, 3] (1), normal rounded to quarters (2), 1e16 plus even integers, so
// neighbours collapse when shifted (3), normal×10 rounded (4), 1e9 plus
// thousandths (5).
func testSample(r *rand.Rand, n, kind int) []float64 {
	x := make([]float64, n)
	for i := range x {
		v := r.NormFloat64()
		switch kind {
		case 1:
			v = float64(r.IntN(7) - 3)
		case 2:
			v = math.Round(v*4) / 4
		case 3:
			v = 1e16 + float64(r.IntN(64))*2
		case 4:
			v = math.Round(v * 10)
		case 5:
			v = 1e9 + v*1e-3
		}
		x[i] = v
	}
	slices.Sort(x)
	return x
}

// TestSignedRankAtBrute checks the O(n) merge (and its untied fast path)
// against the pairwise definition, at shifts that create zeros and ties
// (data values, Walsh averages) and at shifts large enough to collapse
// neighbouring values in float64.
func TestSignedRankAtBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 400 {
		n := 1 + r.IntN(40)
		x := testSample(r, n, trial%4)
		ds := []float64{0, r.NormFloat64(), x[r.IntN(n)], (x[r.IntN(n)] + x[r.IntN(n)]) / 2, 0.5, 3e16}
		for _, d := range ds {
			got, want := signedRankAt(x, d), bruteSignedRanks(x, d)
			if got != want {
				t.Fatalf("x %v, d %v: %+v, want %+v", x, d, got, want)
			}
		}
	}
}

// TestRankCache checks that the cache answers exactly as a fresh evaluation
// at the points R's solver visits and at random points between them, on
// untied, tied and large-magnitude samples.
func TestRankCache(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for trial := range 60 {
		n := 2 + r.IntN(300)
		x := testSample(r, n, []int{0, 4, 5}[trial%3])
		c := &rankCache{s: newRankSample(x, nil)}
		var visited []float64
		w := func(d float64) float64 {
			visited = append(visited, d)
			got, want := c.at(d), signedRankAt(x, d)
			if got != want {
				t.Fatalf("trial %d: at(%v) = %+v, fresh %+v", trial, d, got, want)
			}
			return got.z(TwoSided)
		}
		lo, hi := x[0], x[n-1]
		if lo == hi {
			continue
		}
		zeroin(func(d float64) float64 { return w(d) - 1.5 }, lo, hi, w(lo)-1.5, w(hi)-1.5, 1e-12)
		for range 200 {
			a, b := visited[r.IntN(len(visited))], visited[r.IntN(len(visited))]
			w(a + (b-a)*r.Float64())
		}
	}
}
