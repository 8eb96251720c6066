package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// runCLI runs the command in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, environ []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, environ)
	return code, out.String(), errb.String()
}

const checkout = "../../examples/checkout/canary.yaml"
const healthy = "../../examples/checkout-promote/canary.yaml"

func TestDemoAborts(t *testing.T) {
	code, out, stderr := runCLI(t, nil, "judge", "-c", checkout)
	if code != judge.ExitAbort {
		t.Fatalf("exit %d, want %d (abort)\nstdout:\n%s\nstderr:\n%s", code, judge.ExitAbort, out, stderr)
	}
	for _, want := range []string{"latency_p99", "ABORT", "critical metric failed", "higher in the canary"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if stderr != "" {
		t.Errorf("stderr not empty: %s", stderr)
	}
}

func TestHealthyPromotes(t *testing.T) {
	code, out, stderr := runCLI(t, nil, "judge", "-c", healthy)
	if code != judge.ExitPromote {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "PROMOTE") {
		t.Errorf("no PROMOTE line:\n%s", out)
	}
}

func TestJSONGolden(t *testing.T) {
	// checkout-rev1 is the demo under revision 1's rules (testdata/rev1): its
	// golden is revision 1's checkout.golden.json plus revision 2's new fields.
	for _, tc := range []struct{ name, config string }{{"checkout", checkout}, {"checkout-promote", healthy}, {"checkout-rev1", "testdata/rev1/canary.yaml"}} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, _ := runCLI(t, nil, "judge", "-c", tc.config, "--output", "json")
			golden := filepath.Join("testdata", tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/verdict -update)", err)
			}
			if out != string(want) {
				t.Errorf("JSON differs from %s (run go test ./cmd/verdict -update and review the diff)", golden)
			}
			var rep map[string]any
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			_, again, _ := runCLI(t, nil, "judge", "-c", tc.config, "--output", "json")
			if again != out {
				t.Error("the same recording gave different JSON on a second run")
			}
		})
	}
}

// TestJSONSchema validates reports against docs/report.schema.json with
// python3-jsonschema (installed by make test).
func TestJSONSchema(t *testing.T) {
	requireJSONSchema(t)
	dir := t.TempDir()
	for i, args := range [][]string{{"judge", "-c", checkout}, {"judge", "-c", healthy}, {"watch", "-c", checkout}, {"watch", "-c", healthy}} {
		c := strings.Join(args, " ")
		p := filepath.Join(dir, string(rune('a'+i))+".json")
		runCLI(t, nil, append(args, "--report", "json="+p)...)
		if err := validateReport(p); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
}

// requireJSONSchema checks for python3-jsonschema (testenv: a failure
// under CI and make test, else a loud skip).
func requireJSONSchema(t *testing.T) {
	t.Helper()
	testenv.PythonModule(t, "jsonschema", "python3-jsonschema")
}

// validateReport validates the JSON report at path against docs/report.schema.json.
func validateReport(path string) error {
	script := `import json,sys,jsonschema
s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(s)
jsonschema.Draft202012Validator(s).validate(d)`
	if out, err := exec.Command("/usr/bin/python3", "-c", script, "../../docs/report.schema.json", path).CombinedOutput(); err != nil {
		return fmt.Errorf("report does not validate: %v\n%s", err, out)
	}
	return nil
}

func TestReportsWritten(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, nil, "judge", "-c", checkout, "--output", "markdown",
		"--report", "json="+filepath.Join(dir, "r.json"), "--report", "markdown="+filepath.Join(dir, "sub", "r.md"))
	if code != judge.ExitAbort {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "## verdict: **abort**") {
		t.Errorf("markdown stdout starts %q", out[:min(len(out), 40)])
	}
	for _, f := range []string{"r.json", "sub/r.md"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

// TestChartsWhereDrawn: the judge keeps the samples for charts only when a
// format that draws them is asked for, on stdout or as a report file.
func TestChartsWhereDrawn(t *testing.T) {
	dir := t.TempDir()
	md, html := filepath.Join(dir, "r.md"), filepath.Join(dir, "r.html")
	code, out, stderr := runCLI(t, nil, "judge", "-c", checkout, "--output", "markdown")
	if code != judge.ExitAbort || !strings.Contains(out, "```mermaid") {
		t.Fatalf("--output markdown: exit %d, no Mermaid chart:\n%s\n%s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, nil, "judge", "-c", checkout, "--output", "json", "--report", "markdown="+md, "--report", "html="+html)
	if code != judge.ExitAbort {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(md); !strings.Contains(string(b), "```mermaid") {
		t.Errorf("--report markdown has no Mermaid chart:\n%s", b)
	}
	if b, _ := os.ReadFile(html); strings.Contains(string(b), "no points") || !strings.Contains(string(b), `<figure class="chart chart-ts">`) {
		t.Errorf("--report html lacks its time-series charts")
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no config", []string{"judge"}, judge.ExitUsage, "no config file"},
		{"missing config file", []string{"judge", "-c", "nope.yaml"}, judge.ExitUsage, "nope.yaml"},
		{"bad output", []string{"judge", "-c", checkout, "--output", "xml"}, judge.ExitUsage, `--output "xml"`},
		{"bad report spec", []string{"judge", "-c", checkout, "--report", "json"}, judge.ExitUsage, "FORMAT=PATH"},
		{"unknown report format", []string{"judge", "-c", checkout, "--report", "pdf=x.pdf"}, judge.ExitUsage, `unknown report format "pdf"`},
		{"unknown flag", []string{"judge", "--frobnicate"}, judge.ExitUsage, "frobnicate"},
		{"unknown command", []string{"jugde"}, judge.ExitUsage, "jugde"},
		{"bad end flag", []string{"judge", "-c", checkout, "--end", "yesterday"}, judge.ExitUsage, "window.end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
			if !strings.Contains(stderr, tt.msg) {
				t.Errorf("stderr %q does not name %q", stderr, tt.msg)
			}
		})
	}
}

func TestRecordingErrorsExit4(t *testing.T) {
	dir := t.TempDir()
	cfg, err := os.ReadFile(checkout)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("recording.json", `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{"latency_p50":{"baseline":{"query":"q","start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","series":[{"labels":{},"points":[[1704067200,"1"],[1704067200,"2"]]}]}}}}`)
	p := write("canary.yaml", string(cfg))
	code, _, stderr := runCLI(t, nil, "judge", "-c", p)
	if code != judge.ExitError || !strings.Contains(stderr, "timestamps not increasing") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	write("recording.json", `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{}}`)
	code, _, stderr = runCLI(t, nil, "judge", "-c", p)
	if code != judge.ExitError || !strings.Contains(stderr, "not in the recording") {
		t.Fatalf("metrics missing from the recording: exit %d, stderr %q", code, stderr)
	}
}

func TestCheck(t *testing.T) {
	code, out, stderr := runCLI(t, nil, "check", "-c", checkout)
	if code != 0 || !strings.Contains(out, "ok (5 metrics") {
		t.Fatalf("exit %d out %q err %q", code, out, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "verdict dev") {
		t.Fatalf("exit %d out %q", code, out)
	}
}

func TestEnvOverride(t *testing.T) {
	// A window from the environment that misses the recording leaves no data: inconclusive, never promote.
	code, out, _ := runCLI(t, []string{"VERDICT_WINDOW_END=2020-01-01T00:00:00Z"}, "judge", "-c", healthy)
	if code != judge.ExitInconclusive {
		t.Fatalf("exit %d, want 3:\n%s", code, out)
	}
	// One the recording covers only in part is an error naming both windows.
	code, out, _ = runCLI(t, []string{"VERDICT_WINDOW_END=2024-01-01T01:30:00Z"}, "judge", "-c", healthy)
	if code != judge.ExitError || !strings.Contains(out, "the recording does not match the config: it covers 2024-01-01T00:00:00Z to 2024-01-01T01:00:00Z, the config asks for 2024-01-01T00:30:00Z to 2024-01-01T01:30:00Z") {
		t.Fatalf("exit %d, want 4 naming both windows:\n%s", code, out)
	}
	// A start alone asks for start … now, from the environment as from a
	// flag: not the recording's own window (which a config without start or
	// end judges).
	cfgText := regexp.MustCompile(`(?m)^  (end|duration): .*\n`).ReplaceAllString(string(readFile(t, healthy)), "")
	recording, err := filepath.Abs(filepath.Join(filepath.Dir(healthy), "recording.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfgText = strings.Replace(cfgText, "recording: recording.json", "recording: "+recording, 1)
	startOnly := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(startOnly, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, nil, "judge", "-c", startOnly); code != judge.ExitPromote {
		t.Fatalf("no window asked for: exit %d, want the recording's own window to promote:\n%s%s", code, out, stderr)
	}
	for _, how := range [][]string{{"VERDICT_WINDOW_START=2024-01-01T00:30:00Z"}, nil} {
		args := []string{"judge", "-c", startOnly}
		if how == nil {
			args = append(args, "--start", "2024-01-01T00:30:00Z")
		}
		code, out, _ = runCLI(t, how, args...)
		if code != judge.ExitError || !strings.Contains(out, "the config asks for 2024-01-01T00:30:00Z to ") {
			t.Fatalf("window.start alone (%v): exit %d, want 4 naming the window asked for:\n%s", how, code, out)
		}
	}
	// A flag beats the environment.
	code, _, _ = runCLI(t, []string{"VERDICT_WINDOW_END=2020-01-01T00:00:00Z"}, "judge", "-c", healthy, "--end", "2024-01-01T01:00:00Z")
	if code != judge.ExitPromote {
		t.Fatalf("flag did not override env: exit %d", code)
	}
}

// TestTuneGC: the GC defaults apply only where GOGC and GOMEMLIMIT are unset.
func TestTuneGC(t *testing.T) {
	prevPct, prevLim := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() { debug.SetGCPercent(prevPct); debug.SetMemoryLimit(prevLim) }()
	tuneGC(func(string) string { return "" })
	if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64); p != gcPercent || l != memoryLimit {
		t.Errorf("unset: GC percent %d, memory limit %d; want %d, %d", p, l, gcPercent, memoryLimit)
	}
	tuneGC(func(k string) string { return map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}[k] })
	if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64); p != 100 || l != math.MaxInt64 {
		t.Errorf("set by the user: GC percent %d, memory limit %d changed", p, l)
	}
}
