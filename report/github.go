package report

import (
	"fmt"
	"strings"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// GitHubSummaryLimit is GitHub's size limit for one step's job summary (1 MiB).
const GitHubSummaryLimit = 1 << 20

// githubChartPoints bounds the points per side of a step-summary chart.
const githubChartPoints = 60

// GitHubSummary is the Markdown job summary of a GitHub Actions step: the
// verdict line, one table row per metric (medians, change, interval, p-value,
// classification), and for every failing metric its reason and a Mermaid
// chart of baseline vs canary. reports maps each written report format to the
// path shown for it. The summary never exceeds limit bytes: rows and charts
// that do not fit are left out, and a note says how many.
func GitHubSummary(rep *judge.Report, reports map[string]string, limit int) string {
	head, tail := summaryHead(rep), summaryReports(reports)
	rows := summaryRows(rep.Metrics)
	var failing []judge.Metric
	for _, m := range rep.Metrics {
		if m.Failing() {
			failing = append(failing, m)
		}
	}
	detail := func(i int) string { // built only when it may still fit: charts are the big part
		m := failing[i]
		d := fmt.Sprintf("### %s %s: %s\n\n%s\n\n", classIcon(m), mdEscape(m.Name), m.Classification, clipUTF8(mdEscape(m.Reason), 4096))
		if chart := MermaidXYChart(m, githubChartPoints); chart != "" {
			d += chart + "\n"
		}
		return d + evidenceChart(m)
	}

	var b strings.Builder
	const note = "\n> [!NOTE]\n> The summary is cut at GitHub's 1 MiB limit: %d table rows and %d charts are left out; the JSON report has every metric.\n"
	reserve := len(note) + 40 + len(tail)
	b.WriteString(clipUTF8(head, max(limit-reserve, 0)))
	tableHead := summaryTableHead(rep.Metrics)
	droppedRows, droppedCharts := len(rows), len(failing)
	if len(rows) > 0 && b.Len()+len(tableHead)+reserve <= limit {
		b.WriteString(tableHead)
		droppedRows = writeWhileFits(&b, len(rows), func(i int) string { return rows[i] }, limit-reserve)
		b.WriteString("\n")
	}
	var warns []string // each metric's warnings (bursts of errors, server warnings), after the table
	for _, m := range rep.Metrics {
		for _, w := range m.Warnings {
			warns = append(warns, fmt.Sprintf("> [!WARNING]\n> %s: %s\n\n", clipUTF8(mdEscape(m.Name), 256), clipUTF8(mdEscape(w), 1024)))
		}
	}
	if droppedRows == 0 {
		writeWhileFits(&b, len(warns), func(i int) string { return warns[i] }, limit-reserve)
		droppedCharts = writeWhileFits(&b, len(failing), detail, limit-reserve)
	}
	if n := fmt.Sprintf(note, droppedRows, droppedCharts); (droppedRows > 0 || droppedCharts > 0) && b.Len()+len(n) <= limit {
		b.WriteString(n)
	}
	if b.Len()+len(tail) <= limit {
		b.WriteString(tail)
	}
	return b.String()
}

// summaryHead is the summary's verdict line, reason, window and warnings.
func summaryHead(rep *judge.Report) string {
	var head strings.Builder
	fmt.Fprintf(&head, "## %s verdict: **%s** — score %s\n\n", VerdictIcon(rep.Verdict), rep.Verdict, ScoreText(rep))
	fmt.Fprintf(&head, "%s\n\n", clipUTF8(mdEscape(rep.Reason), 4096))
	fmt.Fprintf(&head, "Window `%s` … `%s`, step `%s`", rep.Window.Start, rep.Window.End, rep.Window.Step)
	if rep.Comparison != "" {
		fmt.Fprintf(&head, "; %s comparison (baseline shifted back %s), weaker than a side-by-side canary", rep.Comparison, rep.Window.BaselineOffset)
	}
	head.WriteString(".\n\n")
	head.WriteString(watchLine(rep))
	for _, w := range rep.Warnings {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", clipUTF8(mdEscape(w), 1024))
	}
	return head.String()
}

// summaryReports is the line naming the reports written, or "".
func summaryReports(reports map[string]string) string {
	var written []string
	for _, f := range Formats() {
		if p, ok := reports[f]; ok {
			written = append(written, fmt.Sprintf("%s `%s`", f, strings.ReplaceAll(OneLine(p), "`", "'")))
		}
	}
	if len(written) == 0 {
		return ""
	}
	return fmt.Sprintf("Reports: %s.\n", strings.Join(written, ", "))
}

// summaryTableHead is the metric table's header: "median / rate" columns
// when a ratio metric is in it, the interval's confidence when one has it.
func summaryTableHead(ms []judge.Metric) string {
	conf := "interval"
	for _, m := range ms {
		if c := m.Confidence(); c > 0 {
			conf = "interval (" + judge.Num(c*100) + "%)"
			break
		}
	}
	level := "median"
	for _, m := range ms {
		if m.Kind == config.KindRatio {
			level = "median / rate"
			break
		}
	}
	return fmt.Sprintf("| metric | group | result | baseline %s | canary %s | change | %s | p-value |\n|---|---|---|---:|---:|---:|---|---:|\n", level, level, conf)
}

// summaryRows is one table row per metric.
func summaryRows(ms []judge.Metric) []string {
	rows := make([]string, 0, len(ms))
	for _, m := range ms {
		name := mdEscape(m.Name)
		if m.Critical {
			name += " (critical)"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s %s | %s | %s | %s | %s | %s |\n",
			clipUTF8(name, 256), clipUTF8(mdEscape(m.Group), 128), classIcon(m), m.Classification,
			BaselineText(m), CanaryText(m), ChangeText(m), IntervalText(m), PValueText(m)))
	}
	return rows
}

// writeWhileFits appends part(0), part(1), … part(n-1) to b while b stays
// within limit bytes, and returns how many parts were left out.
func writeWhileFits(b *strings.Builder, n int, part func(i int) string, limit int) int {
	for i := range n {
		p := part(i)
		if b.Len()+len(p) > limit {
			return n - i
		}
		b.WriteString(p)
	}
	return 0
}
