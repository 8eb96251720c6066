package main

// Fail-closed tests of what the built binary writes besides its verdict:
// outputs that agree with the exit code, overrides named, CI-facing text
// that cannot inject commands (issue 11 items 10, 11, 17, 18, 19).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// ghRunner is a simulated GitHub runner's files and environment.
type ghRunner struct {
	dir, output, summary string
}

func newGHRunner(t *testing.T) ghRunner {
	dir := t.TempDir()
	r := ghRunner{dir: dir, output: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary")}
	for _, f := range []string{r.output, r.summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r ghRunner) env(t *testing.T, extra ...string) []string {
	return binEnv(t, append([]string{"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + r.output,
		"GITHUB_STEP_SUMMARY=" + r.summary, "GITHUB_WORKSPACE=" + r.dir}, extra...)...)
}

// dotenvVars parses a dotenv file's KEY=value lines.
func dotenvVars(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("dotenv line %q is not KEY=value", l)
		}
		out[k] = v
	}
	return out
}

// TestFailClosedOutputsAgreeWithExitCode (issue 11 item 10): a run whose
// judge promotes but one of whose requested reports cannot be written exits
// 4, and every output that carries the verdict says error with no score:
// GITHUB_OUTPUT, the step summary, the dotenv and JSON reports, stdout.
func TestFailClosedOutputsAgreeWithExitCode(t *testing.T) {
	bin := buildVerdict(t)
	cfg, err := filepath.Abs("../../examples/checkout-promote/canary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gh := newGHRunner(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Written before and after the one that fails.
	res := runBin(t, bin, dir, gh.env(t), "judge", "-c", cfg, "--report", "json=r.json",
		"--report", "html=blocker/r.html", "--report", "dotenv=verdict.env")
	if res.code != judge.ExitError {
		t.Fatalf("exit %d, want 4\n%s", res.code, res.stderr)
	}
	if !strings.Contains(string(res.stderr), "report html=blocker/r.html") {
		t.Errorf("stderr does not name the report that failed:\n%s", res.stderr)
	}
	if !strings.Contains(string(res.stdout), "verdict: ERROR (score —): 1 of 3 requested reports could not be written (the judge had found promote)") {
		t.Errorf("stdout does not say error:\n%s", res.stdout)
	}
	outputs := parseGitHubOutput(t, readFile(t, gh.output))
	if outputs["verdict"] != "error" {
		t.Errorf("GITHUB_OUTPUT verdict=%q, want error", outputs["verdict"])
	}
	if s, ok := outputs["score"]; ok {
		t.Errorf("GITHUB_OUTPUT carries score=%q with verdict error", s)
	}
	summary := string(readFile(t, gh.summary))
	if !strings.HasPrefix(summary, "## 🛑 verdict: **error** — score —\n") || strings.Contains(summary, "✅ verdict") {
		t.Errorf("the step summary does not say error:\n%s", summary)
	}
	env := dotenvVars(t, readFile(t, filepath.Join(dir, "verdict.env")))
	if env["VERDICT"] != "error" || env["VERDICT_EXIT_CODE"] != "4" {
		t.Errorf("dotenv %v, want VERDICT=error and VERDICT_EXIT_CODE=4", env)
	}
	if s, ok := env["VERDICT_SCORE"]; ok {
		t.Errorf("dotenv carries VERDICT_SCORE=%s with verdict error", s)
	}
	var rep map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "r.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if score, ok := rep["score"]; rep["verdict"] != "error" || !ok || score != nil {
		t.Errorf("JSON report verdict %v, score %v; want error and null", rep["verdict"], rep["score"])
	}
}

// TestFailClosedOverridesNamed (issue 11 item 11): settings from the
// environment and flags are named on stderr and in the JSON report, a
// secret's value in neither.
func TestFailClosedOverridesNamed(t *testing.T) {
	bin := buildVerdict(t)
	cfg, err := filepath.Abs(checkout)
	if err != nil {
		t.Fatal(err)
	}
	const password = "pw-8c1d9e2f-not-for-logs"
	res := runBin(t, bin, t.TempDir(), binEnv(t, "VERDICT_SCORING_PASS=0", "VERDICT_SCORING_MARGINAL=0",
		"VERDICT_PROMETHEUS_BASIC_AUTH_PASSWORD="+password),
		"judge", "-c", cfg, "--output", "json", "--step", "30s")
	for _, want := range []string{
		"verdict: scoring.pass=0, from env VERDICT_SCORING_PASS\n",
		"verdict: scoring.marginal=0, from env VERDICT_SCORING_MARGINAL\n",
		"verdict: window.step=30s, from flag --step\n",
		"verdict: source.prometheus.basic_auth.password (a secret, not shown), from env VERDICT_PROMETHEUS_BASIC_AUTH_PASSWORD\n",
	} {
		if !strings.Contains(string(res.stderr), want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	var rep struct {
		Overrides []map[string]any `json:"overrides"`
	}
	if err := json.Unmarshal(res.stdout, &rep); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", res.code, err, res.stdout, res.stderr)
	}
	got := map[string]map[string]any{}
	for _, o := range rep.Overrides {
		got[o["key"].(string)] = o
	}
	if o := got["scoring.pass"]; o == nil || o["from"] != "env VERDICT_SCORING_PASS" || o["value"] != "0" {
		t.Errorf("JSON overrides lack scoring.pass: %v", rep.Overrides)
	}
	if o := got["window.step"]; o == nil || o["from"] != "flag --step" || o["value"] != "30s" {
		t.Errorf("JSON overrides lack window.step: %v", rep.Overrides)
	}
	if o := got["source.prometheus.basic_auth.password"]; o == nil || o["secret"] != true || o["value"] != nil {
		t.Errorf("JSON overrides show the password's entry as %v", o)
	}
	if strings.Contains(string(res.stdout)+string(res.stderr), password) {
		t.Error("the password reached stdout or stderr")
	}
}

// hostileText is server text that tries to run workflow commands, clear the
// terminal and overwrite the line it is on.
const hostileText = "partial\n::error file=x.go,line=1::INJECTED\n::stop-commands::x\r\x1b[2J\x1b]0;title\x07\u2028::warning::INJECTED"

// injectingServer is a Prometheus-compatible API whose answers carry
// hostileText: a warning on every range query, and an error for the
// metric "broken".
func injectingServer(t *testing.T) *httptest.Server {
	t.Helper()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.FormValue("query")
		if strings.Contains(q, "broken") {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": "execution", "error": hostileText})
			return
		}
		var values [][2]any
		for i := range 61 {
			values = append(values, [2]any{t0.Add(time.Duration(i) * time.Minute).Unix(), fmt.Sprint(1 + i%3)})
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "warnings": []string{hostileText},
			"data": map[string]any{"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{"x": "1"}, "values": values}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// injected reports the lines of out that a runner or a terminal would act
// on: a workflow command verdict did not issue itself, a CR or an escape.
func injected(out string) []string {
	var bad []string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.ContainsAny(l, "\r\x1b\x07\u2028\u0085"):
			bad = append(bad, l)
		case strings.HasPrefix(strings.TrimSpace(l), "::") && (strings.Contains(strings.SplitN(l, "::", 3)[1], "INJECTED") ||
			strings.HasPrefix(strings.TrimSpace(l), "::stop-commands") || strings.HasPrefix(strings.SplitN(l, "::", 3)[2], "INJECTED")):
			bad = append(bad, l)
		}
	}
	return bad
}

// TestFailClosedNoInjectedCommands (issue 11 item 18): server text with
// newlines, workflow commands, CR and ANSI escapes reaches neither stdout nor
// stderr raw, in plain judge (table and markdown), check --online, record and
// the GitHub Action.
func TestFailClosedNoInjectedCommands(t *testing.T) {
	bin := buildVerdict(t)
	srv := injectingServer(t)
	ws := t.TempDir()
	cfg := `version: 1
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 60s}
baseline: {scope: 'v="1"'}
canary:   {scope: 'v="2"'}
metrics:
  - name: fine
    query: 'x{ {{ .Scope }} }'
  - name: broken
    query: 'broken{ {{ .Scope }} }'
`
	if err := os.WriteFile(filepath.Join(ws, "canary.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	urlFlag := []string{"--prometheus-url", srv.URL}
	for _, args := range [][]string{
		append([]string{"judge", "-c", "canary.yaml", "-v"}, urlFlag...),
		append([]string{"judge", "-c", "canary.yaml", "--output", "markdown"}, urlFlag...),
		append([]string{"check", "-c", "canary.yaml", "--online"}, urlFlag...),
		append([]string{"record", "-c", "canary.yaml", "-o", "rec.json"}, urlFlag...),
	} {
		gh := newGHRunner(t)
		for _, env := range [][]string{binEnv(t), gh.env(t)} {
			res := runBin(t, bin, ws, env, args...)
			if res.code == judge.ExitPromote {
				t.Errorf("%v: promoted with a failing query", args)
			}
			for _, out := range []string{string(res.stdout), string(res.stderr)} {
				if bad := injected(out); len(bad) > 0 {
					t.Errorf("%v: lines a runner or terminal would act on: %q\nfull output:\n%s", args, bad, out)
				}
			}
		}
	}
	r := runAction(t, bin, ws, map[string]string{"config": "canary.yaml", "prometheus-url": srv.URL,
		"working-directory": ".\n::error::INJECTED-INPUT"}, true)
	if !strings.Contains(r.stderr, "::error::verdict: input working-directory") {
		t.Errorf("a bad working directory is not an error:\n%s", r.stderr)
	}
	r = runAction(t, bin, ws, map[string]string{"config": "canary.yaml", "prometheus-url": srv.URL}, true)
	if r.code == judge.ExitPromote {
		t.Error("the action promoted with a failing query")
	}
	for _, out := range []string{r.stdout, r.stderr, r.summary} {
		if bad := injected(out); len(bad) > 0 {
			t.Errorf("github-action: lines a runner would act on: %q\n%s", bad, out)
		}
	}
}

// TestFailClosedURLPasswordMasked (issue 11 item 17): a password in the
// action's prometheus-url input is masked before the first line that could
// show it, and the command echo shows it redacted.
func TestFailClosedURLPasswordMasked(t *testing.T) {
	bin := buildVerdict(t)
	srv := injectingServer(t)
	ws := newWorkspace(t)
	const password = "pw-3f9a7c21-in-the-url"
	u := strings.Replace(srv.URL, "http://", "http://ci:"+password+"@", 1)
	r := runAction(t, bin, ws, map[string]string{"config": "deploy/checkout/canary.yaml", "prometheus-url": u}, true)
	lines := strings.Split(r.stderr, "\n")
	if len(lines) == 0 || lines[0] != "::add-mask::"+password {
		t.Errorf("the first line is %q, want the password's mask", lines[0])
	}
	for i, l := range lines {
		if l != "::add-mask::"+password && strings.Contains(l, password) {
			t.Errorf("line %d shows the password: %q", i+1, l)
		}
	}
	if strings.Contains(r.stdout, password) || strings.Contains(r.summary, password) {
		t.Error("the password reached stdout or the summary")
	}
	if !strings.Contains(r.stderr, "--prometheus-url http://ci:xxxxx@127.0.0.1") {
		t.Errorf("the command echo does not show the URL redacted:\n%s", r.stderr)
	}
}

// checkServer is a Prometheus-compatible API for check --online: the
// label-values endpoint finds nothing for scopes holding noScope, a query
// holding "crashed" has canary points for the first half of the window
// only, and one holding "partial" is answered with a partial-response
// warning.
func checkServer(t *testing.T, noScope string) *httptest.Server {
	t.Helper()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if strings.Contains(r.URL.Path, "/label/") {
			names := []string{"x"}
			if noScope != "" && strings.Contains(strings.Join(r.Form["match[]"], ""), noScope) {
				names = []string{}
			}
			json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": names})
			return
		}
		q := r.FormValue("query")
		n := 61
		if strings.Contains(q, "crashed") && strings.Contains(q, `v="2"`) {
			n = 30
		}
		var values [][2]any
		for i := range n {
			values = append(values, [2]any{t0.Add(time.Duration(i) * time.Minute).Unix(), fmt.Sprint(1 + i%3)})
		}
		body := map[string]any{"status": "success",
			"data": map[string]any{"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{"x": "1"}, "values": values}}}}
		if strings.Contains(q, "partial") {
			body["warnings"] = []string{"partial response: store 10.0.0.7:10901 unavailable"}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFailClosedCheckOnline (issue 11 items 12, 1 and 3): check --online
// exits 3 on a scope that matches no series and on a canary that covers
// too little of the baseline, printing each side's coverage, and 4 on a
// partial answer.
func TestFailClosedCheckOnline(t *testing.T) {
	bin := buildVerdict(t)
	write := func(t *testing.T, metrics string) string {
		dir := t.TempDir()
		cfg := "version: 1\nwindow: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 60s}\nbaseline: {scope: 'v=\"1\"'}\ncanary:   {scope: 'v=\"2\"'}\nmetrics:\n" + metrics
		if err := os.WriteFile(filepath.Join(dir, "canary.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tt := range []struct {
		name, noScope, metrics string
		code                   int
		want                   []string
	}{
		{"clean", "", "  - {name: fine, query: 'x{ {{ .Scope }} }'}\n", judge.ExitPromote,
			[]string{"fine baseline: 1 series, 61 points, covering 61 of 61 steps (100%)", "fine canary: 1 series, 61 points, covering 61 of 61 steps (100%)"}},
		{"scope matches nothing", `v="2"`, "  - {name: fine, query: 'x{ {{ .Scope }} }'}\n", judge.ExitInconclusive,
			[]string{`canary scope {v="2"}: matches no series in the window`}},
		{"canary crashed half-way", "", "  - {name: crashed, query: 'crashed{ {{ .Scope }} }'}\n", judge.ExitInconclusive,
			[]string{"crashed canary: 1 series, 30 points, covering 30 of 61 steps (49.2%)",
				"the canary covers 30 of the baseline's 61 timestamps (49.2%), below coverage 90%: the judge calls it missing"}},
		{"partial answer", "", "  - {name: p, query: 'partial{ {{ .Scope }} }'}\n", judge.ExitError,
			[]string{"p baseline: partial data (an error: the judge never promotes on it): "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := checkServer(t, tt.noScope)
			res := runBin(t, bin, write(t, tt.metrics), binEnv(t), "check", "-c", "canary.yaml", "--online", "--prometheus-url", srv.URL)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d\n%s\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(res.stdout), w) {
					t.Errorf("stdout lacks %q:\n%s", w, res.stdout)
				}
			}
		})
	}
}
