package promtest

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The standard fixture: an hour of samples every 15 s for two versions
// (v1, the baseline, and v2, the canary) starting at FixtureStartUnix.
const (
	FixtureStartUnix = 1704067200 // 2024-01-01T00:00:00Z
	FixtureStep      = 15 * time.Second
	FixturePoints    = 241 // 0 s to 3600 s inclusive
)

// FixtureStart is the time of the first sample of the standard fixture.
func FixtureStart() time.Time { return time.Unix(FixtureStartUnix, 0).UTC() }

// FixtureEnd is the time of the last sample of the standard fixture.
func FixtureEnd() time.Time { return FixtureStart().Add((FixturePoints - 1) * FixtureStep) }

// Histogram bucket increments per 15 s of the standard fixture's
// http_request_duration_seconds_bucket, by version; the quantiles the tests
// expect follow from them (p50: v1 0.2125, v2 0.3125).
var fixtureBuckets = []struct {
	le     string
	v1, v2 float64
}{
	{"0.1", 10, 5}, {"0.25", 30, 20}, {"0.5", 45, 40}, {"1", 50, 50}, {"+Inf", 50, 50},
}

// Fixture returns the standard fixture's series:
//
//   - demo_latency_seconds{version,instance=a|b}: a gauge, v2 higher than v1;
//   - http_requests_total{version,instance=a|b,code=200|500}: counters with a
//     constant rate (200: 2/s; 500: 0.2/s for v1, 0.4/s for v2);
//   - http_request_duration_seconds_bucket{version,le}: histogram buckets;
//   - demo_special{version="v1"}: NaN every 4th sample, +Inf at 100, -Inf at 101;
//   - demo_slow{version}: a gauge sampled only every 60 s;
//   - demo_constant{version}: always 1.
func Fixture() []Series {
	var out []Series
	times := func(every time.Duration) []time.Time {
		var ts []time.Time
		for t := FixtureStart(); !t.After(FixtureEnd()); t = t.Add(every) {
			ts = append(ts, t)
		}
		return ts
	}
	all := times(FixtureStep)
	gen := func(name string, labels map[string]string, ts []time.Time, f func(i int) float64) Series {
		s := Series{Name: name, Labels: labels, Samples: make([]Sample, len(ts))}
		for i, t := range ts {
			s.Samples[i] = Sample{T: t, V: f(i)}
		}
		return s
	}
	for vi, version := range []string{"v1", "v2"} {
		for ii, inst := range []string{"a", "b"} {
			base := 0.1 + 0.02*float64(vi) + 0.005*float64(ii)
			out = append(out, gen("demo_latency_seconds", map[string]string{"version": version, "instance": inst}, all,
				func(i int) float64 { return round6(base + 0.001*float64(i%10)) }))
			for _, code := range []string{"200", "500"} {
				inc := 30.0
				if code == "500" {
					inc = 3 * float64(vi+1)
				}
				out = append(out, gen("http_requests_total", map[string]string{"version": version, "instance": inst, "code": code}, all,
					func(i int) float64 { return 1000 + inc*float64(i) }))
			}
		}
		for _, b := range fixtureBuckets {
			inc := b.v1
			if version == "v2" {
				inc = b.v2
			}
			out = append(out, gen("http_request_duration_seconds_bucket", map[string]string{"version": version, "le": b.le}, all,
				func(i int) float64 { return inc * float64(i) }))
		}
		out = append(out, gen("demo_slow", map[string]string{"version": version}, times(4*FixtureStep),
			func(i int) float64 { return float64(10*(vi+1) + i%7) }))
		out = append(out, gen("demo_constant", map[string]string{"version": version}, all,
			func(int) float64 { return 1 }))
	}
	out = append(out, gen("demo_special", map[string]string{"version": "v1"}, all, func(i int) float64 {
		switch {
		case i == 100:
			return math.Inf(1)
		case i == 101:
			return math.Inf(-1)
		case i%4 == 3:
			return math.NaN()
		}
		return float64(i)
	}))
	return out
}

// BenchFixture returns n gauges bench_metric_NNN{version=v1|v2}, sampled
// every step over dur ending at end: the benchmark's 100 metrics × 2 scopes.
// Values are deterministic pseudo-random; odd metrics are 5% higher in v2.
func BenchFixture(n int, end time.Time, dur, step time.Duration) []Series {
	return BenchFixturePods(n, 1, end, dur, step)
}

// BenchFixturePods is BenchFixture with pods series per metric and version
// (labelled pod="0", "1", …; no pod label when pods is 1): with pods = 2 a
// series metric's query returns as many samples as a ratio metric's
// numerator and denominator of BenchRatioFixture together.
func BenchFixturePods(n, pods int, end time.Time, dur, step time.Duration) []Series {
	points := int(dur/step) + 1
	start := end.Add(-time.Duration(points-1) * step)
	out := make([]Series, 0, 2*n*pods)
	state := uint64(0x9E3779B97F4A7C15)
	next := func() float64 { // xorshift64*: deterministic and fast
		state ^= state >> 12
		state ^= state << 25
		state ^= state >> 27
		return float64((state*2685821657736338717)>>11) / (1 << 53)
	}
	for m := 0; m < n; m++ {
		for vi, version := range []string{"v1", "v2"} {
			scale := 1.0
			if vi == 1 && m%2 == 1 {
				scale = 1.05
			}
			for pod := range pods {
				labels := map[string]string{"version": version}
				if pods > 1 {
					labels["pod"] = strconv.Itoa(pod)
				}
				s := Series{Name: fmt.Sprintf("bench_metric_%03d", m), Labels: labels, Samples: make([]Sample, points)}
				for i := range s.Samples {
					s.Samples[i] = Sample{T: start.Add(time.Duration(i) * step), V: round6(scale * (100 + 10*next()))}
				}
				out = append(out, s)
			}
		}
	}
	return out
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
