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

// Revision 2's judge rules through the command line (issue 11 items 3, 4, 7,
// 9): each case writes a config and a recording and checks the exit code,
// the classification and the reason; docs/fail-closed.md lists them.

// rev2Recording is a recording of one metric "lat" over 19 steps of one
// minute from 2024-01-01T00:00:00Z: the baseline's values on its steps,
// the canary's on its first len(canary) steps; nil leaves a side without series.
func rev2Recording(baseline, canary []float64, names ...string) string {
	side := func(scope string, vals []float64) string {
		q := fmt.Sprintf("lat{ %s }", scope)
		if vals == nil {
			return fmt.Sprintf(`{"query":%q,"series":[]}`, q)
		}
		var pts []string
		for i, v := range vals {
			pts = append(pts, fmt.Sprintf(`[%d,"%v"]`, 1704067200+60*i, v))
		}
		return fmt.Sprintf(`{"query":%q,"series":[{"labels":{"pod":%q},"points":[%s]}]}`, q, scope, strings.Join(pts, ","))
	}
	if len(names) == 0 {
		names = []string{"lat"}
	}
	var ms []string
	for _, n := range names {
		ms = append(ms, fmt.Sprintf(`%q:{"baseline":%s,"canary":%s}`, n, side(`version="v1"`, baseline), side(`version="v2"`, canary)))
	}
	return `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:18:00Z","step":"60s"},"metrics":{` + strings.Join(ms, ",") + `}}`
}

const rev2Config = `version: 1
source: {recording: rec.json}
window: {end: 2024-01-01T00:18:00Z, duration: 18m, step: 60s}
baseline: {scope: 'version="v1"'}
canary: {scope: 'version="v2"'}
metrics:
  - name: lat
    query: 'lat{ {{ .Scope }} }'
    critical: true
`

// values is n values around 1, varied enough to test.
func values(n int, seed int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1 + float64((i*7+seed*3)%11)/100
	}
	return out
}

func writeRev2(t *testing.T, cfg, rec string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rec.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// jsonReport runs judge --output json and decodes the report.
func jsonReport(t *testing.T, cfg string) (int, map[string]any, string) {
	t.Helper()
	code, out, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, stdout is not JSON: %v\n%s\n%s", code, err, out, stderr)
	}
	return code, rep, stderr
}

func firstMetric(rep map[string]any) map[string]any {
	ms, _ := rep["metrics"].([]any)
	if len(ms) == 0 {
		return map[string]any{}
	}
	m, _ := ms[0].(map[string]any)
	return m
}

func TestRev2MissingCanary(t *testing.T) {
	base := values(19, 1)
	for _, c := range []struct {
		name   string
		canary []float64
		extra  string
		code   int
		class  string
		reason string
	}{
		{"crashed: 11 of 19 points", values(11, 2), "", judge.ExitAbort, "missing", "cover 11 of the baseline's 19 timestamps"},
		{"stops in the last fifth: 16 of 19", values(16, 2), "", judge.ExitAbort, "missing", "cover 16 of the baseline's 19 timestamps"},
		{"no data at all on the canary", nil, "", judge.ExitAbort, "missing", "returned no points while the baseline has 19 timestamps"},
		{"no data at all, not critical, with allow-inconclusive pipelines in mind", nil, "    critical: false\n", judge.ExitAbort, "missing", "the canary is missing"},
		{"coverage 0 turns the check off", values(11, 2), "coverage: 0\n", judge.ExitPromote, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := rev2Config
			if strings.HasPrefix(c.extra, "    ") {
				cfg = strings.Replace(cfg, "    critical: true\n", c.extra, 1)
			} else {
				cfg += c.extra
			}
			code, rep, stderr := jsonReport(t, writeRev2(t, cfg, rev2Recording(base, c.canary)))
			m := firstMetric(rep)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %v (%s)", code, c.code, rep["reason"], stderr)
			}
			if c.class != "" && (m["classification"] != c.class || !strings.Contains(fmt.Sprint(m["reason"]), c.reason)) {
				t.Errorf("%v: %v, want %s with %q", m["classification"], m["reason"], c.class, c.reason)
			}
		})
	}
}

func TestRev2BothEmptyNeverAborts(t *testing.T) {
	cfg := strings.Replace(rev2Config, "    critical: true\n", "    critical: true\n    must_have_data: true\n", 1)
	code, rep, stderr := jsonReport(t, writeRev2(t, cfg, rev2Recording(nil, nil)))
	if code != judge.ExitInconclusive || rep["verdict"] != "inconclusive" || firstMetric(rep)["classification"] != "nodata" {
		t.Fatalf("exit %d, %v: %v (%s)", code, rep["verdict"], rep["reason"], stderr)
	}
}

func TestRev2HugeWeights(t *testing.T) {
	cfg := strings.Replace(rev2Config, "    critical: true\n", "    group: a\n", 1) +
		"  - name: lat2\n    query: 'lat{ {{ .Scope }} }'\n    group: b\ngroups: {a: {weight: 1e307}, b: {weight: 1.7e308}}\n"
	rec := rev2Recording(values(19, 1), values(19, 2), "lat", "lat2")
	code, out, stderr := runCLI(t, nil, "judge", "-c", writeRev2(t, cfg, rec))
	if code != judge.ExitPromote || strings.Contains(out, "Inf") || !strings.Contains(out, "score 100") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, stderr)
	}
}

func TestRev2ErrorHasNoScore(t *testing.T) {
	rec := strings.Replace(rev2Recording(values(19, 1), values(19, 2)), `"canary":{"query":"lat{ version=\"v2\" }",`, `"canary":{"query":"lat{ version=\"v2\" }","error":"boom",`, 1)
	code, rep, _ := jsonReport(t, writeRev2(t, rev2Config, rec))
	if v, ok := rep["score"]; code != judge.ExitError || !ok || v != nil {
		t.Fatalf("exit %d, score %v (present %v), want 4 and null", code, v, ok)
	}
}

// TestRev2OverlappingScopes: a canary scope that also matches the
// baseline's series (version=~"v.*") on a real Prometheus is an error
// naming the overlap, not a promote of the baseline against itself.
func TestRev2OverlappingScopes(t *testing.T) {
	srv := promtest.Start(t, fixture)
	cfg := fmt.Sprintf(`version: 1
source:
  prometheus: {url: %q, timeout: 10s}
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 15s}
baseline: {scope: 'version="v1"'}
canary:   {scope: 'version=~"v.*"'}
metrics:
  - name: latency
    query: 'last_over_time(demo_latency_seconds{ {{ .Scope }} }[15s])'
`, srv.URL)
	p := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, nil, "judge", "-c", p)
	if code != judge.ExitError || !strings.Contains(stderr, "the scopes overlap") || !strings.Contains(stderr, `version="v1"`) {
		t.Fatalf("exit %d, want 4 naming the overlap:\n%s\n%s", code, out, stderr)
	}
}
