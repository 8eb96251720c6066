package examples

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/crdschema"
	"github.com/verdict-ci/verdict/internal/traffic"
)

const argoCRDs = "../testdata/crds/argo-rollouts-v1.9.1/"

// dig walks decoded YAML by map keys and list indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

// manifests reads every document of the example files, keyed by kind/name.
func manifests(t *testing.T, files ...string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, f := range files {
		docs, err := crdschema.Manifests(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			out[str(d["kind"])+"/"+str(dig(d, "metadata", "name"))] = d
		}
	}
	return out
}

// validateAll checks every custom resource against its vendored CRD and
// the core kinds the examples use for the fields they may carry.
func validateAll(t *testing.T, kinds []crdschema.Kind, docs map[string]map[string]any) {
	t.Helper()
	for _, name := range slices.Sorted(keysOf(docs)) {
		d := docs[name]
		if str(d["apiVersion"]) == "v1" && str(d["kind"]) == "ConfigMap" {
			for k := range d {
				if !slices.Contains([]string{"apiVersion", "kind", "metadata", "data"}, k) {
					t.Errorf("%s: unknown field %s", name, k)
				}
			}
			continue
		}
		if errs := crdschema.Validate(kinds, d); len(errs) > 0 {
			t.Errorf("%s does not fit its CRD:\n%v", name, errors.Join(errs...))
		}
	}
}

func keysOf[V any](m map[string]V) iter.Seq[string] { return maps.Keys(m) }

var argRef = regexp.MustCompile(`\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}`)

// jobScript returns an AnalysisTemplate's Job script (busybox sh -c) and
// its environment with {{args.NAME}} resolved from args, else the template's defaults.
func jobScript(t *testing.T, tmpl map[string]any, args map[string]string) (string, []string) {
	t.Helper()
	defaults := map[string]string{}
	for _, a := range dig(tmpl, "spec", "args").([]any) {
		if v, ok := dig(a, "value").(string); ok {
			defaults[str(dig(a, "name"))] = v
		}
	}
	resolve := func(s string) string {
		return argRef.ReplaceAllStringFunc(s, func(ref string) string {
			name := argRef.FindStringSubmatch(ref)[1]
			if v, ok := args[name]; ok {
				return v
			}
			if v, ok := defaults[name]; ok {
				return v
			}
			t.Fatalf("{{args.%s}} has no value (neither given nor defaulted)", name)
			return ""
		})
	}
	c := dig(tmpl, "spec", "metrics", 0, "provider", "job", "spec", "template", "spec", "containers", 0)
	cmd, _ := dig(c, "command").([]any)
	if len(cmd) != 2 || cmd[0] != "/busybox/sh" || cmd[1] != "-c" {
		t.Fatalf("the Job runs %v, want /busybox/sh -c SCRIPT", cmd)
	}
	var env []string
	for _, e := range dig(c, "env").([]any) {
		env = append(env, str(dig(e, "name"))+"="+resolve(str(dig(e, "value"))))
	}
	if m := str(dig(c, "volumeMounts", 0, "mountPath")); m != "/etc/verdict" {
		t.Fatalf("the config is mounted at %q, want /etc/verdict", m)
	}
	return resolve(str(dig(c, "args", 0))), env
}

// withConfig points VERDICT_CONFIG, which the template sets to the mounted
// ConfigMap, at a copy of the ConfigMap's canary.yaml.
func withConfig(t *testing.T, env []string, configMap map[string]any, extra ...string) []string {
	t.Helper()
	path := writeTemp(t, "canary.yaml", str(dig(configMap, "data", "canary.yaml")))
	out := slices.Clone(env)
	i := slices.IndexFunc(out, func(s string) bool { return strings.HasPrefix(s, "VERDICT_CONFIG=") })
	if i < 0 || out[i] != "VERDICT_CONFIG=/etc/verdict/canary.yaml" {
		t.Fatalf("the Job's VERDICT_CONFIG is not the mounted config: %v", env)
	}
	out[i] = "VERDICT_CONFIG=" + path
	return append(out, extra...)
}

const (
	stableHash    = "6d4f8b7c9"
	canaryHash    = "7c9d5e8f1" // healthy
	regressedHash = "5b8c7d6e4" // twice the latency
)

// argoData: the stable ReplicaSet's pods and two canaries, one healthy,
// one with doubled latency, all labelled as Prometheus' Kubernetes service
// discovery labels Argo Rollouts pods.
func argoData() []traffic.Pod {
	var pods []traffic.Pod
	for _, rs := range []struct {
		hash    string
		latency float64
		n       int
	}{{stableHash, 0.08, 4}, {canaryHash, 0.08, 1}, {regressedHash, 0.16, 1}} {
		for i := range rs.n {
			pods = append(pods, traffic.Pod{Labels: labels("namespace", "shop", "app", "checkout",
				"rollouts_pod_template_hash", rs.hash, "pod", fmt.Sprintf("checkout-%s-%d", rs.hash, i)), Latency: rs.latency, Errors: 0.01})
		}
	}
	return pods
}

// TestArgoRollouts: the manifests fit Argo Rollouts' CRDs, and the Job
// script of the analysis template, run as the Job would run it against a
// real Prometheus, gives the Job the exit the README promises.
func TestArgoRollouts(t *testing.T) {
	dir := "argo-rollouts"
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	docs := manifests(t, files...)
	kinds, err := crdschema.Load(argoCRDs+"analysis-template-crd.yaml", argoCRDs+"rollout-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	validateAll(t, kinds, docs)
	for _, want := range []string{"ConfigMap/verdict-checkout", "AnalysisTemplate/verdict", "AnalysisTemplate/verdict-watch", "Rollout/checkout"} {
		if docs[want] == nil {
			t.Fatalf("no %s among %v", want, slices.Sorted(keysOf(docs)))
		}
	}
	// The Rollout passes every argument the templates need and no other.
	for _, a := range rolloutAnalyses(docs["Rollout/checkout"]) {
		tmpl := docs["AnalysisTemplate/"+a.template]
		if tmpl == nil {
			t.Fatalf("the Rollout uses AnalysisTemplate %s, which is not in the examples", a.template)
		}
		for _, arg := range dig(tmpl, "spec", "args").([]any) {
			name := str(dig(arg, "name"))
			if _, defaulted := dig(arg, "value").(string); !defaulted && !slices.Contains(a.args, name) {
				t.Errorf("the Rollout's %s analysis does not pass argument %s", a.template, name)
			}
		}
	}

	bin := buildVerdict(t)
	srv := startPrometheus(t, httpSeries(11, traffic.ClientGolang, argoData()))
	cm := docs["ConfigMap/verdict-checkout"]
	judgeEnv := []string{"VERDICT_PROMETHEUS_URL=" + srv.URL, "VERDICT_WINDOW_END=" + fixtureEnd().Format("2006-01-02T15:04:05Z")}
	cases := []struct {
		name   string
		args   map[string]string
		code   int
		output string
	}{
		{"healthy canary promotes", map[string]string{"stable-hash": stableHash, "canary-hash": canaryHash, "duration": "30m"}, 0, "PROMOTE"},
		{"slow canary aborts", map[string]string{"stable-hash": stableHash, "canary-hash": regressedHash, "duration": "30m"}, 1, "ABORT"},
		// A window before any data: nothing to judge on either side is inconclusive.
		{"no data yet is inconclusive: the Job fails", map[string]string{"stable-hash": stableHash, "canary-hash": canaryHash, "duration": "30m"}, 3, "INCONCLUSIVE"},
		{"on-inconclusive: pass lets it through", map[string]string{"stable-hash": stableHash, "canary-hash": canaryHash, "duration": "30m", "on-inconclusive": "pass"}, 0, "let through"},
	}
	script, _ := jobScript(t, docs["AnalysisTemplate/verdict"], cases[0].args)
	if !strings.Contains(script, "verdict judge") {
		t.Fatalf("the analysis template's script does not run verdict judge:\n%s", script)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script, env := jobScript(t, docs["AnalysisTemplate/verdict"], c.args)
			env = withConfig(t, env, cm, judgeEnv...)
			if code, out := shell(t, bin, "verdict check", env); code != 0 {
				t.Fatalf("verdict check with the Job's environment: exit %d\n%s", code, out)
			}
			if strings.HasPrefix(c.name, "no data") || strings.HasPrefix(c.name, "on-inconclusive") {
				env = append(env, "VERDICT_WINDOW_END="+fixtureStart.Add(-time.Hour).Format(time.RFC3339))
			}
			code, out := shell(t, bin, script, env)
			if code != c.code || !strings.Contains(out, c.output) {
				t.Errorf("the Job's script exits %d, want %d (with %q in its output):\n%s", code, c.code, c.output, out)
			}
		})
	}
	t.Run("watch template", func(t *testing.T) {
		script, env := jobScript(t, docs["AnalysisTemplate/verdict-watch"], map[string]string{"stable-hash": stableHash, "canary-hash": canaryHash})
		env = withConfig(t, env, cm, judgeEnv...)
		if code, out := shell(t, bin, "verdict check", env); code != 0 {
			t.Fatalf("verdict check with the watch Job's environment: exit %d\n%s", code, out)
		}
		// SPEC §1: verdict watch -c canary.yaml [--interval D] [--for D].
		for _, want := range []string{`verdict watch --for "$FOR" --interval "$INTERVAL"`, "FOR=1h", "INTERVAL=1m"} {
			if !strings.Contains(script, want) && !slices.Contains(env, want) {
				t.Errorf("the watch Job lacks %s", want)
			}
		}
	})
}

type analysisUse struct {
	template string
	args     []string
}

// rolloutAnalyses lists the background analysis and every analysis step of a Rollout.
func rolloutAnalyses(r map[string]any) []analysisUse {
	var out []analysisUse
	add := func(a any) {
		if a == nil {
			return
		}
		var args []string
		for _, x := range dig(a, "args").([]any) {
			args = append(args, str(dig(x, "name")))
		}
		for _, tm := range dig(a, "templates").([]any) {
			out = append(out, analysisUse{str(dig(tm, "templateName")), args})
		}
	}
	add(dig(r, "spec", "strategy", "canary", "analysis"))
	steps, _ := dig(r, "spec", "strategy", "canary", "steps").([]any)
	for _, s := range steps {
		add(dig(s, "analysis"))
	}
	return out
}
