package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func ptr(f float64) *float64 { return &f }

// TestLoadSpecExample loads SPEC §3's example (without its second auth
// method) and checks every value, explicit and default.
func TestLoadSpecExample(t *testing.T) {
	cfg, err := Load("testdata/full.yaml", Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Version: 1,
		Source: Source{Prometheus: &Prometheus{
			URL:         "http://127.0.0.1:9090",
			Timeout:     30 * time.Second,
			Headers:     map[string]string{"X-Scope-OrgID": "team-a"},
			BasicAuth:   &BasicAuth{Username: "ci", PasswordFile: "/run/secrets/prom-pass"},
			TLS:         &TLS{CAFile: filepath.Join("testdata", "ca.pem")},
			Concurrency: 8,
			Retries:     3,

			MaxBufferedBytes: 256 << 20,
		}},
		Window: Window{
			Start:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			End:      time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC),
			Duration: time.Hour,
			Step:     time.Minute,
			Anchored: true, // window.end is given
		},
		Baseline:        Scope{Scope: `version="v1.4.2"`},
		Canary:          Scope{Scope: `version="v1.5.0"`},
		Confidence:      0.98,
		MultipleTesting: "holm",
		MarginTest:      "non-inferiority",
		Coverage:        0.9,
		Metrics: []Metric{{
			Name:            "latency_p99",
			Kind:            "series",
			Query:           `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[{{ .Step }}])))`,
			Test:            "auto",
			Group:           "latency",
			FailOn:          Increase,
			AllowedIncrease: Margin{Value: 0.1, Relative: true, Text: "10%"},
			AllowedDecrease: Margin{Value: 0.1, Relative: true, Text: "10%"},
			NaN:             "remove",
			Max:             ptr(0.5),
			Min:             ptr(0),
			Line:            22,
		}, {
			Name:            "errors",
			Kind:            "ratio",
			Numerator:       `http_requests_total{ {{ .Scope }}, code=~"5.." }`,
			Denominator:     `http_requests_total{ {{ .Scope }} }`,
			Group:           "default",
			FailOn:          Increase,
			AllowedIncrease: Margin{Value: 0.1, Relative: true, Text: "10%"},
			Critical:        true,
			NaN:             "remove",
			Line:            34,
		}},
		Groups:  map[string]Group{"latency": {Weight: 60}, "errors": {Weight: 40}},
		Scoring: Scoring{Pass: 95, Marginal: 75},
		Watch:   Watch{Interval: time.Minute, Duration: 30 * time.Minute, MaxFailedChecks: 3, Lag: 30 * time.Second},
		Path:    "testdata/full.yaml",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got\n%#v\nwant\n%#v", cfg, want)
	}
	if cfg.Steps() != 61 {
		t.Errorf("Steps() = %d, want 61", cfg.Steps())
	}
}

// TestSpecExampleAuth: SPEC §3's example shows a bearer token file and
// basic auth together; they cannot both be sent, and that is its only error.
func TestSpecExampleAuth(t *testing.T) {
	checkErrs(t, loadErrs(t, "testdata/spec.yaml", Options{}), []want{
		{8, "source.prometheus.basic_auth", "set only one of basic_auth and a bearer token"},
	})
}

func TestDefaults(t *testing.T) {
	cfg := mustLoad(t, base, Options{})
	p := cfg.Source.Prometheus
	m := cfg.Metrics[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"window.end", cfg.Window.End, fixedNow},
		{"window.duration", cfg.Window.Duration, time.Hour},
		{"window.start", cfg.Window.Start, fixedNow.Add(-time.Hour)},
		{"window.step", cfg.Window.Step, 60 * time.Second},
		{"confidence", cfg.Confidence, 0.98},
		{"scoring", cfg.Scoring, Scoring{Pass: 95, Marginal: 75}},
		{"multiple_testing", cfg.MultipleTesting, "holm"},
		{"margin_test", cfg.MarginTest, "non-inferiority"},
		{"coverage", cfg.Coverage, Fraction(0.9)},
		{"watch", cfg.Watch, Watch{Interval: time.Minute, Duration: 30 * time.Minute, Warmup: 0, EarlyPromote: false, MaxFailedChecks: 3, Lag: 30 * time.Second}},
		{"kind", m.Kind, "series"},
		{"test", m.Test, "auto"},
		{"timeout", p.Timeout, 30 * time.Second},
		{"concurrency", p.Concurrency, 8},
		{"retries", p.Retries, 3},
		{"max_buffered_bytes", p.MaxBufferedBytes, 256 << 20},
		{"fail_on", m.FailOn, Either},
		{"nan", m.NaN, NaNRemove},
		{"group", m.Group, "default"},
		{"allowed_increase", m.AllowedIncrease, Margin{}},
		{"max", m.Max, (*float64)(nil)},
		{"line", m.Line, 8},
		{"path", filepath.Base(cfg.Path), "canary.yaml"},
		{"groups", len(cfg.Groups), 0},
		{"recording", cfg.Source.Recording, ""},
		{"steps", cfg.Steps(), 61},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDefaultClockIsNow(t *testing.T) {
	before := time.Now().Add(-time.Second)
	cfg, err := Load(writeConfig(t, base), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Window.End.Before(before.Truncate(time.Second)) || cfg.Window.End.After(time.Now()) {
		t.Errorf("window.end %v is not now", cfg.Window.End)
	}
}

// TestPrecedence checks flag > env > file > default with a real pflag.FlagSet.
func TestPrecedence(t *testing.T) {
	cases := []struct {
		name   string
		file   string   // extra config lines
		env    []string // environment
		args   []string // command line
		step   time.Duration
		conf   float64
		url    string
		retry  int
		offset time.Duration
	}{
		{name: "default", step: time.Minute, conf: 0.98, url: "http://prom:9090", retry: 3},
		{name: "file", file: "window: {step: 30s}\nconfidence: 0.9\n", step: 30 * time.Second, conf: 0.9, url: "http://prom:9090", retry: 3},
		{name: "env over default for keys absent from the file",
			env:  []string{"VERDICT_WINDOW_STEP=2m", "VERDICT_CONFIDENCE=0.95", "VERDICT_SOURCE_PROMETHEUS_RETRIES=5", "VERDICT_BASELINE_OFFSET=1d"},
			step: 2 * time.Minute, conf: 0.95, url: "http://prom:9090", retry: 5, offset: 24 * time.Hour},
		{name: "env over file", file: "window: {step: 30s}\nconfidence: 0.9\n",
			env:  []string{"VERDICT_WINDOW_STEP=2m", "VERDICT_CONFIDENCE=0.95", "VERDICT_PROMETHEUS_URL=https://short:9090"},
			step: 2 * time.Minute, conf: 0.95, url: "https://short:9090", retry: 3},
		{name: "full env name over short", env: []string{"VERDICT_PROMETHEUS_URL=http://short", "VERDICT_SOURCE_PROMETHEUS_URL=http://full"},
			step: time.Minute, conf: 0.98, url: "http://full", retry: 3},
		{name: "empty env is unset", file: "window: {step: 30s}\n", env: []string{"VERDICT_WINDOW_STEP="},
			step: 30 * time.Second, conf: 0.98, url: "http://prom:9090", retry: 3},
		{name: "other env ignored", env: []string{"WINDOW_STEP=5m", "verdict_window_step=5m", "NOEQUALS"},
			step: time.Minute, conf: 0.98, url: "http://prom:9090", retry: 3},
		{name: "flag over env over file", file: "window: {step: 30s}\nconfidence: 0.9\n",
			env:  []string{"VERDICT_WINDOW_STEP=2m", "VERDICT_CONFIDENCE=0.95", "VERDICT_PROMETHEUS_URL=http://env"},
			args: []string{"--step=5m", "--confidence=0.99", "--prometheus-url=http://flag"},
			step: 5 * time.Minute, conf: 0.99, url: "http://flag", retry: 3},
		{name: "flag over default", args: []string{"--step=10s"}, step: 10 * time.Second, conf: 0.98, url: "http://prom:9090", retry: 3},
		{name: "empty flag value does not apply", file: "window: {step: 30s}\n", args: []string{"--prometheus-url="},
			step: 30 * time.Second, conf: 0.98, url: "http://prom:9090", retry: 3},
		{name: "unchanged flag does not apply", file: "window: {step: 30s}\n", env: []string{"VERDICT_CONFIDENCE=0.95"},
			step: 30 * time.Second, conf: 0.95, url: "http://prom:9090", retry: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
			fs.Duration("step", 99*time.Hour, "") // a default that must never apply
			fs.Float64("confidence", 0.6, "")
			fs.String("prometheus-url", "http://flag-default", "")
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			flags := map[string]*pflag.Flag{
				"window.step":           fs.Lookup("step"),
				"confidence":            fs.Lookup("confidence"),
				"source.prometheus.url": fs.Lookup("prometheus-url"),
			}
			cfg := mustLoad(t, base+c.file, Options{Env: c.env, Flags: flags})
			if cfg.Window.Step != c.step || cfg.Confidence != c.conf || cfg.Source.Prometheus.URL != c.url ||
				cfg.Source.Prometheus.Retries != c.retry || cfg.Baseline.Offset != c.offset {
				t.Errorf("got step %v confidence %v url %q retries %d offset %v, want %v %v %q %d %v",
					cfg.Window.Step, cfg.Confidence, cfg.Source.Prometheus.URL, cfg.Source.Prometheus.Retries, cfg.Baseline.Offset,
					c.step, c.conf, c.url, c.retry, c.offset)
			}
		})
	}
}

// TestOverrideErrors: bad values from the environment and flags name the
// key and the variable or flag, without a line.
func TestOverrideErrors(t *testing.T) {
	fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
	fs.String("end", "", "")
	fs.String("bogus", "", "")
	if err := fs.Parse([]string{"--end=tomorrow", "--bogus=1"}); err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Env:   []string{"VERDICT_WINDOW_STEP=fast", "VERDICT_CONFIDENCE=0.4", "VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY=maybe"},
		Flags: map[string]*pflag.Flag{"window.end": fs.Lookup("end"), "window.bogus": fs.Lookup("bogus")},
	}
	checkErrs(t, loadErrs(t, writeConfig(t, base), opts), []want{
		{0, "source.prometheus.tls.insecure_skip_verify", `"maybe" is not true or false (from $VERDICT_SOURCE_PROMETHEUS_TLS_INSECURE_SKIP_VERIFY)`},
		{0, "window.end", `"tomorrow" is not an RFC 3339 time like 2024-01-01T01:00:00Z (from --end)`},
		{0, "window.step", `"fast" is not a duration like 30s, 5m, 1h or 1d (from $VERDICT_WINDOW_STEP)`},
		{0, "", `flag --bogus is bound to "window.bogus", which is not a config key`},
		{0, "confidence", "must be between 0.5 and 1 (exclusive), not 0.4 (from $VERDICT_CONFIDENCE)"},
	})
}

// TestWindow covers how start, end and duration decide each other,
// including values from flags overriding a window fixed in the file.
func TestWindow(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		file       string
		args       []string
		start, end time.Time
	}{
		{"nothing: the last hour", "", nil, fixedNow.Add(-time.Hour), fixedNow},
		{"end only", "window: {end: 2024-01-01T01:00:00Z}\n", nil, t0, t0.Add(time.Hour)},
		{"duration only", "window: {duration: 30m}\n", nil, fixedNow.Add(-30 * time.Minute), fixedNow},
		{"start only: until now", "window: {start: 2025-06-01T10:00:00Z}\n", nil, fixedNow.Add(-2 * time.Hour), fixedNow},
		{"start and end", "window: {start: 2024-01-01T00:00:00Z, end: 2024-01-01T03:00:00Z}\n", nil, t0, t0.Add(3 * time.Hour)},
		{"start and duration", "window: {start: 2024-01-01T00:00:00Z, duration: 2h}\n", nil, t0, t0.Add(2 * time.Hour)},
		{"all three agreeing", "window: {start: 2024-01-01T00:00:00Z, end: 2024-01-01T01:00:00Z, duration: 1h}\n", nil, t0, t0.Add(time.Hour)},
		{"time zone kept as an instant, in UTC", "window: {end: 2024-01-01T02:00:00+01:00}\n", nil, t0, t0.Add(time.Hour)},
		{"prometheus duration units", "window: {end: 2024-01-08T00:00:00Z, duration: 1w}\n", nil, t0, t0.Add(7 * 24 * time.Hour)},
		{"flag end over file end", "window: {end: 2024-01-01T01:00:00Z}\n", []string{"--end=2024-01-01T05:00:00Z"}, t0.Add(4 * time.Hour), t0.Add(5 * time.Hour)},
		{"flag duration replaces the file's start", "window: {start: 2024-01-01T00:00:00Z, end: 2024-01-01T03:00:00Z}\n", []string{"--duration=1h"}, t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)},
		{"flag start replaces the file's duration", "window: {end: 2024-01-01T03:00:00Z, duration: 1h}\n", []string{"--start=2024-01-01T00:00:00Z"}, t0, t0.Add(3 * time.Hour)},
		{"flag end replaces the file's duration", "window: {start: 2024-01-01T00:00:00Z, duration: 1h}\n", []string{"--end=2024-01-01T02:00:00Z"}, t0, t0.Add(2 * time.Hour)},
		{"env end over file end", "window: {end: 2024-01-01T01:00:00Z}\n", []string{"env"}, t0.Add(2 * time.Hour), t0.Add(3 * time.Hour)},
		{"flags start and duration replace the file's end", "window: {end: 2024-01-01T09:00:00Z}\n", []string{"--start=2024-01-01T00:00:00Z", "--duration=2h"}, t0, t0.Add(2 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
			fs.String("start", "", "")
			fs.String("end", "", "")
			fs.Duration("duration", 0, "")
			var env []string
			if len(c.args) == 1 && c.args[0] == "env" {
				c.args, env = nil, []string{"VERDICT_WINDOW_END=2024-01-01T03:00:00Z"}
			}
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			flags := map[string]*pflag.Flag{"window.start": fs.Lookup("start"), "window.end": fs.Lookup("end"), "window.duration": fs.Lookup("duration")}
			w := mustLoad(t, base+c.file, Options{Env: env, Flags: flags}).Window
			if !w.Start.Equal(c.start) || !w.End.Equal(c.end) || w.Duration != c.end.Sub(c.start) {
				t.Errorf("window %v .. %v (%v), want %v .. %v", w.Start, w.End, w.Duration, c.start, c.end)
			}
			if w.End.Location() != time.UTC {
				t.Errorf("end %v is not in UTC", w.End)
			}
		})
	}
}

// TestLongWindow: more than 11,000 steps is not the loader's business.
func TestLongWindow(t *testing.T) {
	cfg := mustLoad(t, base+"window: {duration: 30d, step: 15s}\n", Options{})
	if got := cfg.Steps(); got != 30*24*240+1 {
		t.Errorf("Steps() = %d, want %d", got, 30*24*240+1)
	}
}

func TestValidVariants(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		check func(*Config) bool
	}{
		{"scope spacing variants", base + "  - name: b\n    query: 'b{ {{.Scope}}}'\n  - name: c\n    query: 'c{ {{- .Scope -}} }'\n",
			func(c *Config) bool { return len(c.Metrics) == 3 }},
		{"offset allows a query without scope and no scopes", "version: 1\nsource: {prometheus: {url: http://p}}\nbaseline: {offset: 1d}\nmetrics: [{name: m, query: 'sum(rate(x[1m]))'}]\n",
			func(c *Config) bool { return c.Baseline.Offset == 24*time.Hour && c.Canary.Scope == "" }},
		{"offset with one scope uses it on both sides", "version: 1\nsource: {prometheus: {url: http://p}}\nbaseline: {offset: 1d}\ncanary: {scope: 'app=\"a\"'}\nmetrics: [{name: m, query: 'x{ {{ .Scope }} }'}]\n",
			func(c *Config) bool { return c.Baseline.Scope == `app="a"` }},
		{"quoted braces in a scope are fine", edit(t, `canary: {scope: 'version="v2"'}`, "canary: {scope: 'path=~\"/a{1,2}\", q=`}`, r=\"\\\"}\"'}"),
			func(c *Config) bool { return strings.Contains(c.Canary.Scope, "{1,2}") }},
		{"absolute and relative margins", base + "    allowed_increase: 0.05\n    allowed_decrease: 12.5%\n",
			func(c *Config) bool {
				m := c.Metrics[0]
				return m.AllowedIncrease == Margin{Value: 0.05, Text: "0.05"} && m.AllowedDecrease == Margin{Value: 0.125, Relative: true, Text: "12.5%"}
			}},
		{"merge keys and anchors", base + "  - &tmpl\n    name: b\n    query: 'b{ {{ .Scope }} }'\n    fail_on: decrease\n  - <<: *tmpl\n    name: c\n",
			func(c *Config) bool {
				return len(c.Metrics) == 3 && c.Metrics[2].Name == "c" && c.Metrics[2].FailOn == Decrease && c.Metrics[2].Line == 14
			}},
		{"group case is kept", base + "    group: Latency\ngroups: {Latency: {weight: 2}, Errors: {weight: 0}}\n",
			func(c *Config) bool { return c.Metrics[0].Group == "Latency" && c.Groups["Latency"].Weight == 2 }},
		{"implicit default group needs no declaration", base + "  - {name: b, query: 'b{ {{ .Scope }} }', group: g}\ngroups: {g: {weight: 1}}\n",
			func(c *Config) bool { return c.Metrics[0].Group == "default" }},
		{"odd group names", base + "    group: p99.latency\ngroups: {p99.latency: {weight: 1}}\n",
			func(c *Config) bool { return c.Groups["p99.latency"].Weight == 1 }},
		{"nulls are absent", base + "window: {step: ~}\nconfidence:\n",
			func(c *Config) bool { return c.Window.Step == time.Minute && c.Confidence == 0.98 }},
		{"quoted numbers", base + "confidence: '0.95'\n",
			func(c *Config) bool { return c.Confidence == 0.95 }},
		{"zero offset without unit", edit(t, `baseline: {scope: 'version="v1"'}`, `baseline: {scope: 'version="v1"', offset: 0}`),
			func(c *Config) bool { return c.Baseline.Offset == 0 }},
		{"zero retries kept, hex ints read", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    retries: 0\n    concurrency: 0x10\n"),
			func(c *Config) bool { return c.Source.Prometheus.Retries == 0 && c.Source.Prometheus.Concurrency == 16 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if cfg := mustLoad(t, c.text, Options{}); !c.check(cfg) {
				t.Errorf("unexpected config: %+v", cfg)
			}
		})
	}
}

// TestSource covers choosing between prometheus and recording across
// layers and resolving relative paths.
func TestSource(t *testing.T) {
	recording := edit(t, "  prometheus:\n    url: http://prom:9090\n", "  recording: rec.json\n")
	t.Run("recording relative to the config file", func(t *testing.T) {
		path := writeConfig(t, recording)
		cfg, err := Load(path, Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(filepath.Dir(path), "rec.json"); cfg.Source.Recording != want || cfg.Source.Prometheus != nil {
			t.Errorf("source %+v, want recording %s", cfg.Source, want)
		}
	})
	t.Run("env url over a file recording", func(t *testing.T) {
		cfg := mustLoad(t, recording, Options{Env: []string{"VERDICT_PROMETHEUS_URL=http://env:9090", "VERDICT_PROMETHEUS_TIMEOUT=5s"}})
		if p := cfg.Source.Prometheus; cfg.Source.Recording != "" || p == nil || p.URL != "http://env:9090" || p.Timeout != 5*time.Second || p.Retries != 3 {
			t.Errorf("source %+v, want prometheus from env with defaults", cfg.Source)
		}
	})
	t.Run("env timeout alone does not switch the source", func(t *testing.T) {
		cfg := mustLoad(t, recording, Options{Env: []string{"VERDICT_PROMETHEUS_TIMEOUT=5s"}})
		if cfg.Source.Prometheus != nil || cfg.Source.Recording == "" {
			t.Errorf("source %+v, want the recording", cfg.Source)
		}
	})
	t.Run("flag recording over file prometheus, relative to the working directory", func(t *testing.T) {
		fs := pflag.NewFlagSet("verdict", pflag.ContinueOnError)
		fs.String("recording", "", "")
		if err := fs.Parse([]string{"--recording=testdata/recordings/checkout.json"}); err != nil {
			t.Fatal(err)
		}
		cfg := mustLoad(t, base, Options{Flags: map[string]*pflag.Flag{"source.recording": fs.Lookup("recording")}})
		if cfg.Source.Prometheus != nil || cfg.Source.Recording != "testdata/recordings/checkout.json" {
			t.Errorf("source %+v, want the flag's recording", cfg.Source)
		}
	})
	t.Run("secret file paths relative to the config file", func(t *testing.T) {
		text := edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    bearer_token_file: tok\n    tls: {ca_file: /abs/ca.pem, cert_file: c.pem, key_file: k.pem}\n")
		path := writeConfig(t, text)
		cfg, err := Load(path, Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(path)
		p := cfg.Source.Prometheus
		if p.BearerTokenFile != filepath.Join(dir, "tok") || p.TLS.CAFile != "/abs/ca.pem" || p.TLS.CertFile != filepath.Join(dir, "c.pem") {
			t.Errorf("paths not resolved: %+v %+v", p, p.TLS)
		}
	})
}

// TestErrorFormat pins "file:line: path: message" and errors.As/Is.
func TestErrorFormat(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	text := base + "  - name: b\n    query: 'b{ {{ .Scope }} }'\n  - name: c\n    query: 'c{ {{ .Scope }} }'\n    treshold: 0.1\n"
	if err := os.WriteFile("canary.yaml", []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load("canary.yaml", Options{Now: now})
	if err == nil || err.Error() != "canary.yaml:14: metrics[2].treshold: unknown key" {
		t.Fatalf("error = %v", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "metrics[2].treshold" || fe.Line != 14 || fe.File != "canary.yaml" {
		t.Errorf("errors.As *FieldError = %+v", fe)
	}

	_, err = Load("missing.yaml", Options{})
	if err == nil || err.Error() != "missing.yaml: cannot read the config: no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v (errors.Is ErrNotExist %v)", err, errors.Is(err, fs.ErrNotExist))
	}
	_, err = Load(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "it is a directory") {
		t.Errorf("directory: %v", err)
	}
}

// TestAllErrorsAtOnce: one Load reports every problem, in line order, one per line.
func TestAllErrorsAtOnce(t *testing.T) {
	text := `version: 2
source:
  prometheus:
    url: ftp://prom
    retries: -1
window: {step: 0s, end: noon}
baseline: {scope: 'a="b'}
canary: {scope: 'a="c"'}
confidence: high
metrics:
  - name: a
    query: 'x{ {{ .Scope }} }'
    treshold: 1
  - name: a
    query: up
groups: {default: {weight: -2}}
scoring: {pass: 50, marginal: 60}
`
	path := writeConfig(t, text)
	errs := loadErrs(t, path, Options{Env: []string{"VERDICT_SOURCE_PROMETHEUS_CONCURRENCY=lots"}})
	checkErrs(t, errs, []want{
		{1, "version", "must be 1, not 2"},
		{4, "source.prometheus.url", "not scheme"},
		{5, "source.prometheus.retries", "must be 0 or more, not -1"},
		{6, "window.end", `"noon" is not an RFC 3339 time`},
		{6, "window.step", "must be more than 0"},
		{7, "baseline.scope", "unterminated"},
		{9, "confidence", `"high" is not a number`},
		{13, "metrics[0].treshold", "unknown key"},
		{14, "metrics[1].name", "already the name of metrics[0]"},
		{15, "metrics[1].query", "has no {{ .Scope }}"},
		{16, "groups.default.weight", "must be 0 or more"},
		{17, "scoring", "marginal 60 and pass 50"},
		{0, "source.prometheus.concurrency", `"lots" is not a whole number (from $VERDICT_SOURCE_PROMETHEUS_CONCURRENCY)`},
	})
	if lines := strings.Split(errs.Error(), "\n"); len(lines) != len(errs) || !strings.HasPrefix(lines[0], path+":1: version: ") {
		t.Errorf("Error() is not one line per error with the file: %q", errs.Error())
	}
}

func TestFileProblems(t *testing.T) {
	cases := []struct {
		name  string
		setup func(path string) error
		want  want
	}{
		{"empty file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, want{1, "", "the config is empty"}},
		{"blank file", func(p string) error { return os.WriteFile(p, []byte("\n  \n"), 0o600) }, want{1, "", "the config is empty"}},
		{"only comments", func(p string) error { return os.WriteFile(p, []byte("# nothing\n"), 0o600) }, want{1, "", "the config is empty"}},
		{"empty mapping", func(p string) error { return os.WriteFile(p, []byte("{}\n"), 0o600) }, want{1, "", "the config is empty"}},
		{"null document", func(p string) error { return os.WriteFile(p, []byte("~\n"), 0o600) }, want{1, "", "the config is empty"}},
		{"100 MB sparse file", func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(100 << 20)
		}, want{0, "", "the file is 100.0 MiB; a config may be at most 10 MiB"}},
		{"just over the limit", func(p string) error {
			return os.WriteFile(p, append([]byte("version: 1\n#"), make([]byte, MaxFileSize)...), 0o600)
		}, want{0, "", "a config may be at most 10 MiB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "canary.yaml")
			if err := c.setup(path); err != nil {
				t.Fatal(err)
			}
			checkErrs(t, loadErrs(t, path, Options{}), []want{c.want})
		})
	}
}

// TestSecretsNeverInErrors: passwords, header values and bearer tokens —
// from the file or the environment — never appear in error messages, even
// when those very keys are wrong.
func TestSecretsNeverInErrors(t *testing.T) {
	secrets := []string{"s3cret-pass", "s3cret-header", "s3cret-url", "s3cret-env"}
	text := `version: 1
source:
  prometheus:
    url: "http://user:s3cret-url@host:99999999/%zz"
    headers: {Authorization: "Bearer s3cret-header\n", "Bad Name": s3cret-header}
    basic_auth: {password: s3cret-pass, password_file: f}
    bearer_token_env: TOKEN
baseline: {scope: 'a="b"'}
canary: {scope: 'a="c"'}
metrics: [{name: m, query: 'x{ {{ .Scope }} }'}]
`
	errs := loadErrs(t, writeConfig(t, text), Options{Env: []string{
		"VERDICT_SOURCE_PROMETHEUS_BASIC_AUTH_PASSWORD=s3cret-env", "TOKEN=s3cret-env",
	}})
	if len(errs) < 5 {
		t.Errorf("want errors for the url, both headers, basic auth; got %v", errs)
	}
	msg := errs.Error()
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("error leaks %q:\n%s", s, msg)
		}
	}
}

func TestKeysAndEnvNames(t *testing.T) {
	keys := Keys()
	for _, k := range []string{"version", "source.recording", "source.prometheus.url", "source.prometheus.basic_auth.password",
		"source.prometheus.tls.insecure_skip_verify", "window.end", "baseline.offset", "confidence", "scoring.marginal"} {
		if !strings.Contains(strings.Join(keys, " ")+" ", k+" ") {
			t.Errorf("Keys() lacks %s", k)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "metrics") || strings.HasPrefix(k, "groups") || strings.Contains(k, "headers") {
			t.Errorf("Keys() has %s, which is inside a list or map", k)
		}
	}
	if got := EnvNames("source.prometheus.url"); !reflect.DeepEqual(got, []string{"VERDICT_SOURCE_PROMETHEUS_URL", "VERDICT_PROMETHEUS_URL"}) {
		t.Errorf("EnvNames(source.prometheus.url) = %v", got)
	}
	if got := EnvNames("window.step"); !reflect.DeepEqual(got, []string{"VERDICT_WINDOW_STEP"}) {
		t.Errorf("EnvNames(window.step) = %v", got)
	}
}

// TestDocsListEveryEnvName keeps docs/config.md's table in step with Keys.
func TestDocsListEveryEnvName(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		for _, name := range EnvNames(k) {
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/config.md does not list `%s` (key %s)", name, k)
			}
		}
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/config.md does not list key `%s`", k)
		}
	}
}

// BenchmarkLoad loads SPEC's example; BenchmarkLoad1000 a config of 1,000 metrics.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load("testdata/full.yaml", Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad1000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(strings.TrimSuffix(base, "  - name: latency\n    query: 'rate(x{ {{ .Scope }} }[1m])'\n"))
	for i := range 1000 {
		fmt.Fprintf(&sb, "  - {name: m%d, query: 'rate(x%d{ {{ .Scope }} }[1m])', allowed_increase: 10%%, group: g%d}\n", i, i, i%10)
	}
	sb.WriteString("groups:\n")
	for i := range 10 {
		fmt.Fprintf(&sb, "  g%d: {weight: %d}\n", i, i+1)
	}
	path := filepath.Join(b.TempDir(), "canary.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if cfg, err := Load(path, Options{Now: now}); err != nil || len(cfg.Metrics) != 1000 {
			b.Fatal(err)
		}
	}
}

// TestFutureWindowForWatch: watch may load a window that has not ended;
// judge (the default) may not, and the error names the end and now.
func TestFutureWindowForWatch(t *testing.T) {
	text := base + "window: {end: 2025-06-01T13:00:00Z}\n"
	cfg := mustLoad(t, text, Options{AllowFutureWindow: true})
	if !cfg.Window.End.Equal(fixedNow.Add(time.Hour)) {
		t.Errorf("window.end %v", cfg.Window.End)
	}
	checkErrs(t, loadErrs(t, writeConfig(t, text), Options{}), []want{
		{10, "window.end", "the window ends at 2025-06-01T13:00:00Z, later than now (2025-06-01T12:00:00Z)"},
	})
	// Ending exactly now is fine.
	mustLoad(t, base+"window: {end: 2025-06-01T12:00:00Z}\n", Options{})
}
