package judge

import (
	"fmt"
	"math"

	"github.com/verdict-ci/verdict/config"
)

// Text forms of a metric's numbers, shared by every renderer so that the
// table, Markdown, HTML, JUnit and step summary say the same thing.

// Num formats a value with 4 significant digits.
func Num(v float64) string { return num(v) }

// ChangeText is the relative change of medians ("+12.4%"), or the absolute
// shift when the baseline median is 0, or "—" without a test.
func (m Metric) ChangeText() string {
	switch {
	case m.Change != nil:
		return signedPct(*m.Change)
	case m.Test != nil && m.Test.Estimate != nil:
		return signedNum(*m.Test.Estimate)
	case m.MannWhitney != nil:
		return signedNum(m.MannWhitney.Estimate)
	}
	return "—"
}

// IntervalText is the interval of the test that classified the metric (the
// Mann–Whitney one when no test ran), relative to the baseline when it can
// be ("+5.1% … +19.8%": a ratio's rate ratio minus 1, a series' shift over
// |median(b)|), else absolute; "—" without one.
func (m Metric) IntervalText() string {
	var lo, hi *float64
	switch {
	case m.Test != nil:
		lo, hi = m.Test.CILow, m.Test.CIHigh
	case m.MannWhitney != nil:
		lo, hi = &m.MannWhitney.CILow, &m.MannWhitney.CIHigh
	default:
		return "—"
	}
	rel := func(v *float64) string {
		switch {
		case v == nil:
			return "—"
		case m.Kind == "ratio":
			return signedPct(*v - 1)
		case m.Baseline.Median != 0:
			return signedPct(*v / math.Abs(m.Baseline.Median))
		}
		return signedNum(*v)
	}
	return rel(lo) + " … " + rel(hi)
}

// PValueText is the p-value that decided: for a pass or an inconclusive
// metric with a margin the non-inferiority p ("0.0004 (margin)"), else the
// test's adjusted inferiority p, or the two-sided Mann–Whitney p when no
// test classified; "—" without one.
func (m Metric) PValueText() string {
	switch {
	case m.Test != nil && m.Test.NonInferiorityPValue != nil && (m.Classification == Pass || m.Classification == MetricInconclusive):
		return pval(*m.Test.NonInferiorityPValue) + " (margin)"
	case m.Test != nil && m.Test.AdjustedPValue != nil:
		return pval(*m.Test.AdjustedPValue)
	case m.MannWhitney != nil:
		return pval(m.MannWhitney.PValue)
	}
	return "—"
}

// TestText names the test that classified the metric and its evidence:
// "paired, 20 blocks of 3", "blocked-mann-whitney, 12+12 blocks of 4",
// "mann-whitney"; "—" when the data decided before any test.
func (m Metric) TestText() string {
	t := m.Test
	switch {
	case t == nil:
		return "—"
	case t.Name == "paired":
		return fmt.Sprintf("paired, %d blocks of %d", t.Blocks, t.BlockLength)
	case t.Name == "blocked-mann-whitney":
		return fmt.Sprintf("blocked, %d+%d blocks of %d", t.CanaryBlocks, t.BaselineBlocks, t.BlockLength)
	case t.Name == "poisson" && m.Counts != nil:
		return fmt.Sprintf("poisson, %s+%s events", whole(m.Counts.Canary.Events), whole(m.Counts.Baseline.Events))
	}
	return t.Name
}

// DecidingText is the p-value that decided with its test, for detail
// views: "p=1.2e-05 (Holm-adjusted 0.0008), non-inferiority p=0.9, paired, 20 blocks of 3".
func (m Metric) DecidingText() string {
	t := m.Test
	if t == nil {
		return "—"
	}
	s := "p=" + pText(t.PValue)
	if t.AdjustedPValue != nil && t.PValue != nil && *t.AdjustedPValue != *t.PValue {
		s += " (Holm-adjusted " + pText(t.AdjustedPValue) + ")"
	}
	if t.NonInferiorityPValue != nil {
		s += ", non-inferiority p=" + pText(t.NonInferiorityPValue)
	}
	return s + ", " + m.TestText()
}

func pText(p *float64) string {
	if p == nil {
		return "—"
	}
	return pval(*p)
}

// BaselineText is the baseline's level as the tables show it: a series
// metric's median, a ratio metric's rate and counts ("0.1664% (60 of
// 36060)"); "—" without data.
func (m Metric) BaselineText() string { return m.levelText(m.Baseline, m.Counts, false) }

// CanaryText is the canary's level, as BaselineText.
func (m Metric) CanaryText() string { return m.levelText(m.Canary, m.Counts, true) }

func (m Metric) levelText(s Side, c *Counts, canary bool) string {
	if m.Kind != config.KindRatio {
		return s.MedianText()
	}
	if c == nil {
		return "—"
	}
	n := c.Baseline
	if canary {
		n = c.Canary
	}
	return n.Text()
}

// Text is a ratio side's rate and counts, "0.1664% (60 of 36060)", or
// "no traffic (0 of 0)".
func (c Count) Text() string {
	counts := " (" + whole(c.Events) + " of " + whole(c.Total) + ")"
	if c.Rate == nil {
		return "no traffic" + counts
	}
	return num(*c.Rate*100) + "%" + counts
}

// Confidence is the confidence of the metric's interval, 0 when it has none.
func (m Metric) Confidence() float64 { return confidenceOf(m) }

// MedianText is a side's median, or "—" when it has no samples.
func (s Side) MedianText() string {
	if s.Count == 0 {
		return "—"
	}
	return num(s.Median)
}

// Failing reports whether the metric counts against the canary in CI terms:
// high, low, error, or no data where data was required.
func (m Metric) Failing() bool {
	switch m.Classification {
	case High, Low, Failed, Missing, MetricInconclusive:
		return true
	case NoData:
		return m.MustHaveData
	}
	return false
}
