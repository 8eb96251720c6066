package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// sampleStart is the window start of every sample report.
var sampleStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// sampleReport returns a deterministic report of n metrics, each side with
// points one-minute points: metric 1 is high (critical), 2 low, 3 nodata,
// 4 error, the rest pass — the shapes a real judge run produces.
func sampleReport(n, points int) *judge.Report {
	rng := rand.New(rand.NewPCG(1, 2))
	score := 62.5
	r := &judge.Report{
		SchemaVersion: 1,
		Verdict:       judge.Abort,
		Score:         ptr(62.5),
		Reason:        "no metrics",
		Window: judge.Window{
			Start: sampleStart.Format(time.RFC3339),
			End:   sampleStart.Add(time.Duration(points) * time.Minute).Format(time.RFC3339),
			Step:  "1m0s",
		},
		Groups: []judge.GroupResult{{Name: "latency", Weight: 60, Score: &score}, {Name: "errors", Weight: 40}},
	}
	for i := range n {
		kind := judge.Pass
		switch i {
		case 0:
			kind = judge.High
		case 1:
			kind = judge.Low
		case 2:
			kind = judge.NoData
		case 3:
			kind = judge.Failed
		}
		r.Metrics = append(r.Metrics, sampleMetric(rng, i, kind, points))
	}
	if n > 0 {
		r.Reason = r.Metrics[0].Reason
	}
	return r
}

// sampleMetric returns one metric of the given classification whose
// statistics are computed from its points (as the judge would).
func sampleMetric(rng *rand.Rand, i int, kind judge.Classification, points int) judge.Metric {
	name := fmt.Sprintf("latency_p99_%02d", i)
	group := "latency"
	if i%3 == 1 {
		name, group = fmt.Sprintf("error_rate_%02d", i), "errors"
	}
	m := judge.Metric{Name: name, Group: group, Classification: kind, Critical: i == 0}
	level := 0.2 + 0.01*float64(i%7)
	shift := 0.0
	switch kind {
	case judge.High:
		shift = 0.025
	case judge.Low:
		shift = -0.02
	}
	gen := func(offset float64) []judge.TimedValue {
		pts := make([]judge.TimedValue, points)
		for k := range pts {
			wave := 0.02 * math.Sin(float64(k)/float64(max(points, 1))*2*math.Pi)
			pts[k] = judge.TimedValue{T: sampleStart.Add(time.Duration(k) * time.Minute), V: level + offset + wave + 0.015*rng.NormFloat64()}
		}
		return pts
	}
	q := `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="checkout",version="%s"}[5m])))`
	m.Baseline = judge.Side{Query: fmt.Sprintf(q, "v1.4.2")}
	m.Canary = judge.Side{Query: fmt.Sprintf(q, "v1.5.0")}
	switch kind {
	case judge.NoData:
		m.Reason = "the canary returned no data"
		m.Baseline.Points = gen(0)
		fillStats(&m.Baseline)
		return m
	case judge.Failed:
		m.Reason = "query failed: bad_data: parse error at char 12"
		m.Canary.Error = "bad_data: 1:12: parse error: unexpected \"}\""
		return m
	}
	m.Baseline.Points, m.Canary.Points = gen(0), gen(shift)
	fillStats(&m.Baseline)
	fillStats(&m.Canary)
	change := (m.Canary.Median - m.Baseline.Median) / m.Baseline.Median
	m.Change = &change
	p := 0.41
	if shift != 0 {
		p = 0.0004
	}
	m.MannWhitney = &judge.MannWhitney{U: 2480, PValue: p, Estimate: shift, CILow: shift - 0.006, CIHigh: shift + 0.006, Confidence: 0.98, Method: "asymptotic"}
	switch kind {
	case judge.High:
		m.Reason = fmt.Sprintf("%s is higher in the canary (%s, critical)", name, fmtChange(change))
	case judge.Low:
		m.Reason = fmt.Sprintf("%s is lower in the canary (%s)", name, fmtChange(change))
	default:
		m.Reason = "no significant difference"
	}
	return m
}

// charted returns s with the chart points the judge decides from series
// (one slice of points each), as judge.Side.SetChart sets them.
func charted(s judge.Side, series ...[]judge.TimedValue) judge.Side {
	ms := make([]metrics.Series, len(series))
	for i, pts := range series {
		ms[i] = metrics.Series{Points: pts}
	}
	s.SetChart(ms)
	return s
}

// fillStats computes a side's descriptive statistics and chart points from
// its points.
func fillStats(s *judge.Side) {
	*s = charted(*s, s.Points)
	vs := make([]float64, len(s.Points))
	for i, p := range s.Points {
		vs[i] = p.V
	}
	slices.Sort(vs)
	n := len(vs)
	s.Count, s.Series = n, 1
	if n == 0 {
		return
	}
	q := func(p float64) float64 { return vs[int(math.Round(p*float64(n-1)))] }
	var sum float64
	for _, v := range vs {
		sum += v
	}
	s.Mean = sum / float64(n)
	var ss float64
	for _, v := range vs {
		ss += (v - s.Mean) * (v - s.Mean)
	}
	if n > 1 {
		s.Stddev = math.Sqrt(ss / float64(n-1))
	}
	s.Min, s.Max, s.Median = vs[0], vs[n-1], q(0.5)
	s.P90, s.P95, s.P99 = q(0.9), q(0.95), q(0.99)
}
