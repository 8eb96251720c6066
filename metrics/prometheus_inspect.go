package metrics

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Inspection describes one query's result for `verdict check --online`:
// how much came back and what looks wrong with it.
type Inspection struct {
	Series int  // number of series
	Points int  // points over all series
	Empty  bool // no series or no points: the metric would be nodata
	// Repeats lists the series whose consecutive points repeat in runs,
	// the mark of a step shorter than the scrape interval.
	Repeats []RepeatedSeries
}

// RepeatedSeries is a series whose values come in runs of equal points.
type RepeatedSeries struct {
	Labels string // the label set, e.g. {instance="a", version="v1"}
	// RunLength is the median length of the series' inner runs of equal
	// values; Interval is RunLength × step, the likely scrape interval.
	RunLength int
	Interval  time.Duration
}

// Problems returns one line per finding, for the CLI to print; none when the result looks usable.
func (i Inspection) Problems() []string {
	var out []string
	if i.Empty {
		out = append(out, "empty result: the metric would have no data")
	}
	for _, r := range i.Repeats {
		out = append(out, fmt.Sprintf("series %s repeats each value about %d times: the step is shorter than the scrape interval (about %s); raise window.step", r.Labels, r.RunLength, r.Interval))
	}
	return out
}

// minRuns is how many inner runs of equal values a series needs before
// Inspect calls it repeating: enough that a gauge that happens to stay put
// once or twice is not flagged.
const minRuns = 3

// Inspect counts a result's series and points and flags an empty result and
// series that repeat: every run of equal consecutive values, other than the
// first and last (cut by the window), at least two points long, in a series
// that changes at least minRuns times. A constant series is not flagged.
func Inspect(res Result, step time.Duration) Inspection {
	in := Inspection{Series: len(res.Series)}
	for _, s := range res.Series {
		in.Points += len(s.Points)
		if run := medianInnerRun(s.Points); run >= 2 {
			in.Repeats = append(in.Repeats, RepeatedSeries{Labels: LabelString(s.Labels), RunLength: run, Interval: time.Duration(run) * step})
		}
	}
	in.Empty = in.Points == 0
	return in
}

// medianInnerRun returns the median length of the runs of equal values
// between the first and the last run, or 0 when any inner run is a single
// point or there are fewer than minRuns inner runs.
func medianInnerRun(pts []Point) int {
	var runs []int
	n := 1
	for i := 1; i <= len(pts); i++ {
		if i < len(pts) && same(pts[i].V, pts[i-1].V) {
			n++
			continue
		}
		runs = append(runs, n)
		n = 1
	}
	if len(runs) < minRuns+2 {
		return 0
	}
	inner := runs[1 : len(runs)-1]
	for _, r := range inner {
		if r < 2 {
			return 0
		}
	}
	sort.Ints(inner)
	return inner[len(inner)/2]
}

func same(a, b float64) bool { return a == b || (a != a && b != b) }

// LabelString writes a label set as PromQL does: name{a="1", b="2"}, sorted.
func LabelString(labels map[string]string) string {
	m := make(model.Metric, len(labels))
	for k, v := range labels {
		m[model.LabelName(k)] = model.LabelValue(v)
	}
	if len(m) == 0 {
		return "{}"
	}
	return m.String()
}

// MatchScope reports how many metric names have series that match scope (a
// label-matcher list such as `version="v1"`) within [start, end]. Zero
// means the scope matches nothing: every query of that side will be empty.
// It asks the label-values API, which reads only the index.
func (p *Prometheus) MatchScope(ctx context.Context, scope string, start, end time.Time) (int, error) {
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	resp := &response{}
	actx = context.WithValue(actx, responseKey{}, resp)
	sel := "{" + scope + "}"
	names, _, _, err := p.api.LabelValues(actx, model.MetricNameLabel, []string{sel}, start, end)
	if err != nil {
		q := Query{Metric: "(scope)", Expr: sel}
		f := p.classify(err, resp, actx)
		return 0, p.queryError(q, f.kind, f.msg, f.status, 1, f.err)
	}
	return len(names), nil
}
