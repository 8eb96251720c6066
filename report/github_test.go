package report

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/verdict-ci/verdict/judge"
)

// summaryReport is an abort with one failing metric (points for a chart)
// and one passing metric.
func summaryReport() *judge.Report {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []judge.TimedValue
	for i := range 120 {
		pts = append(pts, judge.TimedValue{T: t0.Add(time.Duration(i) * 30 * time.Second), V: 0.2 + float64(i%7)/100})
	}
	return &judge.Report{
		SchemaVersion: 1, Verdict: judge.Abort, Score: ptr(50), Reason: "latency is higher | in the canary\nsecond line",
		Window: judge.Window{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T01:00:00Z", Step: "30s"},
		Metrics: []judge.Metric{
			{Name: "latency", Group: "latency", Classification: judge.High, Critical: true, Reason: "latency is higher",
				Baseline: charted(judge.Side{Count: 120, Median: 0.2}, pts), Canary: charted(judge.Side{Count: 120, Median: 0.23}, pts),
				MannWhitney: &judge.MannWhitney{PValue: 0.0004, CILow: 0.01, CIHigh: 0.04, Confidence: 0.98}},
			{Name: "cpu", Group: "saturation", Classification: judge.Pass, Reason: "no change",
				Baseline: judge.Side{Count: 120, Median: 1}, Canary: judge.Side{Count: 120, Median: 1}},
		},
	}
}

func TestGitHubSummary(t *testing.T) {
	s := GitHubSummary(summaryReport(), map[string]string{"json": "out/report.json"}, GitHubSummaryLimit)
	for _, want := range []string{
		"## ❌ verdict: **abort** — score 50\n",
		`latency is higher \| in the canary second line`,
		"| latency (critical) | latency | ❌ high | 0.2 | 0.23 |",
		"| cpu | saturation | ✅ pass | 1 | 1 |",
		"### ❌ latency: high", "```mermaid\n",
		"Reports: json `out/report.json`.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	r := summaryReport()
	r.Verdict = judge.Error
	if s := GitHubSummary(r, nil, GitHubSummaryLimit); !strings.HasPrefix(s, "## 🛑 verdict: **error** — score —\n") {
		t.Errorf("an error's summary shows a score:\n%s", s)
	}
}

func TestGitHubSummaryStaysUnderLimit(t *testing.T) {
	r := summaryReport()
	big := r.Metrics[0]
	big.Name = strings.Repeat("ü", 200) // 400 bytes of 2-byte runes
	big.Reason = strings.Repeat("long reason ", 500)
	r.Metrics = nil
	for range 5000 {
		r.Metrics = append(r.Metrics, big)
	}
	for _, limit := range []int{GitHubSummaryLimit, 200_000, 3000, 10} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			s := GitHubSummary(r, map[string]string{"json": "r.json"}, limit)
			if len(s) > limit {
				t.Fatalf("summary is %d bytes, limit %d", len(s), limit)
			}
			if !utf8.ValidString(s) {
				t.Fatal("summary was cut inside a rune")
			}
			if strings.Count(s, "```")%2 != 0 {
				t.Fatal("summary was cut inside a code block")
			}
			if limit >= 3000 && !strings.Contains(s, "The summary is cut at GitHub's 1 MiB limit") {
				t.Errorf("no note that rows or charts were left out")
			}
			for _, line := range strings.Split(s, "\n") {
				if strings.HasPrefix(line, "|") && !strings.HasSuffix(line, "|") {
					t.Fatalf("a table row was cut: %q", line)
				}
			}
		})
	}
	// A summary that fits is complete.
	s := GitHubSummary(summaryReport(), nil, GitHubSummaryLimit)
	if strings.Contains(s, "is cut at") || strings.Count(s, "\n| ") != 3 {
		t.Errorf("a small summary was cut or lacks rows:\n%s", s)
	}
}

// BenchmarkGitHubSummary renders the summary of a 1000-metric run in which
// every tenth metric fails (one chart each).
func BenchmarkGitHubSummary(b *testing.B) {
	base := summaryReport()
	r := *base
	r.Metrics = nil
	for i := range 1000 {
		m := base.Metrics[1] // passing
		if i%10 == 0 {
			m = base.Metrics[0] // failing, with 120 points a side
		}
		m.Name = fmt.Sprintf("metric_%04d", i)
		r.Metrics = append(r.Metrics, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := GitHubSummary(&r, nil, GitHubSummaryLimit); len(s) == 0 {
			b.Fatal("empty summary")
		}
	}
}
