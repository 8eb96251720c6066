package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// configFlags are the flags every command that reads a config shares.
type configFlags struct {
	path string
	set  *pflag.FlagSet
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

func addConfigFlags(cmd *cobra.Command) *configFlags {
	cf := &configFlags{set: cmd.Flags()}
	f := cmd.Flags()
	f.StringVarP(&cf.path, "config", "c", "", "config file (canary.yaml); default $VERDICT_CONFIG")
	f.String("end", "", "window end, RFC 3339 (overrides window.end)")
	f.String("start", "", "window start, RFC 3339 (overrides window.start)")
	f.String("duration", "", "window duration, e.g. 1h (overrides window.duration)")
	f.String("step", "", "query resolution, e.g. 60s (overrides window.step)")
	f.String("prometheus-url", "", "Prometheus-compatible API URL (overrides source.prometheus.url)")
	f.String("recording", "", "judge a recording instead of querying (overrides source.recording)")
	return cf
}

// load reads the config with env and flag overrides. When the source is a
// recording and the window's end was not given, the recording's window is used.
func (cf *configFlags) load(e *env) (*config.Config, *metrics.Recording, error) {
	path := cf.path
	if path == "" {
		path = e.getenv("VERDICT_CONFIG")
	}
	if path == "" {
		return nil, nil, usageErr(fmt.Errorf("no config file: pass -c canary.yaml or set VERDICT_CONFIG"))
	}
	flags := map[string]*pflag.Flag{}
	for name, key := range flagKeys {
		if fl := cf.set.Lookup(name); fl != nil {
			flags[key] = fl
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	cfg, err := config.Load(path, config.Options{Env: e.environ, Flags: flags, Now: func() time.Time { return now }})
	if err != nil {
		return nil, nil, usageErr(err)
	}
	if cfg.Source.Recording == "" {
		return cfg, nil, nil
	}
	rec, err := metrics.ReadRecording(cfg.Source.Recording)
	if err != nil {
		return nil, nil, dataErr(err)
	}
	// The file's bytes are garbage now and as large as the decoded points:
	// hand them back before judging doubles the heap again.
	debug.FreeOSMemory()
	if cfg.Window.End.Equal(now) && !cf.set.Changed("start") {
		// No window was asked for: judge the recording's own.
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
	secrets     []string // values to mask in CI logs
}

// source builds the data source the config names.
func source(e *env, cfg *config.Config, rec *metrics.Recording) (*dataSource, error) {
	if rec != nil {
		return &dataSource{Source: metrics.RecordingSource{Rec: rec}, concurrency: 1}, nil
	}
	if cfg.Source.Prometheus == nil {
		return nil, usageErr(fmt.Errorf("%s: source: set prometheus.url or recording", cfg.Path))
	}
	p, err := metrics.NewPrometheus(*cfg.Source.Prometheus)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: source.prometheus: %w", cfg.Path, err))
	}
	p.SetLogger(e.log)
	ds := &dataSource{Source: p, prom: p, concurrency: p.Concurrency(), secrets: p.Secrets()}
	if e.getenv("GITHUB_ACTIONS") == "true" {
		// Before the first query can log anything: the runner masks from here on.
		maskSecrets(githubactions.New(githubactions.WithWriter(e.stderr), githubactions.WithGetenv(e.getenv)), ds.secrets)
	}
	return ds, nil
}

// open loads the config and builds its data source.
func (cf *configFlags) open(e *env) (*config.Config, *dataSource, error) {
	cfg, rec, err := cf.load(e)
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
