// Package traffic simulates the HTTP metrics of pods serving requests, as
// backfilled Prometheus fixtures for tests of whole configs: latency
// histograms and request counters by status code, in any naming scheme.
package traffic

import (
	"maps"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
)

// Pod is one scraped instance: its labels, the median of its request
// latency in seconds (log-normal, σ = 0.5), the share of requests that fail,
// and the share of requests that take ten times as long (a slow tail), from
// TailFrom on (from the start when zero).
type Pod struct {
	Labels   map[string]string
	Latency  float64
	Errors   float64
	Tail     float64
	TailFrom time.Time
}

// Names are the metric and label names of a stack's HTTP metrics.
type Names struct {
	Histogram string  // the latency histogram's _bucket series
	Requests  string  // the request counter
	Code      string  // its status code label
	OK, Fail  string  // the code label's values for a served and a failed request
	Unit      float64 // bucket bounds per second: 1 for seconds, 1000 for milliseconds
}

// ClientGolang is Prometheus' client libraries' conventional naming.
var ClientGolang = Names{"http_request_duration_seconds_bucket", "http_requests_total", "code", "200", "500", 1}

// Buckets are the histogram's upper bounds in seconds.
var Buckets = []float64{0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, math.Inf(1)}

// HTTP simulates points scrapes, step apart from start, of pods serving
// 40-60 requests between scrapes: cumulative bucket and request counters.
// The same seed gives the same series.
func HTTP(seed uint64, start time.Time, points int, step time.Duration, names Names, pods []Pod) []promtest.Series {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []promtest.Series
	for _, p := range pods {
		with := func(k, v string) map[string]string {
			l := map[string]string{k: v}
			for a, b := range p.Labels {
				l[a] = b
			}
			return l
		}
		hist := make([]promtest.Series, len(Buckets))
		for i, le := range Buckets {
			s := "+Inf"
			if !math.IsInf(le, 1) {
				s = strconv.FormatFloat(le*names.Unit, 'f', -1, 64)
			}
			hist[i] = promtest.Series{Name: names.Histogram, Labels: with("le", s)}
		}
		ok := promtest.Series{Name: names.Requests, Labels: with(names.Code, names.OK)}
		bad := promtest.Series{Name: names.Requests, Labels: with(names.Code, names.Fail)}
		counts := make([]float64, len(Buckets))
		var nOK, nBad float64
		for s := range points {
			t := start.Add(time.Duration(s) * step)
			for range 40 + rng.IntN(21) {
				lat := p.Latency * math.Exp(0.5*rng.NormFloat64())
				if p.Tail > 0 && !t.Before(p.TailFrom) && rng.Float64() < p.Tail {
					lat *= 10
				}
				for i, le := range Buckets {
					if lat <= le {
						counts[i]++
					}
				}
				if rng.Float64() < p.Errors {
					nBad++
				} else {
					nOK++
				}
			}
			for i := range Buckets {
				hist[i].Samples = append(hist[i].Samples, promtest.Sample{T: t, V: counts[i]})
			}
			ok.Samples = append(ok.Samples, promtest.Sample{T: t, V: nOK})
			bad.Samples = append(bad.Samples, promtest.Sample{T: t, V: nBad})
		}
		out = append(out, hist...)
		out = append(out, ok)
		if nBad > 0 {
			// A pod that never failed a request has no series for failures:
			// client libraries create a labelled child on its first use.
			out = append(out, bad)
		}
	}
	return out
}

// Gauge simulates a gauge per pod: mean + sd·N(0,1) at every scrape.
func Gauge(seed uint64, start time.Time, points int, step time.Duration, name string, pods []map[string]string, mean, sd float64) []promtest.Series {
	rng := rand.New(rand.NewPCG(seed, 2))
	return perPod(start, points, step, name, pods, func(float64) float64 { return mean + sd*rng.NormFloat64() })
}

// Counter simulates a counter per pod growing by about rate·step between
// scrapes (never less than zero), as CPU seconds or bytes sent do.
func Counter(seed uint64, start time.Time, points int, step time.Duration, name string, pods []map[string]string, rate, sd float64) []promtest.Series {
	rng := rand.New(rand.NewPCG(seed, 3))
	return perPod(start, points, step, name, pods, func(v float64) float64 {
		return v + math.Max(0, (rate+sd*rng.NormFloat64())*step.Seconds())
	})
}

// perPod is one series per pod, pod by pod, of points scrapes step apart
// from start; next gives each scrape's value from the pod's previous one
// (0 before its first).
func perPod(start time.Time, points int, step time.Duration, name string, pods []map[string]string, next func(prev float64) float64) []promtest.Series {
	var out []promtest.Series
	for _, l := range pods {
		s := promtest.Series{Name: name, Labels: maps.Clone(l)}
		v := 0.0
		for i := range points {
			v = next(v)
			s.Samples = append(s.Samples, promtest.Sample{T: start.Add(time.Duration(i) * step), V: v})
		}
		out = append(out, s)
	}
	return out
}
