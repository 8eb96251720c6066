package judge

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
)

// BenchmarkJudgePaired is one series metric of 24 h at 15 s (5,760 points
// a side, iid, margins both ways) through the default rules: the paired
// test's interval (analysis.SignedRankCI) is most of its cost.
func BenchmarkJudgePaired(b *testing.B) {
	n := 5760
	d := Data{Baseline: onSteps("b", 15*time.Second, noisy(1, n, 100, 0.1)), Canary: onSteps("c", 15*time.Second, noisy(2, n, 105, 0.1))}
	cfg := rev2(n, config.Metric{Name: "m", AllowedIncrease: pctMargin(0.1), AllowedDecrease: pctMargin(0.1)})
	cfg.Window.Step = 15 * time.Second
	cfg.Window.End = t0.Add(time.Duration(n-1) * 15 * time.Second)
	for b.Loop() {
		Judge(cfg, []Data{d})
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
			for b.Loop() {
				JudgeEnv(cfg, ds, env)
			}
		})
	}
}
