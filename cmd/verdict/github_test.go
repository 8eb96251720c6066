package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// ghReport is a hand-built report: a critical failing metric with points for
// a chart, a passing one, a must-have no-data one and an optional no-data one.
func ghReport() *judge.Report {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pts := func(base float64) []judge.TimedValue {
		var out []judge.TimedValue
		for i := range 120 {
			out = append(out, judge.TimedValue{T: t0.Add(time.Duration(i) * 30 * time.Second), V: base + float64(i%7)/100})
		}
		return out
	}
	change := 0.124
	return &judge.Report{
		SchemaVersion: 1, Verdict: judge.Abort, Score: ptrf(62.5),
		Reason:     "critical metric failed: latency_p99 is higher in the canary | pipes\nand lines",
		Window:     judge.Window{Start: "2024-01-01T00:00:00Z", End: "2024-01-01T01:00:00Z", Step: "30s"},
		Warnings:   []string{"half the metrics had no data"},
		ConfigPath: "deploy/canary.yaml",
		Metrics: []judge.Metric{
			{Name: "latency_p99", Group: "latency", Classification: judge.High, Critical: true, Line: 22,
				Reason:   "latency_p99 is higher in the canary: +12.4%",
				Baseline: judge.Side{Count: 120, Median: 0.2, Points: pts(0.2)}, Canary: judge.Side{Count: 120, Median: 0.23, Points: pts(0.23)},
				MannWhitney: &judge.MannWhitney{PValue: 0.0004, Estimate: 0.025, CILow: 0.011, CIHigh: 0.039, Confidence: 0.98}, Change: &change},
			{Name: "cpu", Group: "saturation", Classification: judge.Pass, Line: 30, Reason: "cpu shows no significant change",
				Baseline: judge.Side{Count: 120, Median: 1}, Canary: judge.Side{Count: 120, Median: 1},
				MannWhitney: &judge.MannWhitney{PValue: 0.8, Confidence: 0.98}},
			{Name: "errors", Group: "errors", Classification: judge.NoData, MustHaveData: true, Line: 36,
				Reason: "errors: no data for the canary; must_have_data counts this as a failure", Baseline: judge.Side{Count: 120}},
			{Name: "queue", Group: "saturation", Classification: judge.NoData, Line: 44, Reason: "queue: no data",
				Warnings: []string{"queue: the scope matched no series"}},
		},
	}
}

// ghEnv is a simulated runner environment with GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files in a temporary directory.
type ghEnv struct {
	vars            map[string]string
	output, summary string
	stderr          bytes.Buffer
}

func newGHEnv(t *testing.T) *ghEnv {
	t.Helper()
	dir := t.TempDir()
	g := &ghEnv{output: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary")}
	for _, f := range []string{g.output, g.summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	g.vars = map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": g.output, "GITHUB_STEP_SUMMARY": g.summary,
		"GITHUB_WORKSPACE": wd, // paths under it are shown relative to it
	}
	return g
}

func (g *ghEnv) getenv(k string) string { return g.vars[k] }

// parseGitHubOutput reads a GITHUB_OUTPUT file: `name=value` lines and
// `name<<DELIM` heredocs, as the runner does.
func parseGitHubOutput(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				t.Fatalf("output %q: heredoc %q never closed", name, delim)
			}
			if _, dup := out[name]; dup {
				t.Errorf("output %q written twice", name)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is neither name=value nor name<<DELIM", line)
		}
		out[name] = val
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMaskSecrets: every secret is masked, a multi-line one line by line
// too, and an empty one not at all. (That source masks them before anything
// else is printed is TestFailClosedBinary's and the action tests' part.)
func TestMaskSecrets(t *testing.T) {
	var stderr bytes.Buffer
	gh := githubactions.New(githubactions.WithWriter(&stderr), githubactions.WithGetenv(func(string) string { return "" }))
	maskSecrets(gh, []string{"s3cr3t-token", "line-one\nline-two", ""})
	want := "::add-mask::s3cr3t-token\n::add-mask::line-one%0Aline-two\n::add-mask::line-one\n::add-mask::line-two\n"
	if stderr.String() != want {
		t.Errorf("masks:\n%s\nwant:\n%s", stderr.String(), want)
	}
}

func TestPublishGitHub(t *testing.T) {
	g := newGHEnv(t)
	reports := map[string]string{"json": filepath.Join(g.vars["GITHUB_WORKSPACE"], "out", "report.json"), "junit": "/elsewhere/junit.xml"}
	if err := publishGitHub(g.getenv, ghReport(), reports, &g.stderr); err != nil {
		t.Fatalf("publishGitHub: %v", err)
	}
	log := g.stderr.String()

	outputs := parseGitHubOutput(t, readFile(t, g.output))
	want := map[string]string{
		"verdict": "abort", "score": "62.5", "report": "out/report.json",
		"reason": "critical metric failed: latency_p99 is higher in the canary | pipes and lines",
	}
	for k, v := range want {
		if outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outputs[k], v)
		}
	}

	for _, ann := range []string{
		"::error file=deploy/canary.yaml,line=22,title=verdict%3A latency_p99 is high::latency_p99 is higher in the canary: +12.4%25",
		"::error file=deploy/canary.yaml,line=36,title=verdict%3A errors is nodata::errors: no data",
		"::warning file=deploy/canary.yaml,line=44,title=verdict%3A queue is nodata::queue: no data",
		"::warning file=deploy/canary.yaml,line=44,title=verdict%3A queue::queue: the scope matched no series",
		"::error file=deploy/canary.yaml,title=verdict%3A abort (score 62.5)::critical metric failed",
		"::warning title=verdict::half the metrics had no data",
		"::group::verdict: abort, score 62.5, 4 metrics", "::endgroup::",
	} {
		if !strings.Contains(log, ann) {
			t.Errorf("log lacks %q:\n%s", ann, log)
		}
	}
	if strings.Contains(log, "line=30") {
		t.Errorf("a passing metric was annotated:\n%s", log)
	}

	summary := string(readFile(t, g.summary))
	for _, s := range []string{
		"## ❌ verdict: **abort** — score 62.5",
		`critical metric failed: latency_p99 is higher in the canary \| pipes and lines`,
		"| metric | group | result | baseline median | canary median | change | interval (98%) | p-value |",
		"| latency_p99 (critical) | latency | ❌ high | 0.2 | 0.23 | +12.4% | +5.5% … +19.5% | 0.0004 |",
		"| cpu | saturation | ✅ pass | 1 | 1 |",
		"| errors | errors | ❌ nodata | 0 | — | — | — | — |",
		"| queue | saturation | ➖ nodata |",
		"### ❌ latency_p99: high", "### ❌ errors: nodata",
		"```mermaid\n", "xychart-beta",
		"Reports: json `out/report.json`, junit `/elsewhere/junit.xml`.",
	} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary)
		}
	}
	if n := strings.Count(summary, "```mermaid"); n != 1 {
		t.Errorf("%d charts, want 1 (only latency_p99 fails with data)", n)
	}
}

// TestPublishGitHubWithoutRunnerFiles: outside a full runner (no
// GITHUB_OUTPUT or GITHUB_STEP_SUMMARY), nothing panics and nothing fails.
func TestPublishGitHubWithoutRunnerFiles(t *testing.T) {
	var stderr bytes.Buffer
	getenv := func(k string) string { return map[string]string{"GITHUB_ACTIONS": "true"}[k] }
	if err := publishGitHub(getenv, ghReport(), nil, &stderr); err != nil {
		t.Fatalf("publishGitHub: %v", err)
	}
	for _, s := range []string{"GITHUB_OUTPUT is not set", "GITHUB_STEP_SUMMARY is not set", "::error file=deploy/canary.yaml,line=22"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, stderr.String())
		}
	}
}

// TestPublishGitHubUnwritableFiles: runner files that cannot be written give
// an error naming them, never a panic.
func TestPublishGitHubUnwritableFiles(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"GITHUB_OUTPUT": dir, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "missing", "summary")}[k]
	}
	var stderr bytes.Buffer
	err := publishGitHub(getenv, ghReport(), nil, &stderr)
	if err == nil || !strings.Contains(err.Error(), "unable to write command to the environment file") {
		t.Fatalf("err = %v, want a file-command error", err)
	}
}

// TestPublishGitHubOutputInjection: a reason carrying heredoc delimiters
// (go-githubactions' fixed one, one like @actions/core's) cannot end the
// value early and forge outputs.
func TestPublishGitHubOutputInjection(t *testing.T) {
	for _, delim := range []string{"_GitHubActionsFileCommandDelimeter_", "ghadelimiter_00000000000000000000000000000000", "EOF"} {
		g := newGHEnv(t)
		r := ghReport()
		r.Reason = "x\n" + delim + "\nverdict=promote\n" + delim
		if err := publishGitHub(g.getenv, r, nil, &g.stderr); err != nil {
			t.Fatal(err)
		}
		outputs := parseGitHubOutput(t, readFile(t, g.output))
		if outputs["verdict"] != "abort" || len(outputs) != 4 {
			t.Errorf("outputs = %v: the reason forged an output", outputs)
		}
	}
}

// TestWriteOutputDelimiter: any value, multi-line and holding lines that
// look like delimiters, reads back exactly as written.
func TestWriteOutputDelimiter(t *testing.T) {
	g := newGHEnv(t)
	gh := githubactions.New(githubactions.WithWriter(&g.stderr), githubactions.WithGetenv(g.getenv))
	values := map[string]string{
		"a": "line one\n_GitHubActionsFileCommandDelimeter_\nforged=1",
		"b": "ghadelimiter_x\nEOF\n\nb<<EOF",
		"c": "",
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := writeOutput(gh, k, values[k]); err != nil {
			t.Fatal(err)
		}
	}
	got := parseGitHubOutput(t, readFile(t, g.output))
	if len(got) != len(values) {
		t.Fatalf("outputs %q, want %q", got, values)
	}
	for k, v := range values {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestPublishGitHubSummaryBudget: the 1 MiB budget counts what the step
// already wrote to its summary file.
func TestPublishGitHubSummaryBudget(t *testing.T) {
	g := newGHEnv(t)
	prior := bytes.Repeat([]byte("x"), report.GitHubSummaryLimit-5000)
	if err := os.WriteFile(g.summary, prior, 0o644); err != nil {
		t.Fatal(err)
	}
	r := ghReport()
	for range 200 {
		r.Metrics = append(r.Metrics, r.Metrics[0])
	}
	if err := publishGitHub(g.getenv, r, nil, &g.stderr); err != nil {
		t.Fatal(err)
	}
	if n := len(readFile(t, g.summary)); n > report.GitHubSummaryLimit {
		t.Fatalf("summary file is %d bytes, over GitHub's %d", n, report.GitHubSummaryLimit)
	}
}

func TestWorkspacePath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Dir(wd)
	for _, tt := range []struct{ ws, in, want string }{
		{ws, "canary.yaml", "verdict/canary.yaml"},
		{ws, filepath.Join(ws, "a", "b.json"), "a/b.json"},
		{ws, "/elsewhere/x.json", "/elsewhere/x.json"},
		{ws, "../../x.json", "../../x.json"},
		{"", "canary.yaml", "canary.yaml"},
		{ws, "", ""},
	} {
		getenv := func(k string) string { return map[string]string{"GITHUB_WORKSPACE": tt.ws}[k] }
		if got := workspacePath(getenv, tt.in); got != tt.want {
			t.Errorf("workspacePath(%q in %q) = %q, want %q", tt.in, tt.ws, got, tt.want)
		}
	}
}

func ptrf(f float64) *float64 { return &f }
