package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/plotter"

	"github.com/verdict-ci/verdict/judge"
)

// watchLine says how a watch ended ("" for a judge report).
func watchLine(r *judge.Report) string {
	w := r.Watch
	if w == nil {
		return ""
	}
	return fmt.Sprintf("**Watch**: %s — %d checks every %s from %s; stopped at %s (data time).\n\n",
		stopText(w.StopReason), w.Checks, w.Interval, w.Start, w.StoppedAt)
}

func stopText(reason string) string {
	switch reason {
	case judge.StopAbort:
		return "stopped early: the evidence shows the canary worse"
	case judge.StopPromote:
		return "promoted early: every metric shown within its margin"
	case judge.StopError:
		return "stopped: checks failed"
	case judge.StopCancelled:
		return "cancelled"
	}
	return "ran to the end"
}

// evidenceChart draws a watched metric's evidence per check, log10(1/p)
// (the log10 of its running e-value), against log10 of its threshold; ""
// without sequential figures.
func evidenceChart(m judge.Metric) string {
	s := m.Sequential
	if s == nil || len(s.History) == 0 || !(s.Threshold > 1) {
		return ""
	}
	ev := make([]float64, len(s.History))
	top := math.Log10(s.Threshold)
	for i, p := range s.History {
		ev[i] = -math.Log10(math.Max(p, 1e-300))
		top = math.Max(top, ev[i])
	}
	thr := make([]float64, len(s.History))
	for i := range thr {
		thr[i] = math.Log10(s.Threshold)
	}
	name := mermaidText(m.Name)
	var b strings.Builder
	b.WriteString("```mermaid\n")
	b.WriteString("%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#D55E00, #999999\"}}}}%%\n")
	b.WriteString("xychart-beta\n")
	fmt.Fprintf(&b, "    title \"%s: evidence per check (red) vs the threshold (grey)\"\n", name)
	fmt.Fprintf(&b, "    x-axis \"check\" 1 --> %d\n", len(s.History))
	fmt.Fprintf(&b, "    y-axis \"log10 e-value\" 0 --> %s\n", mermaidNum(math.Ceil(top*1.1*10)/10))
	fmt.Fprintf(&b, "    line %s\n", mermaidLine(ev))
	fmt.Fprintf(&b, "    line %s\n", mermaidLine(thr))
	b.WriteString("```\n\n")
	return b.String()
}

// evidenceSVG is the HTML report's chart of a watched metric's evidence
// per check (log10 e-value, canary colour) against log10 of its threshold
// (dashed); nil without sequential figures.
func evidenceSVG(m *judge.Metric, id string, rw *strings.Replacer) (*chart, error) {
	s := m.Sequential
	if s == nil || len(s.History) == 0 || !(s.Threshold > 1) {
		return nil, nil
	}
	p := newPlot("check", "log10 e-value")
	ev, thr := make(plotter.XYs, len(s.History)), make(plotter.XYs, len(s.History))
	for i, pv := range s.History {
		ev[i] = plotter.XY{X: float64(i + 1), Y: -math.Log10(math.Max(pv, 1e-300))}
		thr[i] = plotter.XY{X: float64(i + 1), Y: math.Log10(s.Threshold)}
	}
	for _, l := range []struct {
		xys    plotter.XYs
		color  uint8
		dashed bool
	}{{thr, sentInk, true}, {ev, sentCanary, false}} {
		line, err := seriesLine(l.xys, l.color, l.dashed)
		if err != nil {
			return nil, fmt.Errorf("metric %q: evidence chart: %w", m.Name, err)
		}
		p.Add(line)
	}
	p.Y.Min = 0
	caption := fmt.Sprintf("Evidence against the canary at each of %d checks: log10 of the anytime e-value (solid) and of the threshold %s that decides (dashed)",
		len(s.History), judge.Num(s.Threshold))
	if s.DecidedAt != nil {
		caption += "; decided at " + *s.DecidedAt
	}
	caption += "."
	svg, err := renderSVG(p, id, "Sequential evidence of "+m.Name, caption, rw)
	if err != nil {
		return nil, fmt.Errorf("metric %q: evidence chart: %w", m.Name, err)
	}
	return &chart{ID: id, SVG: svg, Caption: caption}, nil
}
