package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/sim"
	"github.com/verdict-ci/verdict/judge"
)

// TestBurstWarningEveryFormat judges a run of the validity benchmark's
// bursty A/A count scenario (seed 1, run 0: the bursts make the exact test
// abort a healthy canary) and checks that every format says the errors came
// in bursts: the table, markdown, HTML, JUnit and JSON reports, the GitHub
// step summary and annotations, and the metric's reason, which the verdict's
// reason quotes.
func TestBurstWarningEveryFormat(t *testing.T) {
	var sc sim.Scenario
	for _, s := range sim.CountScenarios() {
		if s.Bursty {
			sc = s
		}
	}
	if !sc.Bursty {
		t.Fatal("no bursty count scenario")
	}
	dir := t.TempDir()
	if err := sim.WriteRun(dir, sim.Rand(1, sc.Name, 0), sc, false); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(summary, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + filepath.Join(dir, "output"), "GITHUB_WORKSPACE=" + dir}
	args := []string{"judge", "-c", filepath.Join(dir, "default.yaml"), "--output", "table"}
	for _, f := range []string{"markdown", "html", "junit", "json"} {
		args = append(args, "--report", f+"="+filepath.Join(dir, "report."+f))
	}
	code, table, stderr := runCLI(t, env, args...)
	if code != judge.ExitAbort {
		t.Fatalf("exit %d, want %d (the bursts make the exact test abort this run)\n%s\n%s", code, judge.ExitAbort, table, stderr)
	}
	const warn = "events come in bursts"
	const inReason = "in bursts (dispersion "
	outputs := map[string]string{"table": table, "annotations": stderr}
	for _, f := range []string{"markdown", "html", "junit", "json"} {
		outputs[f] = string(readFile(t, filepath.Join(dir, "report."+f)))
	}
	outputs["GitHub summary"] = string(readFile(t, summary))
	for name, text := range outputs {
		if !strings.Contains(text, warn) {
			t.Errorf("the %s does not warn that %s:\n%s", name, warn, text)
		}
		if name != "annotations" && !strings.Contains(text, inReason) {
			t.Errorf("the %s's reason does not say the counts came %s…:\n%s", name, inReason, text)
		}
	}
	if !strings.Contains(stderr, "::warning") {
		t.Errorf("no warning annotation:\n%s", stderr)
	}
	var rep struct {
		Reason  string
		Metrics []struct {
			Classification, Reason string
			Warnings               []string
			Test                   struct{ Dispersion *float64 }
		}
	}
	if err := json.Unmarshal([]byte(outputs["json"]), &rep); err != nil {
		t.Fatal(err)
	}
	m := rep.Metrics[0]
	if m.Classification != "high" || m.Test.Dispersion == nil || *m.Test.Dispersion < 1.5 || len(m.Warnings) != 1 ||
		!strings.Contains(m.Reason, inReason) || !strings.Contains(rep.Reason, inReason) {
		t.Errorf("JSON: %+v, reason %q", m, rep.Reason)
	}
}
