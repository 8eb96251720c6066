package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// layers is one precedence case: which layers give the key a value.
type layers struct {
	name            string
	file, env, flag bool
}

var precedenceCases = []layers{
	{name: "default"},
	{name: "file over default", file: true},
	{name: "env over file", file: true, env: true},
	{name: "env over default", env: true},
	{name: "flag over env over file", file: true, env: true, flag: true},
	{name: "flag over file", file: true, flag: true},
}

// setting is how each layer sets one key in a precedence test.
type setting struct {
	key       string
	always    string // config lines under prometheus: in every case
	file      string // config lines under prometheus: that set the key
	env, flag string // VAR=value, and the value of --flag
}

// load loads base plus s's lines with the layers c names.
func (s setting) load(t *testing.T, c layers) *Config {
	t.Helper()
	fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
	fs.String("flag", "", "")
	var args, env []string
	if c.flag {
		args = []string{"--flag=" + s.flag}
	}
	if c.env {
		env = []string{s.env}
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	lines := s.always
	if c.file {
		lines += s.file
	}
	text := edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n"+lines)
	return mustLoad(t, text, Options{Env: env, Flags: map[string]*pflag.Flag{s.key: fs.Lookup("flag")}})
}

// want is the value c should give and the overrides entry's From ("" for none).
func (s setting) want(c layers, fileValue string) (value, from string) {
	switch {
	case c.flag:
		return s.flag, "flag --flag"
	case c.env:
		name, v, _ := strings.Cut(s.env, "=")
		return v, "env " + name
	case c.file:
		return fileValue, ""
	}
	return "", ""
}

// TestPrecedenceNested: flag > env > file > default for a key three levels
// down, by its short environment name; an override builds the block it is
// in, and the overrides list names its layer.
func TestPrecedenceNested(t *testing.T) {
	s := setting{key: "source.prometheus.tls.server_name", file: "    tls: {server_name: file.example}\n",
		env: "VERDICT_PROMETHEUS_TLS_SERVER_NAME=env.example", flag: "flag.example"}
	for _, c := range precedenceCases {
		t.Run(c.name, func(t *testing.T) {
			cfg := s.load(t, c)
			want, from := s.want(c, "file.example")
			p := cfg.Source.Prometheus
			if (p.TLS != nil) != (want != "") || p.TLS != nil && p.TLS.ServerName != want {
				t.Errorf("tls %+v, want server_name %q", p.TLS, want)
			}
			if p.Timeout != DefaultTimeout || p.Retries != DefaultRetries {
				t.Errorf("timeout %s retries %d: the block's other keys must keep their defaults", p.Timeout, p.Retries)
			}
			checkListed(t, cfg, s.key, from, want, false)
		})
	}
}

// TestPrecedenceSecret: the same order for basic_auth.password, and the
// overrides list says where the secret came from, never what it is.
func TestPrecedenceSecret(t *testing.T) {
	s := setting{key: "source.prometheus.basic_auth.password", always: "    basic_auth:\n      username: ci\n", file: "      password: file-s3cret\n",
		env: "VERDICT_SOURCE_PROMETHEUS_BASIC_AUTH_PASSWORD=env-s3cret", flag: "flag-s3cret"}
	for _, c := range precedenceCases {
		t.Run(c.name, func(t *testing.T) {
			cfg := s.load(t, c)
			want, from := s.want(c, "file-s3cret")
			if got := cfg.Source.Prometheus.BasicAuth.Password; got != want {
				t.Errorf("password = %q, want %q", got, want)
			}
			checkListed(t, cfg, s.key, from, "", true)
			for _, o := range cfg.Overrides {
				if strings.Contains(o.Value, "s3cret") {
					t.Errorf("override %+v shows the secret", o)
				}
			}
		})
	}
}

// TestPrecedenceList: a list (metrics) and a map (headers) come from the
// file only: variables that look like their keys are no overrides, and
// they are neither applied nor listed.
func TestPrecedenceList(t *testing.T) {
	env := []string{"VERDICT_METRICS=[]", "VERDICT_METRICS_0_NAME=other", "VERDICT_METRICS_0_QUERY=up",
		"VERDICT_PROMETHEUS_HEADERS_X_SCOPE_ORGID=team-b", "VERDICT_GROUPS_DEFAULT_WEIGHT=5"}
	text := edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    headers: {X-Scope-OrgID: team-a}\n") +
		"  - {name: errors, query: 'e{ {{ .Scope }} }', group: latency}\ngroups:\n  latency: {weight: 2}\n"
	cfg := mustLoad(t, text, Options{Env: env})
	if len(cfg.Metrics) != 2 || cfg.Metrics[0].Name != "latency" || cfg.Metrics[1].Name != "errors" || cfg.Metrics[1].Line != 11 {
		t.Errorf("metrics %+v, want the file's two", cfg.Metrics)
	}
	if h := cfg.Source.Prometheus.Headers; len(h) != 1 || h["X-Scope-OrgID"] != "team-a" {
		t.Errorf("headers %v, want the file's (case kept)", h)
	}
	if g := cfg.Groups; len(g) != 1 || g["latency"].Weight != 2 {
		t.Errorf("groups %v, want the file's", g)
	}
	if len(cfg.Overrides) != 0 {
		t.Errorf("overrides %+v, want none", cfg.Overrides)
	}
	fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
	fs.String("metrics", "", "")
	checkErrs(t, loadErrs(t, writeConfig(t, base), Options{Flags: map[string]*pflag.Flag{"metrics": fs.Lookup("metrics")}}), []want{
		{0, "", `flag --metrics is bound to "metrics", which is not a config key that flags can set`},
	})
}

// checkListed: key is in cfg.Overrides from `from` with value (or as a
// secret), or absent when from is "".
func checkListed(t *testing.T, cfg *Config, key, from, value string, secret bool) {
	t.Helper()
	var got []Override
	for _, o := range cfg.Overrides {
		if o.Key == key {
			got = append(got, o)
		}
	}
	var want []Override
	if from != "" {
		want = []Override{{Key: key, From: from, Value: value, Secret: secret}}
	}
	if !slices.Equal(got, want) {
		t.Errorf("overrides for %s: %+v, want %+v", key, got, want)
	}
}

// TestEnvWrongType: a variable whose value has the wrong type is one
// error line naming the key, the variable and what the value must be; the
// default or file value it would replace raises nothing more.
func TestEnvWrongType(t *testing.T) {
	for _, c := range []struct {
		name, file, env, want string
	}{
		{"whole number over the default", "", "VERDICT_PROMETHEUS_RETRIES=three",
			`canary.yaml: source.prometheus.retries: "three" is not a whole number (from $VERDICT_PROMETHEUS_RETRIES)`},
		{"duration over the file", "window: {step: 30s}\n", "VERDICT_WINDOW_STEP=30",
			`canary.yaml: window.step: "30" has no unit; write e.g. 30s (from $VERDICT_WINDOW_STEP)`},
		{"share", "", "VERDICT_COVERAGE=ninety",
			`canary.yaml: coverage: "ninety" is not a share: a percentage like 90% or a number from 0 to 1 like 0.9 (from $VERDICT_COVERAGE)`},
		{"boolean, full name", "", "VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY=yes",
			`canary.yaml: source.prometheus.tls.insecure_skip_verify: "yes" is not true or false (from $VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, base+c.file), Options{Env: []string{c.env}, Now: now})
			if err == nil {
				t.Fatal("loaded")
			}
			if got := err.Error(); !strings.HasSuffix(got, c.want) || strings.Contains(got, "\n") {
				t.Errorf("error %q, want one line ending %q", got, c.want)
			}
		})
	}
}

// TestOverridePathsFromDir: with Options.Dir, a relative path from the
// environment or a flag is taken from Dir (and the recording is checked
// there), while one written in the file stays relative to the file.
func TestOverridePathsFromDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "env.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
	fs.String("ca", "", "")
	if err := fs.Parse([]string{"--ca=certs/ca.pem"}); err != nil {
		t.Fatal(err)
	}
	text := edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    bearer_token_file: tok\n")
	path := writeConfig(t, text)
	opts := Options{Now: now, Dir: dir, Flags: map[string]*pflag.Flag{"source.prometheus.tls.ca_file": fs.Lookup("ca")}}
	cfg, err := Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Source.Prometheus; p.TLS.CAFile != filepath.Join(dir, "certs/ca.pem") || p.BearerTokenFile != filepath.Join(filepath.Dir(path), "tok") {
		t.Errorf("ca_file %q (want under Dir), bearer_token_file %q (want beside the config)", p.TLS.CAFile, p.BearerTokenFile)
	}
	opts.Env = []string{"VERDICT_RECORDING=env.json"}
	cfg, err = Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source.Recording != filepath.Join(dir, "env.json") || cfg.Source.Prometheus != nil {
		t.Errorf("source %+v, want the recording under Dir", cfg.Source)
	}
}
