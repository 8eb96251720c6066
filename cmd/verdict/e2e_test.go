package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

const fixture = "../../testdata/prom/fixture.om"

// e2eConfig is a config over the standard fixture: v1 is the baseline, v2 the canary.
func e2eConfig(t *testing.T, url, extraMetric string) string {
	t.Helper()
	cfg := fmt.Sprintf(`version: 1
source:
  prometheus: {url: %q, timeout: 10s}
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 15s}
baseline: {scope: 'version="v1"'}
canary:   {scope: 'version="v2"'}
metrics:
  - name: latency
    query: 'last_over_time(demo_latency_seconds{ {{ .Scope }} }[15s])'
    group: latency
    fail_on: increase
    allowed_increase: 5%%
    critical: true
  - name: p50
    query: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[1m])))'
    group: latency
    fail_on: increase
  - name: error_ratio
    query: 'sum(rate(http_requests_total{ {{ .Scope }},code="500" }[1m])) / sum(rate(http_requests_total{ {{ .Scope }} }[1m]))'
    group: errors
    fail_on: increase
  - name: constant
    query: 'last_over_time(demo_constant{ {{ .Scope }} }[15s])'
    group: errors
%s`, url, extraMetric)
	p := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLiveEqualsRecording judges the real Prometheus, records the same
// queries, judges the recording, and requires byte-identical JSON.
func TestLiveEqualsRecording(t *testing.T) {
	srv := promtest.Start(t, fixture)
	cfg := e2eConfig(t, srv.URL, "")
	code, live, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	if code != judge.ExitAbort {
		t.Fatalf("live judge: exit %d, want 1 (v2's latency is higher)\n%s\n%s", code, stderr, live)
	}
	for _, want := range []string{`"verdict": "abort"`, `"series": 2`, `"count": 482`, `"classification": "high"`} {
		if !strings.Contains(live, want) {
			t.Errorf("live report lacks %s", want)
		}
	}
	rec := filepath.Join(t.TempDir(), "rec.json")
	if code, _, stderr := runCLI(t, nil, "record", "-c", cfg, "-o", rec); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	code, replay, stderr := runCLI(t, nil, "judge", "-c", cfg, "--recording", rec, "--output", "json")
	if code != judge.ExitAbort {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	if !strings.Contains(replay, `"key": "source.recording",
      "from": "flag --recording",`) {
		t.Errorf("the replay's overrides do not name --recording:\n%s", replay)
	}
	// What the judge found is the same; where the data came from is not.
	if a, b := withoutProvenance(t, live), withoutProvenance(t, replay); a != b {
		t.Errorf("judging the recording differs from judging live:\nlive:\n%s\nreplay:\n%s", a, b)
	}
}

// withoutProvenance is a JSON report without its overrides and source.
func withoutProvenance(t *testing.T, report string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(report), &m); err != nil {
		t.Fatalf("%v:\n%s", err, report)
	}
	delete(m, "overrides")
	delete(m, "source")
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLivePromQLErrorExits4(t *testing.T) {
	srv := promtest.Start(t, fixture)
	cfg := e2eConfig(t, srv.URL, `  - name: broken
    query: 'sum(rate(demo_latency_seconds{ {{ .Scope }} }[1m]'
`)
	code, _, stderr := runCLI(t, nil, "judge", "-c", cfg)
	if code != judge.ExitError {
		t.Fatalf("exit %d, want 4: %s", code, stderr)
	}
	line := strings.Split(strings.TrimSpace(stderr), "\n")[0]
	for _, want := range []string{"broken", "bad_data", "sum(rate(demo_latency_seconds"} {
		if !strings.Contains(line, want) {
			t.Errorf("first stderr line %q lacks %q", line, want)
		}
	}
}

func TestLiveConnectionRefusedExits4(t *testing.T) {
	cfg := e2eConfig(t, "http://127.0.0.1:1", "")
	code, out, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	if code != judge.ExitError || !strings.Contains(out, `"verdict": "error"`) || !strings.Contains(stderr, "latency") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
}

func TestCheckOnline(t *testing.T) {
	srv := promtest.Start(t, fixture)
	cfg := e2eConfig(t, srv.URL, `  - name: slow
    query: 'demo_slow{ {{ .Scope }} }'
  - name: missing
    query: 'no_such_metric{ {{ .Scope }} }'
`)
	code, out, stderr := runCLI(t, nil, "check", "-c", cfg, "--online")
	if code != judge.ExitInconclusive {
		t.Fatalf("exit %d, want 3 (findings)\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"latency baseline: 2 series, 482 points", "missing canary: 0 series, 0 points", "empty result", "slow baseline: 1 series", "repeats each value"} {
		if !strings.Contains(out, want) {
			t.Errorf("check --online output lacks %q:\n%s", want, out)
		}
	}
}

func TestVictoriaMetricsSameVerdict(t *testing.T) {
	srv := promtest.StartVM(t, fixture)
	cfg := e2eConfig(t, srv.URL, "")
	code, out, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	if code != judge.ExitAbort || !strings.Contains(out, `"verdict": "abort"`) {
		t.Fatalf("VictoriaMetrics: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestVerboseLogsRetries(t *testing.T) {
	cfg := e2eConfig(t, "http://127.0.0.1:1", "")
	_, _, quiet := runCLI(t, nil, "judge", "-c", cfg)
	_, _, loud := runCLI(t, nil, "judge", "-v", "-c", cfg)
	if strings.Contains(quiet, "retrying") {
		t.Errorf("retries logged without -v:\n%s", quiet)
	}
	if !strings.Contains(loud, "prometheus query failed, retrying") || !strings.Contains(loud, "metric=latency") {
		t.Errorf("-v does not log retries:\n%s", loud)
	}
}
