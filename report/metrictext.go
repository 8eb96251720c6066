package report

import (
	"fmt"
	"math"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
)

// Text forms of a metric's numbers, shared by every renderer (and the
// GitHub annotations) so that the table, Markdown, HTML, JUnit and step
// summary say the same thing, in the number formats of judge's reasons.

// ChangeText is the relative change of medians ("+12.4%"), or the absolute
// shift when the baseline median is 0, or "—" without a test.
func ChangeText(m judge.Metric) string {
	switch {
	case m.Change != nil:
		return judge.SignedPct(*m.Change)
	case m.Test != nil && m.Test.Estimate != nil:
		return judge.SignedNum(*m.Test.Estimate)
	case m.MannWhitney != nil:
		return judge.SignedNum(m.MannWhitney.Estimate)
	}
	return "—"
}

// IntervalText is the interval of the test that classified the metric (the
// Mann–Whitney one when no test ran), relative to the baseline when it can
// be ("+5.1% … +19.8%": a ratio's rate ratio minus 1, a series' shift over
// |median(b)|), else absolute; "—" without one.
func IntervalText(m judge.Metric) string {
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
		case m.Kind == config.KindRatio:
			return judge.SignedPct(*v - 1)
		case m.Baseline.Median != 0:
			return judge.SignedPct(*v / math.Abs(m.Baseline.Median))
		}
		return judge.SignedNum(*v)
	}
	return rel(lo) + " … " + rel(hi)
}

// PValueText is the p-value that decided: for a pass or an inconclusive
// metric with a margin the non-inferiority p ("0.0004 (margin)"), else the
// test's adjusted inferiority p, or the two-sided Mann–Whitney p when no
// test classified; "—" without one.
func PValueText(m judge.Metric) string {
	switch {
	case m.Test != nil && m.Test.NonInferiorityPValue != nil && (m.Classification == judge.Pass || m.Classification == judge.MetricInconclusive):
		return judge.PValue(*m.Test.NonInferiorityPValue) + " (margin)"
	case m.Test != nil && m.Test.AdjustedPValue != nil:
		return judge.PValue(*m.Test.AdjustedPValue)
	case m.MannWhitney != nil:
		return judge.PValue(m.MannWhitney.PValue)
	}
	return "—"
}

// TestText names the test that classified the metric and its evidence:
// "paired, 20 blocks of 3", "blocked-mann-whitney, 12+12 blocks of 4",
// "mann-whitney"; "—" when the data decided before any test.
func TestText(m judge.Metric) string {
	t := m.Test
	switch {
	case t == nil:
		return "—"
	case t.Name == "paired":
		return fmt.Sprintf("paired, %d blocks of %d", t.Blocks, t.BlockLength)
	case t.Name == "blocked-mann-whitney":
		return fmt.Sprintf("blocked, %d+%d blocks of %d", t.CanaryBlocks, t.BaselineBlocks, t.BlockLength)
	case t.Name == "poisson" && m.Counts != nil:
		return fmt.Sprintf("poisson, %s+%s events", judge.Whole(m.Counts.Canary.Events), judge.Whole(m.Counts.Baseline.Events))
	}
	return t.Name
}

// DecidingText is the p-value that decided with its test, for detail
// views: "p=1.2e-05 (Holm-adjusted 0.0008), non-inferiority p=0.9, paired, 20 blocks of 3".
func DecidingText(m judge.Metric) string {
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
	return s + ", " + TestText(m)
}

func pText(p *float64) string {
	if p == nil {
		return "—"
	}
	return judge.PValue(*p)
}

// BaselineText is the baseline's level as the tables show it: a series
// metric's median, a ratio metric's rate and counts ("0.1664% (60 of
// 36060)"); "—" without data.
func BaselineText(m judge.Metric) string { return levelText(m, m.Baseline, false) }

// CanaryText is the canary's level, as BaselineText.
func CanaryText(m judge.Metric) string { return levelText(m, m.Canary, true) }

func levelText(m judge.Metric, s judge.Side, canary bool) string {
	if m.Kind != config.KindRatio {
		return MedianText(s)
	}
	c := m.Counts
	if c == nil {
		return "—"
	}
	n := c.Baseline
	if canary {
		n = c.Canary
	}
	return CountText(n)
}

// CountText is a ratio side's rate and counts, "0.1664% (60 of 36060)", or
// "no traffic (0 of 0)".
func CountText(c judge.Count) string {
	counts := " (" + judge.Whole(c.Events) + " of " + judge.Whole(c.Total) + ")"
	if c.Rate == nil {
		return "no traffic" + counts
	}
	return judge.Num(*c.Rate*100) + "%" + counts
}

// MedianText is a side's median, or "—" when it has no samples.
func MedianText(s judge.Side) string {
	if s.Count == 0 {
		return "—"
	}
	return judge.Num(s.Median)
}
