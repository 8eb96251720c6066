package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// runE is a command's RunE once its flags are bound into opts: it calls
// runF with the command's context, or run when runF is nil (tests pass a
// runF to see the options a command line gives).
func runE[O any](opts *O, runF, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
	if runF == nil {
		runF = run
	}
	return func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) }
}

// ConfigOptions say which config a command reads and what overrides it.
type ConfigOptions struct {
	// Path is the config file; empty means $VERDICT_CONFIG.
	Path string
	// Flags maps a config key (config.Keys) to the flag that overrides it;
	// only flags marked Changed count.
	Flags map[string]*pflag.Flag
	// Dir, when set, is the directory relative paths from flags and the
	// environment are taken from (the action's working-directory input).
	Dir string
	// Watch loads for `verdict watch`: a window that has not ended is fine.
	Watch bool
	// FlagsFrom names where flag values came from in the overrides list
	// when it is not the command line: "input " for the action's inputs.
	FlagsFrom string
}

// flagKeys maps a flag name to the config key it overrides.
var flagKeys = map[string]string{
	"end":            "window.end",
	"start":          "window.start",
	"duration":       "window.duration",
	"step":           "window.step",
	"prometheus-url": "source.prometheus.url",
	"recording":      "source.recording",
}

// bindConfigFlags defines the flags every command that reads a config
// shares on fs and returns the options they fill.
func bindConfigFlags(fs *pflag.FlagSet) *ConfigOptions {
	co := &ConfigOptions{}
	fs.StringVarP(&co.Path, "config", "c", "", "config file (canary.yaml); default $VERDICT_CONFIG")
	fs.String("end", "", "window end, RFC 3339 (overrides window.end)")
	fs.String("start", "", "window start, RFC 3339 (overrides window.start)")
	fs.String("duration", "", "window duration, e.g. 1h (overrides window.duration)")
	fs.String("step", "", "query resolution, e.g. 60s (overrides window.step)")
	fs.String("prometheus-url", "", "Prometheus-compatible API URL (overrides source.prometheus.url)")
	fs.String("recording", "", "judge a recording instead of querying (overrides source.recording)")
	co.Flags = map[string]*pflag.Flag{}
	for name, key := range flagKeys {
		co.Flags[key] = fs.Lookup(name)
	}
	return co
}

// listOverrides names every setting taken from the environment or a flag on
// stderr (a secret's value left out), one line each.
func (co *ConfigOptions) listOverrides(e *env, cfg *config.Config) {
	for i := range cfg.Overrides {
		o := &cfg.Overrides[i]
		if rest, ok := strings.CutPrefix(o.From, "flag --"); ok && co.FlagsFrom != "" {
			o.From = co.FlagsFrom + rest
		}
		if o.Secret {
			printf(e.stderr, "verdict: %s (a secret, not shown), from %s\n", o.Key, o.From)
			continue
		}
		printf(e.stderr, "verdict: %s=%s, from %s\n", o.Key, o.Value, o.From)
	}
}

// inDir is p taken from co.Dir when it is relative.
func (co *ConfigOptions) inDir(p string) string {
	if co.Dir == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(co.Dir, p)
}

// load reads the config with env and flag overrides. When the source is a
// recording and neither the window's start nor its end was given, the
// recording's window is used.
func (co *ConfigOptions) load(e *env) (*config.Config, *metrics.Recording, error) {
	path := co.Path
	if path == "" {
		path = e.getenv("VERDICT_CONFIG")
	}
	if path == "" {
		return nil, nil, usageErr(fmt.Errorf("no config file: pass -c canary.yaml or set VERDICT_CONFIG"))
	}
	now := time.Now().UTC().Truncate(time.Second)
	cfg, err := config.Load(co.inDir(path), config.Options{Env: e.environ, Flags: co.Flags, Dir: co.Dir, Now: func() time.Time { return now }, AllowFutureWindow: co.Watch})
	if err != nil {
		return nil, nil, usageErr(err)
	}
	co.listOverrides(e, cfg)
	if cfg.Source.Recording == "" {
		return cfg, nil, nil
	}
	rec, err := metrics.ReadRecording(cfg.Source.Recording)
	if err != nil {
		return nil, nil, dataErr(err)
	}
	if !cfg.Window.Anchored {
		// No window was asked for (neither start nor end, from the file, the
		// environment or a flag): judge the recording's own.
		cfg.Window.Start, cfg.Window.End = rec.Window.Start, rec.Window.End
		cfg.Window.Step = time.Duration(rec.Window.Step)
	}
	return cfg, rec, nil
}

// dataSource is a configured source with what the CLI needs besides Fetch.
type dataSource struct {
	metrics.Source
	prom        *metrics.Prometheus // nil for a recording
	concurrency int
	secrets     []string      // values to mask in CI logs
	info        *judge.Source // what the report's source names: never a credential
}

// source builds the data source the config names.
func source(e *env, cfg *config.Config, rec *metrics.Recording) (*dataSource, error) {
	if rec != nil {
		return &dataSource{Source: metrics.RecordingSource{Rec: rec}, concurrency: 1,
			info: &judge.Source{Kind: "recording", Recording: recordingName(cfg)}}, nil
	}
	if cfg.Source.Prometheus == nil {
		return nil, usageErr(fmt.Errorf("%s: source: set prometheus.url or recording", cfg.Path))
	}
	p, err := metrics.NewPrometheus(*cfg.Source.Prometheus, metrics.WithGetenv(e.getenv))
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: source.prometheus: %w", cfg.Path, err))
	}
	p.SetLogger(e.log)
	ds := &dataSource{Source: p, prom: p, concurrency: p.Concurrency(), secrets: p.Secrets(),
		info: &judge.Source{Kind: "prometheus", URL: sourceURL(cfg.Source.Prometheus.URL)}}
	if e.getenv("GITHUB_ACTIONS") == "true" {
		// Before the first query can log anything: the runner masks from here on.
		maskSecrets(githubactions.New(githubactions.WithWriter(e.stderr), githubactions.WithGetenv(e.getenv)), ds.secrets)
	}
	return ds, nil
}

// open loads the config and builds its data source.
func (co *ConfigOptions) open(e *env) (*config.Config, *dataSource, error) {
	cfg, rec, err := co.load(e)
	if err != nil {
		return nil, nil, err
	}
	src, err := source(e, cfg, rec)
	if err != nil {
		return nil, nil, err
	}
	return cfg, src, nil
}

// fetchAll runs every query of the config once.
func fetchAll(ctx context.Context, cfg *config.Config, src *dataSource) ([]metrics.Query, []metrics.Outcome, error) {
	qs, err := judge.Queries(cfg)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	return qs, metrics.FetchAll(ctx, src, qs, src.concurrency), nil
}

// sourceURL is the Prometheus URL as the report names it: scheme, host and
// path only, so no user, password or query parameter (which may carry a
// token) reaches any output.
func sourceURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// recordingName is the recording's path as the report names it: relative to
// the config file's directory when it lies there, so the same config gives
// the same report from any working directory.
func recordingName(cfg *config.Config) string {
	rec := cfg.Source.Recording
	if cfg.Path == "" || rec == "" {
		return rec
	}
	dir, err1 := filepath.Abs(filepath.Dir(cfg.Path))
	abs, err2 := filepath.Abs(rec)
	if err1 != nil || err2 != nil {
		return rec
	}
	if rel, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return rec
}

// describeRun adds what the command knows about a run to its report: the
// settings taken from the environment or flags, and the data source.
func describeRun(rep *judge.Report, cfg *config.Config, src *dataSource) {
	rep.Overrides = append([]config.Override{}, cfg.Overrides...) // [] when there are none
	rep.Source = src.info
}
