// Command gen writes verdict's Prometheus test fixtures as OpenMetrics text
// (the input of promtool tsdb create-blocks-from openmetrics).
//
//	go run ./testdata/prom/gen > testdata/prom/fixture.om           # the standard fixture
//	go run ./testdata/prom/gen -bench 100 -hours 24 -step 15s > bench.om
//	go run ./testdata/prom/gen -bench 100 -kind ratio > bench.om     # counters for kind: ratio metrics
//	go run ./testdata/prom/gen -bench 100 -kind both -pods 2 > bench.om  # both, same sample count per metric
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
)

func main() {
	bench := flag.Int("bench", 0, "write the benchmark fixture with this many metrics (× 2 scopes) instead of the standard one")
	hours := flag.Float64("hours", 24, "benchmark window length in hours")
	step := flag.Duration("step", 15*time.Second, "benchmark sample interval")
	end := flag.String("end", "2024-01-02T00:00:00Z", "benchmark window end (RFC 3339)")
	kind := flag.String("kind", "series", "benchmark metric kind: series (gauges), ratio (request and error counters) or both")
	pods := flag.Int("pods", 1, "series (gauges) per series metric and version")
	flag.Parse()

	series := promtest.Fixture()
	if *bench > 0 {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: -end: %v\n", err)
			os.Exit(2)
		}
		dur := time.Duration(*hours * float64(time.Hour))
		if *pods < 1 {
			fmt.Fprintf(os.Stderr, "gen: -pods %d: want at least 1\n", *pods)
			os.Exit(2)
		}
		switch *kind {
		case "series":
			series = promtest.BenchFixturePods(*bench, *pods, t, dur, *step)
		case "ratio":
			series = promtest.BenchRatioFixture(*bench, t, dur, *step)
		case "both":
			series = append(promtest.BenchFixturePods(*bench, *pods, t, dur, *step), promtest.BenchRatioFixture(*bench, t, dur, *step)...)
		default:
			fmt.Fprintf(os.Stderr, "gen: -kind %q: want series, ratio or both\n", *kind)
			os.Exit(2)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	if err := promtest.WriteOpenMetrics(w, series); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}
