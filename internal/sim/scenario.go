// Package sim simulates canary runs for the validity benchmark: seeded
// baseline and canary data for A/A and regressed scenarios, written as verdict
// recordings with the configs that judge them (make bench-validity).
package sim

import (
	"fmt"
	"strings"
	"time"
)

// Scenario is one kind of simulated canary run. Series scenarios generate
// gauge-like metrics (latency, CPU); count scenarios generate request and
// error counters for one kind: ratio metric.
type Scenario struct {
	Name string
	// Metrics is the number of series metrics; the first is critical and is
	// the one a regression moves. 0 makes a count scenario.
	Metrics int
	// Noise is the standard deviation of each series' log-noise.
	Noise float64
	// Phi is the AR(1) coefficient of that noise (0: independent points).
	Phi float64
	// Drift is the amplitude (in log units) of a load drift both sides share.
	Drift float64
	// Pods is the number of series per side (default 1); PodSpread the
	// standard deviation of each pod's own log-level.
	Pods      int
	PodSpread float64
	// Shift multiplies the canary's critical metric (1.2: +20%); 0 or 1 is A/A.
	Shift float64
	// Margin is allowed_increase as config text ("10%"); "" is none.
	Margin string

	// Count scenarios: requests per second per side, the baseline's error
	// share, the canary's error multiplier (0 or 1: A/A), and bursts.
	RPS        float64
	ErrorRate  float64
	ErrorShift float64
	// Bursty makes errors arrive in bursts: in a share BurstProb of steps
	// the error share is BurstFactor times its usual value, the rest scaled
	// down so the mean stays ErrorRate.
	Bursty bool

	// Target is what the validity targets (issue 13) ask of the default config.
	Target Target
}

// Target is a validity target on the default config's verdict shares.
type Target struct {
	MinPromote float64 // promote share at least this (0: none)
	MaxAbort   float64 // abort share at most this (0: none, unless MinPromote is set)
	MinAbort   float64 // abort share at least this (0: none)
}

// Window of every simulated run: 1 h at 15 s, 241 points per series.
var (
	End      = time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	Duration = time.Hour
	Step     = 15 * time.Second
)

// IsCount reports whether the scenario simulates counters for a ratio metric.
func (s Scenario) IsCount() bool { return s.Metrics == 0 }

// Regressed reports whether the canary is made worse than the baseline.
func (s Scenario) Regressed() bool {
	return (s.Shift != 0 && s.Shift != 1) || (s.ErrorShift != 0 && s.ErrorShift != 1)
}

// Describe is the scenario's parameters in words, for the benchmark's table.
func (s Scenario) Describe() string {
	var b []string
	if s.IsCount() {
		b = append(b, fmt.Sprintf("%g req/s, %g%% errors", s.RPS, 100*s.ErrorRate))
		if s.Bursty {
			b = append(b, "bursty")
		}
		if s.ErrorShift > 0 && s.ErrorShift != 1 {
			b = append(b, fmt.Sprintf("canary %g× errors", s.ErrorShift))
		}
	} else {
		b = append(b, fmt.Sprintf("%d metric(s), noise %g", s.Metrics, s.Noise))
		if s.Phi > 0 {
			b = append(b, fmt.Sprintf("AR(1) φ=%g", s.Phi))
		}
		if s.Drift > 0 {
			b = append(b, fmt.Sprintf("shared drift %g", s.Drift))
		}
		if s.Pods > 1 {
			b = append(b, fmt.Sprintf("%d pods a side, pod spread %g", s.Pods, s.PodSpread))
		}
		if s.Shift > 0 && s.Shift != 1 {
			b = append(b, fmt.Sprintf("critical %+.0f%%", 100*(s.Shift-1)))
		}
	}
	if s.Margin != "" {
		b = append(b, "margin "+s.Margin)
	}
	return strings.Join(b, ", ")
}

// TargetText is the target in words ("" when the scenario has none).
func (t Target) TargetText() string {
	var b []string
	if t.MinPromote > 0 {
		b = append(b, fmt.Sprintf("promote ≥ %g%%", 100*t.MinPromote))
	}
	if t.MaxAbort > 0 {
		b = append(b, fmt.Sprintf("abort ≤ %g%%", 100*t.MaxAbort))
	}
	if t.MinAbort > 0 {
		b = append(b, fmt.Sprintf("abort ≥ %g%%", 100*t.MinAbort))
	}
	return strings.Join(b, ", ")
}

// Met reports whether shares meet the target.
func (t Target) Met(s Shares) bool {
	return s.Promote >= t.MinPromote-1e-12 &&
		(t.MaxAbort == 0 || s.Abort <= t.MaxAbort+1e-12) &&
		s.Abort >= t.MinAbort-1e-12
}

// Set reports whether the target asks anything.
func (t Target) Set() bool { return t.MinPromote > 0 || t.MaxAbort > 0 || t.MinAbort > 0 }

var (
	healthy   = Target{MinPromote: 0.95, MaxAbort: 0.02}
	regressed = Target{MinAbort: 0.90}
)

// Scenarios is the benchmark's series list, in the order it prints them.
// Noise 0.2 (log units) is a noisy latency; the AR(1) regression has less
// (0.15, and 0.1 as in the research notes), as issue 13 sets it; under a
// drift of 0.5 the noise is 0.1, so the drift both sides share is most of
// what moves a series. Without a margin the noise level does not change an
// A/A run's verdict (rank tests do not see scale); with one, or with a
// regression, it does.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "aa-iid", Metrics: 10, Noise: 0.2, Target: healthy},
		{Name: "aa-ar0.5", Metrics: 10, Noise: 0.2, Phi: 0.5},
		{Name: "aa-ar0.8", Metrics: 10, Noise: 0.2, Phi: 0.8},
		{Name: "aa-ar0.9", Metrics: 10, Noise: 0.2, Phi: 0.9, Target: healthy},
		{Name: "aa-drift", Metrics: 10, Noise: 0.1, Drift: 0.5, Target: healthy},
		{Name: "aa-1-metric", Metrics: 1, Noise: 0.2},
		{Name: "aa-50-metrics", Metrics: 50, Noise: 0.2, Target: healthy},
		{Name: "aa-pods", Metrics: 10, Noise: 0.2, Pods: 3, PodSpread: 0.05},
		{Name: "aa-pods-margin", Metrics: 10, Noise: 0.2, Pods: 3, PodSpread: 0.05, Margin: "10%", Target: Target{MaxAbort: 0.02}},
		{Name: "aa-ar0.9-margin", Metrics: 10, Noise: 0.2, Phi: 0.9, Margin: "10%"},
		{Name: "reg-iid+20%", Metrics: 10, Noise: 0.2, Shift: 1.2, Target: regressed},
		{Name: "reg-drift+10%", Metrics: 10, Noise: 0.1, Drift: 0.5, Shift: 1.1, Target: regressed},
		{Name: "reg-ar0.8+20%", Metrics: 10, Noise: 0.15, Phi: 0.8, Shift: 1.2, Target: Target{MinAbort: 0.80}},
		{Name: "reg-ar0.8+20%-noise0.1", Metrics: 10, Noise: 0.1, Phi: 0.8, Shift: 1.2, Target: Target{MinAbort: 0.80}},
		{Name: "reg-iid+20%-margin", Metrics: 10, Noise: 0.2, Shift: 1.2, Margin: "10%"},
	}
}

// countHealthy reads issue 14's "identical instances never abort" as a
// share of simulated runs; countRegressed is its "2% vs 0.1% errors abort".
var (
	countHealthy   = Target{MaxAbort: 0.02}
	countRegressed = Target{MinAbort: 0.90}
)

// CountScenarios are the kind: ratio scenarios (issue 14).
func CountScenarios() []Scenario {
	return []Scenario{
		{Name: "aa-errors-none", RPS: 20, ErrorRate: 0, Target: Target{MinPromote: 0.95, MaxAbort: 0.02}},
		{Name: "aa-errors-0.1%-5rps", RPS: 5, ErrorRate: 0.001, Target: countHealthy},
		{Name: "aa-errors-1%-5rps", RPS: 5, ErrorRate: 0.01, Target: countHealthy},
		{Name: "aa-errors-0.1%-100rps", RPS: 100, ErrorRate: 0.001, Target: countHealthy},
		{Name: "aa-errors-1%-100rps", RPS: 100, ErrorRate: 0.01, Target: countHealthy},
		{Name: "aa-errors-bursty", RPS: 20, ErrorRate: 0.005, Bursty: true},
		{Name: "aa-errors-margin", RPS: 100, ErrorRate: 0.01, Margin: "10%"},
		{Name: "reg-errors-1.5×", RPS: 10, ErrorRate: 0.005, ErrorShift: 1.5},
		{Name: "reg-errors-2×", RPS: 10, ErrorRate: 0.005, ErrorShift: 2},
		{Name: "reg-errors-bursty-2×", RPS: 20, ErrorRate: 0.005, Bursty: true, ErrorShift: 2},
		{Name: "reg-errors-0.1%→2%", RPS: 20, ErrorRate: 0.001, ErrorShift: 20, Target: countRegressed},
	}
}
