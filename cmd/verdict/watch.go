package main

import (
	"context"
	"time"

	githubactions "github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// WatchOptions are everything `verdict watch` runs with.
type WatchOptions struct {
	Env    *env
	Config *ConfigOptions
	// OutputOptions are what goes to stdout at the end and the reports.
	OutputOptions
	// Now and Sleep replace the real clock (tests); nil means time.Now and a timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewCmdWatch is `verdict watch`; its RunE binds the flags and calls runF
// (watchRun when nil).
func NewCmdWatch(e *env, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{Env: e}
	cmd := &cobra.Command{
		Use:   "watch -c canary.yaml",
		Short: "Judge the rollout while it bakes and stop as soon as the evidence is in",
		Long: `watch starts at window.start (default now), and every watch.interval fetches the new points
(up to now - watch.lag) and judges the growing window with anytime-valid sequential tests, so
checking again and again does not raise the chance of aborting a healthy canary. It stops at the
first abort, error (watch.max_failed_checks failed checks in a row, or SIGINT/SIGTERM), early
promote (watch.early_promote: every metric shown within its margin) or the end of watch.duration.
A watched period in the past (a recording, backfilled data) is replayed without waiting.
One line per check goes to stderr; the report is the last check's.
Exit codes: 0 promote, 1 abort, 2 usage or config error, 3 inconclusive, 4 error.`,
		Args: cobra.NoArgs,
	}
	opts.Config = bindConfigFlags(cmd.Flags())
	opts.Config.Watch = true
	cmd.Flags().String("interval", "", "time between checks, e.g. 1m (overrides watch.interval)")
	cmd.Flags().String("for", "", "how long to watch, e.g. 30m (overrides watch.duration)")
	opts.Config.Flags["watch.interval"] = cmd.Flags().Lookup("interval")
	opts.Config.Flags["watch.duration"] = cmd.Flags().Lookup("for")
	bindOutputFlags(cmd.Flags(), &opts.OutputOptions)
	cmd.RunE = runE(opts, runF, watchRun)
	return cmd
}

// watchRun watches, then writes the last check's report as judge does and
// ends with its verdict's exit code; a cancelled watch is an error with a
// partial report.
func watchRun(ctx context.Context, opts *WatchOptions) error {
	e := opts.Env
	return judgeAndEmit(e, opts.Config, &opts.OutputOptions, func(cfg *config.Config, src *dataSource, noCharts bool) (*judge.Report, error) {
		var start time.Time // now, unless the window was placed or a recording is replayed
		if cfg.Window.Anchored || cfg.Source.Recording != "" {
			start = cfg.Window.Start
		}
		rep, err := judge.Watch(ctx, cfg, src, judge.WatchOptions{
			Concurrency: src.concurrency, NoCharts: noCharts, Start: start, Progress: e.stderr, Now: opts.Now, Sleep: opts.Sleep,
		})
		if err == nil && e.getenv("GITHUB_ACTIONS") == "true" {
			noticeDecision(githubactions.New(githubactions.WithWriter(e.stderr), githubactions.WithGetenv(e.getenv)), rep)
		}
		return rep, err
	})
}

// noticeDecision marks the check that decided an early stop with a notice.
func noticeDecision(gh *githubactions.Action, rep *judge.Report) {
	w := rep.Watch
	switch w.StopReason {
	case judge.StopAbort, judge.StopPromote:
		gh.Noticef("verdict watch: %s at check %d (data up to %s): %s", rep.Verdict, w.Checks, w.StoppedAt, report.OneLine(rep.Reason))
	}
}
