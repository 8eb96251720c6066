package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// summaryLimit is GitHub's size limit for one step's job summary (1 MiB);
// the summary verdict writes stays below it, whatever the step wrote before.
const summaryLimit = 1 << 20

// summaryChartPoints bounds the points per side of a step-summary chart.
const summaryChartPoints = 60

// fileCommandDelimiter is the heredoc delimiter go-githubactions writes
// around output values; a value must never contain it.
const fileCommandDelimiter = "_GitHubActionsFileCommandDelimeter_"

// publishGitHub publishes a finished judge run to GitHub Actions when
// GITHUB_ACTIONS=true (the source's secrets are masked when it is built, see
// source): it writes an annotation at the config line of each failing metric, the outputs verdict, score,
// reason and report (the JSON report's path), and a Markdown step summary.
// reports maps each written report format to its path. Workflow commands go
// to stderr, so stdout keeps only the report. A missing or unwritable
// GITHUB_OUTPUT or GITHUB_STEP_SUMMARY is reported, never a panic.
func publishGitHub(getenv func(string) string, rep *judge.Report, reports map[string]string, stderr io.Writer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("github: workflow command failed: %v", p)
		}
	}()
	gh := githubactions.New(githubactions.WithWriter(stderr), githubactions.WithGetenv(getenv))
	configPath := workspacePath(getenv, rep.ConfigPath)
	gh.Group(fmt.Sprintf("verdict: %s, score %s, %d metrics", rep.Verdict, judge.Num(rep.Score), len(rep.Metrics)))
	for _, m := range rep.Metrics {
		gh.Infof("- %s [%s]: %s", m.Name, m.Classification, singleLine(m.Reason))
	}
	gh.EndGroup()
	annotate(gh, rep, configPath)

	var errs []error
	if getenv("GITHUB_OUTPUT") == "" {
		gh.Warningf("verdict: GITHUB_OUTPUT is not set; the step's outputs are not written")
	} else {
		errs = append(errs, setOutputs(gh, rep, workspacePath(getenv, reports["json"])))
	}
	if path := getenv("GITHUB_STEP_SUMMARY"); path == "" {
		gh.Warningf("verdict: GITHUB_STEP_SUMMARY is not set; no job summary is written")
	} else {
		shown := map[string]string{}
		for f, p := range reports {
			shown[f] = workspacePath(getenv, p)
		}
		budget := summaryLimit - fileSize(path) - 1024 // room for the newline go-githubactions adds
		errs = append(errs, fileCommand(func() { gh.AddStepSummary(stepSummary(rep, shown, budget)) }))
	}
	return errors.Join(errs...)
}

// maskSecrets issues ::add-mask:: for every secret and, for multi-line
// secrets, for each of their lines (the runner masks line by line).
func maskSecrets(gh *githubactions.Action, secrets []string) {
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		gh.AddMask(s)
		if strings.ContainsAny(s, "\r\n") {
			for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.TrimSpace(line) != "" {
					gh.AddMask(line)
				}
			}
		}
	}
}

// annotate writes an ::error (or ::warning when the canary is promoted anyway)
// at the config line of each failing metric, a ::warning for each metric
// without data or with warnings, and one annotation for the verdict itself.
func annotate(gh *githubactions.Action, rep *judge.Report, configPath string) {
	at := func(m judge.Metric, title string) *githubactions.Action {
		f := map[string]string{"title": title}
		if configPath != "" {
			f["file"] = configPath
			if m.Line > 0 {
				f["line"] = fmt.Sprint(m.Line)
			}
		}
		return gh.WithFieldsMap(f)
	}
	for _, m := range rep.Metrics {
		title := fmt.Sprintf("verdict: %s is %s", m.Name, m.Classification)
		msg := singleLine(m.Reason) + fmt.Sprintf(" (baseline median %s, canary median %s, change %s, interval %s, p=%s)",
			m.Baseline.MedianText(), m.Canary.MedianText(), m.ChangeText(), m.IntervalText(), m.PValueText())
		switch {
		case m.Failing() && rep.Verdict != judge.Promote:
			at(m, title).Errorf("%s", msg)
		case m.Failing(), m.Classification == judge.NoData:
			at(m, title).Warningf("%s", msg)
		}
		for _, w := range m.Warnings {
			at(m, "verdict: "+m.Name).Warningf("%s", singleLine(w))
		}
	}
	f := map[string]string{"title": fmt.Sprintf("verdict: %s (score %s)", rep.Verdict, judge.Num(rep.Score))}
	if configPath != "" {
		f["file"] = configPath
	}
	v := gh.WithFieldsMap(f)
	switch rep.Verdict {
	case judge.Promote:
		v.Noticef("%s", singleLine(rep.Reason))
	case judge.Inconclusive:
		v.Warningf("%s", singleLine(rep.Reason))
	default:
		v.Errorf("%s", singleLine(rep.Reason))
	}
	for _, w := range rep.Warnings {
		gh.WithFieldsMap(map[string]string{"title": "verdict"}).Warningf("%s", singleLine(w))
	}
}

// setOutputs writes the step outputs verdict, score, reason and report.
func setOutputs(gh *githubactions.Action, rep *judge.Report, jsonPath string) error {
	outputs := [][2]string{
		{"verdict", string(rep.Verdict)},
		{"score", judge.Num(rep.Score)},
		{"reason", singleLine(rep.Reason)},
		{"report", jsonPath},
	}
	var errs []error
	for _, o := range outputs {
		v := strings.ReplaceAll(o[1], fileCommandDelimiter, "")
		errs = append(errs, fileCommand(func() { gh.SetOutput(o[0], v) }))
	}
	return errors.Join(errs...)
}

// fileCommand runs a go-githubactions file command, which panics when its
// file cannot be written, and turns the panic into an error.
func fileCommand(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("github: %v", p)
		}
	}()
	f()
	return nil
}

// workspacePath makes p relative to GITHUB_WORKSPACE when it lies inside it:
// the form annotations need, and the one later steps (which start in the
// workspace, outside the action's container) can open. Other paths are kept.
func workspacePath(getenv func(string) string, p string) string {
	ws := getenv("GITHUB_WORKSPACE")
	if p == "" || ws == "" {
		return filepath.ToSlash(p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

func fileSize(path string) int {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return int(fi.Size())
	}
	return 0
}

func singleLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// stepSummary is the Markdown job summary: the verdict line, one table row
// per metric (medians, change, interval, p-value, classification), and for
// every failing metric its reason and a Mermaid chart of baseline vs canary.
// It never exceeds limit bytes: rows and charts that do not fit are left out,
// and a note says how many.
func stepSummary(rep *judge.Report, reports map[string]string, limit int) string {
	var head strings.Builder
	fmt.Fprintf(&head, "## %s verdict: **%s** — score %s\n\n", verdictIcon(rep.Verdict), rep.Verdict, judge.Num(rep.Score))
	fmt.Fprintf(&head, "%s\n\n", clipUTF8(summaryCell(rep.Reason), 4096))
	fmt.Fprintf(&head, "Window `%s` … `%s`, step `%s`", rep.Window.Start, rep.Window.End, rep.Window.Step)
	if rep.Comparison != "" {
		fmt.Fprintf(&head, "; %s comparison (baseline shifted back %s), weaker than a side-by-side canary", rep.Comparison, rep.Window.BaselineOffset)
	}
	head.WriteString(".\n\n")
	for _, w := range rep.Warnings {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", clipUTF8(summaryCell(w), 1024))
	}

	conf := "interval"
	for _, m := range rep.Metrics {
		if m.MannWhitney != nil {
			conf = "interval (" + judge.Num(m.MannWhitney.Confidence*100) + "%)"
			break
		}
	}
	var rows []string
	for _, m := range rep.Metrics {
		name := summaryCell(m.Name)
		if m.Critical {
			name += " (critical)"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s %s | %s | %s | %s | %s | %s |\n",
			clipUTF8(name, 256), clipUTF8(summaryCell(m.Group), 128), classIcon(m), m.Classification,
			m.Baseline.MedianText(), m.Canary.MedianText(), m.ChangeText(), m.IntervalText(), m.PValueText()))
	}
	var failing []judge.Metric
	for _, m := range rep.Metrics {
		if m.Failing() {
			failing = append(failing, m)
		}
	}
	detail := func(i int) string { // built only when it may still fit: charts are the big part
		m := failing[i]
		d := fmt.Sprintf("### %s %s: %s\n\n%s\n\n", classIcon(m), summaryCell(m.Name), m.Classification, clipUTF8(summaryCell(m.Reason), 4096))
		if chart := report.MermaidXYChart(m, summaryChartPoints); chart != "" {
			d += chart + "\n"
		}
		return d
	}
	var tail strings.Builder
	var written []string
	for _, f := range report.Formats() {
		if p, ok := reports[f]; ok {
			written = append(written, fmt.Sprintf("%s `%s`", f, strings.ReplaceAll(p, "`", "'")))
		}
	}
	if len(written) > 0 {
		fmt.Fprintf(&tail, "Reports: %s.\n", strings.Join(written, ", "))
	}

	var b strings.Builder
	const note = "\n> [!NOTE]\n> The summary is cut at GitHub's 1 MiB limit: %d table rows and %d charts are left out; the JSON report has every metric.\n"
	reserve := len(note) + 40 + tail.Len()
	b.WriteString(clipUTF8(head.String(), max(limit-reserve, 0)))
	tableHead := fmt.Sprintf("| metric | group | result | baseline median | canary median | change | %s | p-value |\n|---|---|---|---:|---:|---:|---|---:|\n", conf)
	droppedRows, droppedCharts := len(rows), len(failing)
	if len(rows) > 0 && b.Len()+len(tableHead)+reserve <= limit {
		b.WriteString(tableHead)
		droppedRows = writeWhileFits(&b, len(rows), func(i int) string { return rows[i] }, limit-reserve)
		b.WriteString("\n")
	}
	if droppedRows == 0 {
		droppedCharts = writeWhileFits(&b, len(failing), detail, limit-reserve)
	}
	if n := fmt.Sprintf(note, droppedRows, droppedCharts); (droppedRows > 0 || droppedCharts > 0) && b.Len()+len(n) <= limit {
		b.WriteString(n)
	}
	if b.Len()+tail.Len() <= limit {
		b.WriteString(tail.String())
	}
	return b.String()
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

// clipUTF8 cuts s to at most n bytes at a rune boundary, marking a cut with "…".
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	if n < len(more) {
		return ""
	}
	cut := n - len(more)
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + more
}

// summaryCell makes text safe in a Markdown table cell or paragraph: one line,
// pipes escaped, HTML and backticks neutralised.
func summaryCell(s string) string {
	var b strings.Builder
	for _, r := range singleLine(s) {
		switch r {
		case '|':
			b.WriteString(`\|`)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '`':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func verdictIcon(v judge.Verdict) string {
	switch v {
	case judge.Promote:
		return "✅"
	case judge.Inconclusive:
		return "⚠️"
	case judge.Abort:
		return "❌"
	}
	return "🛑"
}

func classIcon(m judge.Metric) string {
	switch {
	case m.Classification == judge.Pass:
		return "✅"
	case m.Classification == judge.Failed:
		return "🛑"
	case m.Failing():
		return "❌"
	}
	return "➖"
}
