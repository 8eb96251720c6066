package judge

import (
	"fmt"

	"github.com/verdict-ci/verdict/analysis"
)

// pairedTest is `test: paired` (and auto when the timestamps line up): the
// per-timestamp differences d_t averaged in blocks of L, R's one-sample
// wilcox.test(dbar - δ) in each direction.
type pairedTest struct {
	name  string
	dbar  []float64
	L     int
	pairs int
	env   Env
	rel   func(float64) (float64, bool)
}

func (t *pairedTest) Run(dirs []Direction) Result {
	n := len(t.dbar)
	r := Result{
		Figures:  TestResult{Name: "paired", BlockLength: t.L, Blocks: n, Pairs: t.pairs},
		Relative: t.rel,
		Size:     blocksText(n, t.L),
	}
	if minP := analysis.MinSignedRankP(n); n == 0 || minP >= t.env.Alpha {
		r.NoData = fmt.Sprintf("%s: too few independent blocks to detect a change at %s confidence (%d paired timestamps in %d blocks of %d; the smallest reachable p-value %.3g is not below %.3g)",
			t.name, pct(t.env.Confidence), t.pairs, n, t.L, minP, t.env.Alpha)
		return r
	}
	// Sorted once for the interval and every test below.
	s, err := analysis.NewSignedRankSample(t.dbar)
	if err != nil {
		r.Err = fmt.Errorf("the paired interval failed: %v", err)
		return r
	}
	defer s.Release()
	ci, err := s.CI(t.env.Confidence)
	if err != nil {
		r.Err = fmt.Errorf("the paired interval failed: %v", err)
		return r
	}
	r.Figures.Estimate, r.Figures.CILow, r.Figures.CIHigh = finite(ci.Estimate), finite(ci.Low), finite(ci.High)
	r.Figures.Method = ci.Method
	r.Figures.AchievedConfidence = achieved(ci.Achieved, t.env.Confidence)
	r.Evidence, r.Err = shiftEvidence(dirs, func(mu float64, alt analysis.Alternative) (float64, error) {
		res, err := s.Test(mu, alt)
		return res.P, err
	})
	return r
}

// blocksText is the evidence size for reasons: "12 independent blocks of 3 points".
func blocksText(n, L int) string {
	if L == 1 {
		return fmt.Sprintf("%d independent points", n)
	}
	return fmt.Sprintf("%d independent blocks of %d points", n, L)
}

// achieved is the interval's achieved confidence when it differs from the
// configured one, else nil.
func achieved(got, want float64) *float64 {
	if got == 0 || got == want || !(got > 0 && got <= 1) {
		return nil
	}
	return &got
}
