package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

var (
	inf = math.Inf(1)
	nan = math.NaN()
)

func TestEmptyAndNonFinite(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
	}{
		{"empty x", nil, []float64{1}},
		{"empty y", []float64{1}, []float64{}},
		{"x only NaN", []float64{nan, nan}, []float64{1, 2}},
		{"y only infinite", []float64{1}, []float64{inf, -inf, nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := MannWhitneyUTest(tc.x, tc.y, TwoSided); !errors.Is(err, ErrEmpty) {
				t.Errorf("MannWhitneyUTest error %v, want ErrEmpty", err)
			}
			if _, err := Compare(tc.x, tc.y, 0.95); !errors.Is(err, ErrEmpty) {
				t.Errorf("Compare error %v, want ErrEmpty", err)
			}
			if _, err := Effects(tc.x, tc.y); !errors.Is(err, ErrEmpty) {
				t.Errorf("Effects error %v, want ErrEmpty", err)
			}
		})
	}
}

// TestNonFiniteDropped checks the documented rule: NaN and ±Inf are dropped
// before testing, so the results equal those of the finite values alone.
func TestNonFiniteDropped(t *testing.T) {
	x := []float64{1.5, 2.25, 3, 4.5, 7}
	y := []float64{0.5, 1, 2, 2.5, 3.5, 6}
	want, err := Compare(x, y, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compare(append([]float64{inf, nan}, x...), append(y, -inf, nan), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("with non-finite values %+v, without %+v", got, want)
	}
	if got.N1 != 5 || got.N2 != 6 {
		t.Errorf("N1, N2 = %d, %d, want 5, 6", got.N1, got.N2)
	}
}

func TestBadArguments(t *testing.T) {
	x, y := []float64{1, 2}, []float64{3, 4}
	for _, conf := range []float64{0, 1, -0.5, 1.5, nan} {
		if _, err := Compare(x, y, conf); err == nil {
			t.Errorf("Compare with confidence %v: no error", conf)
		}
	}
	if _, err := MannWhitneyUTest(x, y, Alternative(7)); err == nil {
		t.Error("MannWhitneyUTest with alternative 7: no error")
	}
	if _, err := Compare([]float64{1e308, -1e308}, []float64{-1e308}, 0.95); !errors.Is(err, ErrOverflow) {
		t.Errorf("overflowing differences: error %v, want ErrOverflow", err)
	}
}

// TestDegenerate covers the cases where R has no interval.
func TestDegenerate(t *testing.T) {
	c, err := Compare([]float64{5, 5, 5}, []float64{5, 5, 5, 5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Comparison{N1: 3, N2: 4, U: 6, P: 1, Confidence: 0.95, Achieved: 0.95, Method: MethodAsymptotic}); c != want {
		t.Errorf("all equal: %+v, want %+v", c, want)
	}
	for _, alt := range []Alternative{TwoSided, Greater, Less} {
		if r, _ := MannWhitneyUTest([]float64{2, 2}, []float64{2}, alt); r.P != 1 {
			t.Errorf("all equal, alternative %d: P = %v, want 1", alt, r.P)
		}
	}
	// both constant but different: R errors, the shift is the one difference
	c, err = Compare([]float64{5, 5, 5}, []float64{3, 3, 3, 3}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if c.Estimate != 2 || c.CILow != 2 || c.CIHigh != 2 || c.U != 12 {
		t.Errorf("constant samples: %+v, want U 12 and shift 2", c)
	}
	// one value each: exact, p = 1, interval is the difference
	c, err = Compare([]float64{1}, []float64{4}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != MethodExact || c.P != 1 || c.Estimate != -3 || c.CILow != -3 || c.CIHigh != -3 {
		t.Errorf("1 vs 1: %+v", c)
	}
}

func TestMinPValue(t *testing.T) {
	for _, tc := range []struct {
		m, n int
		want float64
	}{
		{0, 5, 1},
		{5, 0, 1},
		{-1, 3, 1},
		{1, 1, 0.5},
		{3, 4, 1.0 / 35},
		{10, 10, 1.0 / 184756},
		// R: pnorm((50*50/2 - 0.5)/sqrt(50*50*101/12), lower.tail=FALSE)
		{50, 50, 3.5330359651944821e-18},
	} {
		if got := MinPValue(tc.m, tc.n); !relClose(got, tc.want, 1e-9) {
			t.Errorf("MinPValue(%d, %d) = %.17g, want %.17g", tc.m, tc.n, got, tc.want)
		}
	}
	// the minimum is reachable: U = m·n gives exactly MinPValue
	x, y := []float64{4, 5, 6}, []float64{1, 2, 3, 3.5}
	if r, _ := MannWhitneyUTest(x, y, Greater); !relClose(r.P, MinPValue(3, 4), 1e-12) {
		t.Errorf("greater p of separated samples %v, MinPValue %v", r.P, MinPValue(3, 4))
	}
}

func TestWilcoxDistSumsToChoose(t *testing.T) {
	for _, mn := range [][2]int{{1, 1}, {2, 3}, {9, 4}, {20, 20}, {49, 49}} {
		d := newWilcoxDist(mn[0], mn[1])
		if want := binomial(mn[0]+mn[1], mn[0]); !relClose(d.total, want, 1e-12) {
			t.Errorf("%v: total %v, choose %v", mn, d.total, want)
		}
		for k := 0; k <= d.mn; k++ {
			if d.count[k] < 0 || d.count[k] != d.count[d.mn-k] {
				t.Fatalf("%v: count[%d] = %v, count[%d] = %v", mn, k, d.count[k], d.mn-k, d.count[d.mn-k])
			}
		}
	}
}

// TestPairReuse: a Pair built in memory another Pair released, dirty and of
// another size, gives what a Pair in fresh memory gives.
func TestPairReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for iter := range 40 {
		x, y := randomSample(r, 5+r.IntN(400), iter), randomSample(r, 5+r.IntN(400), iter+1)
		s, scratch, err := newTwoSample(x, y, diffScratch(len(x), len(y))) // fresh, outside the pools
		if err != nil {
			t.Fatal(err)
		}
		ints := make([]int32, diffInts(len(s.x)))
		fresh := &Pair{s: s, scratch: scratch, ints: &ints}
		want, err := fresh.Compare(0.95)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPair(x, y)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Compare(0.95)
		if err != nil {
			t.Fatal(err)
		}
		p.Release()
		p.Release() // a second Release does nothing
		if got != want {
			t.Fatalf("iter %d: reused memory gave %+v, fresh %+v", iter, got, want)
		}
	}
}

// TestIntervalEndBounds: whenever wLoAbove or wHiBelow vouches for an end of
// the asymptotic interval's search range, R's W there (wAt) agrees; and for
// samples of a few hundred they vouch, sparing the two merges.
func TestIntervalEndBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	fired := 0
	for iter := range 600 {
		m, n := 1+r.IntN(60), 1+r.IntN(60)
		if iter%3 == 0 {
			m, n = 100+r.IntN(900), 100+r.IntN(900)
		}
		x, y := randomSample(r, m, iter), randomSample(r, n, iter/3)
		s, _, err := newTwoSample(x, y, 0)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := s.x[0]-s.y[len(s.y)-1], s.x[len(s.x)-1]-s.y[0]
		for _, z := range []float64{0.1, 1.281, 1.96, 2.576, 3.29} {
			if s.wLoAbove(lo, z) {
				if w := s.wAt(lo); !(w > z) {
					t.Fatalf("iter %d m=%d n=%d z=%v: wLoAbove, but W(lo) = %v", iter, len(s.x), len(s.y), z, w)
				}
				fired++
			}
			if s.wHiBelow(hi, z) {
				if w := s.wAt(hi); !(w < -z) {
					t.Fatalf("iter %d m=%d n=%d z=%v: wHiBelow, but W(hi) = %v", iter, len(s.x), len(s.y), z, w)
				}
				fired++
			}
		}
		if m >= 100 && n >= 100 && iter%4 == 0 && !s.wLoAbove(lo, 1.96) && s.wAt(lo) > 3 {
			t.Errorf("iter %d m=%d n=%d: W(lo) = %v but wLoAbove(1.96) does not vouch", iter, len(s.x), len(s.y), s.wAt(lo))
		}
	}
	if fired < 1000 {
		t.Errorf("the bounds vouched %d times in 600 cases × 5 levels × 2 ends", fired)
	}
}
