package judge

import (
	"fmt"
	"math"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
)

// The classification rules of SPEC §4, written once for every kind and test.

// pending is one metric judged as far as it can be on its own: decided
// (error, missing, a bound, nodata), or tested and waiting for the run-level
// step (Holm) to be classified.
type pending struct {
	m      config.Metric
	out    Metric
	dirs   []Direction
	res    *Result // nil when decided without a test
	change *float64
}

// judgeMetric prepares one metric with its kind and applies the rules that
// need no other metric, in SPEC §4's order: error, missing, (the series
// ±Inf rule), a broken bound, nodata; otherwise it runs the metric's test
// in each tested direction.
func judgeMetric(m config.Metric, d Data, env Env) pending {
	p := Prepare(m, d, env)
	if p.Release != nil {
		defer p.Release()
	}
	if env.TestFor != nil && p.Test != nil {
		if t := env.TestFor(m, p); t != nil {
			p.Test = t
		}
	}
	out := p.Out
	out.Name, out.Group, out.Critical, out.MustHaveData, out.Line = m.Name, m.Group, m.Critical, m.MustHaveData, m.Line
	out.Kind = m.Kind
	if out.Kind == "" {
		out.Kind = config.KindSeries
	}
	if out.Group == "" {
		out.Group = config.DefaultGroup
	}
	decided := func(c Classification, reason string) pending {
		out.Classification, out.Reason = c, reason
		return pending{m: m, out: out}
	}
	cov := p.Coverage
	switch {
	case len(d.failed()) > 0:
		return decided(Failed, errorReason(m.Name, d))
	case p.Problem != "":
		return decided(Failed, p.Problem)
	case env.Coverage > 0 && cov.Baseline > 0 && cov.Share() < env.Coverage:
		return decided(Missing, missingReason(m, cov, env))
	case p.Early != nil:
		return decided(p.Early.Class, p.Early.Reason)
	case p.Level != nil && boundBroken(m, *p.Level, p.LevelName) != nil:
		b := boundBroken(m, *p.Level, p.LevelName)
		return decided(b.Class, b.Reason)
	case p.NoData != "":
		return decided(NoData, p.NoData)
	case p.Test == nil:
		return decided(Failed, m.Name+": no test could be prepared for the data")
	}
	dirs := directions(m, p.Margin)
	res := p.Test.Run(dirs)
	fig := res.Figures
	out.Test = &fig
	switch {
	case res.Err != nil:
		return decided(Failed, fmt.Sprintf("%s: %v", m.Name, res.Err))
	case res.NoData != "":
		return decided(NoData, res.NoData)
	case len(res.Evidence) != len(dirs):
		return decided(Failed, fmt.Sprintf("%s: the %s test gave %d results for %d directions", m.Name, fig.Name, len(res.Evidence), len(dirs)))
	}
	return pending{m: m, out: out, dirs: dirs, res: &res, change: p.Change}
}

// directions are the directions m fails in, with their margins in the test's units.
func directions(m config.Metric, margin func(config.Margin) float64) []Direction {
	if margin == nil {
		margin = func(mg config.Margin) float64 { return mg.Value }
	}
	inc, dec := m.Directions()
	var out []Direction
	if inc {
		out = append(out, Direction{Up: true, Margin: m.AllowedIncrease, Delta: margin(m.AllowedIncrease)})
	}
	if dec {
		out = append(out, Direction{Up: false, Margin: m.AllowedDecrease, Delta: margin(m.AllowedDecrease)})
	}
	return out
}

// boundBroken is the high or low a canary level beyond max or min makes, or nil.
func boundBroken(m config.Metric, level float64, name string) *Decision {
	switch {
	case m.Max != nil && level > *m.Max:
		return &Decision{High, fmt.Sprintf("%s: the canary's %s %s is above the maximum %s", m.Name, name, num(level), num(*m.Max))}
	case m.Min != nil && level < *m.Min:
		return &Decision{Low, fmt.Sprintf("%s: the canary's %s %s is below the minimum %s", m.Name, name, num(level), num(*m.Min))}
	}
	return nil
}

// classifyRun is the run-level step: every inferiority p-value of the run
// (one per tested metric and direction) is adjusted with Holm's method
// (multiple_testing: holm) before it is compared with α; then each tested
// metric is high/low, inconclusive (a margin not shown, with margin_test:
// non-inferiority) or pass.
func classifyRun(cfg *config.Config, results []pending) []Metric {
	alpha := (1 - cfg.Confidence) / 2
	var ps []float64
	for _, r := range results {
		if r.res != nil {
			for _, ev := range r.res.Evidence {
				ps = append(ps, pOrOne(ev.P))
			}
		}
	}
	adj := ps
	if cfg.MultipleTesting == config.Holm {
		adj = analysis.Holm(ps)
	}
	out := make([]Metric, len(results))
	next := 0
	for i, r := range results {
		if r.res == nil {
			out[i] = r.out
			continue
		}
		n := len(r.res.Evidence)
		out[i] = classifyTested(cfg, r, adj[next:next+n], alpha)
		next += n
	}
	return out
}

// pOrOne is p, or 1 where R has no finite answer (the rule of the row still decides).
func pOrOne(p float64) float64 {
	if math.IsNaN(p) {
		return 1
	}
	return p
}

// classifyTested classifies a tested metric from its adjusted p-values.
func classifyTested(cfg *config.Config, r pending, adj []float64, alpha float64) Metric {
	out, ev, dirs := r.out, r.res.Evidence, r.dirs
	out.Change = r.change
	fail, smallest := -1, 0
	for j := range ev {
		if adj[j] < alpha && (fail < 0 || adj[j] < adj[fail]) {
			fail = j
		}
		if pOrOne(ev[j].P) < pOrOne(ev[smallest].P) {
			smallest = j
		}
	}
	shown := -1 // the direction with a margin whose non-inferiority is least shown
	for j, d := range dirs {
		if d.Delta > 0 && (shown < 0 || pOrOne(ev[j].NonInfP) > pOrOne(ev[shown].NonInfP)) {
			shown = j
		}
	}
	t := *out.Test
	at := smallest
	if fail >= 0 {
		at = fail
	}
	t.PValue, t.AdjustedPValue = finite(ev[at].P), finite(adj[at])
	if shown >= 0 {
		t.NonInferiorityPValue = finite(ev[shown].NonInfP)
	}
	out.Test = &t
	switch {
	case fail >= 0:
		out.Classification = dirs[fail].Class()
		out.Reason = shiftReason(r.m, out, r.res, dirs[fail], ev[fail].P, adj[fail], alpha)
	case cfg.MarginTest == config.NonInferiority && shown >= 0 && !(pOrOne(ev[shown].NonInfP) < alpha):
		out.Classification = MetricInconclusive
		out.Reason = notShownReason(r.m, out, r.res, dirs[shown], cfg.Confidence)
	default:
		out.Classification = Pass
		out.Reason = passReason(r.m, out, r.res, cfg, dirs, shown, alpha)
	}
	return out
}

// finite is &v, or nil (JSON null) when v is NaN or infinite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

var nan = math.NaN()

// missingReason says how much of the baseline's timestamps the canary covers.
func missingReason(m config.Metric, c Coverage, env Env) string {
	crit := ""
	if m.Critical {
		crit = " (critical)"
	}
	if c.Covered == 0 {
		return fmt.Sprintf("%s: the canary returned no points while the baseline has %d timestamps: the canary is missing (not running, crashed or not scraped)%s",
			m.Name, c.Baseline, crit)
	}
	return fmt.Sprintf("%s: the canary's points cover %d of the baseline's %d timestamps (%s, less than the %s coverage required; the first it misses is %s): the canary is missing data, as when it crashed%s",
		m.Name, c.Covered, c.Baseline, pct(c.Share()), pct(env.Coverage), c.FirstGap.Format(time.RFC3339), crit)
}
