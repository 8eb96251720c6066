// Command benchq times the benchmark's range queries alone: the same 200
// queries `verdict judge` runs over the benchmark fixture (bench_metric_NNN,
// baseline version="v1", canary version="v2"), through the same client
// (metrics.NewPrometheus and FetchAll at the source's concurrency).
// scripts/bench-prom.sh compares its time with the whole judge's. It prints
// the median wall time of the runs and the median CPU time (user + system)
// they took in this process, in seconds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

func main() {
	url := flag.String("url", "", "Prometheus URL")
	n := flag.Int("metrics", 100, "number of bench_metric_NNN metrics")
	endText := flag.String("end", "2024-01-02T00:00:00Z", "window end (RFC 3339)")
	dur := flag.Duration("duration", 24*time.Hour, "window duration")
	step := flag.Duration("step", 15*time.Second, "query step")
	runs := flag.Int("runs", 5, "timed runs; the median is reported")
	flag.Parse()
	if err := run(*url, *n, *endText, *dur, *step, *runs); err != nil {
		fmt.Fprintf(os.Stderr, "benchq: %v\n", err)
		os.Exit(1)
	}
}

func run(url string, n int, endText string, dur, step time.Duration, runs int) error {
	end, err := time.Parse(time.RFC3339, endText)
	if err != nil {
		return fmt.Errorf("-end: %w", err)
	}
	p, err := metrics.NewPrometheus(config.Prometheus{URL: url})
	if err != nil {
		return err
	}
	var queries []metrics.Query
	for m := 0; m < n; m++ {
		for _, side := range []struct {
			side    metrics.Side
			version string
		}{{metrics.Baseline, "v1"}, {metrics.Canary, "v2"}} {
			queries = append(queries, metrics.Query{
				Metric: fmt.Sprintf("m%03d", m), Side: side.side,
				Expr:  fmt.Sprintf(`bench_metric_%03d{version=%q}`, m, side.version),
				Start: end.Add(-dur), End: end, Step: step,
			})
		}
	}
	var times, cpus []float64
	for r := 0; r < runs; r++ {
		t0, c0 := time.Now(), cpuTime()
		outs := metrics.FetchAll(context.Background(), p, queries, p.Concurrency())
		elapsed := time.Since(t0).Seconds()
		cpus = append(cpus, (cpuTime() - c0).Seconds())
		points := 0
		for i, o := range outs {
			if o.Err != nil {
				return o.Err
			}
			if len(o.Result.Series) != 1 {
				return fmt.Errorf("%s: %d series, want 1", queries[i].Expr, len(o.Result.Series))
			}
			points += len(o.Result.Series[0].Points)
		}
		times = append(times, elapsed)
		fmt.Fprintf(os.Stderr, "benchq: run %d: %d queries, %d points, %.3fs\n", r+1, len(queries), points, elapsed)
	}
	sort.Float64s(times)
	sort.Float64s(cpus)
	fmt.Printf("%.3f %.3f\n", times[len(times)/2], cpus[len(cpus)/2])
	return nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
