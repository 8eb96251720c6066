package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func TestCounterIncrease(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		values []float64
		want   float64
	}{
		{"empty", nil, 0},
		{"one point", []float64{42}, 0},
		{"steady", []float64{10, 12, 15, 15, 20}, 10},
		{"reset", []float64{100, 110, 3, 8}, 10 + 3 + 5},
		{"reset to zero", []float64{5, 9, 0, 0, 2}, 4 + 0 + 2},
		{"two resets", []float64{7, 1, 4, 2}, 1 + 3 + 2},
		{"NaN skipped", []float64{nan, 10, nan, 14, nan, 20}, 10},
		{"NaN across a reset", []float64{50, nan, 4}, 4},
		{"all NaN", []float64{nan, nan}, 0},
		{"appears mid-window", []float64{nan, nan, 1, 1, 3}, 2},
		{"large whole counts", []float64{1e9, 1e9 + 123456, 1e9 + 2e6}, 2e6},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := CounterIncrease(c.values); got != c.want {
				t.Errorf("CounterIncrease(%v) = %v, want %v", c.values, got, c.want)
			}
			steps := make([]float64, len(c.values))
			if got := AddCounterSteps(steps, c.values); got != c.want {
				t.Errorf("AddCounterSteps total = %v, want %v", got, c.want)
			}
			sum := 0.0
			for _, s := range steps {
				sum += s
			}
			if sum != c.want {
				t.Errorf("steps %v sum to %v, want %v", steps, sum, c.want)
			}
		})
	}
}

func TestAddCounterStepsSumsSeries(t *testing.T) {
	nan := math.NaN()
	steps := make([]float64, 4)
	AddCounterSteps(steps, []float64{0, 2, 5, 1})       // +2 +3 reset +1
	AddCounterSteps(steps, []float64{nan, 10, nan, 13}) // appears, then +3 across a gap
	want := []float64{0, 2, 3, 1 + 3}
	for i := range want {
		if steps[i] != want[i] {
			t.Fatalf("steps = %v, want %v", steps, want)
		}
	}
}

func TestCountDispersion(t *testing.T) {
	even := CountSteps{Events: []float64{5, 5, 5, 5}, Totals: []float64{1000, 1000, 1000, 1000}}
	d := CountDispersion(even)
	if d.ChiSquare != 0 || d.DF != 3 || d.Index != 0 || d.Bursty {
		t.Errorf("evenly spread events: %+v, want χ² 0 on 3 df, not bursty", d)
	}
	// Events proportional to traffic are as expected, whatever the traffic.
	prop := CountSteps{Events: []float64{1, 10, 100}, Totals: []float64{100, 1000, 10000}}
	if d := CountDispersion(prop); math.Abs(d.ChiSquare) > 1e-12 || d.DF != 2 {
		t.Errorf("proportional events: %+v, want χ² 0 on 2 df", d)
	}
	// All of a side's events in one step of many is a burst.
	burst := CountSteps{Events: make([]float64, 60), Totals: make([]float64, 60)}
	for i := range burst.Totals {
		burst.Totals[i] = 600
	}
	burst.Events[30] = 40
	d = CountDispersion(burst, even)
	if d.DF != 59+3 || !(d.Index > 10) || !d.Bursty {
		t.Errorf("a 40-error burst: %+v, want a large index and Bursty", d)
	}
	// A hand-computed χ²: events 2, 6 over equal totals: expected 4 each.
	d = CountDispersion(CountSteps{Events: []float64{2, 6}, Totals: []float64{50, 50}})
	if d.ChiSquare != 2 || d.DF != 1 || d.Index != 2 {
		t.Errorf("2 vs 6: %+v, want χ² 2 on 1 df", d)
	}
	// Steps without traffic join the next step that has some; trailing ones the last.
	gappy := CountSteps{Events: []float64{1, 1, 0, 2, 1}, Totals: []float64{0, 50, 50, 50, 0}}
	d = CountDispersion(gappy)
	if d.DF != 2 || math.Abs(d.ChiSquare-(2*0.0/2+(0-5.0/3)*(0-5.0/3)/(5.0/3)+(3-5.0/3)*(3-5.0/3)/(5.0/3)+(2-5.0/3)*(2-5.0/3)/(5.0/3))) > 1e-12 {
		t.Errorf("gappy: %+v", d)
	}
	for _, c := range []struct {
		name  string
		sides []CountSteps
	}{
		{"no sides", nil},
		{"no events", []CountSteps{{Events: []float64{0, 0, 0}, Totals: []float64{10, 10, 10}}}},
		{"one step", []CountSteps{{Events: []float64{4}, Totals: []float64{100}}}},
		{"no traffic", []CountSteps{{Events: []float64{1, 2}, Totals: []float64{0, 0}}}},
	} {
		if d := CountDispersion(c.sides...); !math.IsNaN(d.Index) || d.DF != 0 || d.Bursty {
			t.Errorf("%s: %+v, want no figure (NaN, 0 df, not bursty)", c.name, d)
		}
	}
}

// burstScenario is one A/A simulation of a ratio metric: both sides run the
// same service for steps of stepSeconds at reqPerSec with errRate errors;
// with burst > 1 errors arrive in bursts of that many (the same mean).
type burstScenario struct {
	name       string
	reqPerSec  float64
	errRate    float64
	burst      float64
	wantBursty bool
}

// simulateSide draws one side's per-step requests and errors.
func simulateSide(r *rand.Rand, sc burstScenario, steps int) CountSteps {
	s := CountSteps{Events: make([]float64, steps), Totals: make([]float64, steps)}
	for t := range steps {
		load := sc.reqPerSec * 60 * (1 + 0.3*math.Sin(float64(t)/10)) // a slow swing in traffic
		n := distuv.Poisson{Lambda: load, Src: r}.Rand()
		s.Totals[t] = n
		if n == 0 {
			continue
		}
		if sc.burst <= 1 {
			s.Events[t] = distuv.Binomial{N: n, P: sc.errRate, Src: r}.Rand()
			continue
		}
		bursts := distuv.Poisson{Lambda: n * sc.errRate / sc.burst, Src: r}.Rand()
		s.Events[t] = bursts * sc.burst
	}
	return s
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// TestDispersionRule is the measurement behind BurstIndex and BurstZ: A/A
// runs of an hour at one-minute steps. With independent errors the rule
// rarely warns and the exact test keeps its false-alarm rate near α; with
// errors in bursts the exact test's false alarms are several times α — its
// p-value is too optimistic — and the rule warns on nearly every run.
func TestDispersionRule(t *testing.T) {
	const runs, steps, alpha = 2000, 60, 0.01
	r := rand.New(rand.NewPCG(20261201, 14))
	for _, sc := range []burstScenario{
		{"poisson 5 req/s 0.1%", 5, 0.001, 1, false},
		{"poisson 20 req/s 0.5%", 20, 0.005, 1, false},
		{"poisson 100 req/s 1%", 100, 0.01, 1, false},
		{"poisson 100 req/s 0.1%", 100, 0.001, 1, false},
		{"bursts of 10, 20 req/s 0.5%", 20, 0.005, 10, true},
		{"bursts of 5, 100 req/s 1%", 100, 0.01, 5, true},
		{"bursts of 20, 100 req/s 0.1%", 100, 0.001, 20, true},
		{"bursts of 2, 100 req/s 1%", 100, 0.01, 2, true},
		{"bursts of 2, 5 req/s 0.5%", 5, 0.005, 2, true},
	} {
		t.Run(sc.name, func(t *testing.T) {
			warned, rejected := 0, 0
			for range runs {
				c, b := simulateSide(r, sc, steps), simulateSide(r, sc, steps)
				if CountDispersion(c, b).Bursty {
					warned++
				}
				p, err := PoissonRatio(sum(c.Events), sum(c.Totals), sum(b.Events), sum(b.Totals), 1, Greater)
				if err != nil {
					t.Fatal(err)
				}
				if p < alpha {
					rejected++
				}
			}
			warnShare, falseAlarms := float64(warned)/runs, float64(rejected)/runs
			t.Logf("warned %.1f%%, exact test's false alarms %.1f%% (α %.0f%%)", 100*warnShare, 100*falseAlarms, 100*alpha)
			if sc.wantBursty {
				if warnShare < 0.95 {
					t.Errorf("bursty errors: warned on %.1f%% of runs, want ≥ 95%%", 100*warnShare)
				}
				if falseAlarms < 3*alpha {
					t.Errorf("bursty errors: false alarms %.1f%%, expected the exact test to be optimistic (≥ 3α)", 100*falseAlarms)
				}
			} else {
				if warnShare > 0.02 {
					t.Errorf("independent errors: warned on %.1f%% of runs, want ≤ 2%%", 100*warnShare)
				}
				if falseAlarms > 2.5*alpha {
					t.Errorf("independent errors: false alarms %.1f%%, want about α", 100*falseAlarms)
				}
			}
		})
	}
}
