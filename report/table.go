package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// metricRow is one metric's cells as the table and Markdown renderers show them.
func metricRow(m judge.Metric) []string {
	crit := ""
	if m.Critical {
		crit = " (critical)"
	}
	return []string{
		OneLine(m.Name) + crit, OneLine(m.Group),
		BaselineText(m), CanaryText(m),
		ChangeText(m), IntervalText(m), PValueText(m), TestText(m),
		string(m.Classification),
	}
}

func metricHeader(r *judge.Report) []string {
	ci := "CI"
	for _, m := range r.Metrics {
		if c := m.Confidence(); c > 0 {
			ci = judge.Num(c*100) + "% CI"
			break
		}
	}
	b, c := "baseline median", "canary median"
	for _, m := range r.Metrics {
		if m.Kind == config.KindRatio {
			b, c = "baseline median / rate", "canary median / rate"
			break
		}
	}
	return []string{"metric", "group", b, c, "change", ci, "p-value", "test", "result"}
}

// verdictLine is the one-line headline: "ABORT (score 62.5): reason".
func verdictLine(r *judge.Report) string {
	return fmt.Sprintf("%s (score %s): %s", strings.ToUpper(string(r.Verdict)), ScoreText(r), OneLine(r.Reason))
}

// Table writes a plain-text table, one row per metric, then the verdict line
// and the reason of every metric that did not pass. Every text from a config
// or a server is reduced to one line of printable text (OneLine): the table
// goes to terminals and CI logs, where it must not start a workflow command
// or carry escapes.
func Table(w io.Writer, r *judge.Report) error {
	fmt.Fprintf(w, "window %s … %s, step %s\n", r.Window.Start, r.Window.End, r.Window.Step)
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithHeader(metricHeader(r)))
	for _, m := range r.Metrics {
		if err := t.Append(metricRow(m)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, m := range r.Metrics {
		if m.Classification != judge.Pass {
			fmt.Fprintf(w, "  %s: %s\n", m.Classification, OneLine(m.Reason))
		}
		for _, wn := range m.Warnings {
			fmt.Fprintf(w, "  warning: %s: %s\n", OneLine(m.Name), OneLine(wn))
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", OneLine(wn))
	}
	_, err := fmt.Fprintln(w, "verdict:", verdictLine(r))
	return err
}
