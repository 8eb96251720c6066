package promtest

import (
	"fmt"
	"time"
)

// RatioScenarios names the scenarios of RatioFixture, each selected by the
// label scenario="…" (v1 is the baseline, v2 the canary).
var RatioScenarios = []string{"reset", "appear", "no-numerator", "no-traffic", "one-side-no-traffic", "tenth", "regression"}

// RatioFixture returns counters for the `kind: ratio` tests:
// shop_requests_total{version, scenario, instance, code=200|500} over the
// standard fixture's hour, a sample every 15 s (index i = 0 … 240). Unless a
// scenario says otherwise an instance serves 150 requests per sample (10/s)
// and v1 fails one at every fourth sample (60 an hour). The counts the
// tests expect, judged at 60 s steps, are worked out in
// testdata/oracle/poisson.R's prom-* cases:
//
//   - reset: v2 fails every second sample (120 an hour) and restarts after
//     00:30:00 (sample 121): both its counters start again from 0;
//   - appear: v2 has instance a (as v1) and instance b from 00:30:00 (sample
//     120, at 0); b's first 5xx is at sample 130 (the series appears at 1)
//     and then one every fourth sample;
//   - no-numerator: v2 has no 5xx series at all; v1 fails at samples 40,
//     120 and 200;
//   - no-traffic: neither side serves a request (flat counters);
//   - one-side-no-traffic: v2's counters are flat;
//   - tenth: v2 serves 15 requests per sample and fails one every 40th;
//   - regression: v2 fails at every sample (four times v1's rate).
func RatioFixture() []Series {
	var out []Series
	counter := func(version, scenario, inst, code string, from int, start float64, inc func(i int) float64, resetAfter int) {
		s := Series{Name: "shop_requests_total", Labels: map[string]string{"version": version, "scenario": scenario, "instance": inst, "code": code}}
		v := start
		for i := from; i < FixturePoints; i++ {
			if i > from {
				if i == resetAfter {
					v = 0
				}
				v += inc(i)
			}
			s.Samples = append(s.Samples, Sample{T: FixtureStart().Add(time.Duration(i) * FixtureStep), V: v})
		}
		out = append(out, s)
	}
	const never = -1
	every := func(k int) func(int) float64 {
		return func(i int) float64 {
			if i%k == 0 {
				return 1
			}
			return 0
		}
	}
	at := func(samples ...int) func(int) float64 {
		return func(i int) float64 {
			for _, s := range samples {
				if i == s {
					return 1
				}
			}
			return 0
		}
	}
	flat := func(int) float64 { return 0 }
	served := func(n float64) func(int) float64 { return func(int) float64 { return n } }
	for _, sc := range RatioScenarios {
		// The baseline, v1.
		switch sc {
		case "no-traffic":
			counter("v1", sc, "a", "200", 0, 5000, flat, never)
			counter("v1", sc, "a", "500", 0, 7, flat, never)
		case "no-numerator":
			counter("v1", sc, "a", "200", 0, 1000, served(150), never)
			counter("v1", sc, "a", "500", 0, 2, at(40, 120, 200), never)
		default:
			counter("v1", sc, "a", "200", 0, 1000, served(150), never)
			counter("v1", sc, "a", "500", 0, 2, every(4), never)
		}
		// The canary, v2.
		switch sc {
		case "reset":
			counter("v2", sc, "a", "200", 0, 1000, served(150), 121)
			counter("v2", sc, "a", "500", 0, 2, every(2), 121)
		case "appear":
			counter("v2", sc, "a", "200", 0, 1000, served(150), never)
			counter("v2", sc, "a", "500", 0, 2, every(4), never)
			counter("v2", sc, "b", "200", 120, 0, served(150), never)
			counter("v2", sc, "b", "500", 130, 1, func(i int) float64 { return every(4)(i + 2) }, never)
		case "no-numerator":
			counter("v2", sc, "a", "200", 0, 1000, served(150), never)
		case "no-traffic", "one-side-no-traffic":
			counter("v2", sc, "a", "200", 0, 5000, flat, never)
			counter("v2", sc, "a", "500", 0, 7, flat, never)
		case "tenth":
			counter("v2", sc, "a", "200", 0, 1000, served(15), never)
			counter("v2", sc, "a", "500", 0, 2, every(40), never)
		case "regression":
			counter("v2", sc, "a", "200", 0, 1000, served(150), never)
			counter("v2", sc, "a", "500", 0, 2, served(1), never)
		}
	}
	return out
}

// BenchRatioFixture returns the counters of n ratio metrics for the load
// benchmark: bench_requests_total{metric="NNN", version} and
// bench_errors_total{metric="NNN", version} sampled every step over dur
// ending at end: about 105 requests and a quarter of an error per sample
// (0.24% errors, the same on both versions), from a deterministic generator.
func BenchRatioFixture(n int, end time.Time, dur, step time.Duration) []Series {
	points := int(dur/step) + 1
	start := end.Add(-time.Duration(points-1) * step)
	out := make([]Series, 0, 4*n)
	state := uint64(0x2545F4914F6CDD1D)
	next := func() uint64 { // xorshift64*
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		return state * 2685821657736338717
	}
	for m := 0; m < n; m++ {
		for _, version := range []string{"v1", "v2"} {
			labels := map[string]string{"metric": fmt.Sprintf("%03d", m), "version": version}
			req := Series{Name: "bench_requests_total", Labels: labels, Samples: make([]Sample, points)}
			errs := Series{Name: "bench_errors_total", Labels: labels, Samples: make([]Sample, points)}
			var r, e float64
			for i := range req.Samples {
				if i > 0 {
					r += float64(90 + next()>>59) // 90 … 121 requests
					if next()%4 == 0 {
						e++
					}
				}
				t := start.Add(time.Duration(i) * step)
				req.Samples[i], errs.Samples[i] = Sample{T: t, V: r}, Sample{T: t, V: e}
			}
			out = append(out, req, errs)
		}
	}
	return out
}
