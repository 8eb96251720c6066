package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

// actionYAML is the part of action.yml the tests check.
type actionYAML struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using string   `yaml:"using"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
	} `yaml:"runs"`
}

func readActionYAML(t *testing.T) actionYAML {
	t.Helper()
	var a actionYAML
	if err := yaml.Unmarshal(readFile(t, "../../action.yml"), &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// runnerInputEnv is the variable the Actions runner sets for an input:
// INPUT_ and the name upper-cased with spaces as underscores (dashes are kept).
func runnerInputEnv(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

func TestActionYAMLInputsAreAllRead(t *testing.T) {
	a := readActionYAML(t)
	if len(a.Inputs) != 9 {
		t.Errorf("action.yml declares %d inputs, want the 9 of the contract (mode is watch's)", len(a.Inputs))
	}
	var mu sync.Mutex
	asked := map[string]bool{}
	getenv := func(k string) string {
		mu.Lock()
		asked[k] = true
		mu.Unlock()
		return ""
	}
	if _, err := readActionInputs(getenv); err != nil {
		t.Fatal(err)
	}
	for name, in := range a.Inputs {
		if !asked[runnerInputEnv(name)] {
			t.Errorf("input %q is declared in action.yml but %s is never read", name, runnerInputEnv(name))
		}
		if in.Description == "" {
			t.Errorf("input %q has no description", name)
		}
	}
	for k := range asked {
		name := strings.ToLower(strings.TrimPrefix(k, "INPUT_"))
		if _, ok := a.Inputs[name]; strings.HasPrefix(k, "INPUT_") && !ok {
			t.Errorf("%s is read but action.yml declares no input %q", k, name)
		}
	}
	// Every default action.yml gives is one the entrypoint accepts.
	defaults := map[string]string{}
	for name, in := range a.Inputs {
		if in.Default != nil {
			defaults[runnerInputEnv(name)] = *in.Default
		}
	}
	in, err := readActionInputs(func(k string) string { return defaults[k] })
	if err != nil {
		t.Fatalf("action.yml's defaults are rejected: %v", err)
	}
	if !in.FailOnInconclusive || in.Config != "canary.yaml" {
		t.Errorf("defaults read as %+v; want fail-on-inconclusive true and config canary.yaml", in)
	}
	if _, err := in.judgeArgs(); err != nil {
		t.Errorf("defaults give no command line: %v", err)
	}
}

func TestActionInputParsing(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string // judge args
		err  string
	}{
		{"minimal", map[string]string{"INPUT_CONFIG": "c.yaml"},
			[]string{"judge", "--config", "c.yaml", "--report", "json=verdict-report/report.json"}, ""},
		{"everything", map[string]string{"INPUT_CONFIG": " c.yaml ", "INPUT_PROMETHEUS-URL": "http://p:9090", "INPUT_END": "2024-01-01T01:00:00Z",
			"INPUT_DURATION": "30m", "INPUT_REPORT-FORMATS": "junit,html\nopenmetrics=m/x.txt  json=out.json"},
			[]string{"judge", "--config", "c.yaml", "--prometheus-url", "http://p:9090", "--end", "2024-01-01T01:00:00Z", "--duration", "30m",
				"--report", "json=out.json", "--report", "junit=verdict-report/junit.xml", "--report", "html=verdict-report/report.html",
				"--report", "openmetrics=m/x.txt"}, ""},
		{"watch", map[string]string{"INPUT_MODE": "watch", "INPUT_CONFIG": "c.yaml"},
			[]string{"watch", "--config", "c.yaml", "--report", "json=verdict-report/report.json"}, ""},
		{"unknown mode", map[string]string{"INPUT_MODE": "sleep"}, nil, `input mode: "sleep" is not judge or watch`},
		{"unknown format", map[string]string{"INPUT_REPORT-FORMATS": "junit,pdf"}, nil, `unknown report format "pdf"`},
		{"bad boolean", map[string]string{"INPUT_FAIL-ON-INCONCLUSIVE": "yes please"}, nil, "fail-on-inconclusive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := readActionInputs(func(k string) string { return tt.env[k] })
			var args []string
			if err == nil {
				args, err = in.judgeArgs()
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(args, tt.want) {
				t.Errorf("args:\n got %q\nwant %q", args, tt.want)
			}
		})
	}
	for s, want := range map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false, "": true} {
		if got, err := parseActionBool(s, true); err != nil || got != want {
			t.Errorf("parseActionBool(%q) = %v, %v", s, got, err)
		}
	}
}

// TestActionEntrypointMatchesCLI: action.yml runs the release image (or,
// in a fork, the Dockerfile's) with args the CLI knows, and the image's
// entrypoint is the verdict binary.
func TestActionEntrypointMatchesCLI(t *testing.T) {
	a := readActionYAML(t)
	if a.Runs.Using != "docker" || !releaseImage.MatchString(a.Runs.Image) {
		t.Fatalf("runs = %+v, want a docker action running a pinned release image (release_test.go)", a.Runs)
	}
	if len(a.Runs.Args) == 0 {
		t.Fatal("action.yml passes no args to the entrypoint")
	}
	code, out, stderr := runCLI(t, nil, append(slices.Clone(a.Runs.Args), "--help")...)
	if code != 0 || !strings.Contains(out, "verdict "+a.Runs.Args[0]) || !strings.Contains(out, "INPUT_PROMETHEUS-URL") {
		t.Fatalf("verdict %v --help: exit %d\n%s%s", a.Runs.Args, code, out, stderr)
	}
	for _, arg := range a.Runs.Args {
		if strings.Contains(arg, "${{") {
			t.Errorf("arg %q: inputs reach the entrypoint as INPUT_* variables, not as args", arg)
		}
	}

	// The Dockerfile: multi-stage, static, and the default (last) stage runs the binary as root.
	df := string(readFile(t, "../../Dockerfile"))
	stages := regexp.MustCompile(`(?m)^FROM\s+(\S+)(?:\s+AS\s+(\S+))?`).FindAllStringSubmatch(df, -1)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(stages))
	}
	last := df[strings.LastIndex(df, "\nFROM "):]
	if base := stages[len(stages)-1][1]; !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("runtime base is %s, want distroless/static or scratch", base)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/verdict"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile build lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^USER\b`).MatchString(df) {
		t.Error("Dockerfile has a USER line; GitHub runs Docker actions as root")
	}
	m := regexp.MustCompile(`(?m)^ENTRYPOINT\s+\["([^"]+)"\]`).FindStringSubmatch(last)
	if m == nil || !strings.Contains(last, "COPY --from=build /out/verdict "+m[1]) {
		t.Errorf("the last stage's ENTRYPOINT %v is not the binary it copies from the build stage:\n%s", m, last)
	}
}

// newWorkspace is a simulated runner workspace with the checkout demos copied into deploy/.
func newWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	for _, demo := range []string{"checkout", "checkout-promote"} {
		dir := filepath.Join(ws, "deploy", demo)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"canary.yaml", "recording.json"} {
			if err := os.WriteFile(filepath.Join(dir, f), readFile(t, filepath.Join("../../examples", demo, f)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ws
}

type actionRun struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	summary        string
}

// runAction runs `verdict github-action` (action.yml's args) as the runner
// does: in the workspace, with INPUT_* variables and the runner's files.
func runAction(t *testing.T, bin, ws string, inputs map[string]string, runnerFiles bool) actionRun {
	t.Helper()
	var r actionRun
	var outFile, sumFile string
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "CI=true"}
	if runnerFiles {
		dir := t.TempDir()
		outFile, sumFile = filepath.Join(dir, "set_output"), filepath.Join(dir, "step_summary")
		for _, f := range []string{outFile, sumFile} {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		env = append(env, "GITHUB_OUTPUT="+outFile, "GITHUB_STEP_SUMMARY="+sumFile)
	}
	// The runner sets every declared input, to its default when the workflow gives none.
	for name, in := range readActionYAML(t).Inputs {
		v, ok := inputs[name]
		if !ok && in.Default != nil {
			v = *in.Default
		}
		env = append(env, runnerInputEnv(name)+"="+v)
	}
	for k := range inputs {
		if _, ok := readActionYAML(t).Inputs[k]; !ok {
			t.Fatalf("test passes input %q that action.yml does not declare", k)
		}
	}
	cmd := exec.Command(bin, readActionYAML(t).Runs.Args...)
	cmd.Dir, cmd.Env = ws, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r.stdout, r.stderr = out.String(), errb.String()
	if strings.Contains(r.stderr, "panic") {
		t.Fatalf("the action panicked:\n%s", r.stderr)
	}
	if runnerFiles {
		r.outputs = parseGitHubOutput(t, readFile(t, outFile))
		r.summary = string(readFile(t, sumFile))
	}
	return r
}

// configLine is the line of `- name: metric` in a config file.
func configLine(t *testing.T, path, metric string) int {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "- name: "+metric {
			return n
		}
	}
	t.Fatalf("%s has no metric %s", path, metric)
	return 0
}

func TestGitHubActionBinary(t *testing.T) {
	bin := buildVerdict(t)
	const token = "tok-3f9a1c77e2"

	t.Run("abort: outputs, reports, summary, annotations, masking", func(t *testing.T) {
		ws := newWorkspace(t)
		r := runAction(t, bin, ws, map[string]string{
			"config": "deploy/checkout/canary.yaml", "token": token, "working-directory": ws,
			"report-formats": "junit, dotenv openmetrics", "fail-on-inconclusive": "true",
		}, true)
		if r.code != judge.ExitAbort {
			t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if first, _, _ := strings.Cut(r.stderr, "\n"); first != "::add-mask::"+token {
			t.Errorf("the first thing written is %q, not the token's mask", first)
		}
		if n := strings.Count(r.stdout+r.stderr, token); n != 1 {
			t.Errorf("the token appears %d times in the log, want only in ::add-mask::", n)
		}
		for name := range readActionYAML(t).Outputs {
			if r.outputs[name] == "" {
				t.Errorf("output %q (declared in action.yml) is not written", name)
			}
		}
		for name := range r.outputs {
			if _, ok := readActionYAML(t).Outputs[name]; !ok {
				t.Errorf("output %q is written but action.yml does not declare it", name)
			}
		}
		if r.outputs["verdict"] != "abort" || r.outputs["score"] != "75" || !strings.Contains(r.outputs["reason"], "latency_p99") {
			t.Errorf("outputs = %v", r.outputs)
		}
		if r.outputs["report"] != "verdict-report/report.json" {
			t.Errorf("report output %q, want verdict-report/report.json (relative to the workspace)", r.outputs["report"])
		}
		var rep struct{ Verdict string }
		if err := json.Unmarshal(readFile(t, filepath.Join(ws, r.outputs["report"])), &rep); err != nil || rep.Verdict != "abort" {
			t.Errorf("the report output does not name the JSON report: %v %+v", err, rep)
		}
		if env := string(readFile(t, filepath.Join(ws, "verdict-report/verdict.env"))); !strings.HasPrefix(env, "VERDICT=abort\nVERDICT_SCORE=75\n") {
			t.Errorf("dotenv report:\n%s", env)
		}
		if om := string(readFile(t, filepath.Join(ws, "verdict-report/metrics.txt"))); !strings.HasSuffix(om, "# EOF\n") {
			t.Errorf("openmetrics report does not end in # EOF")
		}
		testenv.Require(t, "xmllint")
		if out, err := exec.Command("xmllint", "--noout", "--schema", "../../report/testdata/junit/junit.xsd",
			filepath.Join(ws, "verdict-report/junit.xml")).CombinedOutput(); err != nil {
			t.Errorf("junit report does not validate: %v\n%s", err, out)
		}
		line := configLine(t, filepath.Join(ws, "deploy/checkout/canary.yaml"), "latency_p99")
		ann := fmt.Sprintf("::error file=deploy/checkout/canary.yaml,line=%d,title=verdict%%3A latency_p99 is high::", line)
		if !strings.Contains(r.stderr, ann) {
			t.Errorf("no annotation %q:\n%s", ann, r.stderr)
		}
		for _, s := range []string{"## ❌ verdict: **abort** — score 75", "| latency_p99 (critical) | latency | ❌ high |",
			"### ❌ latency_p99: high", "```mermaid\n", "xychart-beta", "junit `verdict-report/junit.xml`"} {
			if !strings.Contains(r.summary, s) {
				t.Errorf("step summary lacks %q:\n%s", s, r.summary)
			}
		}
		if !strings.Contains(r.stdout, "latency_p99") || strings.Contains(r.stdout, "::") {
			t.Errorf("stdout should hold the table and no workflow command:\n%s", r.stdout)
		}
	})

	t.Run("promote with a shorter window", func(t *testing.T) {
		ws := newWorkspace(t)
		r := runAction(t, bin, ws, map[string]string{
			"config": "canary.yaml", "working-directory": filepath.Join(ws, "deploy/checkout-promote"),
			"end": "2024-01-01T01:00:00Z", "duration": "20m",
		}, true)
		if r.code != judge.ExitPromote || r.outputs["verdict"] != "promote" {
			t.Fatalf("exit %d, outputs %v\n%s", r.code, r.outputs, r.stderr)
		}
		if r.outputs["report"] != "deploy/checkout-promote/verdict-report/report.json" {
			t.Errorf("report output %q is not relative to the workspace", r.outputs["report"])
		}
		var rep struct{ Window struct{ Start, End string } }
		if err := json.Unmarshal(readFile(t, filepath.Join(ws, r.outputs["report"])), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Window.Start != "2024-01-01T00:40:00Z" || rep.Window.End != "2024-01-01T01:00:00Z" {
			t.Errorf("window %+v: the end and duration inputs were not applied", rep.Window)
		}
	})

	t.Run("inconclusive fails the step unless fail-on-inconclusive is false", func(t *testing.T) {
		ws := newWorkspace(t)
		in := map[string]string{"config": "deploy/checkout-promote/canary.yaml", "end": "2020-01-01T00:00:00Z", "working-directory": ws}
		r := runAction(t, bin, ws, in, true)
		if r.code != judge.ExitInconclusive || r.outputs["verdict"] != "inconclusive" {
			t.Fatalf("default: exit %d, outputs %v, want 3 and inconclusive", r.code, r.outputs)
		}
		in["fail-on-inconclusive"] = "false"
		r = runAction(t, bin, ws, in, true)
		if r.code != judge.ExitPromote || r.outputs["verdict"] != "inconclusive" {
			t.Fatalf("fail-on-inconclusive false: exit %d, outputs %v, want 0 and inconclusive", r.code, r.outputs)
		}
		if !strings.Contains(r.stderr, "::notice::verdict: inconclusive, let through") {
			t.Errorf("no notice that inconclusive was let through:\n%s", r.stderr)
		}
	})

	t.Run("without the runner's files", func(t *testing.T) {
		ws := newWorkspace(t)
		r := runAction(t, bin, ws, map[string]string{"config": "deploy/checkout/canary.yaml"}, false)
		if r.code != judge.ExitAbort || !strings.Contains(r.stderr, "GITHUB_OUTPUT is not set") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("bad inputs exit 2 with an error annotation", func(t *testing.T) {
		ws := newWorkspace(t)
		for _, in := range []map[string]string{
			{"config": "deploy/checkout/canary.yaml", "fail-on-inconclusive": "maybe"},
			{"config": "deploy/checkout/canary.yaml", "report-formats": "pdf"},
			{"config": "deploy/checkout/canary.yaml", "working-directory": "no/such/dir"},
			{"config": "missing.yaml"},
		} {
			r := runAction(t, bin, ws, in, true)
			if r.code != judge.ExitUsage || !strings.Contains(r.stderr, "::error::verdict: ") {
				t.Errorf("%v: exit %d, want 2 with ::error\n%s", in, r.code, r.stderr)
			}
		}
	})

	t.Run("prometheus-url and token reach the server", func(t *testing.T) {
		var mu sync.Mutex
		var auth []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auth = append(auth, r.URL.Path+" "+r.Header.Get("Authorization"))
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
		}))
		defer srv.Close()
		ws := t.TempDir()
		cfg := strings.Replace(string(readFile(t, "../../examples/checkout/canary.yaml")),
			"  recording: recording.json", "  prometheus:\n    url: http://127.0.0.1:1", 1)
		if err := os.WriteFile(filepath.Join(ws, "canary.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runAction(t, bin, ws, map[string]string{"prometheus-url": srv.URL, "token": token}, true)
		if r.code != judge.ExitInconclusive || r.outputs["verdict"] != "inconclusive" {
			t.Fatalf("no data from the server: exit %d, outputs %v, want inconclusive\n%s", r.code, r.outputs, r.stderr)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(auth) == 0 {
			t.Fatal("the server was never asked: prometheus-url was not applied")
		}
		for _, a := range auth {
			if a != "/api/v1/query_range Bearer "+token {
				t.Errorf("request %q, want a range query with the token as bearer", a)
			}
		}
	})
}

// TestDockerContextBuilds copies the tree as .dockerignore lets it into the
// build context and builds the binary there, the way the Dockerfile does.
func TestDockerContextBuilds(t *testing.T) {
	testenv.Heavy(t, "copies the tree and builds verdict from the copy")
	root := "../.."
	var patterns []string
	for _, l := range strings.Split(string(readFile(t, filepath.Join(root, ".dockerignore"))), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	ignored := func(rel string) bool {
		for _, p := range patterns {
			if m, _ := filepath.Match(p, rel); m {
				return true
			}
			if base, ok := strings.CutPrefix(p, "**/"); ok {
				if m, _ := filepath.Match(base, filepath.Base(rel)); m {
					return true
				}
			}
		}
		return false
	}
	ctx := t.TempDir()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		if ignored(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(ctx, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(ctx, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".git", "examples", "cmd/verdict/action_test.go"} {
		if _, err := os.Stat(filepath.Join(ctx, gone)); err == nil {
			t.Errorf("%s is in the Docker build context", gone)
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(t.TempDir(), "verdict"), "./cmd/verdict")
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the binary does not build from the Docker context: %v\n%s", err, out)
	}
}
