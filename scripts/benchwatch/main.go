// Command benchwatch simulates watched rollouts end to end (make bench-watch):
// 30-minute rollouts at 15 s points, a latency series and an error ratio
// metric, both critical, no margins, checked every minute. For A/A and
// regressed canaries it prints how often `verdict watch` (judge.Watch, in
// replay) promotes, ends inconclusive and aborts, and when it aborts, beside
// a naive loop that runs the fixed-horizon judge every minute over the
// growing window and stops at its first abort.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/rollout"
	"github.com/verdict-ci/verdict/judge"
)

var start = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

type scenario struct {
	name string
	spec rollout.Spec
}

// outcome is one rollout's end: its verdict and, for an abort, the minute.
type outcome struct {
	verdict judge.Verdict
	minute  float64
}

func main() {
	runs := flag.Int("runs", 200, "rollouts per scenario")
	naive := flag.Bool("naive", true, "also run the naive repeated fixed-horizon judge")
	flag.Parse()
	dir, err := os.MkdirTemp("", "benchwatch")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(path, []byte(rollout.ConfigYAML(rollout.Config{Start: start})), 0o600); err != nil {
		fail(err)
	}
	cfg, err := config.Load(path, config.Options{Now: func() time.Time { return start.Add(time.Hour) }})
	if err != nil {
		fail(err)
	}
	scenarios := []scenario{
		{"A/A, latency iid, 20 req/s", rollout.Spec{RPS: 20}},
		{"A/A, latency AR(1) φ=0.5, 20 req/s", rollout.Spec{Phi: 0.5, RPS: 20}},
		{"A/A, latency AR(1) φ=0.8, 100 req/s", rollout.Spec{Phi: 0.8, RPS: 100}},
		{"A/A, φ=0.8, 15 min of history", rollout.Spec{Phi: 0.8, RPS: 100, History: 15 * time.Minute}},
		{"latency +20% (φ=0.5)", rollout.Spec{Phi: 0.5, Lift: 1.2, RPS: 20}},
		{"latency +20% (iid)", rollout.Spec{Lift: 1.2, RPS: 20}},
		{"errors 2×, 20 req/s", rollout.Spec{Phi: 0.5, ErrLift: 2, RPS: 20}},
		{"errors 2×, 100 req/s", rollout.Spec{Phi: 0.5, ErrLift: 2, RPS: 100}},
		{"errors 2×, 5 req/s", rollout.Spec{Phi: 0.5, ErrLift: 2, RPS: 5}},
	}
	fmt.Printf("%d rollouts per scenario: 30 min at 15 s, checked every minute; latency (log-noise sd 0.1) and errors (0.5%%), both critical, confidence 0.98\n\n", *runs)
	fmt.Printf("%-38s  %-44s  %s\n", "scenario", "verdict watch (sequential)", "naive: fixed-horizon judge every minute")
	for _, sc := range scenarios {
		w := make([]outcome, *runs)
		n := make([]outcome, *runs)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i := range *runs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				spec := sc.spec
				spec.Start, spec.Seed = start, uint64(1000+i)
				w[i] = watchOnce(cfg, spec)
				if *naive {
					n[i] = naiveOnce(cfg, spec)
				}
			}()
		}
		wg.Wait()
		line := fmt.Sprintf("%-38s  %-44s", sc.name, summary(w))
		if *naive {
			line += "  " + summary(n)
		}
		fmt.Println(line)
	}
}

func watchOnce(cfg *config.Config, spec rollout.Spec) outcome {
	src := rollout.New(spec)
	far := start.Add(24 * time.Hour)
	rep, err := judge.Watch(context.Background(), cfg, src, judge.WatchOptions{
		Start: start, NoCharts: true, Concurrency: 4,
		Now:   func() time.Time { return far },
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		fail(err)
	}
	o := outcome{verdict: rep.Verdict}
	if rep.Verdict == judge.Abort {
		at, _ := time.Parse(time.RFC3339, rep.Watch.StoppedAt)
		o.minute = at.Sub(start).Minutes()
	}
	return o
}

// naiveOnce judges [start, start+k min] for k = 1..30 with the fixed-horizon
// judge and stops at the first abort; else the last judge's verdict.
func naiveOnce(cfg *config.Config, spec rollout.Spec) outcome {
	src := rollout.New(spec)
	var last judge.Verdict
	for k := 1; k <= 30; k++ {
		c := *cfg
		c.Window.Start, c.Window.End = start, start.Add(time.Duration(k)*time.Minute)
		rep, err := judge.Run(context.Background(), &c, src, judge.RunOptions{Concurrency: 4, NoCharts: true})
		if err != nil {
			fail(err)
		}
		if rep.Verdict == judge.Abort {
			return outcome{judge.Abort, float64(k)}
		}
		last = rep.Verdict
	}
	return outcome{verdict: last}
}

func summary(os []outcome) string {
	var promote, abort, other int
	var minutes []float64
	for _, o := range os {
		switch o.verdict {
		case judge.Promote:
			promote++
		case judge.Abort:
			abort++
			minutes = append(minutes, o.minute)
		default:
			other++
		}
	}
	n := float64(len(os))
	med := "-"
	if len(minutes) > 0 {
		sort.Float64s(minutes)
		med = fmt.Sprintf("%.0f min", minutes[len(minutes)/2])
	}
	s := fmt.Sprintf("promote %5.1f%%  abort %5.1f%% (median %s)", 100*float64(promote)/n, 100*float64(abort)/n, med)
	if other > 0 {
		s += fmt.Sprintf("  other %.1f%%", 100*float64(other)/n)
	}
	return strings.TrimSpace(s)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchwatch:", err)
	os.Exit(1)
}
