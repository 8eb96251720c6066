package config

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

// TestOverridesListed: every value taken from the environment or a flag is
// in Config.Overrides with where it came from, a secret without its value
// and a URL without its password; a file's own values are not.
func TestOverridesListed(t *testing.T) {
	fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
	fs.String("end", "", "")
	fs.String("step", "", "")
	if err := fs.Parse([]string{"--end", "2024-01-01T01:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	flags := map[string]*pflag.Flag{"window.end": fs.Lookup("end"), "window.step": fs.Lookup("step")}
	env := []string{
		"VERDICT_SCORING_PASS=0", "VERDICT_SCORING_MARGINAL=0", "VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY=true",
		"VERDICT_PROMETHEUS_URL=https://ci:hunter2@prom.example:9090/",
		"VERDICT_PROMETHEUS_BASIC_AUTH_USERNAME=ci", "VERDICT_PROMETHEUS_BASIC_AUTH_PASSWORD=hunter2",
		"VERDICT_CONFIDENCE=", // empty: unset
	}
	cfg := mustLoad(t, base, Options{Env: env, Flags: flags})
	want := []Override{
		{Key: "scoring.marginal", From: "env VERDICT_SCORING_MARGINAL", Value: "0"},
		{Key: "scoring.pass", From: "env VERDICT_SCORING_PASS", Value: "0"},
		{Key: "source.prometheus.basic_auth.password", From: "env VERDICT_PROMETHEUS_BASIC_AUTH_PASSWORD", Secret: true},
		{Key: "source.prometheus.basic_auth.username", From: "env VERDICT_PROMETHEUS_BASIC_AUTH_USERNAME", Value: "ci"},
		{Key: "source.prometheus.tls.insecure_skip_verify", From: "env VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY", Value: "true"},
		{Key: "source.prometheus.url", From: "env VERDICT_PROMETHEUS_URL", Value: "https://ci:xxxxx@prom.example:9090/"},
		{Key: "window.end", From: "flag --end", Value: "2024-01-01T01:00:00Z"},
	}
	if !slices.Equal(cfg.Overrides, want) {
		t.Errorf("overrides:\n got %+v\nwant %+v", cfg.Overrides, want)
	}
	if cfg := mustLoad(t, base, Options{}); len(cfg.Overrides) != 0 {
		t.Errorf("no overrides: %#v, want none", cfg.Overrides)
	}
}
