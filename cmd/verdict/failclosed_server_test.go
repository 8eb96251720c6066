package main

// Fail-closed tests (issue 11) of what a hostile or broken server sends:
// real data from a real Prometheus, rewritten on its way by the fault proxy
// (a partial-response mark, repeated or foreign points), so that the clean
// run would promote and only the fault explains the exit code.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/faultproxy"
	"github.com/verdict-ci/verdict/judge"
)

// editMatrix returns a Rewrite that decodes a query_range answer, lets edit
// change its top level and its result's series, and encodes it again.
func editMatrix(t *testing.T, edit func(top map[string]any, series []any) []any) func([]byte) []byte {
	return func(b []byte) []byte {
		var top map[string]any
		if err := json.Unmarshal(b, &top); err != nil {
			t.Errorf("rewrite: %v", err)
			return b
		}
		data, _ := top["data"].(map[string]any)
		if data == nil {
			return b
		}
		series, _ := data["result"].([]any)
		data["result"] = edit(top, series)
		out, err := json.Marshal(top)
		if err != nil {
			t.Errorf("rewrite: %v", err)
			return b
		}
		return out
	}
}

// eachSeries applies f to each series object's "values".
func eachSeries(f func(values []any) []any) func(map[string]any, []any) []any {
	return func(_ map[string]any, series []any) []any {
		for _, s := range series {
			m := s.(map[string]any)
			if v, ok := m["values"].([]any); ok {
				m["values"] = f(v)
			}
		}
		return series
	}
}

// TestFailClosedServerData: a 200 answer whose data is partial, malformed
// or not of the requested window is an error for that metric (exit 4),
// never counted. Each fault hits the critical latency metric's canary only.
func TestFailClosedServerData(t *testing.T) {
	srv, _ := fcServer(t)
	cases := []struct {
		name  string
		edit  func(top map[string]any, series []any) []any
		cause string
	}{
		{"Thanos partial response warning", func(top map[string]any, s []any) []any {
			top["warnings"] = []any{"partial response: store gateway 10.0.0.7:10901 did not answer"}
			return s
		}, `(canary): partial response: server warning: partial response: store gateway 10.0.0.7:10901 did not answer; query: `},
		{"VictoriaMetrics isPartial", func(top map[string]any, s []any) []any {
			top["isPartial"] = true
			return s
		}, "(canary): partial response: the server marked its answer isPartial"},
		{"every point repeated 100 times", eachSeries(func(v []any) []any {
			var out []any
			for _, p := range v {
				for range 100 {
					out = append(out, p)
				}
			}
			return out
		}), `invalid response: malformed data: series demo_latency_seconds{instance="a", version="v2"}: timestamp 2024-01-01T00:00:00Z repeated at point 1`},
		{"timestamps out of order", eachSeries(func(v []any) []any {
			v[0], v[1] = v[1], v[0]
			return v
		}), "out of order at point 1"},
		{"the same label set twice", func(_ map[string]any, s []any) []any {
			return append(s, s...)
		}, `malformed data: two series with the same labels demo_latency_seconds{instance="a", version="v2"}`},
		{"a point from 1999", eachSeries(func(v []any) []any {
			return append([]any{[]any{915148800, "0.001"}}, v...)
		}), "point at 1999-01-01T00:00:00Z outside the requested range 2024-01-01T00:00:00Z to 2024-01-01T01:00:00Z"},
		{"a point past the end", eachSeries(func(v []any) []any {
			return append(v, []any{1704074400, "0.001"})
		}), "point at 2024-01-01T02:00:00Z outside the requested range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := fcProxy(t, srv.URL)
			p.Inject(faultproxy.Fault{Match: matchLatencyCanary, Action: faultproxy.Rewrite, Rewrite: editMatrix(t, c.edit)})
			r := judgeWithReport(t, fcConfig(t, p.URL, promOpts{}))
			checkFailClosed(t, r, judge.ExitError, []string{"latency"}, c.cause)
			if n := p.Count(matchLatencyCanary, "rewrite"); n != 1 {
				t.Errorf("%d rewritten answers, want 1", n)
			}
		})
	}
}

// TestFailClosedRecordingForOtherScopes judges the healthy example's
// recording (which promotes with its own config) with a config whose
// canary scope differs, given as source.recording, as --recording and as
// VERDICT_RECORDING: every metric is `error` naming the recorded query and
// the one the config sends (exit 4), never judged as if it were the config's data.
func TestFailClosedRecordingForOtherScopes(t *testing.T) {
	rec, err := filepath.Abs(filepath.Join(filepath.Dir(healthy), "recording.json"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(readFile(t, healthy))
	other := strings.Replace(src, `version="v1.5.1"`, `version="v9.9.9"`, 1)
	other = strings.Replace(other, "recording: recording.json", "recording: "+rec, 1)
	if other == src {
		t.Fatal("the example config changed: no canary scope to replace")
	}
	cfg := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(cfg, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, nil, "judge", "-c", healthy); code != judge.ExitPromote {
		t.Fatalf("the example with its own config: exit %d, want 0\n%s", code, stderr)
	}
	noRec := strings.Replace(other, "recording: "+rec, "prometheus: {url: http://127.0.0.1:1}", 1)
	noRecCfg := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(noRecCfg, []byte(noRec), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func() fcRun{
		"source.recording": func() fcRun { return judgeWithReport(t, cfg) },
		"--recording":      func() fcRun { return judgeWithReport(t, noRecCfg, "--recording", rec) },
		"VERDICT_RECORDING": func() fcRun {
			path := filepath.Join(t.TempDir(), "report.json")
			var r fcRun
			r.code, r.stdout, r.stderr = runCLI(t, []string{"VERDICT_RECORDING=" + rec}, "judge", "-c", noRecCfg, "--report", "json="+path)
			r.json = readFile(t, path)
			if err := json.Unmarshal(r.json, &r.rep); err != nil {
				t.Fatal(err)
			}
			return r
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := run()
			if r.code != judge.ExitError || r.rep.Verdict != "error" {
				t.Fatalf("exit %d, verdict %q; want 4, error\n%s", r.code, r.rep.Verdict, r.stderr)
			}
			for _, m := range r.rep.Metrics {
				if m.Classification != "error" || !strings.Contains(m.Canary.Error, `the recording does not match the config: it recorded the query `) ||
					!strings.Contains(m.Canary.Error, `version="v1.5.1"`) || !strings.Contains(m.Canary.Error, `the config sends `) || !strings.Contains(m.Canary.Error, `version="v9.9.9"`) {
					t.Errorf("%s: %s, canary error %q; want error naming both queries", m.Name, m.Classification, m.Canary.Error)
				}
				if m.Baseline.Error != "" {
					t.Errorf("%s: the baseline's query is the same, yet: %s", m.Name, m.Baseline.Error)
				}
			}
		})
	}
}
