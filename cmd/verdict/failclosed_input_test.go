package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/faultproxy"
	"github.com/verdict-ci/verdict/judge"
)

// badInputBase is a valid config; {{URL}} is a fault proxy that counts
// requests, so a case can prove that nothing was queried.
const badInputBase = `version: 1
source:
  prometheus:
    url: {{URL}}
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 60s}
baseline: {scope: 'version="v1"'}
canary: {scope: 'version="v2"'}
metrics:
  - name: latency
    query: 'rate(x{ {{ .Scope }} }[1m])'
`

// recordingHead starts a recording of the base config's window.
const recordingHead = `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"60s"},"metrics":`

// TestFailClosedBadInput is issue 7's bad-input battery at the command line:
// every case exits 2 (config or usage; nothing is queried) or 4 (the data
// is broken), prints nothing on stdout and exactly one line on stderr that
// names the file and the key or place that is wrong; none panics.
func TestFailClosedBadInput(t *testing.T) {
	p, err := faultproxy.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	base := strings.Replace(badInputBase, "{{URL}}", p.URL, 1)
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("base config has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	recording := func(metrics string) string {
		return edit("  prometheus:\n    url: "+p.URL+"\n", "  recording: rec.json\n") + "\x00" + recordingHead + metrics + "}"
	}
	huge := func(prefix string) string { return prefix + "\x00huge" }

	cases := []struct {
		name string
		// config is the config text; after a NUL, the recording's text
		// (rec.json next to it), "huge" for a 100 MB sparse recording.
		config string
		env    []string
		args   []string // after judge -c canary.yaml
		code   int
		want   string // in the stderr line, after "verdict: "; CFG is the config path, REC the recording's
	}{
		{name: "malformed YAML", config: "version: 1\nmetrics: [\n", code: judge.ExitUsage,
			want: "CFG:2: malformed YAML: did not find expected node content"},
		{name: "YAML that is not a mapping", config: "- just\n- a list\n", code: judge.ExitUsage,
			want: "CFG:1: the config must be a mapping of keys"},
		{name: "binary garbage", config: "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", code: judge.ExitUsage,
			want: "CFG:1: malformed YAML: control characters are not allowed"},
		{name: "wrong type", config: base + "confidence: high\n", code: judge.ExitUsage,
			want: `CFG:11: confidence: "high" is not a number`},
		{name: "unknown key", config: base + "    treshold: 3\n", code: judge.ExitUsage,
			want: "CFG:11: metrics[0].treshold: unknown key"},
		{name: "missing required key", config: edit("    query: 'rate(x{ {{ .Scope }} }[1m])'\n", "    group: latency\n"), code: judge.ExitUsage,
			want: "CFG:9: metrics[0].query: required"},
		{name: "zero step", config: edit("step: 60s", "step: 0s"), code: judge.ExitUsage,
			want: "CFG:5: window.step: must be more than 0, not 0s"},
		{name: "negative step", config: edit("step: 60s", "step: -1m"), code: judge.ExitUsage,
			want: "CFG:5: window.step: must be more than 0, not -1m0s"},
		{name: "end before start", config: edit("end: 2024-01-01T01:00:00Z, duration: 1h", "start: 2024-01-01T02:00:00Z, end: 2024-01-01T01:00:00Z"), code: judge.ExitUsage,
			want: "CFG:5: window.end: window.end (2024-01-01T01:00:00Z) must be after window.start (2024-01-01T02:00:00Z)"},
		// Issue 11 item 2: Prometheus fills steps that have not happened from its lookback.
		{name: "window ends in the future", config: edit("end: 2024-01-01T01:00:00Z", "end: 2999-01-01T00:00:00Z"), code: judge.ExitUsage,
			want: "CFG:5: window.end: the window ends at 2999-01-01T00:00:00Z, later than now ("},
		{name: "window start + duration in the future", config: base, args: []string{"--start", "2999-01-01T00:00:00Z", "--duration", "1h"}, code: judge.ExitUsage,
			want: "CFG: window.duration: the window ends at 2999-01-01T01:00:00Z, later than now ("},
		{name: "confidence 0.5", config: base + "confidence: 0.5\n", code: judge.ExitUsage,
			want: "CFG:11: confidence: must be between 0.5 and 1 (exclusive), not 0.5"},
		{name: "confidence 1", config: base + "confidence: 1\n", code: judge.ExitUsage,
			want: "CFG:11: confidence: must be between 0.5 and 1 (exclusive), not 1"},
		{name: "confidence as a percentage", config: base + "confidence: 95\n", code: judge.ExitUsage,
			want: "CFG:11: confidence: must be between 0.5 and 1 (exclusive), not 95"},
		{name: "negative weight", config: base + "groups: {default: {weight: 1}, b: {weight: -1}}\n", code: judge.ExitUsage,
			want: "CFG:11: groups.b.weight: must be 0 or more, not -1"},
		{name: "weights sum to zero", config: base + "groups: {default: {weight: 0}}\n", code: judge.ExitUsage,
			want: "CFG:11: groups: the weights add up to 0; give at least one group a positive weight"},
		{name: "duplicate metric names", config: base + "  - name: latency\n    query: 'b{ {{ .Scope }} }'\n", code: judge.ExitUsage,
			want: `CFG:11: metrics[1].name: "latency" is already the name of metrics[0]`},
		{name: "undeclared group", config: base + "    group: latncy\ngroups: {latency: {weight: 1}}\n", code: judge.ExitUsage,
			want: `CFG:11: metrics[0].group: "latncy" is not declared in groups: (declared: latency)`},
		{name: "template: misspelt field", config: edit("{{ .Scope }}", "{{ .Scop }}"), code: judge.ExitUsage,
			want: `CFG:10: metrics[0].query: template: only {{ .Scope }} and {{ .Step }} may appear between {{ and }}, not "{{.Scop}}"`},
		{name: "template: unclosed action", config: edit("{{ .Scope }}", "{{ .Scope "), code: judge.ExitUsage,
			want: "CFG:10: metrics[0].query: template: query line 1: unexpected \"}\" in operand"},
		{name: "template: no scope", config: edit("rate(x{ {{ .Scope }} }[1m])", "rate(x[1m])"), code: judge.ExitUsage,
			want: "CFG:10: metrics[0].query: has no {{ .Scope }}, so the baseline and the canary would run the same query"},
		{name: "scope breaks out of its matcher", config: edit(`canary: {scope: 'version="v2"'}`, `canary: {scope: 'version="v2"} or vector(1) or x{a="b"'}`), code: judge.ExitUsage,
			want: "CFG:7: canary.scope: must not hold '}' outside a quoted value"},
		{name: "empty config file", config: "", code: judge.ExitUsage,
			want: "CFG:1: the config is empty"},
		{name: "100 MB config file", config: huge(""), code: judge.ExitUsage,
			want: "CFG: the file is 100.0 MiB; a config may be at most 10 MiB"},
		{name: "config is a directory", args: []string{"-c", "DIR"}, code: judge.ExitUsage,
			want: "DIR: cannot read the config: it is a directory"},
		{name: "bearer token file missing", config: edit("    url: "+p.URL+"\n", "    url: "+p.URL+"\n    bearer_token_file: /nonexistent/token\n"), code: judge.ExitUsage,
			want: "CFG: source.prometheus: prometheus.bearer_token_file: open /nonexistent/token: no such file or directory"},
		{name: "bearer token variable unset", config: edit("    url: "+p.URL+"\n", "    url: "+p.URL+"\n    bearer_token_env: VERDICT_TEST_UNSET_TOKEN\n"), code: judge.ExitUsage,
			want: "bearer_token_env: environment variable VERDICT_TEST_UNSET_TOKEN is unset or empty"},
		{name: "bad environment override", config: base, env: []string{"VERDICT_WINDOW_STEP=fast"}, code: judge.ExitUsage,
			want: `CFG: window.step: "fast" is not a duration like 30s, 5m, 1h or 1d (from $VERDICT_WINDOW_STEP)`},
		{name: "bad flag value", config: base, args: []string{"--step", "-5s"}, code: judge.ExitUsage,
			want: "CFG: window.step: must be more than 0, not -5s (from --step)"},
		{name: "recording: timestamps not increasing", config: recording(`{"latency":{"baseline":{"query":"q","series":[{"labels":{},"points":[[1704067260,"1"],[1704067200,"2"]]}]}}}`), code: judge.ExitError,
			want: "recording REC: metrics.latency.baseline.series[0]: timestamps not increasing at point 1"},
		{name: "recording: duplicate timestamps", config: recording(`{"latency":{"canary":{"query":"q","series":[{"labels":{},"points":[[1704067200,"1"],[1704067200,"2"]]}]}}}`), code: judge.ExitError,
			want: "recording REC: metrics.latency.canary.series[0]: timestamps not increasing at point 1"},
		{name: "recording: infinite timestamp", config: recording(`{"latency":{"baseline":{"query":"q","series":[{"labels":{},"points":[[1e300,"1"]]}]}}}`), code: judge.ExitError,
			want: `recording REC: not a valid recording: line 1: timestamp "1e300" is not a finite number of seconds`},
		{name: "recording: NaN timestamp", config: recording(`{"latency":{"baseline":{"query":"q","series":[{"labels":{},"points":[["NaN","1"]]}]}}}`), code: judge.ExitError,
			want: `recording REC: not a valid recording: line 1: timestamp "NaN" is not a number of seconds`},
		{name: "recording: metric missing", config: recording(`{}`), code: judge.ExitError,
			want: `error: latency: baseline query failed: metric "latency" baseline: not in the recording; canary query failed: `},
		{name: "recording: empty file", config: edit("  prometheus:\n    url: "+p.URL+"\n", "  recording: rec.json\n") + "\x00", code: judge.ExitError,
			want: "recording REC: empty file"},
		{name: "recording: 100 MB", config: huge(edit("  prometheus:\n    url: "+p.URL+"\n", "  recording: rec.json\n")), code: judge.ExitError,
			want: `recording REC: not a valid recording: line 1: want '{', found '\x00'`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "canary.yaml")
			rec := filepath.Join(dir, "rec.json")
			text, recText, hasRec := strings.Cut(c.config, "\x00")
			writeBig := func(path, prefix string) {
				if err := os.WriteFile(path, []byte(prefix), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, 100<<20); err != nil {
					t.Fatal(err)
				}
			}
			switch {
			case c.name == "100 MB config file":
				writeBig(cfg, "version: 1\n# ")
			case hasRec && recText == "huge":
				writeBig(rec, "")
				fallthrough
			default:
				if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if hasRec && recText != "huge" {
					if err := os.WriteFile(rec, []byte(recText), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			args := []string{"judge", "-c", cfg}
			if len(c.args) > 0 && c.args[0] == "-c" {
				args = []string{"judge", "-c", dir}
			} else {
				args = append(args, c.args...)
			}
			before := len(p.Requests())
			code, out, stderr := runCLI(t, c.env, args...)
			want := strings.NewReplacer("CFG", cfg, "REC", rec, "DIR", dir).Replace(c.want)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, stderr)
			}
			if out != "" && c.code == judge.ExitUsage {
				t.Errorf("stdout not empty: %q", out)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "verdict: ") || !strings.Contains(lines[0], want) {
				t.Errorf("stderr is not one line naming %q:\n%s", want, stderr)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
			if c.code == judge.ExitUsage && len(p.Requests()) != before {
				t.Errorf("a config error sent %d queries; exit 2 means nothing was queried", len(p.Requests())-before)
			}
		})
	}
	if n := len(p.Requests()); n != 0 {
		t.Errorf("the battery sent %d queries, want none", n)
	}
}

// TestFailClosedBadInputWindowTooLongIsChunked: a window of far more than
// 11,000 steps is not an input error (queries are chunked); check says ok.
func TestFailClosedBadInputWindowTooLongIsChunked(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "canary.yaml")
	text := strings.Replace(badInputBase, "{{URL}}", "http://127.0.0.1:1", 1)
	if err := os.WriteFile(cfg, []byte(strings.Replace(text, "duration: 1h, step: 60s", "duration: 30d, step: 15s", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, nil, "check", "-c", cfg)
	if want := fmt.Sprintf("%s: ok (1 metrics, window 2023-12-02T01:00:00Z … 2024-01-01T01:00:00Z, step 15s)\n", cfg); code != 0 || out != want || stderr != "" {
		t.Fatalf("exit %d\nstdout %q, want %q\nstderr %q", code, out, want, stderr)
	}
}
