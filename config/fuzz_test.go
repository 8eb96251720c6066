package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad: any file loads or fails with well-formed Errors; it never
// panics, and what loads satisfies the rules callers rely on.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"full.yaml", "spec.yaml", "recording.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rec.json"), []byte("{}"), 0o600); err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(dir, "canary.yaml")
	env := []string{"VERDICT_PROMETHEUS_TIMEOUT=10s"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, Options{Env: env, Now: now})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
			for _, e := range errs {
				if e.Msg == "" || strings.ContainsAny(e.Msg, "\n\r") || e.Line < 0 {
					t.Fatalf("malformed error %#v", e)
				}
			}
			return
		}
		if len(cfg.Metrics) == 0 || cfg.Steps() < 2 || !(cfg.Confidence > 0.5 && cfg.Confidence < 1) ||
			(cfg.Source.Prometheus == nil) == (cfg.Source.Recording == "") {
			t.Fatalf("loaded an invalid config: %+v", cfg)
		}
		for _, m := range cfg.Metrics {
			queries := m.Query != "" && m.Kind == KindSeries || m.Numerator != "" && m.Denominator != "" && m.Kind == KindRatio
			if m.Name == "" || !queries || m.Group == "" || m.Line < 1 {
				t.Fatalf("loaded an invalid metric: %+v", m)
			}
			if inc, dec := m.Directions(); !inc && !dec {
				t.Fatalf("metric %q fails in no direction", m.Name)
			}
		}
	})
}
