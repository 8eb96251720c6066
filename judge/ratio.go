package judge

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

func init() { register(config.KindRatio, ratioKind{}) }

// The parts of a ratio metric (metrics.Query.Part).
const (
	PartNumerator   = "numerator"
	PartDenominator = "denominator"
)

// ratioKind is `kind: ratio`: events (the numerator) per exposure (the
// denominator), both counters. Each returned series' increase over the
// window is taken (analysis.CounterIncrease's rule), summed per side, and
// the rate ratio is tested with R's poisson.test (SPEC §4's poisson row).
type ratioKind struct{}

func (ratioKind) Parts(m config.Metric) []Part {
	return []Part{{Name: PartNumerator, Query: m.Numerator}, {Name: PartDenominator, Query: m.Denominator}}
}

// Prepare counts each side's events and total over the window's steps,
// takes coverage from the denominators, and prepares the poisson test. It
// costs one pass over the fetched points plus O(steps) per side.
func (ratioKind) Prepare(m config.Metric, d Data, env Env) *Prepared {
	nu, de := d.Part(PartNumerator), d.Part(PartDenominator)
	p := &Prepared{LevelName: "rate", Release: func() {}}
	out := &p.Out
	out.Baseline = ratioSide(nu.Baseline, de.Baseline)
	out.Canary = ratioSide(nu.Canary, de.Canary)
	out.Warnings = ratioWarnings(nu, de)
	p.Margin = func(mg config.Margin) float64 { return mg.Value } // on the rate ratio: 10% → 0.1
	for _, f := range []Fetched{nu.Baseline, nu.Canary, de.Baseline, de.Canary} {
		if f.Err != nil {
			return p
		}
	}
	if env.Concurrent {
		for _, part := range []PartData{nu, de} {
			if o := overlap(part.Baseline.Result, part.Canary.Result); o != "" {
				p.Problem = overlapReason(m.Name, o)
				return p
			}
		}
	}
	g := newGrid(env)
	b, bErr := countSide(nu.Baseline.Result, de.Baseline.Result, g, env.Offset)
	c, cErr := countSide(nu.Canary.Result, de.Canary.Result, g, 0)
	for _, e := range []struct {
		side string
		err  error
	}{{"baseline", bErr}, {"canary", cErr}} {
		if e.err != nil {
			p.Problem = fmt.Sprintf("%s: the %s's %v", m.Name, e.side, e.err)
			return p
		}
	}
	p.Coverage, _ = coverageOf(b.present, c.present, g)
	out.Counts = &Counts{Baseline: b.count(), Canary: c.count()}
	if env.Charts {
		out.Baseline.SetChart([]metrics.Series{{Points: b.ratePoints(g, -env.Offset)}})
		out.Canary.SetChart([]metrics.Series{{Points: c.ratePoints(g, 0)}})
	}
	if c.total > 0 {
		rate := c.events / c.total
		p.Level = &rate
	}
	if nd := ratioNoData(b.total, c.total); nd != "" {
		p.NoData = m.Name + ": " + nd
		if m.MustHaveData {
			p.NoData += "; must_have_data counts this as a failure"
		}
		return p
	}
	if rb := b.events / b.total; rb > 0 {
		ch := c.events/c.total/rb - 1
		p.Change = &ch
	}
	disp := analysis.CountDispersion(c.steps, b.steps)
	if disp.Bursty {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"events come in bursts: per-step counts vary %s times as much as independent events would (dispersion, z = %s), so the exact p-value is too optimistic",
			num(disp.Index), num(disp.Z)))
	}
	p.Test = &poissonTest{name: m.Name, c: c.count(), b: b.count(), dispersion: disp, env: env}
	return p
}

// ratioNoData says which side had no traffic, or "" when both had some.
func ratioNoData(b, c float64) string {
	switch {
	case b == 0 && c == 0:
		return "no traffic on either side (neither denominator increased over the window)"
	case b == 0:
		return "no traffic on the baseline (its denominator did not increase over the window)"
	case c == 0:
		return "no traffic on the canary (its denominator did not increase over the window)"
	}
	return ""
}

// ratioSide is a ratio side's report entry: the numerator's query, the
// denominator's, and how many series and points the two returned.
func ratioSide(num, den Fetched) Side {
	s := Side{Query: num.Query, DenominatorQuery: den.Query}
	for _, f := range []Fetched{num, den} {
		if f.Err != nil && s.Error == "" {
			s.Error = f.Err.Error()
		}
		s.Series += len(f.Result.Series)
		for _, ser := range f.Result.Series {
			s.Count += len(ser.Points)
		}
	}
	return s
}

// ratioWarnings are the server warnings of the four queries, in order.
func ratioWarnings(nu, de PartData) []string {
	var out []string
	for _, q := range []struct {
		what string
		f    Fetched
	}{{"baseline numerator", nu.Baseline}, {"canary numerator", nu.Canary}, {"baseline denominator", de.Baseline}, {"canary denominator", de.Canary}} {
		for _, w := range q.f.Result.Warnings {
			out = append(out, q.what+" query: "+w)
		}
	}
	return out
}

// counted is one side of a ratio metric over the window's steps.
type counted struct {
	events, total float64
	steps         analysis.CountSteps
	present       steps // the denominator's steps, for coverage
}

func (c counted) count() Count {
	n := Count{Events: c.events, Total: c.total}
	if c.total > 0 {
		n.Rate = finite(c.events / c.total)
	}
	return n
}

// countSide sums the increases of every numerator series (events) and every
// denominator series (total) of one side, per step of g (points shifted by
// shift). A numerator without series is zero events. Counts that are not
// finite, negative, or (events) not whole are an error: kind: ratio wants
// counters of events, not rates or sums of durations.
func countSide(nu, de metrics.Result, g grid, shift time.Duration) (counted, error) {
	c := counted{steps: analysis.CountSteps{Events: make([]float64, g.n), Totals: make([]float64, g.n)}}
	c.present = steps{present: make([]bool, g.n)}
	c.events = addIncreases(c.steps.Events, nil, nu.Series, g, shift)
	c.total = addIncreases(c.steps.Totals, c.present.present, de.Series, g, shift)
	switch {
	case math.IsNaN(c.events) || math.IsInf(c.events, 0) || c.events < 0:
		return c, fmt.Errorf("numerator counted %s events: kind: ratio needs a counter (a value that only grows, or restarts from 0)", num(c.events))
	case math.Abs(c.events-math.Round(c.events)) > 1e-7:
		return c, fmt.Errorf("numerator counted %s events, not a whole number: kind: ratio needs a counter of events, not a rate or a sum", num(c.events))
	case math.IsNaN(c.total) || math.IsInf(c.total, 0) || c.total < 0:
		return c, fmt.Errorf("denominator counted a total of %s: kind: ratio needs a counter", num(c.total))
	}
	c.events = math.Round(c.events)
	return c, nil
}

// addIncreases adds each series' increase at each step to perStep (a
// point's increase over the series' previous non-NaN point, reset rule
// included), marks the steps with a point (NaN included) in present when
// it is not nil, and returns the total increase. A point off the grid still
// counts toward the total.
func addIncreases(perStep []float64, present []bool, series []metrics.Series, g grid, shift time.Duration) float64 {
	total := 0.0
	for _, ser := range series {
		prev, started := 0.0, false
		for _, pt := range ser.Points {
			k, on := g.at(pt.T, shift)
			if on && present != nil {
				present[k] = true
			}
			if math.IsNaN(pt.V) {
				continue
			}
			if started {
				inc := analysis.CounterDelta(prev, pt.V)
				total += inc
				if on {
					perStep[k] += inc
				}
			}
			prev, started = pt.V, true
		}
	}
	return total
}

// ratePoints are a side's per-step rates (events / total at steps with
// traffic), for charts, at the side's own times (shift back for the baseline).
func (c counted) ratePoints(g grid, shift time.Duration) []TimedValue {
	var out []TimedValue
	for k, n := range c.steps.Totals {
		if n > 0 {
			out = append(out, TimedValue{T: g.time(k).Add(shift), V: c.steps.Events[k] / n})
		}
	}
	return out
}

// poissonTest is SPEC §4's poisson row: R's poisson.test(c(x_c, x_b),
// T = c(n_c, n_b), r = 1 ± δ) in each direction, and the rate ratio's
// two-sided interval at the run's confidence.
type poissonTest struct {
	name       string
	c, b       Count
	dispersion analysis.Dispersion
	env        Env
}

func (t *poissonTest) Run(dirs []Direction) Result {
	xc, nc, xb, nb := t.c.Events, t.c.Total, t.b.Events, t.b.Total
	r := Result{
		Relative: func(v float64) (float64, bool) { return v - 1, true },
		Size:     fmt.Sprintf("%s of %s on the canary, %s of %s on the baseline", whole(xc), whole(nc), whole(xb), whole(nb)),
	}
	if t.dispersion.Bursty { // every reason names the counts: say there that they came in bursts
		r.Size += fmt.Sprintf(", in bursts (dispersion %s: this p-value is too optimistic)", num(t.dispersion.Index))
	}
	est, lo, hi, err := analysis.PoissonRatioCI(xc, nc, xb, nb, t.env.Confidence)
	if err != nil {
		r.Err = err
		return r
	}
	r.Figures = TestResult{Name: "poisson", Estimate: finite(est), CILow: finite(lo), CIHigh: finite(hi),
		Dispersion: finite(t.dispersion.Index), Method: analysis.MethodExact, confidence: t.env.Confidence}
	// fail_on increase: r = 1 + δ, "greater" (inferiority), "less"
	// (non-inferiority); a decrease mirrors it with r = 1 − δ.
	r.Evidence, r.Err = directionEvidence(dirs, true, func(ratio float64, alt analysis.Alternative) (float64, error) {
		return analysis.PoissonRatio(xc, nc, xb, nb, ratio, alt)
	})
	return r
}

// whole writes a count in full ("36060"), a non-whole total with num's digits.
func whole(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return num(v)
}
