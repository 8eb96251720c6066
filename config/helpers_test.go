package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixedNow is the clock every test loads with.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func now() time.Time { return fixedNow }

// base is a minimal valid config; its metric list is last, so lines
// appended with four spaces of indent belong to metrics[0] (line 10 on).
const base = `version: 1
source:
  prometheus:
    url: http://prom:9090
baseline: {scope: 'version="v1"'}
canary: {scope: 'version="v2"'}
metrics:
  - name: latency
    query: 'rate(x{ {{ .Scope }} }[1m])'
`

// writeConfig writes text as canary.yaml in a fresh directory that also
// holds an empty recording rec.json, and returns the config's path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rec.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoad loads text and fails the test on any error.
func mustLoad(t *testing.T, text string, opts Options) *Config {
	t.Helper()
	if opts.Now == nil {
		opts.Now = now
	}
	cfg, err := Load(writeConfig(t, text), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// loadErrs loads path and returns its Errors, failing the test when it loads.
func loadErrs(t *testing.T, path string, opts Options) Errors {
	t.Helper()
	if opts.Now == nil {
		opts.Now = now
	}
	cfg, err := Load(path, opts)
	if err == nil {
		t.Fatalf("Load succeeded, want errors; config %+v", cfg)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not config.Errors: %v", err, err)
	}
	if len(errs) == 0 {
		t.Fatal("empty Errors")
	}
	if cfg != nil {
		t.Error("Load returned a config with its error")
	}
	return errs
}
