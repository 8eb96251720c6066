package examples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/crdschema"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/traffic"
)

// flaggerData: podinfo-primary's four pods, and one canary pod (app:
// podinfo) with the given latency, up for the last `age` of the hour.
func flaggerData(canaryLatency float64, age time.Duration) []promtest.Series {
	var pods []traffic.Pod
	for i := range 4 {
		pods = append(pods, traffic.Pod{Labels: labels("namespace", "test", "app", "podinfo-primary", "pod", fmt.Sprintf("podinfo-primary-%d", i)), Latency: 0.08, Errors: 0.01})
	}
	out := httpSeries(21, traffic.ClientGolang, pods)
	n := int(age / scrape)
	canary := []traffic.Pod{{Labels: labels("namespace", "test", "app", "podinfo", "pod", "podinfo-0"), Latency: canaryLatency, Errors: 0.01}}
	return append(out, traffic.HTTP(22, fixtureEnd().Add(-time.Duration(n-1)*scrape), n, scrape, traffic.ClientGolang, canary)...)
}

// TestFlagger: the Canary fits Flagger's CRD, the load tester's values
// mount the config where the webhooks read it, and each webhook's command,
// run with bash as the load tester runs it against a real Prometheus,
// answers as canary.yaml's comments say.
func TestFlagger(t *testing.T) {
	dir := "flagger"
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	docs := manifests(t, slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "values.yaml") })...)
	kinds, err := crdschema.Load("../testdata/crds/flagger-v1.44.0/crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	validateAll(t, kinds, docs)
	cm, canary := docs["ConfigMap/verdict-podinfo"], docs["Canary/podinfo"]
	if cm == nil || canary == nil {
		t.Fatalf("want ConfigMap/verdict-podinfo and Canary/podinfo among %v", slices.Sorted(keysOf(docs)))
	}

	values, err := crdschema.Manifests(filepath.Join(dir, "loadtester-values.yaml"))
	if err != nil || len(values) != 1 {
		t.Fatalf("loadtester-values.yaml: %v", err)
	}
	v := values[0]
	if str(dig(v, "volumes", 0, "configMap", "name")) != "verdict-podinfo" || str(dig(v, "volumeMounts", 0, "mountPath")) != "/etc/verdict" ||
		str(dig(v, "volumes", 0, "name")) != str(dig(v, "volumeMounts", 0, "name")) {
		t.Errorf("the load tester does not mount ConfigMap verdict-podinfo at /etc/verdict: %v", v)
	}
	// The Dockerfile copies the binary from where the release image has it.
	release, _ := os.ReadFile("../Dockerfile.release")
	lt, _ := os.ReadFile(filepath.Join(dir, "Dockerfile.loadtester"))
	if !strings.Contains(string(release), " /usr/local/bin/verdict\n") || !strings.Contains(string(lt), "COPY --from=verdict /usr/local/bin/verdict /usr/local/bin/verdict") {
		t.Error("Dockerfile.loadtester does not copy /usr/local/bin/verdict from the release image")
	}

	hooks := map[string]string{}
	for _, w := range dig(canary, "spec", "analysis", "webhooks").([]any) {
		if str(dig(w, "metadata", "type")) != "bash" || !strings.HasPrefix(str(dig(w, "url")), "http://flagger-loadtester.") {
			t.Errorf("webhook %s is not a bash task of the load tester", str(dig(w, "name")))
		}
		hooks[str(dig(w, "type"))] = str(dig(w, "metadata", "cmd"))
	}
	if hooks["rollout"] == "" || hooks["confirm-promotion"] == "" {
		t.Fatalf("want a rollout and a confirm-promotion webhook, have %v", hooks)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("bash is needed to run the webhooks as the load tester does: %v", err)
	}

	bin := buildVerdict(t)
	cfgDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(cfgDir, "podinfo.yaml"), []byte(str(dig(cm, "data", "podinfo.yaml"))), 0o644); err != nil {
		t.Fatal(err)
	}
	mounted := regexp.MustCompile(`/etc/verdict/`)
	servers := map[string]*promtest.Server{
		"healthy":   startPrometheus(t, flaggerData(0.08, time.Hour)),
		"slow":      startPrometheus(t, flaggerData(0.16, time.Hour)),
		"young":     startPrometheus(t, flaggerData(0.08, 3*time.Minute)),
		"young+bad": startPrometheus(t, flaggerData(0.16, 3*time.Minute)),
	}
	cases := []struct {
		hook, data string
		pass       bool
	}{
		{"rollout", "healthy", true},
		{"rollout", "slow", false},
		{"rollout", "young", true}, // too little canary data yet: inconclusive, which passes
		{"confirm-promotion", "healthy", true},
		{"confirm-promotion", "slow", false},
		{"confirm-promotion", "young+bad", false},
	}
	for _, c := range cases {
		t.Run(c.hook+" "+c.data, func(t *testing.T) {
			cmdline := mounted.ReplaceAllString(hooks[c.hook], cfgDir+"/")
			env := []string{"VERDICT_PROMETHEUS_URL=" + servers[c.data].URL, "VERDICT_WINDOW_END=" + fixtureEnd().Format(time.RFC3339)}
			cmd := exec.Command("bash", "-c", cmdline)
			cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
			out, err := cmd.CombinedOutput()
			if pass := err == nil; pass != c.pass {
				t.Errorf("%s webhook on %s data: passed %v, want %v (exit %d)\n%s", c.hook, c.data, pass, c.pass, cmd.ProcessState.ExitCode(), out)
			}
			if !strings.Contains(string(out), "verdict: ") {
				t.Errorf("no verdict in the output:\n%s", out)
			}
		})
	}
	// verdict check passes on the config as the webhooks read it.
	if code, out := shell(t, bin, "verdict check -c "+filepath.Join(cfgDir, "podinfo.yaml"), nil); code != 0 {
		t.Errorf("verdict check: exit %d\n%s", code, out)
	}
}
