package report

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// TestMermaidGolden pins the chart of a failing metric (-update-html rewrites it).
func TestMermaidGolden(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "html", "mermaid.md"), MermaidXYChart(sampleReport(1, 180).Metrics[0], 30))
}

var lineRE = regexp.MustCompile(`(?m)^    line \[([^\]]*)\]$`)

func TestMermaidXYChart(t *testing.T) {
	m := sampleReport(1, 1440).Metrics[0]
	for _, c := range []struct {
		max, want int
	}{{60, 60}, {0, 60}, {1, 60}, {10, 10}, {5000, judge.MaxChartPoints}} { // never more columns than the judge's line has
		got := MermaidXYChart(m, c.max)
		if !strings.HasPrefix(got, "```mermaid\n%%{init: ") || !strings.HasSuffix(got, "\n```\n") {
			t.Fatalf("max %d: not a fenced mermaid block:\n%s", c.max, got)
		}
		for _, want := range []string{"\nxychart-beta\n", `    title "latency_p99_00: baseline (blue) vs canary (orange)"`,
			`    x-axis "hours since 2024-01-01 00:00 UTC" 0 --> 23.98`, `    y-axis "latency_p99_00"`, `"plotColorPalette": "#0072B2, #E69F00"`} {
			if !strings.Contains(got, want) {
				t.Errorf("max %d: lacks %q", c.max, want)
			}
		}
		lines := lineRE.FindAllStringSubmatch(got, -1)
		if len(lines) != 2 {
			t.Fatalf("max %d: %d lines, want baseline and canary", c.max, len(lines))
		}
		for _, l := range lines {
			if n := len(strings.Split(l[1], ", ")); n != c.want {
				t.Errorf("max %d: %d points, want %d", c.max, n, c.want)
			}
			if strings.ContainsAny(l[1], "eE") {
				t.Errorf("max %d: exponent in %q", c.max, l[1][:40])
			}
		}
	}
}

// TestMermaidHostileNames: quotes, brackets, backticks and newlines cannot
// end the string, the statement or the Markdown fence.
func TestMermaidHostileNames(t *testing.T) {
	m := sampleReport(1, 60).Metrics[0]
	m.Name = "a\"b\" [c] {d} <e> `f` #g; h% & i\\j\nk\r\n```\nl"
	got := MermaidXYChart(m, 60)
	body := strings.TrimSuffix(strings.TrimPrefix(got, "```mermaid\n"), "```\n")
	if strings.Contains(body, "`") {
		t.Errorf("a backtick survived:\n%s", got)
	}
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if strings.HasPrefix(line, "    title ") || strings.HasPrefix(line, "    y-axis ") {
			inner := line[strings.Index(line, `"`)+1 : strings.LastIndex(line, `"`)]
			if strings.ContainsAny(inner, "\"[]{}<>#;%&\\\n") {
				t.Errorf("unsafe character left in %q", line)
			}
		}
	}
	if want := `    y-axis "a'b' (c) (d) (e) 'f' g h i j k ''' l"`; !strings.Contains(got, want) {
		t.Errorf("y-axis label: want %s in\n%s", want, got)
	}
	long := strings.Repeat("x", 200)
	if got := mermaidText(long); len([]rune(got)) != 49 {
		t.Errorf("long names are cut to 48 runes and an ellipsis, got %d", len([]rune(got)))
	}
	if mermaidText(" \n ") != "metric" {
		t.Error("a blank name should become a placeholder")
	}
}

func TestMermaidSidesAndShift(t *testing.T) {
	m := sampleReport(1, 120).Metrics[0]
	if got := MermaidXYChart(judge.Metric{Name: "empty"}, 60); got != "" {
		t.Errorf("no points should give no chart, got %q", got)
	}
	only := m
	only.Baseline = charted(only.Baseline)
	got := MermaidXYChart(only, 60)
	if !strings.Contains(got, `"plotColorPalette": "#E69F00"`) || !strings.Contains(got, "canary (orange), the other side has no data") || len(lineRE.FindAllString(got, -1)) != 1 {
		t.Errorf("canary only:\n%s", got)
	}
	ba := m
	ba.Baseline = charted(m.Baseline, shiftPoints(m.Baseline.Points, -24*time.Hour))
	got = MermaidXYChart(ba, 60)
	if !strings.Contains(got, "baseline shifted 24h") || !strings.Contains(got, `x-axis "minutes since 2024-01-01 00:00 UTC" 0 --> 119`) {
		t.Errorf("before/after:\n%s", got)
	}
}

func TestMermaidNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 0.21: "0.21", 0.123456: "0.1235", 1234567: "1234567", -0.00000012345: "-0.0000001235", 1e-30: "0", -1e-30: "0",
	} {
		if got := mermaidNum(v); got != want {
			t.Errorf("mermaidNum(%g) = %q, want %q", v, got, want)
		}
	}
}
