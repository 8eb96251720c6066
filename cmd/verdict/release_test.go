package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// releaseImage is how action.yml names the image it runs: a release's, pinned to a version.
var releaseImage = regexp.MustCompile(`^docker://ghcr\.io/verdict-ci/verdict:(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$`)

type workflow struct {
	Jobs map[string]struct {
		Needs any `yaml:"needs"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestReleasePins: the action and the GitLab component run the same
// release's images, the ones GoReleaser publishes.
func TestReleasePins(t *testing.T) {
	m := releaseImage.FindStringSubmatch(readActionYAML(t).Runs.Image)
	if m == nil {
		t.Fatalf("action.yml's image is not a pinned release image")
	}
	version := m[1]
	var tmpl struct {
		Spec struct {
			Inputs map[string]struct {
				Default any `yaml:"default"`
			} `yaml:"inputs"`
		} `yaml:"spec"`
	}
	docs := strings.SplitN(string(readFile(t, "../../templates/verdict.yml")), "\n---\n", 2)
	if err := yaml.Unmarshal([]byte(docs[0]), &tmpl); err != nil {
		t.Fatal(err)
	}
	if got, want := tmpl.Spec.Inputs["image"].Default, "ghcr.io/verdict-ci/verdict:"+version+"-debug"; got != want {
		t.Errorf("the GitLab component's default image is %v, want %s (the action's version, -debug)", got, want)
	}
	// The Kubernetes examples use the same release.
	cmd := exec.Command("../../scripts/pin-release.sh", "--check", version)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("scripts/pin-release.sh --check %s: %v\n%s", version, err, out)
	}
	gr := string(readFile(t, "../../.goreleaser.yaml"))
	for _, want := range []string{"- ghcr.io/verdict-ci/verdict\n", `- "{{ .Version }}"`, `- "{{ .Version }}-debug"`, "linux/amd64", "linux/arm64"} {
		if !strings.Contains(gr, want) {
			t.Errorf(".goreleaser.yaml does not publish %s", want)
		}
	}
}

// TestPinRelease: scripts/pin-release.sh rewrites both pins and --check
// tells a matching tag from another.
func TestPinRelease(t *testing.T) {
	root := t.TempDir()
	files := []string{"action.yml", "templates/verdict.yml", "examples/flagger/Dockerfile.loadtester"}
	yamls, _ := filepath.Glob("../../examples/argo-rollouts/*.yaml")
	for _, y := range yamls {
		files = append(files, strings.TrimPrefix(y, "../../"))
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), readFile(t, "../../"+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pin := func(args ...string) (int, string) { return pinScript("pin-release.sh", root, args...) }
	if code, out := pin("v2.3.4"); code != 0 {
		t.Fatalf("pin-release.sh v2.3.4: exit %d\n%s", code, out)
	}
	action := string(readFile(t, filepath.Join(root, "action.yml")))
	gitlab := string(readFile(t, filepath.Join(root, "templates/verdict.yml")))
	if !strings.Contains(action, "\n  image: docker://ghcr.io/verdict-ci/verdict:2.3.4\n") || !strings.Contains(gitlab, "default: ghcr.io/verdict-ci/verdict:2.3.4-debug\n") {
		t.Fatalf("pins not rewritten:\n%s\n%s", action, gitlab)
	}
	argo := string(readFile(t, filepath.Join(root, "examples/argo-rollouts/analysis-template.yaml")))
	flagger := string(readFile(t, filepath.Join(root, "examples/flagger/Dockerfile.loadtester")))
	if !strings.Contains(argo, "image: ghcr.io/verdict-ci/verdict:2.3.4-debug\n") || !strings.Contains(flagger, "FROM ghcr.io/verdict-ci/verdict:2.3.4 AS verdict") {
		t.Errorf("the examples' images are not pinned:\n%s\n%s", argo, flagger)
	}
	if code, out := pin("--check", "v2.3.4"); code != 0 {
		t.Errorf("--check v2.3.4 after pinning it: exit %d\n%s", code, out)
	}
	if code, out := pin("--check", "2.3.5"); code != 1 || !strings.Contains(out, "scripts/pin-release.sh 2.3.5") {
		t.Errorf("--check 2.3.5: exit %d, want 1 and the command that fixes it\n%s", code, out)
	}
	if code, _ := pin("latest"); code != 2 {
		t.Errorf("pin-release.sh latest: exit %d, want 2", code)
	}
}

// TestReleaseWorkflow: a tag must match the pins, the source build (a
// fork's action) is tested before publishing and the pinned image after.
func TestReleaseWorkflow(t *testing.T) {
	var wf workflow
	if err := yaml.Unmarshal(readFile(t, "../../.github/workflows/release.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	runs := func(job string) []string {
		var out []string
		for _, s := range wf.Jobs[job].Steps {
			out = append(out, s.Run+s.Uses)
		}
		return out
	}
	if !slices.ContainsFunc(runs("pins"), func(r string) bool { return strings.Contains(r, `scripts/pin-release.sh --check "${GITHUB_REF_NAME}"`) }) {
		t.Error("the pins job does not check the tag against the pins")
	}
	if wf.Jobs["action-image"].Needs != "pins" || wf.Jobs["published"].Needs != "goreleaser" {
		t.Errorf("job order: action-image needs %v, published needs %v", wf.Jobs["action-image"].Needs, wf.Jobs["published"].Needs)
	}
	steps := runs("action-image")
	sed := slices.IndexFunc(steps, func(r string) bool { return strings.Contains(r, "image: Dockerfile") })
	use := slices.Index(steps, "./")
	if sed < 0 || use < sed {
		t.Fatalf("action-image does not switch action.yml to the Dockerfile before running it: %q", steps)
	}
	// Run that step on a copy of action.yml: the result is the action built from source.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "action.yml"), readFile(t, "../../action.yml"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-e", "-c", steps[sed])
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the workflow's switch to the Dockerfile: %v\n%s", err, out)
	}
	var a actionYAML
	if err := yaml.Unmarshal(readFile(t, filepath.Join(dir, "action.yml")), &a); err != nil || a.Runs.Image != "Dockerfile" || a.Runs.Using != "docker" {
		t.Errorf("after the switch runs = %+v (%v), want image Dockerfile", a.Runs, err)
	}
	if !slices.Contains(runs("published"), "./") {
		t.Error("the published job does not run the action with its pinned image")
	}
}

// TestReleaseActionsPinned (issue 11 item 21, issue 12 item 7): every
// third-party action the release runs is pinned by a full commit SHA with
// its tag in a comment, and GoReleaser publishes only after `make test`.
func TestReleaseActionsPinned(t *testing.T) {
	text := string(readFile(t, "../../.github/workflows/release.yml"))
	pinned := regexp.MustCompile(`^\s*(?:- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if !strings.Contains(l, "uses:") || strings.HasSuffix(l, "uses: ./") {
			continue
		}
		n++
		if !pinned.MatchString(l) {
			t.Errorf("not pinned by commit with its tag: %q", strings.TrimSpace(l))
		}
	}
	if n == 0 {
		t.Fatal("no uses: lines found")
	}
	var wf workflow
	if err := yaml.Unmarshal([]byte(text), &wf); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(wf.Jobs["test"].Steps, func(s struct {
		Name string            `yaml:"name"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		With map[string]string `yaml:"with"`
	}) bool {
		return s.Run == "make test"
	}) {
		t.Error("the release has no job that runs make test")
	}
	if needs := fmt.Sprint(wf.Jobs["goreleaser"].Needs); !strings.Contains(needs, "test") {
		t.Errorf("goreleaser needs %s, not the test job", needs)
	}
}

// TestBaseImagesPinned (issue 11 item 21): every base image the Dockerfiles
// and GoReleaser build on is pinned by digest with its tag, the check names an
// unpinned one by file and line, and the release verifies the digests
// resolve before any job that builds an image runs.
func TestBaseImagesPinned(t *testing.T) {
	check := func(root string) (int, string) { return pinScript("pin-base-images.sh", root, "--check") }
	if code, out := check("../.."); code != 0 {
		t.Fatalf("pin-base-images.sh --check on the repository: exit %d\n%s", code, out)
	}
	froms := 0
	for _, l := range strings.Split(string(readFile(t, "../../Dockerfile")), "\n") {
		if strings.HasPrefix(l, "FROM ") {
			froms++
		}
	}
	if froms != 3 {
		t.Errorf("Dockerfile has %d FROM lines, the check expects 3 (build, ci, action)", froms)
	}
	root := t.TempDir()
	for _, f := range []string{"Dockerfile", "Dockerfile.release", ".goreleaser.yaml"} {
		text := string(readFile(t, "../../"+f))
		if f == "Dockerfile" {
			text = regexp.MustCompile(`(?m)^(FROM gcr\.io/distroless/static-debian12:debug)@sha256:[0-9a-f]{64}`).ReplaceAllString(text, "$1")
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := check(root); code != 1 || !regexp.MustCompile(`Dockerfile:\d+: gcr\.io/distroless/static-debian12:debug is not pinned by digest`).MatchString(out) {
		t.Errorf("an unpinned FROM: exit %d, want 1 naming it\n%s", code, out)
	}
	var wf workflow
	if err := yaml.Unmarshal(readFile(t, "../../.github/workflows/release.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	verifies := false
	for _, s := range wf.Jobs["pins"].Steps {
		verifies = verifies || s.Run == "scripts/pin-base-images.sh --verify"
	}
	if !verifies {
		t.Error("the release's pins job does not run scripts/pin-base-images.sh --verify")
	}
	for _, job := range []string{"test", "action-image"} {
		if needs := fmt.Sprint(wf.Jobs[job].Needs); !strings.Contains(needs, "pins") {
			t.Errorf("release job %s needs %s, not pins", job, needs)
		}
	}
}

// pinScript runs scripts/<script> on the repository copy at root (PIN_ROOT)
// and returns its exit code and combined output.
func pinScript(script, root string, args ...string) (int, string) {
	cmd := exec.Command("../../scripts/"+script, args...)
	cmd.Env = append(os.Environ(), "PIN_ROOT="+root)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}
