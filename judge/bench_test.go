package judge

import (
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
