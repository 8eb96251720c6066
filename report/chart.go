package report

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// Chart geometry, in points (the SVG's viewBox; the page scales it).
const (
	chartWidth  = 440
	chartHeight = 220
)

// Chart colours are drawn as sentinel values that chartReplacer turns into
// CSS variables, so that the page's stylesheet picks the palette (light,
// dark, print) for every chart at once.
const (
	sentInk = iota + 1
	sentGrid
	sentBaseline
	sentCanary
	sentBand
)

// sentinel returns the drawing colour standing for CSS variable number i.
func sentinel(i uint8) color.Color { return color.RGBA{R: 1, G: 2, B: 0x30 + i, A: 255} }

// newChartReplacer returns the rewriting applied to every chart's SVG:
// sentinel colours become CSS variables, and the font gets web fallbacks
// (gonum/plot measures text with Liberation Sans, metric-compatible with Arial).
func newChartReplacer() *strings.Replacer {
	hex := func(i uint8) string { return fmt.Sprintf("#0102%02X", 0x30+i) }
	return strings.NewReplacer(
		hex(sentInk), "var(--ink)",
		hex(sentGrid), "var(--grid)",
		hex(sentBaseline), "var(--baseline)",
		hex(sentCanary), "var(--canary)",
		hex(sentBand), "var(--band)",
		"font-family:Liberation Sans;", "font-family:Liberation Sans,Arial,Helvetica,sans-serif;",
		"font-family:Liberation Sans\"", "font-family:Liberation Sans,Arial,Helvetica,sans-serif\"",
	)
}

// chart is one rendered chart: inline SVG plus its text alternative.
type chart struct {
	ID      string
	SVG     string // trusted markup: drawn by gonum/plot, text escaped
	Caption string // plain-text summary of what the chart shows
}

// chartFont is the face of every chart text.
func chartFont(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Length(size)}
}

// newPlot returns an empty plot styled with the sentinel palette.
func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Color = sentinel(sentInk)
		a.Tick.Color = sentinel(sentInk)
		a.Tick.Length = 4
		a.Tick.Label.Color = sentinel(sentInk)
		a.Tick.Label.Font = chartFont(10)
		a.Label.TextStyle.Color = sentinel(sentInk)
		a.Label.TextStyle.Font = chartFont(11)
		a.Padding = 2
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	g := plotter.NewGrid()
	g.Vertical.Color = sentinel(sentGrid)
	g.Horizontal.Color = sentinel(sentGrid)
	g.Vertical.Width = 0.5
	g.Horizontal.Width = 0.5
	p.Add(g)
	return p
}

// seriesLine returns a line of xys in the colour standing for CSS variable c.
func seriesLine(xys plotter.XYs, c uint8, dashed bool) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.Color = sentinel(c)
	l.Width = 1.2
	if dashed {
		l.Dashes = []vg.Length{4, 2}
	}
	return l, nil
}

// noData marks an empty plot and gives its axes a range.
func noData(p *plot.Plot, xmin, xmax float64) error {
	if !(xmax > xmin) {
		xmin, xmax = 0, 1
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, 0, 1
	l, err := plotter.NewLabels(plotter.XYLabels{
		XYs:    plotter.XYs{{X: (xmin + xmax) / 2, Y: 0.5}},
		Labels: []string{"no data"},
	})
	if err != nil {
		return err
	}
	l.TextStyle[0].Color = sentinel(sentInk)
	l.TextStyle[0].Font = chartFont(12)
	l.TextStyle[0].XAlign = draw.XCenter
	p.Add(l)
	return nil
}

// timeSeriesChart draws baseline and canary over the window, each its chart
// line as the judge decided it (judge.Side.Points).
func timeSeriesChart(m *judge.Metric, id string, rw *strings.Replacer) (chart, error) {
	base, can := m.Baseline.Points, m.Canary.Points
	shift := baselineShift(base, can)
	p := newPlot("time (UTC)", "value")
	var t0, t1 time.Time
	for _, s := range []struct {
		pts   []judge.TimedValue
		shift time.Duration
		color uint8
	}{{base, shift, sentBaseline}, {can, 0, sentCanary}} {
		if len(s.pts) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.pts))
		for i, pt := range s.pts {
			t := pt.T.Add(s.shift)
			xys[i] = plotter.XY{X: float64(t.UnixNano()) / 1e9, Y: pt.V}
			if t0.IsZero() || t.Before(t0) {
				t0 = t
			}
			if t.After(t1) {
				t1 = t
			}
		}
		l, err := seriesLine(xys, s.color, false)
		if err != nil {
			return chart{}, fmt.Errorf("metric %q: time-series chart: %w", m.Name, err)
		}
		p.Add(l)
	}
	p.X.Tick.Marker = timeTicks{}
	if len(base)+len(can) == 0 {
		if err := noData(p, 0, 1); err != nil {
			return chart{}, err
		}
		p.X.Tick.Marker = plot.ConstantTicks(nil)
	}
	caption := fmt.Sprintf("Baseline (%s) and canary (%s) over the window", pointsNote(&m.Baseline), pointsNote(&m.Canary))
	if len(base)+len(can) > 0 {
		caption += fmt.Sprintf(", %s to %s UTC", t0.UTC().Format(time.DateTime), t1.UTC().Format(time.DateTime))
	}
	if shift != 0 {
		caption += fmt.Sprintf("; the baseline is drawn shifted by %s to line up with the canary", fmtDuration(shift))
	}
	for _, side := range []struct {
		name string
		s    *judge.Side
	}{{"baseline", &m.Baseline}, {"canary", &m.Canary}} {
		if side.s.Series > 1 {
			caption += fmt.Sprintf("; the %s line is the mean of its %d series at each time", side.name, side.s.Series)
		}
	}
	caption += "."
	title := fmt.Sprintf("Time series of %s: baseline vs canary", m.Name)
	svg, err := renderSVG(p, id, title, caption, rw)
	if err != nil {
		return chart{}, fmt.Errorf("metric %q: time-series chart: %w", m.Name, err)
	}
	return chart{ID: id, SVG: svg, Caption: caption}, nil
}

// distributionChart draws both sides' empirical CDFs, their medians and the
// Hodges–Lehmann shift's confidence interval placed at the baseline median.
func distributionChart(m *judge.Metric, id string, rw *strings.Replacer) (chart, error) {
	p := newPlot("value", "fraction ≤ value")
	xmin, xmax := math.Inf(1), math.Inf(-1)
	n := 0
	for _, s := range []struct {
		side   *judge.Side
		color  uint8
		canary bool
	}{{&m.Baseline, sentBaseline, false}, {&m.Canary, sentCanary, true}} {
		d := s.side.Distribution
		if len(d) == 0 {
			continue
		}
		n += len(d)
		xmin, xmax = math.Min(xmin, d[0].V), math.Max(xmax, d[len(d)-1].V)
		v, ok := distributionLevel(m, s.canary)
		if err := addECDF(p, d, s.color, v, ok); err != nil {
			return chart{}, fmt.Errorf("metric %q: distribution chart: %w", m.Name, err)
		}
	}
	med := func(canary bool) string {
		if v, ok := distributionLevel(m, canary); ok {
			return fmtNum(v)
		}
		return "none"
	}
	caption := fmt.Sprintf("Empirical CDFs; dashed lines at the medians: baseline %s, canary %s", med(false), med(true))
	if m.Kind == config.KindRatio {
		caption = fmt.Sprintf("Empirical CDFs of the per-step rates; dashed lines at the rates over the window: baseline %s, canary %s",
			med(false), med(true))
	}
	if mw := m.MannWhitney; mw != nil && n > 0 && finite(mw.CILow, mw.CIHigh, m.Baseline.Median) {
		if err := addShiftBand(p, m.Baseline.Median+mw.CILow, m.Baseline.Median+mw.CIHigh, xmax-xmin); err != nil {
			return chart{}, fmt.Errorf("metric %q: distribution chart: %w", m.Name, err)
		}
		caption += fmt.Sprintf("; shaded: the baseline median plus the shift's %s confidence interval [%s, %s] (estimate %s, p = %s)",
			fmtPct(mw.Confidence), fmtSigned(mw.CILow), fmtSigned(mw.CIHigh), fmtSigned(mw.Estimate), fmtP(mw.PValue))
	}
	caption += "."
	if n == 0 {
		if err := noData(p, 0, 1); err != nil {
			return chart{}, err
		}
		caption = "No data points on either side."
	}
	title := fmt.Sprintf("Distribution of %s: baseline vs canary", m.Name)
	svg, err := renderSVG(p, id, title, caption, rw)
	if err != nil {
		return chart{}, fmt.Errorf("metric %q: distribution chart: %w", m.Name, err)
	}
	return chart{ID: id, SVG: svg, Caption: caption}, nil
}

// distributionLevel is where a side's dashed line goes: its median, or a
// ratio's rate over the window; false when it has none.
func distributionLevel(m *judge.Metric, canary bool) (float64, bool) {
	if m.Kind != config.KindRatio {
		s := &m.Baseline
		if canary {
			s = &m.Canary
		}
		return s.Median, s.Count > 0 && finite(s.Median)
	}
	if m.Counts == nil {
		return 0, false
	}
	c := m.Counts.Baseline
	if canary {
		c = m.Counts.Canary
	}
	if c.Rate == nil {
		return 0, false
	}
	return *c.Rate, true
}

// addECDF draws one side's ECDF as a step line and, when ok, its level as
// a dashed vertical line.
func addECDF(p *plot.Plot, d []judge.ECDFPoint, color uint8, level float64, ok bool) error {
	xys := make(plotter.XYs, len(d))
	for i, pt := range d {
		xys[i] = plotter.XY{X: pt.V, Y: pt.F}
	}
	l, err := seriesLine(xys, color, false)
	if err != nil {
		return err
	}
	l.StepStyle = plotter.PostStep
	p.Add(l)
	if ok {
		med, err := seriesLine(plotter.XYs{{X: level, Y: 0}, {X: level, Y: 1}}, color, true)
		if err != nil {
			return err
		}
		p.Add(med)
	}
	return nil
}

// addShiftBand shades [lo, hi] over the chart's height, widened to stay
// visible when it is narrower than 1/400 of span (the x range drawn).
func addShiftBand(p *plot.Plot, lo, hi, span float64) error {
	if hi-lo < span/400 { // keep a zero-width interval visible
		w := span / 800
		lo, hi = lo-w, hi+w
	}
	band, err := plotter.NewPolygon(plotter.XYs{{X: lo, Y: 0}, {X: hi, Y: 0}, {X: hi, Y: 1}, {X: lo, Y: 1}})
	if err != nil {
		return err
	}
	band.Color = sentinel(sentBand)
	band.LineStyle.Width = 0
	p.Add(band)
	return nil
}

// renderSVG draws p as inline SVG: no XML prolog, the root element carrying
// id, role and a <title>/<desc> text alternative, colours as CSS variables.
func renderSVG(p *plot.Plot, id, title, desc string, rw *strings.Replacer) (svg string, err error) {
	defer func() { // gonum/plot panics on some degenerate input; report it instead
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing chart: %v", r)
		}
	}()
	c := vgsvg.New(chartWidth, chartHeight)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	raw := buf.String()
	start := strings.Index(raw, "<svg")
	if start < 0 {
		return "", fmt.Errorf("drawing chart: no <svg> element in the output")
	}
	end := strings.IndexByte(raw[start:], '>')
	if end < 0 {
		return "", fmt.Errorf("drawing chart: unterminated <svg> element")
	}
	body := compactPaths(raw[start+end+1:])
	var out strings.Builder
	out.Grow(len(body) + len(title) + len(desc) + 256)
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" id="%s" role="img" aria-labelledby="%s-t %s-d">`,
		chartWidth, chartHeight, id, id, id)
	fmt.Fprintf(&out, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
	out.WriteString(rw.Replace(body))
	return out.String(), nil
}

// compactPaths rounds the coordinates inside path data (d="...") to one
// decimal of a point: a tenth of a point is finer than any screen or printer
// shows, and it shrinks the 50-metric report by an eighth.
func compactPaths(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, ` d="`)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		i += 4
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '"')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		roundNumbers(&b, s[:j])
		s = s[j:]
	}
}

// roundNumbers copies path data to b with each decimal number cut to one
// fractional digit (rounded half away from zero).
func roundNumbers(b *strings.Builder, d string) {
	for i := 0; i < len(d); {
		c := d[i]
		if c != '-' && c != '.' && (c < '0' || c > '9') {
			b.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(d) && (d[j] == '.' || (d[j] >= '0' && d[j] <= '9') || d[j] == 'e' || ((d[j] == '-' || d[j] == '+') && d[j-1] == 'e')) {
			j++
		}
		num := d[i:j]
		if strings.IndexByte(num, '.') < 0 || strings.IndexByte(num, 'e') >= 0 {
			b.WriteString(num)
		} else {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				b.WriteString(num)
			} else {
				r := math.Round(v*10) / 10
				if r == 0 {
					r = 0 // no "-0"
				}
				b.WriteString(strconv.FormatFloat(r, 'f', -1, 64))
			}
		}
		i = j
	}
}

// finite reports whether every v is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// pointsNote says how many points a side's line has and how many are drawn.
func pointsNote(s *judge.Side) string {
	switch n := max(s.LinePoints, len(s.Points)); {
	case n == 0:
		return "no points"
	case n > len(s.Points):
		return fmt.Sprintf("%d points, %d drawn", n, len(s.Points))
	default:
		return fmt.Sprintf("%d points", n)
	}
}

// timeTicks marks a time axis (Unix seconds, UTC) at round intervals —
// seconds, 1, 2, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12 hours or days — the
// finest giving at most six intervals.
type timeTicks struct{}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo, hi) {
		return nil
	}
	steps := []time.Duration{
		time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	}
	span := time.Duration((hi - lo) * 1e9)
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 6 {
			step = s
			break
		}
	}
	for span/step > 6 { // beyond days: whole multiples of days
		step += 24 * time.Hour
	}
	format := "15:04"
	switch {
	case step < time.Minute:
		format = "15:04:05"
	case span > 24*time.Hour:
		format = "Jan 2 15:04"
	}
	sec := step.Seconds()
	var ticks []plot.Tick
	for v := math.Ceil(lo/sec) * sec; v <= hi; v += sec {
		ticks = append(ticks, plot.Tick{Value: v, Label: time.Unix(int64(v), 0).UTC().Format(format)})
	}
	return ticks
}
