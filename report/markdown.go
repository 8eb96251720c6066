package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/verdict-ci/verdict/judge"
)

// Markdown writes the report as GitHub-flavoured Markdown: the verdict, the
// groups, a table per metric and, for each failing metric, its reason.
func Markdown(w io.Writer, r *judge.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## verdict: **%s** (score %s)\n\n%s\n\n", r.Verdict, ScoreText(r), mdEscape(r.Reason))
	fmt.Fprintf(&b, "Window %s … %s, step %s.\n\n", r.Window.Start, r.Window.End, r.Window.Step)
	b.WriteString(watchLine(r))
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "> **Warning:** %s\n\n", mdEscape(wn))
	}
	if len(r.Groups) > 0 {
		b.WriteString("| group | weight | score |\n|---|---:|---:|\n")
		for _, g := range r.Groups {
			s := "—"
			if g.Score != nil {
				s = judge.Num(*g.Score)
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(g.Name), judge.Num(g.Weight), s)
		}
		b.WriteString("\n")
	}
	h := metricHeader(r)
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|---|---|---:|---:|---:|---:|---:|---|---|\n")
	for _, m := range r.Metrics {
		row := metricRow(m)
		for i := range row {
			row[i] = mdEscape(row[i])
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
	for _, m := range r.Metrics {
		for _, wn := range m.Warnings {
			fmt.Fprintf(&b, "> **Warning:** %s: %s\n\n", mdEscape(m.Name), mdEscape(wn))
		}
	}
	for _, m := range r.Metrics {
		if m.Classification == judge.Pass {
			continue
		}
		fmt.Fprintf(&b, "### %s %s: %s\n\n%s\n\n", classIcon(m), mdEscape(m.Name), m.Classification, mdEscape(m.Reason))
		if m.Failing() {
			b.WriteString(mermaidChart(m))
			b.WriteString(evidenceChart(m))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidChart is the baseline-vs-canary chart of a failing metric (≤ 60 points).
func mermaidChart(m judge.Metric) string {
	return MermaidXYChart(m, 60) + "\n"
}
