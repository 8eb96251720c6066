package judge

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// SchemaVersion is the version of the JSON report this build writes.
const SchemaVersion = 1

// Fetched is what the source returned for one side of one metric.
type Fetched struct {
	Query  string
	Result metrics.Result
	Err    error
}

// Data is both sides of one metric.
type Data struct {
	Baseline, Canary Fetched
}

// Queries builds the two range queries (baseline, canary) of every metric, in
// config order: queries[2*i] is metric i's baseline, queries[2*i+1] its canary.
func Queries(cfg *config.Config) ([]metrics.Query, error) {
	start, end := cfg.Window.Start, cfg.Window.End
	off := cfg.Baseline.Offset
	qs := make([]metrics.Query, 0, 2*len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		b, err := metrics.Expand(m.Query, cfg.Baseline.Scope, cfg.Window.Step)
		if err != nil {
			return nil, fmt.Errorf("metrics[%s]: baseline %w", m.Name, err)
		}
		c, err := metrics.Expand(m.Query, cfg.Canary.Scope, cfg.Window.Step)
		if err != nil {
			return nil, fmt.Errorf("metrics[%s]: canary %w", m.Name, err)
		}
		qs = append(qs,
			metrics.Query{Metric: m.Name, Side: metrics.Baseline, Expr: b, Start: start.Add(-off), End: end.Add(-off), Step: cfg.Window.Step},
			metrics.Query{Metric: m.Name, Side: metrics.Canary, Expr: c, Start: start, End: end, Step: cfg.Window.Step},
		)
	}
	return qs, nil
}

// RunOptions tune Run.
type RunOptions struct {
	// Concurrency is how many queries may be in flight at once.
	Concurrency int
	// NoCharts leaves each side's Points empty: for reports that draw no
	// chart (json, table, junit, dotenv, openmetrics), it saves a pass over
	// every sample and the memory the points hold.
	NoCharts bool
}

// Run fetches every metric's two sides from src, at most opt.Concurrency
// queries at a time, and judges each metric as soon as both its sides have
// arrived, while later queries are still in flight. The report is the same
// as Judge's over the same data, whatever the order queries finish in
// (without Points when opt.NoCharts is set).
func Run(ctx context.Context, cfg *config.Config, src metrics.Source, opt RunOptions) (*Report, error) {
	qs, err := Queries(cfg)
	if err != nil {
		return nil, err
	}
	n := len(cfg.Metrics)
	outs := make([]metrics.Outcome, len(qs))
	results := make([]Metric, n)
	arrived := make([]int, n)
	var mu sync.Mutex
	cpu := make(chan struct{}, runtime.GOMAXPROCS(0)) // judging is CPU-bound: one per core
	alpha := (1 - cfg.Confidence) / 2
	metrics.FetchEach(ctx, src, qs, opt.Concurrency, func(i int, o metrics.Outcome) {
		m := i / 2
		mu.Lock()
		outs[i] = o
		arrived[m]++
		ready := arrived[m] == 2
		mu.Unlock()
		if !ready {
			return
		}
		cpu <- struct{}{}
		defer func() { <-cpu }()
		results[m] = judgeMetric(cfg.Metrics[m], pairOf(qs, outs, m), cfg.Confidence, alpha, !opt.NoCharts)
		mu.Lock()
		outs[2*m], outs[2*m+1] = metrics.Outcome{}, metrics.Outcome{} // judged: let the samples go
		mu.Unlock()
	})
	rep := newReport(cfg)
	rep.Metrics = results
	finish(cfg, rep)
	return rep, nil
}

// pairOf pairs the outcomes of metric m's two queries.
func pairOf(qs []metrics.Query, outs []metrics.Outcome, m int) Data {
	b, c := outs[2*m], outs[2*m+1]
	return Data{
		Baseline: Fetched{Query: qs[2*m].Expr, Result: b.Result, Err: b.Err},
		Canary:   Fetched{Query: qs[2*m+1].Expr, Result: c.Result, Err: c.Err},
	}
}

// Judge classifies every metric, scores the groups and decides the verdict.
// data[i] belongs to cfg.Metrics[i]. The same input always gives the same report.
func Judge(cfg *config.Config, data []Data) *Report {
	rep := newReport(cfg)
	alpha := (1 - cfg.Confidence) / 2
	for i, m := range cfg.Metrics {
		var d Data
		if i < len(data) {
			d = data[i]
		} else {
			d.Baseline.Err = fmt.Errorf("no data fetched")
			d.Canary.Err = d.Baseline.Err
		}
		rep.Metrics = append(rep.Metrics, judgeMetric(m, d, cfg.Confidence, alpha, true))
	}
	finish(cfg, rep)
	return rep
}

// newReport starts a report: its window, comparison kind and warnings.
func newReport(cfg *config.Config) *Report {
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Window: Window{
			Start: cfg.Window.Start.UTC().Format(time.RFC3339),
			End:   cfg.Window.End.UTC().Format(time.RFC3339),
			Step:  cfg.Window.Step.String(),
		},
		ConfigPath: cfg.Path,
		Groups:     []GroupResult{},
		Metrics:    make([]Metric, 0, len(cfg.Metrics)),
	}
	if cfg.Baseline.Offset > 0 {
		rep.Window.BaselineOffset = cfg.Baseline.Offset.String()
		rep.Comparison = "before-after"
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"before/after comparison: the baseline is the same window %s earlier, not a concurrent deployment; "+
				"traffic changes over time too, so this is weaker evidence than a concurrent baseline", cfg.Baseline.Offset))
	}
	return rep
}

// finish scores the groups and decides the verdict of a report whose metrics are judged.
func finish(cfg *config.Config, rep *Report) {
	score(cfg, rep)
	decide(cfg, rep)
}

// infs counts one side's infinite samples among its usable (non-NaN) ones.
type infs struct{ pos, neg, usable int }

// share is the fraction of usable samples that are +Inf (sign > 0) or -Inf.
func (n infs) share(sign int) float64 {
	if n.usable == 0 {
		return 0
	}
	if sign > 0 {
		return float64(n.pos) / float64(n.usable)
	}
	return float64(n.neg) / float64(n.usable)
}

// side turns one fetched side into its report entry (without statistics,
// see describe) and the finite values to test, in one pass over the points.
func side(f Fetched, nan analysis.NaNStrategy, charts bool) (Side, []float64, infs, []string) {
	s := Side{Query: f.Query, Series: len(f.Result.Series)}
	if f.Err != nil {
		s.Error = f.Err.Error()
		return s, nil, infs{}, nil
	}
	total := 0
	for _, ser := range f.Result.Series {
		total += len(ser.Points)
	}
	finite := make([]float64, 0, total)
	var posInf, negInf int
	for _, ser := range f.Result.Series {
		for _, p := range ser.Points {
			v := p.V
			switch {
			case math.IsNaN(v):
				if nan == analysis.NaNZero {
					finite = append(finite, 0)
				}
			case math.IsInf(v, 1):
				posInf++
			case math.IsInf(v, -1):
				negInf++
			default:
				finite = append(finite, v)
			}
		}
	}
	var warns []string
	if posInf+negInf > 0 {
		warns = append(warns, fmt.Sprintf("%d +Inf and %d -Inf samples left out of the test", posInf, negInf))
	}
	if charts {
		s.Points = chartPoints(f.Result.Series, total)
	}
	return s, finite, infs{posInf, negInf, len(finite) + posInf + negInf}, warns
}

// describe fills a side's statistics from its finite values, sorted
// ascending when sorted is true (a Pair's), else in any order.
func (s *Side) describe(vals []float64, sorted bool) {
	var sum analysis.Summary
	var err error
	if sorted {
		sum, err = analysis.DescribeSorted(vals)
	} else {
		sum, err = analysis.Describe(vals)
	}
	if err == nil {
		s.Count, s.Mean, s.Median, s.Min, s.Max = sum.Count, sum.Mean, sum.Median, sum.Min, sum.Max
		s.Stddev, s.P90, s.P95, s.P99 = sum.Stddev, sum.P90, sum.P95, sum.P99
	}
	s.sanitize()
}

func (s *Side) sanitize() {
	for _, p := range []*float64{&s.Mean, &s.Median, &s.Min, &s.Max, &s.Stddev, &s.P90, &s.P95, &s.P99} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = 0
		}
	}
}

func nanStrategy(m config.Metric) analysis.NaNStrategy {
	if m.NaN == string(analysis.NaNZero) {
		return analysis.NaNZero
	}
	return analysis.NaNRemove
}

// judgeMetric classifies one metric; charts keeps each side's points for
// the renderers that draw them.
func judgeMetric(m config.Metric, d Data, confidence, alpha float64, charts bool) Metric {
	out := Metric{Name: m.Name, Group: m.Group, Critical: m.Critical, MustHaveData: m.MustHaveData, Line: m.Line}
	if out.Group == "" {
		out.Group = "default"
	}
	var bw, cw []string
	var b, c []float64
	var bInf, cInf infs
	out.Baseline, b, bInf, bw = side(d.Baseline, nanStrategy(m), charts)
	out.Canary, c, cInf, cw = side(d.Canary, nanStrategy(m), charts)
	if k := m.RemoveOutliers; k > 0 {
		b, bw = withoutOutliers(b, k, bw)
		c, cw = withoutOutliers(c, k, cw)
	}
	var pair *analysis.Pair
	if len(b) > 0 && len(c) > 0 {
		if p, err := analysis.NewPair(c, b); err == nil {
			pair = p
			defer p.Release()
			cs, bs := p.Sorted()
			out.Canary.describe(cs, true)
			out.Baseline.describe(bs, true)
		}
	}
	if pair == nil {
		out.Baseline.describe(b, false)
		out.Canary.describe(c, false)
	}
	for _, w := range bw {
		out.Warnings = append(out.Warnings, "baseline: "+w)
	}
	for _, w := range cw {
		out.Warnings = append(out.Warnings, "canary: "+w)
	}
	for _, w := range d.Baseline.Result.Warnings {
		out.Warnings = append(out.Warnings, "baseline query: "+w)
	}
	for _, w := range d.Canary.Result.Warnings {
		out.Warnings = append(out.Warnings, "canary query: "+w)
	}

	switch {
	case d.Baseline.Err != nil || d.Canary.Err != nil:
		out.Classification = Failed
		out.Reason = errorReason(m.Name, d)
		return out
	case bInf.usable > 0 && cInf.usable > 0 && infClass(m, &out, bInf, cInf):
		return out
	case len(c) > 0 && boundBroken(m, &out):
		// An absolute bound needs no baseline and no test: checked even with too few samples.
		if pair != nil {
			if cmp, err := pair.Compare(confidence); err == nil {
				out.MannWhitney = mannWhitney(cmp, confidence)
			}
		}
		return out
	case len(b) == 0 || len(c) == 0:
		out.Classification = NoData
		out.Reason = noDataReason(m, len(b), len(c))
		return out
	case pair == nil:
		out.Classification = Failed
		out.Reason = fmt.Sprintf("%s: statistics failed: no finite samples", m.Name)
		return out
	}

	cmp, err := pair.Compare(confidence)
	if err != nil {
		out.Classification = Failed
		out.Reason = fmt.Sprintf("%s: statistics failed: %v", m.Name, err)
		return out
	}
	out.MannWhitney = mannWhitney(cmp, confidence)
	bm := out.Baseline.Median
	if ch := (out.Canary.Median - bm) / math.Abs(bm); bm != 0 && !math.IsInf(ch, 0) {
		out.Change = &ch // left out when it overflows (a baseline median near 0): JSON has no Inf
	}
	if minP := analysis.MinPValue(len(c), len(b)); minP >= alpha {
		out.Classification = NoData
		out.Reason = fmt.Sprintf("%s: too few samples to detect a change at %s confidence (%d canary, %d baseline; the smallest reachable p-value %.3g is not below %.3g)",
			m.Name, pct(confidence), len(c), len(b), minP, alpha)
		return out
	}
	// One-sided tests against the margins: wilcox.test(c - δ, b, "greater")
	// and wilcox.test(c + δ, b, "less").
	inc, dec := m.Directions()
	for _, t := range []struct {
		on     bool
		margin config.Margin
		mu     func(float64) float64
		alt    analysis.Alternative
		class  Classification
		dir    string
	}{
		{inc, m.AllowedIncrease, func(d float64) float64 { return d }, analysis.Greater, High, "higher"},
		{dec, m.AllowedDecrease, func(d float64) float64 { return -d }, analysis.Less, Low, "lower"},
	} {
		if !t.on {
			continue
		}
		delta := t.margin.Of(bm)
		res, err := pair.Test(t.mu(delta), t.alt)
		if err != nil {
			out.Classification = Failed
			out.Reason = fmt.Sprintf("%s: the test against the allowed margin %s failed: %v", m.Name, allowedText(t.margin, delta), err)
			return out
		}
		if res.P < alpha {
			out.Classification = t.class
			out.Reason = shiftReason(m, out, t.dir, t.margin, delta, res.P, alpha)
			return out
		}
	}
	out.Classification = Pass
	out.Reason = passReason(m, out)
	return out
}

func mannWhitney(c analysis.Comparison, confidence float64) *MannWhitney {
	return &MannWhitney{
		U: c.U, PValue: c.P, Estimate: c.Estimate, CILow: c.CILow, CIHigh: c.CIHigh,
		Confidence: confidence, Method: c.Method,
	}
}

// boundBroken classifies the metric high or low when the canary's median
// breaks its max or min, and reports whether it did.
func boundBroken(m config.Metric, out *Metric) bool {
	cm := out.Canary.Median
	switch {
	case m.Max != nil && cm > *m.Max:
		out.Classification = High
		out.Reason = fmt.Sprintf("%s: the canary's median %s is above the maximum %s", m.Name, num(cm), num(*m.Max))
	case m.Min != nil && cm < *m.Min:
		out.Classification = Low
		out.Reason = fmt.Sprintf("%s: the canary's median %s is below the minimum %s", m.Name, num(cm), num(*m.Min))
	default:
		return false
	}
	return true
}

// infClass applies verdict's ±Inf rule: infinite samples are left out of the
// rank test, but a canary with a larger share of +Inf samples than the
// baseline (histogram_quantile's answer when requests fall beyond the largest
// bucket) is high when increases fail it, and likewise -Inf and low. It
// reports whether it classified the metric.
func infClass(m config.Metric, out *Metric, b, c infs) bool {
	inc, dec := m.Directions()
	for _, t := range []struct {
		on    bool
		sign  int
		class Classification
		name  string
	}{{inc, 1, High, "+Inf"}, {dec, -1, Low, "-Inf"}} {
		if t.on && c.share(t.sign) > b.share(t.sign) {
			out.Classification = t.class
			out.Reason = fmt.Sprintf("%s: %s of the canary's samples are %s against %s of the baseline's (values beyond what the query can measure)",
				m.Name, pct(c.share(t.sign)), t.name, pct(b.share(t.sign)))
			return true
		}
	}
	return false
}

// withoutOutliers drops values outside [Q1 - k·IQR, Q3 + k·IQR] and says how many went.
func withoutOutliers(x []float64, k float64, warns []string) ([]float64, []string) {
	if len(x) == 0 {
		return x, warns
	}
	out, removed := analysis.RemoveOutliersIQR(x, k)
	if removed > 0 {
		warns = append(warns, fmt.Sprintf("%d outliers beyond %s×IQR left out (remove_outliers)", removed, num(k)))
	}
	return out, warns
}

// MaxChartPoints bounds the points a side keeps for charts: longer sides
// are reduced to the lowest and highest point of each of MaxChartPoints/2
// equal time buckets, which keeps spikes visible. Charts draw at most a few
// hundred points; the statistics always use every sample.
const MaxChartPoints = 1000

// chartPoints pools a side's series for charts: shared with the fetched
// series when there is one and it is short, else a bounded copy, so that the
// fetched series can be released once the metric is judged.
func chartPoints(series []metrics.Series, total int) []TimedValue {
	if len(series) == 1 && total <= MaxChartPoints {
		return series[0].Points
	}
	// Times as Unix nanoseconds: time.Time's comparisons cost more than the
	// bucketing itself.
	var lo, hi int64
	n := 0
	for _, ser := range series {
		for _, p := range ser.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				continue
			}
			t := p.T.UnixNano()
			if n == 0 || t < lo {
				lo = t
			}
			if n == 0 || t > hi {
				hi = t
			}
			n++
		}
	}
	if n <= MaxChartPoints {
		out := make([]TimedValue, 0, total)
		for _, ser := range series {
			out = append(out, ser.Points...)
		}
		return out
	}
	const buckets = MaxChartPoints / 2
	type extremes struct{ min, max TimedValue }
	bs := make([]extremes, buckets)
	seen := make([]bool, buckets)
	scale := buckets / (float64(hi-lo) + 1) // float64: (t - lo)·buckets could overflow int64 over a long window
	for _, ser := range series {
		for _, p := range ser.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				continue
			}
			i := min(int(float64(p.T.UnixNano()-lo)*scale), buckets-1)
			switch {
			case !seen[i]:
				bs[i], seen[i] = extremes{p, p}, true
			case p.V < bs[i].min.V:
				bs[i].min = p
			case p.V > bs[i].max.V:
				bs[i].max = p
			}
		}
	}
	out := make([]TimedValue, 0, MaxChartPoints)
	for i, b := range bs {
		switch {
		case !seen[i]:
		case b.min.T.Equal(b.max.T) && b.min.V == b.max.V:
			out = append(out, b.min)
		case b.max.T.Before(b.min.T):
			out = append(out, b.max, b.min)
		default:
			out = append(out, b.min, b.max)
		}
	}
	return out
}
