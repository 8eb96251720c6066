package report

import (
	"bufio"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// HTML writes the report as one self-contained HTML page: inline CSS and SVG
// charts (gonum/plot), no script and nothing fetched, readable offline, in
// dark mode and on paper. Per metric, failures first, it shows the
// classification and reason, a time-series and a distribution chart, the
// numbers and the queries. The same report always gives the same bytes.
func HTML(w io.Writer, r *judge.Report) error {
	if r == nil {
		return errors.New("html report: no report to render")
	}
	v, err := newHTMLView(r)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"svg": func(s string) template.HTML { return template.HTML(s) }, // drawn by renderSVG: text escaped there
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("html report: template: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := t.Execute(bw, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// htmlView is what the page template draws: every number already formatted.
type htmlView struct {
	Verdict    string
	Score      string
	Reason     string
	WindowText string
	Step       string
	Comparison string
	Watch      string // how a watch ended; "" for judge
	Warnings   []string
	Groups     []groupView
	Metrics    []metricView
	Counts     string
}

type groupView struct {
	Name, Weight, Score string
}

type metricView struct {
	Anchor, Name, Group      string
	Class, ClassLabel        string
	Critical                 bool
	Reason                   string
	Warnings                 []string
	TS, Dist                 chart
	Evidence                 *chart // watch reports only
	HasCI                    bool
	Rows                     []numRow
	Change, Interval, PValue string
	ChangeLabel              string // "change of medians", "change of rates"
	IntervalLabel            string
	Queries                  []queryView
}

type numRow struct {
	Label, Baseline, Canary string
}

type queryView struct {
	Side, Query, Error string
}

// classRank orders classifications for the page: failures first.
func classRank(c judge.Classification) int {
	switch c {
	case judge.Failed:
		return 0
	case judge.High:
		return 1
	case judge.Low:
		return 2
	case judge.Missing:
		return 3
	case judge.MetricInconclusive:
		return 4
	case judge.NoData:
		return 5
	case judge.Pass:
		return 6
	default:
		return 7
	}
}

// orderedMetrics returns the report's metrics, failures first, keeping the
// config order within each classification.
func orderedMetrics(ms []judge.Metric) []*judge.Metric {
	out := make([]*judge.Metric, len(ms))
	for i := range ms {
		out[i] = &ms[i]
	}
	slices.SortStableFunc(out, func(a, b *judge.Metric) int {
		return classRank(a.Classification) - classRank(b.Classification)
	})
	return out
}

func newHTMLView(r *judge.Report) (*htmlView, error) {
	v := &htmlView{
		Verdict:    string(r.Verdict),
		Score:      ScoreText(r),
		Reason:     r.Reason,
		WindowText: windowText(r.Window),
		Step:       r.Window.Step,
		Warnings:   r.Warnings,
	}
	if w := r.Watch; w != nil {
		v.Watch = fmt.Sprintf("%s: %d checks every %s from %s, stopped at %s (data time)", stopText(w.StopReason), w.Checks, w.Interval, w.Start, w.StoppedAt)
	}
	if r.Comparison != "" {
		v.Comparison = r.Comparison
		if r.Window.BaselineOffset != "" {
			v.Comparison += ", baseline offset " + r.Window.BaselineOffset
		}
	}
	for _, g := range r.Groups {
		gv := groupView{Name: g.Name, Weight: fmtNum(g.Weight), Score: "not scored"}
		if g.Score != nil {
			gv.Score = fmtNum(*g.Score)
		}
		v.Groups = append(v.Groups, gv)
	}
	ms := orderedMetrics(r.Metrics)
	counts := map[judge.Classification]int{}
	for _, m := range ms {
		counts[m.Classification]++
	}
	var parts []string
	for _, c := range []judge.Classification{judge.Failed, judge.High, judge.Low, judge.NoData, judge.Pass} {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	v.Counts = fmt.Sprintf("%d metrics: %s", len(ms), strings.Join(parts, ", "))

	// Charts are independent and dominate the time: draw them in parallel.
	v.Metrics = make([]metricView, len(ms))
	errs := make([]error, len(ms))
	rw := newChartReplacer()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, m := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v.Metrics[i], errs[i] = newMetricView(m, i+1, rw)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v, nil
}

func newMetricView(m *judge.Metric, n int, rw *strings.Replacer) (metricView, error) {
	anchor := "m" + strconv.Itoa(n)
	mv := metricView{
		Anchor: anchor, Name: m.Name, Group: m.Group,
		Class: string(m.Classification), ClassLabel: classLabel(m.Classification),
		Critical: m.Critical, Reason: m.Reason, Warnings: m.Warnings,
		Change: "—", Interval: "—", PValue: "—",
	}
	var err error
	if mv.TS, err = timeSeriesChart(m, anchor+"-ts", rw); err != nil {
		return mv, err
	}
	if mv.Dist, err = distributionChart(m, anchor+"-dist", rw); err != nil {
		return mv, err
	}
	if mv.Evidence, err = evidenceSVG(m, anchor+"-ev", rw); err != nil {
		return mv, err
	}
	b, c := &m.Baseline, &m.Canary
	row := func(label string, f func(s *judge.Side) float64) numRow {
		cell := func(s *judge.Side) string {
			if s.Count == 0 {
				return "—"
			}
			return fmtNum(f(s))
		}
		return numRow{label, cell(b), cell(c)}
	}
	mv.Rows = []numRow{
		{"count", strconv.Itoa(b.Count), strconv.Itoa(c.Count)},
		{"series", strconv.Itoa(b.Series), strconv.Itoa(c.Series)},
		row("median", func(s *judge.Side) float64 { return s.Median }),
		row("p95", func(s *judge.Side) float64 { return s.P95 }),
		row("p99", func(s *judge.Side) float64 { return s.P99 }),
		row("mean", func(s *judge.Side) float64 { return s.Mean }),
		row("stddev", func(s *judge.Side) float64 { return s.Stddev }),
		row("min", func(s *judge.Side) float64 { return s.Min }),
		row("max", func(s *judge.Side) float64 { return s.Max }),
	}
	if m.Change != nil {
		mv.Change = fmtChange(*m.Change)
	}
	mv.ChangeLabel, mv.IntervalLabel = "change of medians", "shift and interval"
	if m.Kind == config.KindRatio {
		ratioView(&mv, m)
		return mv, nil
	}
	if mw := m.MannWhitney; mw != nil {
		mv.HasCI = len(b.Points)+len(c.Points) > 0 && finite(mw.CILow, mw.CIHigh, b.Median)
		mv.Interval = fmt.Sprintf("%s [%s, %s] at %s confidence", fmtSigned(mw.Estimate), fmtSigned(mw.CILow), fmtSigned(mw.CIHigh), fmtPct(mw.Confidence))
		mv.PValue = fmt.Sprintf("%s (U = %s, %s)", fmtP(mw.PValue), fmtNum(mw.U), mw.Method)
		if m.Test != nil {
			mv.PValue = DecidingText(*m) + "; every point as independent (Mann–Whitney, two-sided): " + mv.PValue
		}
	}
	mv.Queries = []queryView{{"baseline", b.Query, b.Error}, {"canary", c.Query, c.Error}}
	return mv, nil
}

// ratioView fills a ratio metric's statistics: both sides' events, totals
// and rates, the rate ratio's interval, the deciding p-value and the four queries.
func ratioView(mv *metricView, m *judge.Metric) {
	b, c := &m.Baseline, &m.Canary
	mv.ChangeLabel, mv.IntervalLabel = "change of rates", "rate ratio and interval"
	mv.Rows = []numRow{{"series", strconv.Itoa(b.Series), strconv.Itoa(c.Series)}, {"points", strconv.Itoa(b.Count), strconv.Itoa(c.Count)}}
	if n := m.Counts; n != nil {
		rate := func(x judge.Count) string {
			if x.Rate == nil {
				return "—"
			}
			return fmtNum(*x.Rate)
		}
		mv.Rows = append([]numRow{
			{"events", fmtNum(n.Baseline.Events), fmtNum(n.Canary.Events)},
			{"total", fmtNum(n.Baseline.Total), fmtNum(n.Canary.Total)},
			{"rate", rate(n.Baseline), rate(n.Canary)},
		}, mv.Rows...)
	}
	if t := m.Test; t != nil {
		end := func(v *float64) string {
			if v == nil {
				return "∞"
			}
			return fmtNum(*v)
		}
		est := "undefined"
		if t.Estimate != nil {
			est = fmtNum(*t.Estimate) + "×"
		} else if m.Counts != nil && m.Counts.Baseline.Events == 0 && m.Counts.Canary.Events > 0 {
			est = "∞ (no baseline events)"
		}
		mv.Interval = fmt.Sprintf("%s [%s, %s] at %s confidence", est, end(t.CILow), end(t.CIHigh), fmtPct(m.Confidence()))
		mv.PValue = DecidingText(*m)
		if t.Dispersion != nil {
			mv.Rows = append(mv.Rows, numRow{"dispersion (χ²/df, both sides)", fmtNum(*t.Dispersion), ""})
		}
	}
	mv.Queries = []queryView{
		{"baseline numerator", b.Query, b.Error}, {"baseline denominator", b.DenominatorQuery, ""},
		{"canary numerator", c.Query, c.Error}, {"canary denominator", c.DenominatorQuery, ""},
	}
}

// windowText shows the compared range and its length.
func windowText(w judge.Window) string {
	s := w.Start + " → " + w.End
	t0, err0 := time.Parse(time.RFC3339, w.Start)
	t1, err1 := time.Parse(time.RFC3339, w.End)
	if err0 == nil && err1 == nil && t1.After(t0) {
		s += " (" + fmtDuration(t1.Sub(t0)) + ")"
	}
	return s
}

// fmtNum shows a statistic with about four significant digits, in plain
// decimal notation unless the magnitude is extreme.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+∞"
	case math.IsInf(v, -1):
		return "−∞"
	case v == 0:
		return "0"
	}
	mag := int(math.Floor(math.Log10(math.Abs(v))))
	if mag < -4 || mag > 9 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	s := strconv.FormatFloat(v, 'f', max(0, 3-mag), 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fmtSigned is fmtNum with an explicit sign.
func fmtSigned(v float64) string {
	if v > 0 && !math.IsInf(v, 1) {
		return "+" + fmtNum(v)
	}
	return fmtNum(v)
}

// fmtChange shows a relative change as a signed percentage.
func fmtChange(v float64) string {
	if !finite(v) {
		return fmtNum(v)
	}
	s := strconv.FormatFloat(v*100, 'f', 1, 64)
	if v > 0 {
		s = "+" + s
	}
	return s + "%"
}

// fmtPct shows a fraction (0.98) as a percentage ("98%").
func fmtPct(v float64) string {
	return strconv.FormatFloat(math.Round(v*10000)/100, 'f', -1, 64) + "%"
}

// fmtP shows a p-value.
func fmtP(p float64) string {
	if finite(p) && p > 0 && p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return fmtNum(p)
}

// fmtDuration shows a duration without trailing zero units ("24h", "1h30m").
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
