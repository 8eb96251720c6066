package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// JUnit writes the report as JUnit XML (the Ant/Jenkins dialect that GitLab,
// Jenkins, Buildkite and Azure DevOps read): one testsuite, one testcase per
// metric. High, low and must-have no-data metrics are failures, a failed
// query is an error, other no-data metrics are skipped. Each message carries
// the metric's reason and its numbers.
func JUnit(w io.Writer, r *judge.Report) error {
	suite := junitSuite{
		Name:      "verdict",
		Tests:     len(r.Metrics),
		Time:      "0",
		Timestamp: r.Window.End,
		Properties: []junitProperty{
			{Name: "verdict", Value: string(r.Verdict)},
			{Name: "score", Value: ScoreText(r)},
			{Name: "reason", Value: r.Reason},
			{Name: "window.start", Value: r.Window.Start},
			{Name: "window.end", Value: r.Window.End},
			{Name: "window.step", Value: r.Window.Step},
		},
	}
	if r.Comparison != "" {
		suite.Properties = append(suite.Properties, junitProperty{Name: "comparison", Value: r.Comparison})
	}
	var out strings.Builder
	fmt.Fprintf(&out, "verdict: %s (score %s): %s\n", r.Verdict, ScoreText(r), r.Reason)
	for _, wn := range r.Warnings {
		fmt.Fprintf(&out, "warning: %s\n", wn)
	}
	suite.SystemOut = &junitText{xmlChars(out.String())}

	for _, m := range r.Metrics {
		tc := junitCase{Name: m.Name, Classname: "verdict." + m.Group, Time: "0"}
		msg := junitMessage(m)
		switch {
		case m.Classification == judge.Failed:
			tc.Error = &junitProblem{Type: string(m.Classification), Message: msg, Text: xmlChars(junitDetails(m))}
			suite.Errors++
		case m.Failing():
			tc.Failure = &junitProblem{Type: string(m.Classification), Message: msg, Text: xmlChars(junitDetails(m))}
			suite.Failures++
		case m.Classification == judge.NoData:
			tc.Skipped = &junitSkipped{Message: msg}
			suite.Skipped++
		default:
			tc.SystemOut = &junitText{xmlChars(junitDetails(m))}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	doc := junitSuites{
		Name: "verdict", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: "0", Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitMessage is a metric's one-line message: its classification, reason and key numbers.
func junitMessage(m judge.Metric) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", m.Classification, m.Reason)
	if m.Critical && !strings.Contains(m.Reason, "critical") {
		b.WriteString(" [critical]")
	}
	if m.Kind == config.KindRatio {
		fmt.Fprintf(&b, " (baseline rate %s; canary rate %s; change %s; interval %s; p=%s)",
			BaselineText(m), CanaryText(m), ChangeText(m), IntervalText(m), PValueText(m))
	} else {
		fmt.Fprintf(&b, " (baseline median %s, n=%d; canary median %s, n=%d; change %s; interval %s; p=%s)",
			MedianText(m.Baseline), m.Baseline.Count, MedianText(m.Canary), m.Canary.Count,
			ChangeText(m), IntervalText(m), PValueText(m))
	}
	return oneLineText(b.String())
}

// junitDetails is the multi-line body of a testcase: every number and both queries.
func junitDetails(m judge.Metric) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", m.Reason)
	fmt.Fprintf(&b, "classification: %s\ngroup: %s\ncritical: %t\nmust_have_data: %t\n",
		m.Classification, m.Group, m.Critical, m.MustHaveData)
	fmt.Fprintf(&b, "change: %s\ninterval: %s\np-value: %s\n", ChangeText(m), IntervalText(m), PValueText(m))
	if mw := m.MannWhitney; mw != nil {
		fmt.Fprintf(&b, "mann-whitney: U=%s estimate=%s ci=[%s, %s] confidence=%s method=%s\n",
			judge.Num(mw.U), judge.Num(mw.Estimate), judge.Num(mw.CILow), judge.Num(mw.CIHigh), judge.Num(mw.Confidence), mw.Method)
	}
	if t := m.Test; t != nil && t.Dispersion != nil {
		fmt.Fprintf(&b, "dispersion: %s\n", judge.Num(*t.Dispersion))
	}
	for _, s := range []struct {
		name  string
		side  judge.Side
		level string
	}{{"baseline", m.Baseline, BaselineText(m)}, {"canary", m.Canary, CanaryText(m)}} {
		if m.Kind == config.KindRatio {
			fmt.Fprintf(&b, "%s: rate=%s series=%d points=%d\n", s.name, s.level, s.side.Series, s.side.Count)
			fmt.Fprintf(&b, "%s numerator: %s\n%s denominator: %s\n", s.name, s.side.Query, s.name, s.side.DenominatorQuery)
		} else {
			fmt.Fprintf(&b, "%s: n=%d series=%d median=%s mean=%s min=%s max=%s p99=%s\n", s.name, s.side.Count, s.side.Series,
				MedianText(s.side), judge.Num(s.side.Mean), judge.Num(s.side.Min), judge.Num(s.side.Max), judge.Num(s.side.P99))
			fmt.Fprintf(&b, "%s query: %s\n", s.name, s.side.Query)
		}
		if s.side.Error != "" {
			fmt.Fprintf(&b, "%s error: %s\n", s.name, s.side.Error)
		}
	}
	for _, wn := range m.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", wn)
	}
	return b.String()
}

// xmlChars replaces what XML 1.0 cannot carry (control characters other than
// tab, newline and carriage return; invalid UTF-8; U+FFFE, U+FFFF) with U+FFFD.
// CDATA sections are written unescaped, so their text must be clean.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// oneLineText collapses every run of white space, newlines included, to one space.
func oneLineText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped"`
	Error     *junitProblem `xml:"error"`
	Failure   *junitProblem `xml:"failure"`
	SystemOut *junitText    `xml:"system-out"`
}

// junitText is element text written as CDATA, so multi-line details stay readable.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitProblem struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}
