package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// reportSpec is one --report FORMAT=PATH.
type reportSpec struct{ format, path string }

func parseReports(specs []string) ([]reportSpec, error) {
	out := make([]reportSpec, 0, len(specs))
	for _, s := range specs {
		format, path, ok := strings.Cut(s, "=")
		if !ok || format == "" || path == "" {
			return nil, fmt.Errorf("--report %q: want FORMAT=PATH, e.g. json=verdict.json", s)
		}
		if _, err := report.Lookup(format); err != nil {
			return nil, fmt.Errorf("--report %q: %w", s, err)
		}
		out = append(out, reportSpec{format, path})
	}
	return out, nil
}

// JudgeOptions are everything `verdict judge` runs with.
type JudgeOptions struct {
	Env    *env
	Config *ConfigOptions
	OutputOptions
}

// OutputOptions are where judge and watch write their report.
type OutputOptions struct {
	// Output is what goes to stdout: table, markdown or json.
	Output string
	// ReportSpecs are the --report FORMAT=PATH flags, parsed before judging.
	ReportSpecs []string
	// Reports, when set, are used instead of ReportSpecs.
	Reports []reportSpec
}

// NewCmdJudge is `verdict judge`; its RunE binds the flags and calls runF
// (judgeRun when nil).
func NewCmdJudge(e *env, runF func(context.Context, *JudgeOptions) error) *cobra.Command {
	opts := &JudgeOptions{Env: e}
	cmd := &cobra.Command{
		Use:   "judge -c canary.yaml",
		Short: "Compare baseline and canary and decide: promote, inconclusive or abort",
		Long: `judge fetches both scopes of every metric, compares them and prints a report.
Exit codes: 0 promote, 1 abort, 2 usage or config error, 3 inconclusive, 4 error (a query or the data failed).`,
		Args: cobra.NoArgs,
	}
	opts.Config = bindConfigFlags(cmd.Flags())
	bindOutputFlags(cmd.Flags(), &opts.OutputOptions)
	cmd.RunE = runE(opts, runF, judgeRun)
	return cmd
}

// judgeRun judges once, writes the output and the reports, publishes to
// GitHub Actions when it runs there, and ends with the verdict's exit code.
func judgeRun(ctx context.Context, opts *JudgeOptions) error {
	return judgeAndEmit(opts.Env, opts.Config, &opts.OutputOptions, func(cfg *config.Config, src *dataSource, noCharts bool) (*judge.Report, error) {
		// judge.Run makes a cancelled run (SIGINT/SIGTERM) an error.
		return judge.Run(ctx, cfg, src, judge.RunOptions{Concurrency: src.concurrency, NoCharts: noCharts})
	})
}

// judgeAndEmit is what judge and watch do around judging: it checks the
// outputs, opens the config and its source, judges with judgeFn (noCharts
// when no output draws charts; an error is a usage error) and writes the
// report as emitReport does.
func judgeAndEmit(e *env, co *ConfigOptions, out *OutputOptions, judgeFn func(cfg *config.Config, src *dataSource, noCharts bool) (*judge.Report, error)) error {
	specs, charts, err := out.resolve(e)
	if err != nil {
		return err
	}
	cfg, src, err := co.open(e)
	if err != nil {
		return err
	}
	rep, err := judgeFn(cfg, src, !charts)
	if err != nil {
		return usageErr(err)
	}
	describeRun(rep, cfg, src)
	return emitReport(e, out.Output, specs, rep)
}

// bindOutputFlags defines --output and --report, shared by judge and watch.
func bindOutputFlags(fs *pflag.FlagSet, o *OutputOptions) {
	fs.StringVarP(&o.Output, "output", "o", "table", "what goes to stdout: table, markdown or json")
	fs.StringArrayVar(&o.ReportSpecs, "report", nil, "also write FORMAT=PATH (json, markdown, junit, html, dotenv, openmetrics, table); repeatable")
}

// resolve checks --output, parses the --report specs (unless Reports are
// given) and says whether any of them draws charts.
func (o *OutputOptions) resolve(e *env) ([]reportSpec, bool, error) {
	switch o.Output {
	case "table", "markdown", "json":
	default:
		return nil, false, usageErr(fmt.Errorf("--output %q: want table, markdown or json", o.Output))
	}
	specs := o.Reports
	if specs == nil {
		var err error
		if specs, err = parseReports(o.ReportSpecs); err != nil {
			return nil, false, usageErr(err)
		}
	}
	// Charts cost a pass over every sample: only for the formats that draw them
	// (the GitHub step summary is markdown).
	charts := report.Charts(o.Output) || e.getenv("GITHUB_ACTIONS") == "true"
	for _, s := range specs {
		charts = charts || report.Charts(s.format)
	}
	return specs, charts, nil
}

// emitReport writes the reports and the output, publishes to GitHub Actions
// when it runs there, and ends with the verdict's exit code (error when a
// requested report could not be written).
func emitReport(e *env, output string, specs []reportSpec, rep *judge.Report) error {
	for _, m := range rep.Metrics {
		if m.Classification == judge.Failed {
			printf(e.stderr, "verdict: error: %s\n", m.Reason)
		}
	}

	written, failed := writeReports(e, specs, rep)
	if failed > 0 {
		// A report the pipeline asked for is missing: the run is an error,
		// and every output that carries the verdict must say so. Rewrite
		// the reports already written, which said otherwise.
		markError(rep, fmt.Sprintf("%d of %d requested reports could not be written", failed, len(specs)))
		var again []reportSpec
		for _, s := range specs {
			if _, ok := written[s.format]; ok {
				again = append(again, s)
			}
		}
		written, _ = writeReports(e, again, rep)
	}
	var out bytes.Buffer
	if err := report.Write(output, &out, rep); err != nil {
		markError(rep, fmt.Sprintf("cannot render %s: %v", output, err))
		printf(e.stderr, "verdict: %s\n", rep.Reason)
	} else if _, err := e.stdout.Write(out.Bytes()); err != nil {
		markError(rep, fmt.Sprintf("cannot write the %s output: %v", output, err))
		printf(e.stderr, "verdict: %s\n", rep.Reason)
	}
	if e.getenv("GITHUB_ACTIONS") == "true" {
		if err := publishGitHub(e.getenv, rep, written, e.stderr); err != nil {
			printf(e.stderr, "verdict: github: %s\n", err)
		}
	}
	if failed > 0 {
		return dataErr(errors.New(rep.Reason))
	}
	return exitCode(rep.Verdict.ExitCode())
}

// writeReports writes every report of specs, naming each failure on stderr;
// it returns the written ones' paths by format and how many failed.
func writeReports(e *env, specs []reportSpec, rep *judge.Report) (map[string]string, int) {
	written := map[string]string{}
	failed := 0
	for _, s := range specs {
		if err := writeReport(s, rep); err != nil {
			printf(e.stderr, "verdict: %s\n", err)
			failed++
			continue
		}
		written[s.format] = s.path
	}
	return written, failed
}

// markError turns the report into an error: its verdict, reason and score
// (none) say so in every output.
func markError(rep *judge.Report, reason string) {
	if rep.Verdict != judge.Error {
		reason += " (the judge had found " + string(rep.Verdict) + ")"
	}
	rep.Verdict = judge.Error
	rep.Reason = reason
	rep.Score = nil
}

// writeReport renders one report file, creating its directory.
func writeReport(s reportSpec, rep *judge.Report) error {
	var buf bytes.Buffer
	if err := report.Write(s.format, &buf, rep); err != nil {
		return fmt.Errorf("report %s=%s: %w", s.format, s.path, err)
	}
	if err := writeFile(s.path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return fmt.Errorf("report %s=%s: %w", s.format, s.path, err)
	}
	return nil
}
