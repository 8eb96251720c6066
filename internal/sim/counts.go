package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// The count scenarios' metric: errors per request from two counters, and
// the same errors as revision 1's docs taught them, a derived series.
const (
	Errors          = "errors"
	ErrorsQuery     = `http_requests_total{ {{ .Scope }}, code=~"5.." }`
	RequestsQuery   = `http_requests_total{ {{ .Scope }} }`
	ErrorRatio      = "error_ratio"
	ErrorRatioQuery = `sum by (pod) (rate(http_requests_total{ {{ .Scope }}, code=~"5.." }[1m])) / sum by (pod) (rate(http_requests_total{ {{ .Scope }} }[1m]))`
)

// Bursts in a bursty count scenario: in this share of steps the error share
// is burstFactor times its usual value (the other steps are scaled down so
// the mean stays the scenario's ErrorRate).
const (
	burstProb   = 0.02
	burstFactor = 25.0
	countPods   = 2 // counter series per side, each serving half the traffic
)

// Poisson draws a Poisson(mean) count: Knuth's product method for small
// means, a rounded normal (continuity-corrected, never negative) above 50.
func Poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return max(0, int(math.Floor(mean+math.Sqrt(mean)*rng.NormFloat64()+0.5)))
	}
	l, k, p := math.Exp(-mean), 0, rng.Float64()
	for p > l {
		k++
		p *= rng.Float64()
	}
	return k
}

// podCounts is one pod's traffic: requests and errors per step.
type podCounts struct{ req, err []int }

// simulateCounts draws a pod's per-step requests and errors.
func simulateCounts(rng *rand.Rand, sc Scenario, steps int, errShare float64) podCounts {
	c := podCounts{req: make([]int, steps), err: make([]int, steps)}
	perStep := sc.RPS * Step.Seconds() / countPods
	calm := errShare
	if sc.Bursty {
		calm = errShare * (1 - burstProb*burstFactor) / (1 - burstProb)
	}
	for t := range c.req {
		c.req[t] = Poisson(rng, perStep)
		p := calm
		if sc.Bursty && rng.Float64() < burstProb {
			p = errShare * burstFactor
		}
		c.err[t] = min(c.req[t], Poisson(rng, float64(c.req[t])*p))
	}
	return c
}

// countRecording fills rec with the counters of the errors metric (its
// numerator and denominator parts) and the derived error_ratio series.
func countRecording(rng *rand.Rand, sc Scenario, rec *metrics.Recording) error {
	ts := Times()
	steps := len(ts) - 1
	for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
		share := sc.ErrorRate
		if side == metrics.Canary && sc.ErrorShift > 0 {
			share *= sc.ErrorShift
		}
		var num, den, ratio metrics.Result
		for p := 0; p < countPods; p++ {
			pod := fmt.Sprintf("%s-%d", side, p)
			c := simulateCounts(rng, sc, steps, share)
			// Counters start where a long-running process would have them.
			r0, e0 := math.Floor(1e6*rng.Float64()), math.Floor(1e3*rng.Float64())
			if share == 0 {
				e0 = 0 // a service that never fails
			}
			den.Series = append(den.Series, counter(ts, c.req, r0, map[string]string{"pod": pod}))
			if slices.Max(c.err) == 0 && e0 == 0 {
				// A pod that never failed a request has no 5xx series (client
				// libraries create labelled children on first use), so neither
				// query returns anything for it.
				continue
			}
			num.Series = append(num.Series, counter(ts, c.err, e0, map[string]string{"pod": pod, "code": "500"}))
			ratio.Series = append(ratio.Series, ratioSeries(ts, c, map[string]string{"pod": pod}))
		}
		if err := put(rec, Errors, "numerator", side, ErrorsQuery, num); err != nil {
			return err
		}
		if err := put(rec, Errors, "denominator", side, RequestsQuery, den); err != nil {
			return err
		}
		if err := put(rec, ErrorRatio, "", side, ErrorRatioQuery, ratio); err != nil {
			return err
		}
	}
	return nil
}

// counter is a cumulative counter series starting at v0 with per-step increments inc.
func counter(ts []time.Time, inc []int, v0 float64, labels map[string]string) metrics.Series {
	s := metrics.Series{Labels: labels, Points: make([]metrics.Point, len(ts))}
	v := v0
	for i, t := range ts {
		if i > 0 {
			v += float64(inc[i-1])
		}
		s.Points[i] = metrics.Point{T: t, V: v}
	}
	return s
}

// ratioSeries is what `rate(errors[1m]) / rate(requests[1m])` returns at each
// step: errors over requests in the last minute (four steps, fewer at the
// start); NaN where there were no requests.
func ratioSeries(ts []time.Time, c podCounts, labels map[string]string) metrics.Series {
	s := metrics.Series{Labels: labels, Points: make([]metrics.Point, len(ts))}
	w := int(time.Minute / Step)
	for i, t := range ts {
		var e, r int
		for j := max(0, i-w); j < i; j++ {
			e += c.err[j]
			r += c.req[j]
		}
		v := math.NaN()
		if r > 0 {
			v = float64(e) / float64(r)
		}
		s.Points[i] = metrics.Point{T: t, V: v}
	}
	return s
}
