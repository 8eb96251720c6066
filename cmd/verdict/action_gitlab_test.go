package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

// gitlabJob is the part of a GitLab CI job the tests check.
type gitlabJob struct {
	Stage string `yaml:"stage"`
	Image struct {
		Name       string   `yaml:"name"`
		Entrypoint []string `yaml:"entrypoint"`
	} `yaml:"image"`
	Script       []string `yaml:"script"`
	AllowFailure struct {
		ExitCodes []int `yaml:"exit_codes"`
	} `yaml:"allow_failure"`
	Artifacts struct {
		When    string            `yaml:"when"`
		Paths   []string          `yaml:"paths"`
		Reports map[string]string `yaml:"reports"`
	} `yaml:"artifacts"`
}

// gitlabComponent reads templates/verdict.yml: a spec document, then the job.
func gitlabComponent(t *testing.T) (inputs map[string]map[string]any, job gitlabJob, jobText string) {
	t.Helper()
	data := readFile(t, "../../templates/verdict.yml")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var spec struct {
		Spec struct {
			Inputs map[string]map[string]any `yaml:"inputs"`
		} `yaml:"spec"`
	}
	if err := dec.Decode(&spec); err != nil {
		t.Fatalf("component spec document: %v", err)
	}
	var jobs map[string]gitlabJob
	if err := dec.Decode(&jobs); err != nil {
		t.Fatalf("component job document: %v", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("component has more than two documents (%v)", err)
	}
	if len(jobs) != 1 {
		t.Fatalf("component defines %d jobs, want 1", len(jobs))
	}
	_, text, _ := bytes.Cut(data, []byte("\n---\n"))
	for _, j := range jobs {
		return spec.Spec.Inputs, j, string(text)
	}
	return nil, gitlabJob{}, ""
}

var gitlabInputRef = regexp.MustCompile(`\$\[\[\s*inputs\.([a-z0-9_-]+)\s*\]\]`)

func TestGitLabComponentParses(t *testing.T) {
	inputs, job, text := gitlabComponent(t)
	for _, name := range []string{"config", "stage", "image", "allow-inconclusive", "extra-args"} {
		in, ok := inputs[name]
		if !ok {
			t.Errorf("spec.inputs lacks %q", name)
			continue
		}
		if in["description"] == nil {
			t.Errorf("input %q has no description", name)
		}
	}
	if inputs["allow-inconclusive"]["type"] != "boolean" || inputs["allow-inconclusive"]["default"] != false {
		t.Errorf("allow-inconclusive = %v, want a boolean defaulting to false", inputs["allow-inconclusive"])
	}
	used := map[string]bool{}
	for _, m := range gitlabInputRef.FindAllStringSubmatch(text, -1) {
		used[m[1]] = true
		if _, ok := inputs[m[1]]; !ok {
			t.Errorf("the job uses $[[ inputs.%s ]], which spec.inputs does not declare", m[1])
		}
	}
	for name := range inputs {
		if !used[name] {
			t.Errorf("input %q is declared but never used", name)
		}
	}
	if job.Stage != "$[[ inputs.stage ]]" || job.Image.Name != "$[[ inputs.image ]]" || !slices.Equal(job.Image.Entrypoint, []string{""}) {
		t.Errorf("stage/image = %q %+v", job.Stage, job.Image)
	}
	if job.Artifacts.When != "always" {
		t.Errorf("artifacts.when = %q, want always (reports matter most when the canary fails)", job.Artifacts.When)
	}
	for kind, path := range map[string]string{"junit": "verdict-report/junit.xml", "dotenv": "verdict-report/verdict.env", "metrics": "verdict-report/metrics.txt"} {
		if job.Artifacts.Reports[kind] != path {
			t.Errorf("artifacts.reports.%s = %q, want %q", kind, job.Artifacts.Reports[kind], path)
		}
		if !strings.Contains(strings.Join(job.Script, "\n"), path) {
			t.Errorf("the script never writes %s", path)
		}
	}
	if !slices.Equal(job.AllowFailure.ExitCodes, []int{3}) {
		t.Errorf("allow_failure.exit_codes = %v, want [3]", job.AllowFailure.ExitCodes)
	}
}

// TestGitLabComponentScript runs the component's script, inputs substituted,
// with the real binary on PATH against the checkout recordings.
func TestGitLabComponentScript(t *testing.T) {
	bin := buildVerdict(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	_, job, _ := gitlabComponent(t)
	run := func(t *testing.T, inputs map[string]string) (int, string, string) {
		t.Helper()
		ws := newWorkspace(t)
		script := gitlabInputRef.ReplaceAllStringFunc(strings.Join(job.Script, "\n"), func(ref string) string {
			name := gitlabInputRef.FindStringSubmatch(ref)[1]
			v, ok := inputs[name]
			if !ok {
				t.Fatalf("no value for input %q", name)
			}
			return v
		})
		cmd := exec.Command(sh, "-e", "-c", script) // GitLab runs the script with errexit
		cmd.Dir = ws
		cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CI=true", "GITLAB_CI=true"}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out), ws
	}
	base := func(config, allow, extra string) map[string]string {
		return map[string]string{"config": config, "allow-inconclusive": allow, "extra-args": extra, "watch": "false"}
	}

	t.Run("abort writes every report", func(t *testing.T) {
		code, out, ws := run(t, base("deploy/checkout/canary.yaml", "false", ""))
		if code != judge.ExitAbort || !strings.Contains(out, "latency_p99") {
			t.Fatalf("exit %d, want 1:\n%s", code, out)
		}
		env := string(readFile(t, filepath.Join(ws, "verdict-report/verdict.env")))
		for _, line := range strings.Split(strings.TrimSuffix(env, "\n"), "\n") {
			if !regexp.MustCompile(`^[A-Za-z0-9_]+=[^\r\n]*$`).MatchString(line) {
				t.Errorf("dotenv line %q breaks GitLab's rules", line)
			}
		}
		if !strings.HasPrefix(env, "VERDICT=abort\n") {
			t.Errorf("dotenv:\n%s", env)
		}
		for _, f := range []string{"report.json", "report.md", "metrics.txt"} {
			if st, err := os.Stat(filepath.Join(ws, "verdict-report", f)); err != nil || st.Size() == 0 {
				t.Errorf("%s not written: %v", f, err)
			}
		}
		testenv.Require(t, "xmllint")
		if out, err := exec.Command("xmllint", "--noout", "--schema", "../../report/testdata/junit/junit.xsd",
			filepath.Join(ws, "verdict-report/junit.xml")).CombinedOutput(); err != nil {
			t.Errorf("junit report does not validate: %v\n%s", err, out)
		}
	})

	t.Run("promote", func(t *testing.T) {
		if code, out, _ := run(t, base("deploy/checkout-promote/canary.yaml", "false", "")); code != judge.ExitPromote {
			t.Fatalf("exit %d, want 0:\n%s", code, out)
		}
	})

	t.Run("inconclusive fails unless allowed", func(t *testing.T) {
		extra := "--end 2020-01-01T00:00:00Z --duration 30m"
		code, out, ws := run(t, base("deploy/checkout-promote/canary.yaml", "false", extra))
		if code != 1 || !strings.Contains(out, "inconclusive fails this job") {
			t.Fatalf("allow-inconclusive false: exit %d, want 1 (not an allowed exit code):\n%s", code, out)
		}
		if env := string(readFile(t, filepath.Join(ws, "verdict-report/verdict.env"))); !strings.Contains(env, "VERDICT=inconclusive\n") {
			t.Errorf("dotenv does not say inconclusive:\n%s", env)
		}
		code, out, _ = run(t, base("deploy/checkout-promote/canary.yaml", "true", extra))
		if code != judge.ExitInconclusive || !slices.Contains(job.AllowFailure.ExitCodes, code) {
			t.Fatalf("allow-inconclusive true: exit %d, want 3 (allowed to fail):\n%s", code, out)
		}
	})

	t.Run("watch replays the recording and stops early", func(t *testing.T) {
		in := base("deploy/checkout/canary.yaml", "false", "")
		in["watch"] = "true"
		code, out, ws := run(t, in)
		if code != judge.ExitAbort || !strings.Contains(out, "verdict: watch ") {
			t.Fatalf("exit %d, want 1 with the watch's progress lines:\n%s", code, out)
		}
		if js := string(readFile(t, filepath.Join(ws, "verdict-report/report.json"))); !strings.Contains(js, `"stopReason": "abort"`) {
			t.Errorf("report.json is not a watch that aborted:\n%s", js)
		}
	})

	t.Run("config error is not allowed to fail", func(t *testing.T) {
		code, _, _ := run(t, base("missing.yaml", "true", ""))
		if code != judge.ExitUsage || slices.Contains(job.AllowFailure.ExitCodes, code) {
			t.Fatalf("exit %d, want 2, a real failure", code)
		}
	})
}

// TestGitLabExample checks examples/gitlab/.gitlab-ci.yml: it includes the
// component, the promote job needs the verdict job under rules, rollback runs
// on failure, and inconclusive (exit 3) may be let through.
func TestGitLabExample(t *testing.T) {
	var ci map[string]any
	if err := yaml.Unmarshal(readFile(t, "../../examples/gitlab/.gitlab-ci.yml"), &ci); err != nil {
		t.Fatalf("examples/gitlab/.gitlab-ci.yml: %v", err)
	}
	job := func(name string) map[string]any {
		j, ok := ci[name].(map[string]any)
		if !ok {
			t.Fatalf("no job %q", name)
		}
		return j
	}
	text := string(readFile(t, "../../examples/gitlab/.gitlab-ci.yml"))
	if !strings.Contains(text, "component: $CI_SERVER_FQDN/verdict-ci/verdict/verdict@") {
		t.Error("the example does not include the verdict component")
	}
	needs := func(j map[string]any) []any { n, _ := j["needs"].([]any); return n }
	if n := needs(job("verdict")); len(n) == 0 {
		t.Error("verdict job has no needs: on the canary deploy")
	}
	promote := job("promote")
	if !slices.Contains(needs(promote), any("verdict")) || promote["rules"] == nil {
		t.Errorf("promote = %v, want needs: [verdict] and rules:", promote)
	}
	rollback := job("rollback")
	rules, _ := rollback["rules"].([]any)
	onFailure := rollback["when"] == "on_failure"
	for _, r := range rules {
		if m, ok := r.(map[string]any); ok && m["when"] == "on_failure" {
			onFailure = true
		}
	}
	if !onFailure || !slices.Contains(needs(rollback), any("verdict")) {
		t.Errorf("rollback = %v, want when: on_failure after verdict", rollback)
	}
	if !regexp.MustCompile(`allow_failure:\s*\n\s*exit_codes:\s*\[3\]`).MatchString(text) {
		t.Error("the example does not show allow_failure: exit_codes: [3]")
	}
}

// TestGitHubExample checks examples/github/: a workflow that runs the action
// and promotes or rolls back on its verdict output.
func TestGitHubExample(t *testing.T) {
	data := readFile(t, "../../examples/github/canary.yml")
	var wf struct {
		On   any `yaml:"on"`
		Jobs map[string]struct {
			Needs any `yaml:"needs"`
			If    string
			Steps []struct {
				ID   string            `yaml:"id"`
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				If   string            `yaml:"if"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("examples/github/canary.yml: %v", err)
	}
	a := readActionYAML(t)
	var found bool
	for name, j := range wf.Jobs {
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "verdict-ci/verdict@") {
				continue
			}
			found = true
			if s.ID == "" {
				t.Errorf("job %s: the verdict step has no id, so later steps cannot read its outputs", name)
			}
			for k := range s.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("job %s: the verdict step passes %q, which action.yml does not declare", name, k)
				}
			}
		}
	}
	if !found {
		t.Fatal("no step uses verdict-ci/verdict")
	}
	text := string(data)
	for _, want := range []string{"outputs.verdict == 'promote'", "rollback", "steps.verdict.outputs.report"} {
		if !strings.Contains(text, want) {
			t.Errorf("the workflow lacks %q", want)
		}
	}
}
