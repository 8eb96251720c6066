package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// genBench writes dir/canary.yaml and dir/recording.json: n gauges, one series
// per side, 24 h at 15 s (5,760 points per series), for the judge benchmark.
func genBench(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	end := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	step := 15 * time.Second
	start := end.Add(-24 * time.Hour).Add(step) // 5,760 points, both ends inclusive
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "version: 1\nsource: {recording: recording.json}\nwindow: {start: %s, end: %s, step: 15s}\n",
		start.Format(time.RFC3339), end.Format(time.RFC3339))
	cfg.WriteString("baseline: {scope: 'version=\"v1\"'}\ncanary: {scope: 'version=\"v2\"'}\nmetrics:\n")
	rec := &metrics.Recording{Version: metrics.RecordingVersion,
		Window: metrics.RecordedWindow{Start: start, End: end, Step: metrics.Duration(step)}}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("bench_metric_%03d", i)
		query := name + "{ {{ .Scope }} }"
		fmt.Fprintf(&cfg, "  - {name: %s, query: '%s', fail_on: increase, allowed_increase: 10%%}\n", name, query)
		for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
			scope, mult := `version="v1"`, 1.0
			if side == metrics.Canary {
				scope = `version="v2"`
				if i%2 == 1 {
					mult = 1.05
				}
			}
			expr, err := metrics.Expand(query, scope, step)
			if err != nil {
				return err
			}
			s := metrics.Series{Labels: map[string]string{"__name__": name, "version": strings.Trim(scope[8:], `"`)}}
			for t := start; !t.After(end); t = t.Add(step) {
				v := math.Round(100*mult*math.Exp(0.1*rng.NormFloat64())*1e4) / 1e4
				s.Points = append(s.Points, metrics.Point{T: t, V: v})
			}
			rec.Put(metrics.Query{Metric: name, Side: side, Expr: expr, Start: start, End: end, Step: step},
				metrics.Result{Series: []metrics.Series{s}}, nil)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "canary.yaml"), []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	return writeRecording(filepath.Join(dir, "recording.json"), rec)
}
