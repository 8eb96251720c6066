package examples

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// notConfigs are the YAML files under examples/ that hold no verdict config
// (CI pipelines, Kubernetes manifests that run verdict, chart values). Every
// other YAML file must be one, or a ConfigMap carrying one.
var notConfigs = []string{
	"argo-rollouts/analysis-template-watch.yaml",
	"argo-rollouts/analysis-template.yaml",
	"argo-rollouts/rollout.yaml",
	"flagger/canary.yaml",
	"flagger/loadtester-values.yaml",
	"github/canary.yml",
	"gitlab/.gitlab-ci.yml",
}

// exampleConfig is one verdict config shipped under examples/: its path
// (for a ConfigMap, the file and the data key) and its text.
type exampleConfig struct {
	name, text string
}

// exampleConfigs finds every verdict config under examples/: a YAML
// document with version and metrics at the top, or such a document in a
// ConfigMap's data.
func exampleConfigs(t *testing.T) []exampleConfig {
	t.Helper()
	isConfig := func(doc map[string]any) bool { return doc["version"] != nil && doc["metrics"] != nil }
	var out []exampleConfig
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found := 0
		dec := yaml.NewDecoder(bytes.NewReader(text))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Errorf("%s: %v", path, err)
				break
			}
			switch {
			case isConfig(doc):
				out = append(out, exampleConfig{path, string(text)})
				found++
			case doc["kind"] == "ConfigMap":
				data, _ := doc["data"].(map[string]any)
				for _, k := range slices.Sorted(func(yield func(string) bool) {
					for k := range data {
						if !yield(k) {
							return
						}
					}
				}) {
					s, _ := data[k].(string)
					var inner map[string]any
					if yaml.Unmarshal([]byte(s), &inner) == nil && isConfig(inner) {
						out = append(out, exampleConfig{path + ":" + k, s})
						found++
					}
				}
			}
		}
		switch listed := slices.Contains(notConfigs, filepath.ToSlash(path)); {
		case found == 0 && !listed:
			t.Errorf("%s holds no verdict config: add it to notConfigs if it is not meant to", path)
		case found > 0 && listed:
			t.Errorf("%s holds a verdict config but is listed in notConfigs", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seriesErrorRatio matches an error rate written as a series: a ratio of
// two rate()s (or increase()s). Error rates are kind: ratio (issue 14).
var seriesErrorRatio = regexp.MustCompile(`(rate|increase)\(.*\)\s*/\s*.*(rate|increase)\(`)

// TestEveryExampleConfigChecks runs `verdict check` on every verdict config
// shipped under examples/ (ConfigMaps' included: those take their scopes
// from the environment, as their templates set them), and checks that no
// example writes an error rate as a series ratio of rates.
func TestEveryExampleConfigChecks(t *testing.T) {
	configs := exampleConfigs(t)
	if len(configs) < 17 {
		t.Errorf("found %d example configs, want at least 17 (6 recipes, 7 strategies, 2 checkout, Argo's, Flagger's)", len(configs))
	}
	bin := buildVerdict(t)
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			path, dir := c.name, "."
			if i := strings.LastIndex(c.name, ":"); i >= 0 {
				path = writeTemp(t, "canary.yaml", c.text)
			} else {
				dir = filepath.Dir(path)
				path = mustAbs(t, path)
			}
			var doc map[string]any
			if err := yaml.Unmarshal([]byte(c.text), &doc); err != nil {
				t.Fatal(err)
			}
			var env []string
			if doc["baseline"] == nil {
				env = append(env, `VERDICT_BASELINE_SCOPE=rollouts_pod_template_hash="stable"`)
			}
			if doc["canary"] == nil {
				env = append(env, `VERDICT_CANARY_SCOPE=rollouts_pod_template_hash="canary"`)
			}
			code, out := shell(t, bin, "cd "+mustAbs(t, dir)+" && verdict check -c "+path, env)
			if code != 0 {
				t.Errorf("verdict check: exit %d\n%s", code, out)
			}
			ms, _ := doc["metrics"].([]any)
			for _, m := range ms {
				mm, _ := m.(map[string]any)
				if q, _ := mm["query"].(string); seriesErrorRatio.MatchString(q) {
					t.Errorf("metric %v is a ratio of rates as a series (%s): write error rates as kind: ratio with the counters as numerator and denominator", mm["name"], q)
				}
			}
		})
	}
}

// TestSeriesErrorRatioPattern keeps the pattern above honest: it finds the
// series error ratios the examples used to ship and passes what they ship now.
func TestSeriesErrorRatioPattern(t *testing.T) {
	for q, want := range map[string]bool{
		`sum(rate(http_requests_total{ {{ .Scope }}, code=~"5.." }[30s])) / sum(rate(http_requests_total{ {{ .Scope }} }[30s]))`: true,
		`sum by (pod) (rate(errors_total{ {{ .Scope }} }[1m])) / sum by (pod) (rate(requests_total{ {{ .Scope }} }[1m]))`:        true,
		`rate(errors[1m]) / rate(requests[1m])`: true,
		`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[{{ .Step }}])))`: false,
		`sum by (pod) (container_memory_working_set_bytes{ {{ .Scope }} })`:                                               false,
		`sum(increase(kube_pod_container_status_restarts_total{ {{ .Scope }}, container="checkout" }[{{ .Step }}]))`:      false,
		`avg(rate(container_cpu_usage_seconds_total{ {{ .Scope }}, container="checkout" }[{{ .Step }}])) / 2`:             false,
	} {
		if got := seriesErrorRatio.MatchString(q); got != want {
			t.Errorf("%s: matched %v, want %v", q, got, want)
		}
	}
}
