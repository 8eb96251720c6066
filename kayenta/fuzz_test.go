package kayenta

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/verdict-ci/verdict/config"
)

// FuzzConvert feeds arbitrary JSON to Convert: it never panics, and what
// it converts loads as a valid verdict config.
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"every-style.json", "multi-region.json", "unsupported.json", "datadog-only.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "kayenta", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "v1", "v2")
	}
	f.Add([]byte(`{"metrics":[{"name":"x","query":{"customInlineTemplate":"PromQL:a{b=\"${scope}\"}"}}]}`), `"`, `{`)
	f.Fuzz(func(t *testing.T, data []byte, b, c string) {
		if b == "" || c == "" {
			return
		}
		opts := Options{
			Baseline: Side{Scope: b, Location: "us-east-1", Vars: map[string]string{"cluster": "prod-1"}},
			Canary:   Side{Scope: c, Location: "us-east-1", Vars: map[string]string{"cluster": "prod-1"}},
		}
		res, err := Convert(data, opts)
		if err != nil {
			if res != nil && !errors.Is(err, ErrNothingConverted) {
				t.Fatalf("a result with error %v", err)
			}
			return
		}
		path := filepath.Join(t.TempDir(), "canary.yaml")
		if err := os.WriteFile(path, res.YAML, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(path, config.Options{}); err != nil {
			t.Fatalf("the converted config does not load: %v\n%s", err, res.YAML)
		}
	})
}

// FuzzDeriveScope: any two queries either convert into a template that
// rebuilds both (deriveScope checks that itself) or give an error; no panic.
func FuzzDeriveScope(f *testing.F) {
	f.Add(`rate(x{a="b",v="1"}[1m])`, `rate(x{a="b",v="2"}[1m])`)
	f.Add(`sum(a{v="1"}) / sum(a{v="1",c="5"})`, `sum(a{v="2"}) / sum(a{c="5",v="2"})`)
	f.Add(`v1{x='a\'b'}`, "v2{x=`a`}")
	f.Fuzz(func(t *testing.T, control, experiment string) {
		s, err := deriveScope(control, experiment)
		if err == nil && (s.control == "" || s.experiment == "") {
			t.Fatalf("empty scope for %q / %q: %+v", control, experiment, s)
		}
	})
}
