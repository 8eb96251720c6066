// Package rollout simulates a canary rollout as a metrics.Source: a latency
// series and request/error counters for a baseline and a canary, for the
// tests and benchmarks of `verdict watch`.
package rollout

import (
	"context"
	"fmt"
	"github.com/verdict-ci/verdict/internal/draw"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// Spec describes one simulated rollout.
type Spec struct {
	Start  time.Time
	Step   time.Duration // default 15s
	Length time.Duration // default 30m
	// History is how long the series run before Start (the baseline's
	// history a watch may read); the counters start at Start.
	History time.Duration
	Seed    uint64

	// Latency: lognormal around 200 ms with log-noise sd Noise (default 0.1)
	// and AR(1) coefficient Phi per side; the canary's is Lift times the
	// baseline's level (1 = healthy).
	Phi, Noise, Lift float64
	// Requests per second on each side (default 20) and the share of them
	// that fail (default 0.005); the canary's error rate is ErrLift times it.
	RPS, ErrRate, ErrLift float64
}

// Metric names the source serves, and their parts.
const (
	Latency = "latency"
	Errors  = "errors"
)

type key struct {
	metric, part string
	side         metrics.Side
}

// Source serves a simulated rollout and counts what it serves.
type Source struct {
	spec Spec
	data map[key][]metrics.Point

	// Fail, when set, may fail a query (fault injection).
	Fail func(q metrics.Query) error

	mu       sync.Mutex
	served   map[key]map[int64]int // times each point was served
	requests int
}

// New simulates the rollout of spec.
func New(spec Spec) *Source {
	if spec.Step == 0 {
		spec.Step = 15 * time.Second
	}
	if spec.Length == 0 {
		spec.Length = 30 * time.Minute
	}
	if spec.Noise == 0 {
		spec.Noise = 0.1
	}
	if spec.Lift == 0 {
		spec.Lift = 1
	}
	if spec.RPS == 0 {
		spec.RPS = 20
	}
	if spec.ErrRate == 0 {
		spec.ErrRate = 0.005
	}
	if spec.ErrLift == 0 {
		spec.ErrLift = 1
	}
	s := &Source{spec: spec, data: map[key][]metrics.Point{}, served: map[key]map[int64]int{}}
	r := rand.New(rand.NewPCG(spec.Seed, 0x5eed))
	n := int(spec.Length/spec.Step) + 1
	h := int(spec.History / spec.Step)
	sec := spec.Step.Seconds()
	for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
		lift, errLift := 1.0, 1.0
		if side == metrics.Canary {
			lift, errLift = spec.Lift, spec.ErrLift
		}
		innov := spec.Noise * math.Sqrt(1-spec.Phi*spec.Phi)
		x := spec.Noise * r.NormFloat64()
		var lat, req, errs []metrics.Point
		var reqs, fails float64
		for i := -h; i < 0; i++ {
			lat = append(lat, metrics.Point{T: spec.Start.Add(time.Duration(i) * spec.Step), V: 0.2 * lift * math.Exp(x)})
			x = spec.Phi*x + innov*r.NormFloat64()
		}
		for i := range n {
			t := spec.Start.Add(time.Duration(i) * spec.Step)
			lat = append(lat, metrics.Point{T: t, V: 0.2 * lift * math.Exp(x)})
			x = spec.Phi*x + innov*r.NormFloat64()
			if i > 0 {
				k := draw.Poisson(r, spec.RPS*sec)
				reqs += k
				fails += binomial(r, k, math.Min(1, spec.ErrRate*errLift))
			}
			req = append(req, metrics.Point{T: t, V: reqs})
			errs = append(errs, metrics.Point{T: t, V: fails})
		}
		s.data[key{Latency, "", side}] = lat
		s.data[key{Errors, "denominator", side}] = req
		s.data[key{Errors, "numerator", side}] = errs
	}
	return s
}

// Fetch returns the points of q's metric, part and side within [q.Start, q.End].
func (s *Source) Fetch(ctx context.Context, q metrics.Query) (metrics.Result, error) {
	if err := ctx.Err(); err != nil {
		return metrics.Result{}, err
	}
	if s.Fail != nil {
		if err := s.Fail(q); err != nil {
			return metrics.Result{}, err
		}
	}
	k := key{q.Metric, q.Part, q.Side}
	pts, ok := s.data[k]
	if !ok {
		return metrics.Result{}, fmt.Errorf("rollout: no metric %q part %q", q.Metric, q.Part)
	}
	lo := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(q.Start) })
	hi := sort.Search(len(pts), func(i int) bool { return pts[i].T.After(q.End) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.served[k] == nil {
		s.served[k] = map[int64]int{}
	}
	for _, p := range pts[lo:hi] {
		s.served[k][p.T.UnixNano()]++
	}
	if lo >= hi {
		return metrics.Result{}, nil
	}
	out := append([]metrics.Point(nil), pts[lo:hi]...)
	return metrics.Result{Series: []metrics.Series{{Labels: map[string]string{"side": string(q.Side)}, Points: out}}}, nil
}

// Served is how many points were served in all, and the most times any one
// point was served.
func (s *Source) Served() (points, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.served {
		for _, c := range m {
			points += c
			most = max(most, c)
		}
	}
	return points, most
}

// Requests is how many queries were answered.
func (s *Source) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// binomial draws Binomial(n, p) for small p as Poisson(np), capped at n.
func binomial(r *rand.Rand, n, p float64) float64 {
	return math.Min(n, draw.Poisson(r, n*p))
}

// OpenMetrics writes rollouts as OpenMetrics text for promtest's backfill:
// the gauge lat{run, side} and the counters req_total{run, side} and
// err_total{run, side}, run naming each rollout and side being "baseline"
// or "canary", timestamps in seconds.
func OpenMetrics(runs map[string]*Source) string {
	names := make([]string, 0, len(runs))
	for n := range runs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, fam := range []struct {
		name, typ string
		k         key
	}{
		{"lat", "gauge", key{Latency, "", ""}},
		{"req", "counter", key{Errors, "denominator", ""}},
		{"err", "counter", key{Errors, "numerator", ""}},
	} {
		fmt.Fprintf(&b, "# TYPE %s %s\n", fam.name, fam.typ)
		sample := fam.name
		if fam.typ == "counter" {
			sample += "_total"
		}
		for _, run := range names {
			for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
				k := fam.k
				k.side = side
				for _, p := range runs[run].data[k] {
					fmt.Fprintf(&b, "%s{run=%q,side=%q} %s %d\n", sample, run, side, strconv.FormatFloat(p.V, 'g', -1, 64), p.T.Unix())
				}
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// Config is what ConfigYAML varies.
type Config struct {
	// URL is the Prometheus to query ("" for a source in code: any URL).
	URL string
	// Run, when set, selects one rollout of OpenMetrics' runs.
	Run   string
	Start time.Time
	// Metric is extra YAML lines for both metrics (indented four spaces),
	// Watch extra keys of the watch section ("early_promote: true").
	Metric, Watch string
}

// ConfigYAML is a verdict config for a rollout's two metrics, both critical
// and failing on increase: latency (lat) and errors (kind: ratio, err_total
// of req_total), 15 s steps, watched every minute for 30 minutes.
func ConfigYAML(c Config) string {
	url := c.URL
	if url == "" {
		url = "http://127.0.0.1:1"
	}
	scope := func(side string) string {
		if c.Run != "" {
			return fmt.Sprintf("run=%q,side=%q", c.Run, side)
		}
		return fmt.Sprintf("side=%q", side)
	}
	watch := "interval: 1m, duration: 30m"
	if c.Watch != "" {
		watch += ", " + c.Watch
	}
	return fmt.Sprintf(`version: 1
source: {prometheus: {url: %q, retries: 0, timeout: 5s}}
window: {start: %s, step: 15s}
baseline: {scope: '%s'}
canary: {scope: '%s'}
confidence: 0.98
metrics:
  - name: latency
    query: 'lat{ {{ .Scope }} }'
    fail_on: increase
    critical: true
%s
  - name: errors
    kind: ratio
    numerator: 'err_total{ {{ .Scope }} }'
    denominator: 'req_total{ {{ .Scope }} }'
    fail_on: increase
    critical: true
%s
watch: {%s}
`, url, c.Start.UTC().Format(time.RFC3339), scope("baseline"), scope("canary"), c.Metric, c.Metric, watch)
}
