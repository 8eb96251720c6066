package judge

import (
	"fmt"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
)

// mannWhitneyTest is `test: mann-whitney`, revision 1's test: every point
// of both sides as independent samples, R's wilcox.test(c - δ, b) in each
// direction.
type mannWhitneyTest struct {
	name   string
	pair   *analysis.Pair
	mw     *MannWhitney
	nc, nb int
	env    Env
	rel    func(float64) (float64, bool)
}

func (t *mannWhitneyTest) Run(dirs []Direction) Result {
	mw := t.mw
	r := Result{
		Figures:  TestResult{Name: "mann-whitney", Estimate: finite(mw.Estimate), CILow: finite(mw.CILow), CIHigh: finite(mw.CIHigh), Method: mw.Method},
		Relative: t.rel,
		Size:     fmt.Sprintf("%d canary and %d baseline samples", t.nc, t.nb),
	}
	if minP := analysis.MinPValue(t.nc, t.nb); minP >= t.env.Alpha {
		r.NoData = fmt.Sprintf("%s: too few samples to detect a change at %s confidence (%d canary, %d baseline; the smallest reachable p-value %.3g is not below %.3g)",
			t.name, pct(t.env.Confidence), t.nc, t.nb, minP, t.env.Alpha)
		return r
	}
	r.Evidence, r.Err = pairEvidence(t.pair, dirs)
	return r
}

// pairEvidence runs the two-sample tests of SPEC §4 on a pair in each
// direction: for an increase wilcox.test(c - δ, b, "greater") (inferiority)
// and "less" (non-inferiority); a decrease mirrors it with c + δ.
func pairEvidence(pair *analysis.Pair, dirs []Direction) ([]Evidence, error) {
	return shiftEvidence(dirs, func(mu float64, alt analysis.Alternative) (float64, error) {
		res, err := pair.Test(mu, alt)
		return res.P, err
	})
}

// shiftEvidence runs a shift test in each tested direction (directionEvidence
// with the shift's nulls ±δ). test gives the p-value of the test with null
// shift mu and alternative alt.
func shiftEvidence(dirs []Direction, test func(mu float64, alt analysis.Alternative) (float64, error)) ([]Evidence, error) {
	return directionEvidence(dirs, false, test)
}

// directionEvidence runs a test in each tested direction: the inferiority
// form against the margin and, when δ > 0, the non-inferiority form (see
// Direction.hypotheses; ratio picks a rate ratio's nulls 1 ± δ over a
// shift's ±δ). test gives the p-value of the test with null null and
// alternative alt.
func directionEvidence(dirs []Direction, ratio bool, test func(null float64, alt analysis.Alternative) (float64, error)) ([]Evidence, error) {
	out := make([]Evidence, 0, len(dirs))
	for _, d := range dirs {
		null, inf, non := d.hypotheses(ratio)
		p, err := test(null, inf)
		if err != nil {
			return nil, marginErr(d.Margin, d.Delta, err)
		}
		ev := Evidence{P: p, NonInfP: nan}
		if d.Delta > 0 {
			if ev.NonInfP, err = test(null, non); err != nil {
				return nil, marginErr(d.Margin, d.Delta, err)
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

func marginErr(m config.Margin, delta float64, err error) error {
	return fmt.Errorf("the test against the allowed margin %s failed: %v", allowedText(m, delta), err)
}

// mannWhitney is the report's mannWhitney object from a comparison.
func mannWhitney(c analysis.Comparison, confidence float64) *MannWhitney {
	return &MannWhitney{
		U: c.U, PValue: c.P, Estimate: c.Estimate, CILow: c.CILow, CIHigh: c.CIHigh,
		Confidence: confidence, Method: c.Method,
	}
}
