package report

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// renderHTML renders r or fails the test.
func renderHTML(t testing.TB, r *judge.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLGolden pins a small report's page (go test ./report -update-html rewrites it).
func TestHTMLGolden(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "html", "sample.html"), renderHTML(t, sampleReport(5, 30)))
}

// checkGolden compares got with the file at path, rewriting it first under -update-html.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateHTML {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update-html)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./report -update-html and review the diff):\n%.600s", path, got)
	}
}

func TestHTMLDeterministic(t *testing.T) {
	r := sampleReport(12, 200)
	a, b := renderHTML(t, r), renderHTML(t, r)
	if a != b {
		t.Error("two renders of one report differ")
	}
}

// TestHTMLSelfContained: nothing the page could fetch or run.
func TestHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, sampleReport(6, 120))
	for _, bad := range []string{"<script", "<link", "<img", "<image", "<iframe", "@import", "url(", "@font-face", "<?xml", "xlink:href", "javascript:", "on" + "load="} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^\s"'<>]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("page mentions a URL other than the SVG namespace: %s", u)
		}
	}
	for _, want := range []string{"<!DOCTYPE html>", `Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"`,
		"prefers-color-scheme:dark", "@media print", "#0072B2", "#E69F00"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLHeader: verdict, score, window, groups and scores, reason, warnings.
func TestHTMLHeader(t *testing.T) {
	r := sampleReport(4, 60)
	r.Comparison = "before-after"
	r.Window.BaselineOffset = "24h0m0s"
	r.Warnings = []string{"before/after comparison: time itself changes traffic"}
	page := renderHTML(t, r)
	header := page[strings.Index(page, "<header"):strings.Index(page, "</header>")]
	for _, want := range []string{
		`<span class="vword">abort</span>`, "<strong>62.5</strong> / 100",
		"2024-01-01T00:00:00Z → 2024-01-01T01:00:00Z (1h), step 1m0s",
		"before-after, baseline offset 24h0m0s", "latency_p99_00 is higher in the canary (&#43;",
		"<li>before/after comparison: time itself changes traffic</li>",
		`<tr><th scope="row">latency</th><td>60</td><td>62.5</td></tr>`,
		`<tr><th scope="row">errors</th><td>40</td><td>not scored</td></tr>`,
	} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}
}

var sectionRE = regexp.MustCompile(`<section class="metric c-(\w+)" id="(m\d+)"[^>]*>\s*<h2[^>]*><span[^>]*>[^<]*</span> <span class="mname">([^<]*)</span>`)

// TestHTMLMetricOrder: error, high, low, nodata, pass; config order within.
func TestHTMLMetricOrder(t *testing.T) {
	r := sampleReport(7, 30)
	// Reverse so that stable order within a class is observable.
	for i, j := 0, len(r.Metrics)-1; i < j; i, j = i+1, j-1 {
		r.Metrics[i], r.Metrics[j] = r.Metrics[j], r.Metrics[i]
	}
	var got []string
	for _, m := range sectionRE.FindAllStringSubmatch(renderHTML(t, r), -1) {
		got = append(got, m[1]+" "+m[2]+" "+m[3])
	}
	want := []string{
		"error m1 latency_p99_03", "high m2 latency_p99_00", "low m3 error_rate_01", "nodata m4 latency_p99_02",
		"pass m5 latency_p99_06", "pass m6 latency_p99_05", "pass m7 error_rate_04",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTMLMetricSection: charts, numbers and queries of one metric.
func TestHTMLMetricSection(t *testing.T) {
	r := sampleReport(1, 60)
	m := r.Metrics[0]
	page := renderHTML(t, r)
	sec := page[strings.Index(page, `<section class="metric`):strings.Index(page, "</section>")]
	for _, want := range []string{
		`<figure class="chart chart-ts">`, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 440 220" id="m1-ts" role="img" aria-labelledby="m1-ts-t m1-ts-d">`,
		`<title id="m1-ts-t">Time series of latency_p99_00: baseline vs canary</title>`,
		`<figure class="chart chart-dist">`, `id="m1-dist"`, "shift&#39;s 98% confidence interval",
		`<span class="crit">critical</span>`, "<th scope=\"row\">p99</th><td>" + fmtNum(m.Baseline.P99) + "</td><td>" + fmtNum(m.Canary.P99) + "</td>",
		"<td colspan=\"2\">" + strings.ReplaceAll(fmtChange(*m.Change), "+", "&#43;") + "</td>",
		"&#43;0.025 [&#43;0.019, &#43;0.031] at 98% confidence", "0.0004 (U = 2480, asymptotic)",
		"<pre><code>histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app=&#34;checkout&#34;,version=&#34;v1.4.2&#34;}[5m])))</code></pre>",
		"var(--baseline)", "var(--canary)", "var(--band)", "var(--ink)",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("section lacks %q", want)
		}
	}
	for _, row := range []string{"count", "series", "median", "p95", "p99", "mean", "stddev", "change of medians", "shift and interval", "p-value"} {
		if !strings.Contains(sec, `<th scope="row">`+row+`</th>`) {
			t.Errorf("numbers table lacks %s", row)
		}
	}
	if strings.Contains(sec, "#0102") {
		t.Error("a sentinel chart colour was not replaced by its CSS variable")
	}
}

// TestHTMLChartsPerMetric: one time series and one distribution per metric,
// every id unique, each chart titled and described.
func TestHTMLChartsPerMetric(t *testing.T) {
	r := sampleReport(9, 90)
	page := renderHTML(t, r)
	n := len(r.Metrics)
	if got := strings.Count(page, `<figure class="chart chart-ts">`); got != n {
		t.Errorf("%d time-series charts for %d metrics", got, n)
	}
	if got := strings.Count(page, `<figure class="chart chart-dist">`); got != n {
		t.Errorf("%d distribution charts for %d metrics", got, n)
	}
	if got := strings.Count(page, "<svg "); got != 2*n {
		t.Errorf("%d svg elements, want %d", got, 2*n)
	}
	if got := strings.Count(page, "<title id=") + strings.Count(page, "<desc id="); got != 4*n {
		t.Errorf("%d svg title/desc elements, want %d", got, 4*n)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Errorf("duplicate id %q", m[1])
		}
		seen[m[1]] = true
	}
}

// TestHTMLEscaping: hostile text appears escaped, as text, everywhere.
func TestHTMLEscaping(t *testing.T) {
	r := hostileReport()
	page := renderHTML(t, r)
	for _, bad := range []string{"<script", "<img", "<b>", "<style>body", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("hostile markup %q reached the page unescaped", bad)
		}
	}
	for _, want := range []string{
		`<span class="mname">&lt;script&gt;console.error(&#34;name ran&#34;)&lt;/script&gt;&#34;quoted&#34; &amp; &#39;single&#39; &lt;/title&gt;&lt;img src=x onerror=console.error(1)&gt;</span>`,
		`&lt;/code&gt;&lt;script&gt;console.error(&#39;query ran&#39;)&lt;/script&gt;&#34;}[5m]) &amp;amp; &lt;b&gt;bold&lt;/b&gt;`,
		// inside the chart's <title>, escaped by html.EscapeString
		`Time series of &lt;script&gt;console.error(&#34;name ran&#34;)&lt;/script&gt;&#34;quoted&#34; &amp; &#39;single&#39; &lt;/title&gt;`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks escaped text %q", want)
		}
	}
}

// TestHTMLDegenerate: empty, single-point, constant and non-finite inputs
// (their chart points decided by the judge) render without error or panic.
func TestHTMLDegenerate(t *testing.T) {
	t0 := sampleStart
	one := []judge.TimedValue{{T: t0, V: 1}}
	flat := []judge.TimedValue{{T: t0, V: 2}, {T: t0.Add(time.Minute), V: 2}, {T: t0.Add(2 * time.Minute), V: 2}}
	odd := []judge.TimedValue{{T: t0, V: math.NaN()}, {T: t0.Add(time.Minute), V: math.Inf(1)}, {T: t0.Add(2 * time.Minute), V: -3}, {T: t0.Add(time.Minute), V: 5}}
	nan := math.NaN()
	for name, m := range map[string]judge.Metric{
		"no points":     {Name: "none", Classification: judge.NoData},
		"one point":     {Name: "one", Baseline: charted(judge.Side{Count: 1}, one), Canary: charted(judge.Side{Count: 1}, one)},
		"constant":      {Name: "flat", Baseline: charted(judge.Side{Count: 3, Median: 2}, flat), Canary: charted(judge.Side{Count: 3, Median: 2}, flat), MannWhitney: &judge.MannWhitney{PValue: 1, Confidence: 0.95}},
		"non-finite":    {Name: "odd", Baseline: charted(judge.Side{Count: 2, Median: nan}, odd), Canary: charted(judge.Side{Count: 4}, odd, odd), MannWhitney: &judge.MannWhitney{CILow: math.Inf(-1), CIHigh: nan, PValue: nan}},
		"one side only": {Name: "half", Classification: judge.NoData, Canary: charted(judge.Side{Count: 3}, flat)},
	} {
		t.Run(name, func(t *testing.T) {
			r := &judge.Report{Verdict: judge.Inconclusive, Metrics: []judge.Metric{m}}
			page := renderHTML(t, r)
			if strings.Count(page, "<svg ") != 2 {
				t.Errorf("want 2 charts, got %d", strings.Count(page, "<svg "))
			}
		})
	}
	if page := renderHTML(t, &judge.Report{Verdict: judge.Error, Reason: "config: bad"}); !strings.Contains(page, "0 metrics") {
		t.Error("a report without metrics should say so")
	}
}

// TestHTMLBeforeAfter: a baseline with its own, earlier timestamps is drawn
// over the canary's window and the caption says so.
func TestHTMLBeforeAfter(t *testing.T) {
	r := sampleReport(1, 60)
	r.Comparison = "before-after"
	m := &r.Metrics[0]
	m.Baseline = charted(m.Baseline, shiftPoints(m.Baseline.Points, -24*time.Hour))
	page := renderHTML(t, r)
	if !strings.Contains(page, "the baseline is drawn shifted by 24h to line up with the canary") {
		t.Error("caption does not mention the baseline shift")
	}
	if !strings.Contains(page, "2024-01-01 00:00:00 to 2024-01-01 00:59:00 UTC") {
		t.Error("time axis does not span the canary's window only")
	}
}

func TestHTMLErrors(t *testing.T) {
	if err := HTML(&bytes.Buffer{}, nil); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("nil report: got %v, want a one-line error", err)
	}
	err := HTML(failingWriter{}, sampleReport(2, 10))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: got %v, want its error", err)
	}
	if f, err := Lookup("html"); err != nil || f == nil {
		t.Errorf("html is not a registered format: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestHTMLSize50Metrics: 50 metrics × 2 scopes × 1,440 points fit in 2 MB.
func TestHTMLSize50Metrics(t *testing.T) {
	page := renderHTML(t, sampleReport(50, 1440))
	const limit = 2 << 20
	t.Logf("50 metrics × 2 × 1,440 points: %d bytes (limit %d)", len(page), limit)
	if len(page) > limit {
		t.Errorf("report is %d bytes, more than %d", len(page), limit)
	}
	if n := strings.Count(page, "<svg "); n != 100 {
		t.Errorf("%d charts, want 100", n)
	}
}

// BenchmarkHTML50Metrics renders 50 metrics × 2 scopes × 1,440 points (target ≤ 1 s).
func BenchmarkHTML50Metrics(b *testing.B) {
	r := sampleReport(50, 1440)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := HTML(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/report")
}

func TestFormatNumbers(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{fmtNum(0), "0"}, {fmtNum(0.21), "0.21"}, {fmtNum(0.123456), "0.1235"}, {fmtNum(1234.5678), "1235"},
		{fmtNum(12345678), "12345678"}, {fmtNum(1.5e-7), "1.5e-07"}, {fmtNum(3e12), "3e+12"}, {fmtNum(-0.5), "-0.5"},
		{fmtNum(math.NaN()), "NaN"}, {fmtNum(math.Inf(-1)), "−∞"},
		{fmtSigned(0.025), "+0.025"}, {fmtSigned(-0.01), "-0.01"}, {fmtSigned(0), "0"},
		{fmtChange(0.124), "+12.4%"}, {fmtChange(-0.061), "-6.1%"},
		{fmtPct(0.98), "98%"}, {fmtPct(0.975), "97.5%"},
		{fmtP(0.0004), "0.0004"}, {fmtP(3.2e-9), "3.2e-09"}, {fmtP(0.41), "0.41"},
		{fmtDuration(24 * time.Hour), "24h"}, {fmtDuration(90 * time.Minute), "1h30m"}, {fmtDuration(45 * time.Second), "45s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
