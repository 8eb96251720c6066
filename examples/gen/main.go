// Command gen writes the example recordings: a checkout service's baseline
// (three pods) and canary (one pod) over one hour at 30 s, from a seeded
// generator so the files are the same on every run.
//
//	go run ./examples/gen -c examples/checkout/canary.yaml -scenario regress
//	go run ./examples/gen -c examples/checkout-promote/canary.yaml -scenario healthy
//	go run ./examples/gen -bench 100 -dir /tmp/bench   # the judge benchmark's input
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// shape describes one metric's generated values.
type shape struct {
	base     float64 // typical value
	noise    float64 // relative lognormal noise
	canary   float64 // canary multiplier in the regress scenario
	zeroProb float64 // probability of an exact 0 (error ratios)
}

var shapes = map[string]shape{
	"latency_p50":  {base: 0.080, noise: 0.06, canary: 1.03},
	"latency_p99":  {base: 0.420, noise: 0.08, canary: 1.25},
	"cpu_cores":    {base: 0.45, noise: 0.07, canary: 1.02},
	"memory_bytes": {base: 512 << 20, noise: 0.02, canary: 1.01},
}

func main() {
	path := flag.String("c", "examples/checkout/canary.yaml", "config whose metrics to record")
	scenario := flag.String("scenario", "regress", "regress (the canary's p99 is 25% slower) or healthy")
	bench := flag.Int("bench", 0, "instead: write a benchmark config and recording of this many metrics (24 h at 15 s) into -dir")
	dir := flag.String("dir", "", "output directory for -bench")
	flag.Parse()
	if *bench > 0 {
		if err := genBench(*dir, *bench); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := gen(*path, *scenario); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func gen(path, scenario string) error {
	// The config must name an existing recording; make sure there is one to overwrite.
	if err := touchRecording(path); err != nil {
		return err
	}
	cfg, err := config.Load(path, config.Options{})
	if err != nil {
		return err
	}
	if cfg.Source.Recording == "" {
		return fmt.Errorf("%s: source.recording is not set", path)
	}
	start, end, step := cfg.Window.Start, cfg.Window.End, cfg.Window.Step
	rec := &metrics.Recording{
		Version: metrics.RecordingVersion,
		Window:  metrics.RecordedWindow{Start: start, End: end, Step: metrics.Duration(step)},
	}
	rng := rand.New(rand.NewPCG(42, uint64(len(scenario))))
	for _, m := range cfg.Metrics {
		if m.Kind == config.KindRatio {
			if err := genRatio(rec, cfg, m, rng); err != nil {
				return err
			}
			continue
		}
		sh, ok := shapes[m.Name]
		if !ok {
			return fmt.Errorf("no shape for metric %q", m.Name)
		}
		for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
			scope, pods, mult := cfg.Baseline.Scope, []string{"checkout-7d9f-a", "checkout-7d9f-b", "checkout-7d9f-c"}, 1.0
			if side == metrics.Canary {
				scope, pods = cfg.Canary.Scope, []string{"checkout-5c2e-a"}
				if scenario == "regress" {
					mult = sh.canary
				}
			}
			expr, err := metrics.Expand(m.Query, scope, step)
			if err != nil {
				return err
			}
			var res metrics.Result
			for _, pod := range pods {
				s := metrics.Series{Labels: map[string]string{"pod": pod}}
				for t := start; !t.After(end); t = t.Add(step) {
					s.Points = append(s.Points, metrics.Point{T: t, V: value(rng, sh, mult, t.Sub(start))})
				}
				res.Series = append(res.Series, s)
			}
			rec.Put(metrics.Query{Metric: m.Name, Side: side, Expr: expr, Start: start, End: end, Step: step}, res, nil)
		}
	}
	return writeRecording(filepath.Join(filepath.Dir(path), filepath.Base(cfg.Source.Recording)), rec)
}

// Request counters of the ratio metric: each pod serves about reqPerSec
// requests a second and fails errRate of them (5xx), the same on both sides
// and in both scenarios: the demo's errors are healthy.
const (
	reqPerSec = 20
	errRate   = 0.002
)

// genRatio records a kind: ratio metric as Prometheus would return its
// counters: http_requests_total{pod, code} per pod for code 200 and 500,
// cumulative since the pod started (a large starting value), at every
// step. The numerator's query returns the 5xx series, the denominator's all of them.
func genRatio(rec *metrics.Recording, cfg *config.Config, m config.Metric, rng *rand.Rand) error {
	start, end, step := cfg.Window.Start, cfg.Window.End, cfg.Window.Step
	for _, side := range []metrics.Side{metrics.Baseline, metrics.Canary} {
		scope, pods := cfg.Baseline.Scope, []string{"checkout-7d9f-a", "checkout-7d9f-b", "checkout-7d9f-c"}
		if side == metrics.Canary {
			scope, pods = cfg.Canary.Scope, []string{"checkout-5c2e-a"}
		}
		var num, den metrics.Result
		for _, pod := range pods {
			ok := metrics.Series{Labels: map[string]string{"pod": pod, "code": "200"}}
			bad := metrics.Series{Labels: map[string]string{"pod": pod, "code": "500"}}
			served, failed := math.Round(5e4+1e4*rng.Float64()), math.Round(100*rng.Float64())
			for t := start; !t.After(end); t = t.Add(step) {
				if t.After(start) {
					n := distuv.Poisson{Lambda: reqPerSec * step.Seconds(), Src: rng}.Rand()
					e := distuv.Binomial{N: n, P: errRate, Src: rng}.Rand()
					served, failed = served+n-e, failed+e
				}
				ok.Points = append(ok.Points, metrics.Point{T: t, V: served})
				bad.Points = append(bad.Points, metrics.Point{T: t, V: failed})
			}
			num.Series = append(num.Series, bad)
			den.Series = append(den.Series, ok, bad)
		}
		for _, part := range []struct {
			name, query string
			res         metrics.Result
		}{{"numerator", m.Numerator, num}, {"denominator", m.Denominator, den}} {
			expr, err := metrics.Expand(part.query, scope, step)
			if err != nil {
				return err
			}
			rec.Put(metrics.Query{Metric: m.Name, Part: part.name, Side: side, Expr: expr, Start: start, End: end, Step: step}, part.res, nil)
		}
	}
	return nil
}

// writeRecording writes rec to path.
func writeRecording(path string, rec *metrics.Recording) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rec.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// value draws one sample: a slow 20-minute wave plus lognormal noise, rounded
// to what an exporter would report.
func value(rng *rand.Rand, sh shape, mult float64, since time.Duration) float64 {
	if sh.zeroProb > 0 && rng.Float64() < sh.zeroProb {
		return 0
	}
	wave := 1 + 0.03*math.Sin(2*math.Pi*since.Minutes()/20)
	v := sh.base * mult * wave * math.Exp(sh.noise*rng.NormFloat64())
	return math.Round(v*1e6) / 1e6
}

// touchRecording creates an empty recording.json beside the config when missing.
func touchRecording(path string) error {
	p := filepath.Join(filepath.Dir(path), "recording.json")
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	return os.WriteFile(p, nil, 0o644)
}
