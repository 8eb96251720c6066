// Command validity is the validity benchmark (make bench-validity): it
// simulates canary runs of every scenario in internal/sim, judges each
// through the verdict binary under the default config and under revision 1's
// test, and prints the share of runs that promote, end inconclusive and abort.
//
//	go run ./scripts/validity -bin bin/verdict             # every scenario, 200 runs each
//	go run ./scripts/validity -runs 50 -only 'ar0.9|drift'  # a quick look at some
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/verdict-ci/verdict/internal/sim"
)

func main() {
	opt := options{}
	flag.StringVar(&opt.bin, "bin", "bin/verdict", "the verdict binary to judge with")
	flag.IntVar(&opt.runs, "runs", 200, "runs per scenario (200 gives about ±3% at a 95% share)")
	flag.Uint64Var(&opt.seed, "seed", 1, "seed of the simulation")
	flag.IntVar(&opt.workers, "j", runtime.NumCPU(), "judges run at once")
	flag.StringVar(&opt.only, "only", "", "only the scenarios whose name matches this regular expression")
	flag.BoolVar(&opt.verbose, "v", false, "also print the share of flagged metrics and the critical metric's median block length")
	flag.BoolVar(&opt.strict, "strict", false, "exit 1 when a scenario misses its target")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	missed, err := run(ctx, opt, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validity:", err)
		os.Exit(2)
	}
	if missed > 0 && opt.strict {
		os.Exit(1)
	}
}

type options struct {
	bin             string
	runs, workers   int
	seed            uint64
	only            string
	verbose, strict bool
}

// run prints the benchmark's table to stdout and returns how many scenarios missed their target.
func run(ctx context.Context, opt options, stdout, stderr io.Writer) (int, error) {
	if opt.runs < 1 {
		return 0, fmt.Errorf("-runs %d: want at least 1", opt.runs)
	}
	re, err := regexp.Compile(opt.only)
	if err != nil {
		return 0, fmt.Errorf("-only: %w", err)
	}
	if _, err := os.Stat(opt.bin); err != nil {
		return 0, fmt.Errorf("-bin: %w (make build writes bin/verdict)", err)
	}
	dir, err := os.MkdirTemp("", "verdict-validity-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	b := sim.Bench{Bin: opt.bin, Dir: dir, Runs: opt.runs, Seed: opt.seed, Workers: opt.workers}

	scenarios, err := probeBinary(ctx, opt, &b, dir, stdout)
	if err != nil {
		return 0, err
	}
	header := "| scenario | data | target | default: promote / inconclusive / abort | revision 1: promote / inconclusive / abort |"
	rule := "|---|---|---|---|---|"
	if opt.verbose {
		header += " flagged metrics (default / rev. 1) | block length |"
		rule += "---|---|"
	}
	fmt.Fprintf(stdout, "%s\n%s\n", header, rule)
	missed, errored := 0, 0
	for _, sc := range scenarios {
		if !re.MatchString(sc.Name) {
			continue
		}
		t0 := time.Now()
		res, err := b.Run(ctx, sc)
		if err != nil {
			return missed, err
		}
		mark := ""
		if sc.Target.Set() {
			mark = " ✓"
			if !sc.Target.Met(res.Default) {
				mark = " ✗"
				missed++
			}
		}
		line := fmt.Sprintf("| %s | %s | %s | %s%s | %s |", sc.Name, sc.Describe(), sc.Target.TargetText(),
			shares(res.Default), mark, shares(res.Rev1))
		if opt.verbose {
			line += fmt.Sprintf(" %.1f%% / %.1f%% | %s |", 100*res.Default.FlaggedMetric, 100*res.Rev1.FlaggedMetric, blockLength(res.Default.BlockLength))
		}
		fmt.Fprintln(stdout, line)
		if res.Default.Error > 0 || res.Rev1.Error > 0 {
			errored++
			fmt.Fprintf(stderr, "validity: %s: %.1f%% / %.1f%% of runs judged error\n", sc.Name, 100*res.Default.Error, 100*res.Rev1.Error)
		}
		fmt.Fprintf(stderr, "validity: %s: %d runs in %s\n", sc.Name, opt.runs, time.Since(t0).Round(time.Millisecond))
	}
	if missed > 0 {
		fmt.Fprintf(stdout, "\n%d scenario(s) miss their target (✗)\n", missed)
	}
	if errored > 0 {
		return missed, fmt.Errorf("%d scenario(s) had runs judged error", errored)
	}
	return missed, nil
}

// probeBinary finds out what the binary can judge (revision 2's keys,
// kind: ratio), prints the benchmark's first line and a note for what it
// cannot, and returns the scenarios it can run.
func probeBinary(ctx context.Context, opt options, b *sim.Bench, dir string, stdout io.Writer) ([]sim.Scenario, error) {
	probe := sim.Scenarios()[0]
	probe.Metrics = 1
	rev1 := sim.Config(probe, true, true)
	var whyRev1 string
	var err error
	if b.Rev1Keys, whyRev1, err = sim.Supports(ctx, opt.bin, dir+"/probe", probe, rev1); err != nil {
		return nil, err
	}
	scenarios := sim.Scenarios()
	cs := sim.CountScenarios()[0]
	counts, whyCounts, err := sim.Supports(ctx, opt.bin, dir+"/probe", cs, sim.Config(cs, false, b.Rev1Keys))
	if err != nil {
		return nil, err
	}
	if counts {
		scenarios = append(scenarios, sim.CountScenarios()...)
	}
	fmt.Fprintf(stdout, "verdict validity benchmark: %d runs per scenario, seed %d, 1 h at 15 s, binary %s\n\n", opt.runs, opt.seed, opt.bin)
	if !b.Rev1Keys {
		fmt.Fprintf(stdout, "note: this binary refuses test:/multiple_testing:/margin_test: (%s): both columns are revision 1's test\n", whyRev1)
	}
	if !counts {
		fmt.Fprintf(stdout, "note: this binary cannot judge kind: ratio (%s): count scenarios left out\n", whyCounts)
	}
	return scenarios, nil
}

func shares(s sim.Shares) string {
	return strings.Join([]string{pct(s.Promote), pct(s.Inconclusive), pct(s.Abort)}, " / ")
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func blockLength(l int) string {
	if l == 0 {
		return "–"
	}
	return fmt.Sprint(l)
}
