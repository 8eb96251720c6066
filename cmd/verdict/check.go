package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// CheckOptions are what `verdict check` runs with.
type CheckOptions struct {
	Env    *env
	Config *ConfigOptions
	// Online also runs every query once.
	Online bool
}

// NewCmdCheck is `verdict check`; its RunE binds the flags and calls runF
// (checkRun when nil).
func NewCmdCheck(e *env, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Env: e}
	cmd := &cobra.Command{
		Use:   "check -c canary.yaml",
		Short: "Validate a config; --online also runs every query once",
		Long: `check validates the config and exits 2 on any error, 0 when clean.
With --online it also runs every query once over the window and prints, per
metric and side, the series and point counts, flagging empty results, scopes
that match nothing and series that repeat (a step shorter than the scrape
interval); a failed query exits 4, a finding exits 3.`,
		Args: cobra.NoArgs,
	}
	opts.Config = bindConfigFlags(cmd.Flags())
	cmd.Flags().BoolVar(&opts.Online, "online", false, "also run every query once and report series and point counts")
	cmd.RunE = runE(opts, runF, checkRun)
	return cmd
}

// checkRun validates the config and, online, runs every query once.
func checkRun(ctx context.Context, opts *CheckOptions) error {
	e := opts.Env
	cfg, rec, err := opts.Config.load(e)
	if err != nil {
		return err
	}
	printf(e.stdout, "%s: ok (%d metrics, window %s … %s, step %s)\n", cfg.Path, len(cfg.Metrics),
		cfg.Window.Start.UTC().Format("2006-01-02T15:04:05Z"), cfg.Window.End.UTC().Format("2006-01-02T15:04:05Z"), cfg.Window.Step)
	if !opts.Online {
		return nil
	}
	src, err := source(e, cfg, rec)
	if err != nil {
		return err
	}
	findings := 0
	if src.prom != nil {
		findings += checkScopes(ctx, e.stdout, cfg, src.prom)
	}
	qs, outs, err := fetchAll(ctx, cfg, src)
	if err != nil {
		return err
	}
	var failed int
	baseline := map[string]map[int64]bool{} // metric and part → the baseline's timestamps
	for i, q := range qs {
		if o := outs[i]; o.Err != nil {
			failed++
			what := "error"
			if errors.Is(o.Err, metrics.ErrPartial) {
				what = "partial data (an error: the judge never promotes on it)"
			}
			printf(e.stdout, "%s: %s: %s\n", queryName(q), what, o.Err)
			continue
		}
		findings += checkResult(e.stdout, cfg, q, outs[i].Result, baseline)
	}
	switch {
	case failed > 0:
		return dataErr(fmt.Errorf("%d of %d queries failed", failed, len(qs)))
	case findings > 0:
		return &exitErr{judge.ExitInconclusive, fmt.Errorf("%d findings: the judge would lack data or see repeated points", findings)}
	}
	return nil
}

// checkScopes prints each side's scope that matches no series in the
// window (a finding) or could not be checked, and returns the findings.
func checkScopes(ctx context.Context, w io.Writer, cfg *config.Config, prom *metrics.Prometheus) int {
	findings := 0
	for _, side := range []struct{ name, scope string }{{"baseline", cfg.Baseline.Scope}, {"canary", cfg.Canary.Scope}} {
		n, err := prom.MatchScope(ctx, side.scope, cfg.Window.Start, cfg.Window.End)
		switch {
		case err != nil:
			printf(w, "%s scope {%s}: could not check: %s\n", side.name, side.scope, err)
		case n == 0:
			findings++
			printf(w, "%s scope {%s}: matches no series in the window\n", side.name, side.scope)
		}
	}
	return findings
}

// checkResult prints one query's series, points and coverage of the steps
// and its findings (empty, repeated points, no traffic, the canary
// covering too little of the baseline), and returns how many it found.
// baseline collects each metric part's baseline timestamps for the
// canary's query that comes after it.
func checkResult(w io.Writer, cfg *config.Config, q metrics.Query, res metrics.Result, baseline map[string]map[int64]bool) int {
	findings := 0
	in := metrics.Inspect(res, cfg.Window.Step)
	ts := timestamps(res)
	steps := int(q.End.Sub(q.Start)/q.Step) + 1
	printf(w, "%s: %d series, %d points, covering %d of %d steps (%s)\n", queryName(q), in.Series, in.Points, len(ts), steps, percent(len(ts), steps))
	switch q.Part {
	case judge.PartNumerator:
		// A ratio's events: no series is zero events, and coverage is
		// the denominator's.
		in.Empty, in.Repeats = false, nil
	case judge.PartDenominator:
		// Counters: a step shorter than the scrape interval repeats
		// values, but the increases it adds up are the same.
		in.Repeats = nil
		if counterIncrease(res) == 0 && in.Points > 0 {
			findings++
			printf(w, "  no traffic: the denominator did not increase over the window; the judge would call the metric nodata\n")
		}
	}
	for _, p := range in.Problems() {
		findings++
		printf(w, "  %s\n", p)
	}
	for _, warn := range res.Warnings {
		printf(w, "  warning: %s\n", warn)
	}
	if q.Part == judge.PartNumerator {
		return findings
	}
	key := q.Metric + "\x00" + q.Part
	if q.Side == metrics.Baseline {
		shifted := map[int64]bool{} // on the canary's clock
		for t := range ts {
			shifted[t+cfg.Baseline.Offset.Milliseconds()] = true
		}
		baseline[key] = shifted
		return findings
	}
	if b := baseline[key]; len(b) > 0 && cfg.Coverage > 0 {
		covered := 0
		for t := range b {
			if ts[t] {
				covered++
			}
		}
		if float64(covered) < float64(cfg.Coverage)*float64(len(b)) {
			findings++
			printf(w, "  the canary covers %d of the baseline's %d timestamps (%s), below coverage %s: the judge calls it missing\n",
				covered, len(b), percent(covered, len(b)), percent(int(float64(cfg.Coverage)*1000), 1000))
		}
	}
	return findings
}

// counterIncrease is the increase of a result's counters over the window,
// summed over its series.
func counterIncrease(res metrics.Result) float64 {
	total := 0.0
	for _, ser := range res.Series {
		vals := make([]float64, len(ser.Points))
		for i, pt := range ser.Points {
			vals[i] = pt.V
		}
		total += analysis.CounterIncrease(vals)
	}
	return total
}

// queryName names a query in check's output: "latency canary",
// "errors numerator baseline".
func queryName(q metrics.Query) string {
	if q.Part == "" {
		return q.Metric + " " + string(q.Side)
	}
	return q.Metric + " " + q.Part + " " + string(q.Side)
}

// timestamps are the distinct timestamps of a result's points, in Unix ms.
func timestamps(r metrics.Result) map[int64]bool {
	ts := map[int64]bool{}
	for _, s := range r.Series {
		for _, p := range s.Points {
			ts[p.T.UnixMilli()] = true
		}
	}
	return ts
}

// percent is n/of as a percentage with up to one decimal ("97.5%").
func percent(n, of int) string {
	if of == 0 {
		return "—"
	}
	return strconv.FormatFloat(math.Round(1000*float64(n)/float64(of))/10, 'f', -1, 64) + "%"
}

// RecordOptions are what `verdict record` runs with.
type RecordOptions struct {
	Env    *env
	Config *ConfigOptions
	// Out is the recording file to write.
	Out string
}

// NewCmdRecord is `verdict record`; its RunE binds the flags and calls runF
// (recordRun when nil).
func NewCmdRecord(e *env, runF func(context.Context, *RecordOptions) error) *cobra.Command {
	opts := &RecordOptions{Env: e}
	cmd := &cobra.Command{
		Use:   "record -c canary.yaml -o recording.json",
		Short: "Fetch both scopes of every metric and save them as a recording",
		Long: `record runs every query of the config once and writes the results as a
recording (docs/recording.md). Judging the recording later (source.recording)
gives the same report as judging live. Failed queries are recorded as
failures and make record exit 4.`,
		Args: cobra.NoArgs,
	}
	opts.Config = bindConfigFlags(cmd.Flags())
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "recording file to write (required)")
	cmd.RunE = runE(opts, runF, recordRun)
	return cmd
}

// recordRun fetches every query once and writes the recording.
func recordRun(ctx context.Context, opts *RecordOptions) error {
	e, out := opts.Env, opts.Out
	if out == "" {
		return usageErr(fmt.Errorf("record: -o FILE is required"))
	}
	cfg, src, err := opts.Config.open(e)
	if err != nil {
		return err
	}
	qs, outs, err := fetchAll(ctx, cfg, src)
	if err != nil {
		return err
	}
	saved := &metrics.Recording{
		Version: metrics.RecordingVersion,
		Window: metrics.RecordedWindow{Start: cfg.Window.Start.UTC(), End: cfg.Window.End.UTC(),
			Step: metrics.Duration(cfg.Window.Step), BaselineOffset: metrics.Duration(cfg.Baseline.Offset)},
	}
	failed := 0
	for i, q := range qs {
		if outs[i].Err != nil {
			failed++
			printf(e.stderr, "verdict: %s %s: %v\n", q.Metric, q.Side, outs[i].Err)
		}
		saved.Put(q, outs[i].Result, outs[i].Err)
	}
	if err := writeFile(out, saved.Write); err != nil {
		return dataErr(fmt.Errorf("record: %w", err))
	}
	printf(e.stderr, "verdict: recorded %d queries to %s\n", len(qs), out)
	if failed > 0 {
		return dataErr(fmt.Errorf("%d of %d queries failed; they are recorded as failures", failed, len(qs)))
	}
	return nil
}

// writeFile writes through fn to path atomically (temp file, then rename).
func writeFile(path string, fn func(w io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".verdict-*")
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
