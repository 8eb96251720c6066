package judge

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
)

// BenchmarkJudgePaired is one series metric of 24 h at 15 s (5,760 points
// a side, iid, margins both ways) through the default rules: the paired
// test's interval (analysis.SignedRankCI) is most of its cost.
func BenchmarkJudgePaired(b *testing.B) {
	cfg, d := pairedMetric()
	loopCPU(b, func() { Judge(cfg, []Data{d}) })
}

// BenchmarkJudgePairedNoCharts is BenchmarkJudgePaired without charts, as
// `verdict judge --output json` judges (RunOptions.NoCharts).
func BenchmarkJudgePairedNoCharts(b *testing.B) {
	cfg, d := pairedMetric()
	env := NewEnv(cfg, false)
	loopCPU(b, func() { JudgeEnv(cfg, []Data{d}, env) })
}

// pairedMetric is BenchmarkJudgePaired's metric and its data.
func pairedMetric() (*config.Config, Data) {
	n := 5760
	d := Data{Baseline: onSteps("b", 15*time.Second, noisy(1, n, 100, 0.1)), Canary: onSteps("c", 15*time.Second, noisy(2, n, 105, 0.1))}
	cfg := rev2(n, config.Metric{Name: "m", AllowedIncrease: pctMargin(0.1), AllowedDecrease: pctMargin(0.1)})
	cfg.Window.Step = 15 * time.Second
	cfg.Window.End = t0.Add(time.Duration(n-1) * 15 * time.Second)
	return cfg, d
}

// loopCPU runs f b.N times and reports the process's CPU time per run
// (cpu-ns/op) besides the wall time: on a shared machine the CPU time is
// the steadier figure.
func loopCPU(b *testing.B, f func()) {
	cpu0 := cpuNanos()
	for b.Loop() {
		f()
	}
	if cpu := cpuNanos() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkJudgeLoad is the judge phase of `make bench-load` alone, in
// memory, after the fetch: 1,000 metrics over 1 h at 15 s (241 steps), of
// the same sample count per kind. A series metric has two series a side
// (2 × 241 points); a ratio metric has one numerator and one denominator
// series a side (1 + 1 series of 241 points). The target (issue 14): ratio
// within 10% of series.
func BenchmarkJudgeLoad(b *testing.B) {
	const metrics, n = 1000, 241
	step := 15 * time.Second
	cfgFor := func(m config.Metric) *config.Config {
		ms := make([]config.Metric, metrics)
		for i := range ms {
			ms[i] = m
			ms[i].Name = "m" + strconv.Itoa(i)
		}
		cfg := rev2(n, ms...)
		cfg.Window.Step = step
		cfg.Window.End = t0.Add(time.Duration(n-1) * step)
		return cfg
	}
	counterOn := func(seed uint64, perStep func(k int, u float64) float64) []float64 {
		u := sample(seed, n, 1)
		out := make([]float64, n)
		v := 0.0
		for k := range out {
			if k > 0 {
				v += perStep(k, u[k])
			}
			out[k] = v
		}
		return out
	}
	data := func(kind string, i int) Data {
		s := uint64(8 * i)
		if kind == "series" {
			return Data{Baseline: onSteps("b", step, noisy(s+1, n, 100, 0.1), noisy(s+2, n, 100, 0.1)),
				Canary: onSteps("c", step, noisy(s+3, n, 100, 0.1), noisy(s+4, n, 100, 0.1))}
		}
		req := func(_ int, u float64) float64 { return math.Floor(90 + 30*u) }
		errs := func(_ int, u float64) float64 { return b2f(u < 0.25) }
		return Data{Parts: []PartData{
			{Name: PartNumerator, Baseline: onSteps("b", step, counterOn(s+1, errs)), Canary: onSteps("c", step, counterOn(s+2, errs))},
			{Name: PartDenominator, Baseline: onSteps("b", step, counterOn(s+3, req)), Canary: onSteps("c", step, counterOn(s+4, req))},
		}}
	}
	for _, kind := range []string{"series", "ratio"} {
		m := config.Metric{FailOn: config.Increase, AllowedIncrease: pctMargin(0.1)}
		if kind == "ratio" {
			m.Kind, m.Numerator, m.Denominator = config.KindRatio, "e{ {{ .Scope }} }", "r{ {{ .Scope }} }"
		}
		cfg := cfgFor(m)
		ds := make([]Data, metrics)
		for i := range ds {
			ds[i] = data(kind, i)
		}
		env := NewEnv(cfg, false)
		for _, m := range JudgeEnv(cfg, ds, env).Metrics {
			if m.Classification == Failed || m.Classification == NoData || m.Classification == Missing {
				b.Fatalf("%s %s: %s (%s)", kind, m.Name, m.Classification, m.Reason)
			}
		}
		b.Run(kind, func(b *testing.B) {
			loopCPU(b, func() { JudgeEnv(cfg, ds, env) })
		})
	}
}

// BenchmarkSeriesPrep is the judge's own preparation of one series metric
// of 5,760 points a side (BenchmarkJudgePaired's) without the statistics:
// both sides' values to test (side), their steps on the grid (placed), the
// coverage and the paired test's differences, block length and blocks
// (seriesTest); fast is the judge's, plain the plain way it replaced
// (prep_plain_test.go), side by side.
func BenchmarkSeriesPrep(b *testing.B) {
	cfg, d := pairedMetric()
	env := NewEnv(cfg, false)
	m := cfg.Metrics[0]
	g := newGrid(env)
	keep := keepValue(false, math.Inf(-1), math.Inf(1))
	b.Run("fast", func(b *testing.B) {
		loopCPU(b, func() {
			bd, cd := readSides(m, d, env, g, true)
			placeSides(&bd, &cd, d, g, 0, outlierFences(m, bd.values, cd.values), true)
			_, pairs := coverageOf(bd.steps, cd.steps, g)
			_, _, buf := seriesTest(m, bd.steps, cd.steps, pairs, env, nil)
			putValues(buf)
			bd.release()
			cd.release()
		})
	})
	b.Run("plain", func(b *testing.B) {
		loopCPU(b, func() {
			plainSide(d.Baseline, analysis.NaNRemove)
			plainSide(d.Canary, analysis.NaNRemove)
			bs := plainPlaced(d.Baseline, g, 0, keep, true)
			cs := plainPlaced(d.Canary, g, 0, keep, true)
			plainCoverage(bs, cs, g)
			plainSeriesTest(m, bs, cs, env)
		})
	})
}

// BenchmarkLabelKey is labelKey against fmt's way (plainLabelKey) on a
// series' labels as bench-prom's queries return them.
func BenchmarkLabelKey(b *testing.B) {
	l := map[string]string{"__name__": "bench_metric_042", "instance": "bench:9090", "job": "bench", "version": "v1"}
	b.Run("fast", func(b *testing.B) { loopCPU(b, func() { labelKey(l) }) })
	b.Run("fmt", func(b *testing.B) { loopCPU(b, func() { plainLabelKey(l) }) })
}
