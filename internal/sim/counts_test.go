package sim

import (
	"math"
	"testing"

	"github.com/verdict-ci/verdict/metrics"
)

func TestPoissonMeanAndVariance(t *testing.T) {
	for _, mean := range []float64{0.05, 3, 37.5, 750} {
		rng := Rand(1, "poisson", int(mean))
		x := make([]float64, 100_000)
		for i := range x {
			x[i] = float64(Poisson(rng, mean))
		}
		m, v := meanVar(x)
		if math.Abs(m-mean) > 0.02*mean+0.005 || math.Abs(v-mean) > 0.05*mean+0.005 {
			t.Errorf("Poisson(%g): mean %.4f variance %.4f", mean, m, v)
		}
	}
	if Poisson(Rand(1, "p", 0), 0) != 0 || Poisson(Rand(1, "p", 0), -1) != 0 {
		t.Error("Poisson of a mean ≤ 0 is not 0")
	}
}

// increase is a counter series' total increase (the generator makes no resets).
func increase(t *testing.T, q *metrics.RecordedQuery) (total float64) {
	t.Helper()
	for _, s := range q.Series {
		for i := 1; i < len(s.Points); i++ {
			d := s.Points[i].V - s.Points[i-1].V
			if d < 0 || d != math.Trunc(d) {
				t.Fatalf("counter step %v: not a whole, non-negative increase", d)
			}
			total += d
		}
	}
	return total
}

// perStep is the per-step increase of each series of a counter, pooled.
func perStep(q *metrics.RecordedQuery) []float64 {
	var out []float64
	for _, s := range q.Series {
		for i := 1; i < len(s.Points); i++ {
			out = append(out, s.Points[i].V-s.Points[i-1].V)
		}
	}
	return out
}

func TestCountsHaveTheirRatesAndShift(t *testing.T) {
	sc := Scenario{Name: "t", RPS: 100, ErrorRate: 0.01, ErrorShift: 2}
	var events, totals [2]float64
	for run := 0; run < 20; run++ {
		rec, err := Recording(Rand(1, sc.Name, run), sc)
		if err != nil {
			t.Fatal(err)
		}
		m := rec.Metrics[Errors]
		for k, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
			num, den := m.Lookup("numerator", side), m.Lookup("denominator", side)
			if num == nil || den == nil || len(num.Series) != countPods || len(den.Series[0].Points) != 241 {
				t.Fatalf("%s: parts missing or short", side)
			}
			events[k] += increase(t, num)
			totals[k] += increase(t, den)
		}
	}
	for k, want := range []float64{0.01, 0.02} {
		if got := events[k] / totals[k]; math.Abs(got-want) > 0.05*want {
			t.Errorf("side %d: error share %.5f, want %g", k, got, want)
		}
		if perRun := totals[k] / 20; math.Abs(perRun-100*3600) > 0.01*100*3600 {
			t.Errorf("side %d: %.0f requests an hour, want 360000", k, perRun)
		}
	}
}

// TestBurstsOverdisperseErrors checks that bursty errors keep their mean but
// vary far more from step to step than Poisson errors do.
func TestBurstsOverdisperseErrors(t *testing.T) {
	dispersion := func(bursty bool) (mean, disp float64) {
		sc := Scenario{Name: "t", RPS: 20, ErrorRate: 0.005, Bursty: bursty}
		var x []float64
		for run := 0; run < 50; run++ {
			rec, err := Recording(Rand(2, sc.Name, run), sc)
			if err != nil {
				t.Fatal(err)
			}
			x = append(x, perStep(rec.Metrics[Errors].Lookup("numerator", metrics.Canary))...)
		}
		m, v := meanVar(x)
		return m, v / m
	}
	m0, d0 := dispersion(false)
	m1, d1 := dispersion(true)
	if math.Abs(m1-m0) > 0.1*m0 {
		t.Errorf("bursts changed the mean errors per step: %.4f vs %.4f", m1, m0)
	}
	if math.Abs(d0-1) > 0.1 || d1 < 4 {
		t.Errorf("dispersion %.2f without bursts (want ≈ 1), %.2f with (want ≥ 4)", d0, d1)
	}
}

// TestErrorRatioSeriesIsTheLastMinute checks revision 1's derived series: at
// each step, errors over requests in the minute before it.
func TestErrorRatioSeriesIsTheLastMinute(t *testing.T) {
	sc := Scenario{Name: "t", RPS: 5, ErrorRate: 0.05}
	rec, err := Recording(Rand(3, sc.Name, 0), sc)
	if err != nil {
		t.Fatal(err)
	}
	num := rec.Metrics[Errors].Lookup("numerator", metrics.Baseline).Series[0].Points
	den := rec.Metrics[Errors].Lookup("denominator", metrics.Baseline).Series[0].Points
	ratio := rec.Metrics[ErrorRatio].Baseline.Series[0].Points
	if !math.IsNaN(ratio[0].V) {
		t.Errorf("first point %v, want NaN (no minute before it)", ratio[0].V)
	}
	for i := 4; i < len(ratio); i++ {
		e, r := num[i].V-num[i-4].V, den[i].V-den[i-4].V
		if want := e / r; r > 0 && math.Abs(ratio[i].V-want) > 1e-12 {
			t.Fatalf("point %d: %v, want %v", i, ratio[i].V, want)
		}
	}
}

// TestNoErrorsNoErrorSeries checks that a service that never fails returns
// no 5xx series at all, as Prometheus would, while its requests are there.
func TestNoErrorsNoErrorSeries(t *testing.T) {
	sc := Scenario{Name: "t", RPS: 20}
	rec, err := Recording(Rand(1, sc.Name, 0), sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
		num, den := rec.Metrics[Errors].Lookup("numerator", side), rec.Metrics[Errors].Lookup("denominator", side)
		if num == nil || len(num.Series) != 0 || len(rec.Metrics[ErrorRatio].Lookup("", side).Series) != 0 {
			t.Errorf("%s: error series recorded for a service without errors", side)
		}
		if den == nil || len(den.Series) != countPods || increase(t, den) == 0 {
			t.Errorf("%s: no requests recorded", side)
		}
	}
}
