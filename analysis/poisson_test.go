package analysis

import (
	"errors"
	"math"
	"testing"
)

func TestPoissonRatioRefusesWhatRRefuses(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name              string
		xc, nc, xb, nb, r float64
		noRate            bool
	}{
		{"negative events", -1, 10, 1, 10, 1, false},
		{"fractional events", 0.5, 10, 1, 10, 1, false},
		{"NaN events", nan, 10, 1, 10, 1, false},
		{"infinite events", 1, 10, inf, 10, 1, false},
		{"negative total", 1, -10, 1, 10, 1, false},
		{"NaN total", 1, 10, 1, nan, 1, false},
		{"negative r", 1, 10, 1, 10, -0.5, false},
		{"NaN r", 1, 10, 1, 10, nan, false},
		{"no traffic on either side", 1, 0, 1, 0, 1, true},
		{"infinite totals", 1, inf, 1, inf, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := PoissonRatio(c.xc, c.nc, c.xb, c.nb, c.r, TwoSided)
			if err == nil {
				t.Fatalf("p = %v, want an error", p)
			}
			if errors.Is(err, ErrNoRate) != c.noRate {
				t.Errorf("error %q: ErrNoRate %v, want %v", err, !c.noRate, c.noRate)
			}
		})
	}
	if _, _, _, err := PoissonRatioCI(1, 10, 1, 10, 1); err == nil {
		t.Error("confidence 1 accepted")
	}
	if _, err := PoissonRatio(1, 10, 1, 10, 1, Alternative(7)); err == nil {
		t.Error("an unknown alternative accepted")
	}
}

// TestPoissonRatioProperties checks what must hold whatever R says: p-values
// in [0, 1], one-sided p-values summing to 1 + P(X = x), the two-sided one
// at least the smaller one-sided one, and the interval around the estimate.
func TestPoissonRatioProperties(t *testing.T) {
	for _, c := range [][4]float64{{3, 6000, 7, 6000}, {0, 100, 9, 100}, {40, 1e5, 2, 1e4}, {12345, 1e7, 12001, 1e7}, {1, 1, 1, 1}} {
		xc, nc, xb, nb := c[0], c[1], c[2], c[3]
		for _, r := range []float64{0.9, 1, 1.1, 2} {
			g, _ := PoissonRatio(xc, nc, xb, nb, r, Greater)
			l, _ := PoissonRatio(xc, nc, xb, nb, r, Less)
			two, _ := PoissonRatio(xc, nc, xb, nb, r, TwoSided)
			b, _ := newRatioBinom(xc, nc, xb, nb, r)
			if math.Abs(g+l-1-b.pmf(xc)) > 1e-9 {
				t.Errorf("%v r=%v: greater %v + less %v != 1 + P(X=x) %v", c, r, g, l, b.pmf(xc))
			}
			for _, p := range []float64{g, l, two} {
				if !(p >= 0 && p <= 1) {
					t.Errorf("%v r=%v: p %v outside [0, 1]", c, r, p)
				}
			}
			if two < math.Min(g, l)-1e-15 {
				t.Errorf("%v r=%v: two-sided %v below the one-sided %v", c, r, two, math.Min(g, l))
			}
		}
		est, lo, hi, err := PoissonRatioCI(xc, nc, xb, nb, 0.95)
		if err != nil || !(lo <= est && est <= hi) {
			t.Errorf("%v: estimate %v interval [%v, %v] err %v", c, est, lo, hi, err)
		}
	}
}

// BenchmarkPoissonRatio is the cost of one metric's tests at large counts:
// both one-sided p-values, the two-sided one and the interval.
func BenchmarkPoissonRatio(b *testing.B) {
	for _, c := range []struct {
		name           string
		xc, nc, xb, nb float64
	}{
		{"10-errors", 3, 6000, 7, 6000},
		{"10k-errors-in-4.8M", 5200, 2.6e6, 4800, 2.4e6},
		{"4M-events", 2.1e6, 2.2e6, 1.9e6, 2e6},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				PoissonRatio(c.xc, c.nc, c.xb, c.nb, 1.1, Greater)
				PoissonRatio(c.xc, c.nc, c.xb, c.nb, 1.1, Less)
				PoissonRatio(c.xc, c.nc, c.xb, c.nb, 1, TwoSided)
				PoissonRatioCI(c.xc, c.nc, c.xb, c.nb, 0.98)
			}
		})
	}
}
