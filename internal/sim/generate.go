package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// Scopes of the two sides in every generated config and recording.
const (
	BaselineScope = `side="baseline"`
	CanaryScope   = `side="canary"`
)

// base is every series metric's typical value (a latency in seconds).
const base = 0.25

// Rand is the run's generator: seeded from the benchmark seed, the scenario's
// name and the run number, so a run's data never depends on which other
// scenarios or runs are in the benchmark.
func Rand(seed uint64, scenario string, run int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(scenario))
	return rand.New(rand.NewPCG(seed^h.Sum64(), uint64(run)))
}

// Times are the window's sample times, both ends included.
func Times() []time.Time {
	var ts []time.Time
	for t := End.Add(-Duration); !t.After(End); t = t.Add(Step) {
		ts = append(ts, t)
	}
	return ts
}

// AR1 returns n values of a stationary AR(1) process with coefficient phi and
// unit variance: x_t = phi·x_{t-1} + sqrt(1-phi²)·e_t. phi = 0 is white noise.
func AR1(rng *rand.Rand, n int, phi float64) []float64 {
	x := make([]float64, n)
	if n == 0 {
		return x
	}
	x[0] = rng.NormFloat64()
	s := math.Sqrt(1 - phi*phi)
	for t := 1; t < n; t++ {
		x[t] = phi*x[t-1] + s*rng.NormFloat64()
	}
	return x
}

// sharedDrift is a load drift both sides share, in log units: a slow wave of
// random phase (one period per 40 min) plus a slowly wandering AR(1) part.
func sharedDrift(rng *rand.Rand, n int, amp float64) []float64 {
	d := make([]float64, n)
	if amp == 0 {
		return d
	}
	phase := 2 * math.Pi * rng.Float64()
	slow := AR1(rng, n, 0.98)
	perStep := 2 * math.Pi * Step.Minutes() / 40
	for t := range d {
		d[t] = amp * (0.7*math.Sin(phase+perStep*float64(t)) + 0.5*slow[t])
	}
	return d
}

// MetricName is the name of series metric i.
func MetricName(i int) string { return fmt.Sprintf("m%02d", i) }

// Query is a series metric's query (it carries the scope as PromQL would).
func Query(name string) string { return name + "{ {{ .Scope }} }" }

// seriesRecording fills rec with the scenario's series metrics.
func seriesRecording(rng *rand.Rand, sc Scenario, rec *metrics.Recording) error {
	ts := Times()
	pods := max(sc.Pods, 1)
	for i := 0; i < sc.Metrics; i++ {
		name := MetricName(i)
		drift := sharedDrift(rng, len(ts), sc.Drift)
		for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
			mult := 1.0
			if side == metrics.Canary && i == 0 && sc.Shift > 0 {
				mult = sc.Shift
			}
			var res metrics.Result
			for p := 0; p < pods; p++ {
				level := sc.PodSpread * rng.NormFloat64()
				x := AR1(rng, len(ts), sc.Phi)
				s := metrics.Series{Labels: map[string]string{"pod": fmt.Sprintf("%s-%d", side, p)}}
				for t, at := range ts {
					v := base * mult * math.Exp(drift[t]+level+sc.Noise*x[t])
					s.Points = append(s.Points, metrics.Point{T: at, V: math.Round(v*1e6) / 1e6})
				}
				res.Series = append(res.Series, s)
			}
			if err := put(rec, name, "", side, Query(name), res); err != nil {
				return err
			}
		}
	}
	return nil
}

// put stores one side's result under the query the config will send; part
// names the query of a ratio metric ("numerator", "denominator"), "" for a series.
func put(rec *metrics.Recording, name, part string, side metrics.Side, query string, res metrics.Result) error {
	scope := BaselineScope
	if side == metrics.Canary {
		scope = CanaryScope
	}
	expr, err := metrics.Expand(query, scope, Step)
	if err != nil {
		return fmt.Errorf("metric %s %s: %w", name, part, err)
	}
	rec.Put(metrics.Query{Metric: name, Part: part, Side: side, Expr: expr, Start: End.Add(-Duration), End: End, Step: Step}, res, nil)
	return nil
}

// Recording generates one run of the scenario.
func Recording(rng *rand.Rand, sc Scenario) (*metrics.Recording, error) {
	rec := &metrics.Recording{
		Version: metrics.RecordingVersion,
		Window:  metrics.RecordedWindow{Start: End.Add(-Duration), End: End, Step: metrics.Duration(Step)},
	}
	var err error
	if sc.IsCount() {
		err = countRecording(rng, sc, rec)
	} else {
		err = seriesRecording(rng, sc, rec)
	}
	return rec, err
}

// Config is the canary.yaml that judges a run of sc from recording.json
// beside it. rev1 asks for revision 1's test (Mann–Whitney on every point, no
// multiple-testing adjustment, margins assumed); rev1Keys says whether the
// binary knows the keys that ask for it (a revision-1 binary does not and
// judges that way anyway).
func Config(sc Scenario, rev1, rev1Keys bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nsource: {recording: recording.json}\n")
	fmt.Fprintf(&b, "window: {end: %s, duration: %s, step: %s}\n", End.Format(time.RFC3339), Duration, Step)
	fmt.Fprintf(&b, "baseline: {scope: '%s'}\ncanary: {scope: '%s'}\nconfidence: 0.98\n", BaselineScope, CanaryScope)
	if rev1 && rev1Keys {
		b.WriteString("multiple_testing: none\nmargin_test: none\n")
	}
	b.WriteString("metrics:\n")
	margin := ""
	if sc.Margin != "" {
		margin = ", allowed_increase: " + sc.Margin
	}
	test := ""
	if rev1 && rev1Keys {
		test = ", test: mann-whitney"
	}
	if sc.IsCount() {
		if rev1 {
			// Revision 1 had no counts: the error ratio as a series, as its docs taught.
			fmt.Fprintf(&b, "  - {name: %s, query: '%s', fail_on: increase, critical: true, nan: zero%s%s}\n",
				ErrorRatio, ErrorRatioQuery, margin, test)
		} else {
			fmt.Fprintf(&b, "  - {name: %s, kind: ratio, numerator: '%s', denominator: '%s', fail_on: increase, critical: true%s}\n",
				Errors, ErrorsQuery, RequestsQuery, margin)
		}
		return b.String()
	}
	for i := 0; i < sc.Metrics; i++ {
		crit := ""
		if i == 0 {
			crit = ", critical: true"
		}
		name := MetricName(i)
		fmt.Fprintf(&b, "  - {name: %s, query: '%s', fail_on: increase%s%s%s}\n", name, Query(name), crit, margin, test)
	}
	return b.String()
}
