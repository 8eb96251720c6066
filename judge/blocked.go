package judge

import (
	"fmt"

	"github.com/verdict-ci/verdict/analysis"
)

// blockedTest is auto's unpaired form, blocked-mann-whitney: each side's
// per-timestamp values averaged in blocks of L (one L for both sides), R's
// wilcox.test(cbar - δ, bbar) in each direction.
type blockedTest struct {
	name       string
	bbar, cbar []float64
	L          int
	env        Env
	rel        func(float64) (float64, bool)
}

func (t *blockedTest) Run(dirs []Direction) Result {
	nb, nc := len(t.bbar), len(t.cbar)
	r := Result{
		Figures:  TestResult{Name: "blocked-mann-whitney", BlockLength: t.L, Blocks: nb + nc, BaselineBlocks: nb, CanaryBlocks: nc},
		Relative: t.rel,
	}
	r.Size = fmt.Sprintf("%d canary and %d baseline blocks", nc, nb)
	if t.L == 1 {
		r.Size = fmt.Sprintf("%d canary and %d baseline points", nc, nb)
	}
	minP := 1.0
	if nb > 0 && nc > 0 {
		minP = analysis.MinPValue(nc, nb)
	}
	if minP >= t.env.Alpha {
		r.NoData = fmt.Sprintf("%s: too few independent blocks to detect a change at %s confidence (%d canary and %d baseline blocks of %d; the smallest reachable p-value %.3g is not below %.3g)",
			t.name, pct(t.env.Confidence), nc, nb, t.L, minP, t.env.Alpha)
		return r
	}
	pair, err := analysis.NewPair(t.cbar, t.bbar)
	if err != nil {
		r.Err = fmt.Errorf("the blocked test failed: %v", err)
		return r
	}
	defer pair.Release()
	cmp, err := pair.Compare(t.env.Confidence)
	if err != nil {
		r.Err = fmt.Errorf("the blocked interval failed: %v", err)
		return r
	}
	r.Figures.Estimate, r.Figures.CILow, r.Figures.CIHigh = finite(cmp.Estimate), finite(cmp.CILow), finite(cmp.CIHigh)
	r.Figures.Method = cmp.Method
	r.Figures.AchievedConfidence = achieved(cmp.Achieved, t.env.Confidence)
	r.Evidence, r.Err = pairEvidence(pair, dirs)
	return r
}
