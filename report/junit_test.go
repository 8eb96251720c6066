package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

// ciReport is a hand-built report with one metric of every classification,
// and names and reasons full of characters that formats must escape.
func ciReport() *judge.Report {
	f := func(v float64) *float64 { return &v }
	mw := func(p, est, lo, hi float64) *judge.MannWhitney {
		return &judge.MannWhitney{U: 2480, PValue: p, Estimate: est, CILow: lo, CIHigh: hi, Confidence: 0.98, Method: "asymptotic"}
	}
	side := func(n int, med float64) judge.Side {
		return judge.Side{Count: n, Series: 1, Mean: med, Median: med, Min: med / 2, Max: med * 2, P99: med * 1.9,
			Query: `sum(rate(http_requests_total{version="v1"}[1m]))`}
	}
	return &judge.Report{
		SchemaVersion: 1,
		Verdict:       judge.Abort,
		Score:         ptr(62.5),
		Reason:        "latency_p99 is higher in the canary (+12.4%, critical)\nsecond line",
		Window:        judge.Window{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T01:00:00Z", Step: "1m0s"},
		Warnings:      []string{"only 3 of 5 metrics had data"},
		Groups:        []judge.GroupResult{{Name: "latency", Weight: 60, Score: f(50)}, {Name: "errors", Weight: 40, Score: nil}},
		ConfigPath:    "deploy/canary.yaml",
		Metrics: []judge.Metric{
			{Name: "latency_p99", Group: "latency", Classification: judge.High, Critical: true, Line: 12,
				Reason:   "latency_p99 is higher in the canary: +12.4% (98% CI +5.5% … +19.5%), more than the allowed 10% (p=0.0004 < 0.01, critical)",
				Baseline: side(60, 0.2), Canary: side(60, 0.23), MannWhitney: mw(0.0004, 0.025, 0.011, 0.039), Change: f(0.124)},
			{Name: "cpu", Group: "latency", Classification: judge.Pass, Line: 20,
				Reason:   "cpu shows no significant change beyond the allowed margin: +0.5%, p=0.8",
				Baseline: side(60, 1), Canary: side(60, 1.005), MannWhitney: mw(0.8, 0.005, -0.01, 0.02), Change: f(0.005)},
			{Name: "throughput", Group: "latency", Classification: judge.Low, Line: 27,
				Reason:   `throughput is lower in the canary: −30% <&> "quoted" ]]> end`,
				Baseline: side(60, 100), Canary: side(60, 70), MannWhitney: mw(1e-9, -30, -35, -25), Change: f(-0.3)},
			{Name: "errors_5xx", Group: "errors", Classification: judge.NoData, MustHaveData: true, Line: 33,
				Reason:   "errors_5xx: no data for the canary (the query returned no usable samples); must_have_data counts this as a failure",
				Baseline: side(60, 0.01), Canary: judge.Side{Query: "q"}},
			{Name: "saturation", Group: "errors", Classification: judge.NoData, Line: 40,
				Reason:   "saturation: no data for neither the baseline nor the canary",
				Baseline: judge.Side{Query: "q"}, Canary: judge.Side{Query: "q"}},
			{Name: "queue\x01depth", Group: "errors", Classification: judge.Failed, Line: 47,
				Reason:   "queue depth: baseline query failed: bad_data: parse error at char 7\n\tunexpected }",
				Baseline: judge.Side{Query: "q", Error: "bad_data"}, Canary: judge.Side{Query: "q"}},
		},
	}
}

type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Type    string `xml:"type,attr"`
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Type    string `xml:"type,attr"`
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// render renders r in a registered format, failing the test on an error.
func render(t *testing.T, format string, r *judge.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(format, &buf, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

func renderJUnit(t *testing.T, r *judge.Report) []byte { t.Helper(); return render(t, "junit", r) }

func TestJUnitValidatesAgainstXSD(t *testing.T) {
	testenv.Require(t, "xmllint")
	xsd, err := filepath.Abs("testdata/junit/junit.xsd")
	if err != nil {
		t.Fatal(err)
	}
	empty := ciReport()
	empty.Metrics, empty.Warnings, empty.Groups = nil, nil, nil
	for name, r := range map[string]*judge.Report{"every classification": ciReport(), "no metrics": empty} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(path, renderJUnit(t, r), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("xmllint", "--noout", "--schema", xsd, path).CombinedOutput()
			if err != nil {
				t.Fatalf("xmllint rejects the JUnit report: %v\n%s", err, out)
			}
		})
	}
}

// TestJUnitSchemaRejectsMalformed guards the schema itself: a testcase without
// a name and a failure outside a testcase must not validate.
func TestJUnitSchemaRejectsMalformed(t *testing.T) {
	testenv.Require(t, "xmllint")
	bad := `<?xml version="1.0"?><testsuites><testsuite name="s" tests="1"><testcase classname="c"/><failure/></testsuite></testsuites>`
	path := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit/junit.xsd", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "fails to validate") {
		t.Fatalf("xmllint did not reject a malformed JUnit file for its structure (%v):\n%s", err, out)
	}
}

func TestJUnitCasesAndCounts(t *testing.T) {
	out := renderJUnit(t, ciReport())
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration:\n%s", out[:60])
	}
	var doc junitDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, out)
	}
	if doc.Tests != 6 || doc.Failures != 3 || doc.Errors != 1 || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: tests=%d failures=%d errors=%d suites=%d, want 6 3 1 1", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 6 || s.Failures != 3 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("testsuite: tests=%d failures=%d errors=%d skipped=%d, want 6 3 1 1", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	props := map[string]string{}
	for _, p := range s.Props {
		props[p.Name] = p.Value
	}
	if props["verdict"] != "abort" || props["score"] != "62.5" || !strings.Contains(props["reason"], "second line") {
		t.Errorf("properties = %v", props)
	}
	want := map[string]string{ // name -> outcome
		"latency_p99": "failure:high", "cpu": "pass", "throughput": "failure:low",
		"errors_5xx": "failure:nodata", "saturation": "skipped", "queue\uFFFDdepth": "error:error",
	}
	for _, c := range s.Cases {
		got := "pass"
		var msg string
		switch {
		case c.Failure != nil:
			got, msg = "failure:"+c.Failure.Type, c.Failure.Message
		case c.Error != nil:
			got, msg = "error:"+c.Error.Type, c.Error.Message
		case c.Skipped != nil:
			got, msg = "skipped", c.Skipped.Message
		}
		if want[c.Name] != got {
			t.Errorf("testcase %q: %s, want %s", c.Name, got, want[c.Name])
		}
		if got != "pass" && strings.ContainsAny(msg, "\n\t") {
			t.Errorf("testcase %q: message is not one line: %q", c.Name, msg)
		}
		delete(want, c.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing testcases: %v", want)
	}
	hi := s.Cases[0]
	if hi.Classname != "verdict.latency" {
		t.Errorf("classname = %q, want verdict.latency", hi.Classname)
	}
	for _, sub := range []string{"more than the allowed 10%", "critical", "baseline median 0.2, n=60", "canary median 0.23, n=60",
		"change +12.4%", "interval +5.5% … +19.5%", "p=0.0004"} {
		if !strings.Contains(hi.Failure.Message, sub) {
			t.Errorf("latency_p99 failure message lacks %q:\n%s", sub, hi.Failure.Message)
		}
	}
	if !strings.Contains(hi.Failure.Text, "\nclassification: high\n") || !strings.Contains(string(out), "<![CDATA[") {
		t.Errorf("failure body is not readable multi-line CDATA:\n%s", hi.Failure.Text)
	}
	if !strings.Contains(hi.Failure.Text, `canary query: sum(rate(http_requests_total{version="v1"}[1m]))`) {
		t.Errorf("failure body lacks the canary query:\n%s", hi.Failure.Text)
	}
	r := ciReport()
	r.Metrics[3].Critical = true
	var crit junitDoc
	if err := xml.Unmarshal(renderJUnit(t, r), &crit); err != nil {
		t.Fatal(err)
	}
	if f := crit.Suites[0].Cases[3].Failure; f == nil || !strings.Contains(f.Message, "[critical]") {
		t.Errorf("a critical metric whose reason does not say so lacks [critical]: %+v", f)
	}
	if lo := s.Cases[2].Failure; lo == nil || !strings.Contains(lo.Message, `<&> "quoted" ]]> end`) || !strings.Contains(lo.Text, `<&> "quoted" ]]> end`) {
		t.Errorf("escaped characters did not round-trip: %+v", lo)
	}
}

func TestJUnitDeterministic(t *testing.T) {
	a, b := renderJUnit(t, ciReport()), renderJUnit(t, ciReport())
	if !bytes.Equal(a, b) {
		t.Fatal("the same report rendered twice differs")
	}
}

// BenchmarkCIRenderers renders a 1000-metric report in each CI format.
func BenchmarkCIRenderers(b *testing.B) {
	r := ciReport()
	base := r.Metrics
	r.Metrics = nil
	for i := range 1000 {
		m := base[i%len(base)]
		m.Name = fmt.Sprintf("metric_%04d", i)
		r.Metrics = append(r.Metrics, m)
	}
	for _, format := range []string{"junit", "dotenv", "openmetrics"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(format, io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }
