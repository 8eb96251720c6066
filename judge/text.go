package judge

import "math"

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
	case m.MannWhitney != nil:
		return signedNum(m.MannWhitney.Estimate)
	}
	return "—"
}

// IntervalText is the shift's confidence interval, relative to the baseline
// median when it is non-zero ("+5.1% … +19.8%"), else absolute; "—" without a test.
func (m Metric) IntervalText() string {
	mw := m.MannWhitney
	if mw == nil {
		return "—"
	}
	if bm := m.Baseline.Median; bm != 0 {
		a := math.Abs(bm)
		return signedPct(mw.CILow/a) + " … " + signedPct(mw.CIHigh/a)
	}
	return signedNum(mw.CILow) + " … " + signedNum(mw.CIHigh)
}

// PValueText is the two-sided p-value, or "—" without a test.
func (m Metric) PValueText() string {
	if m.MannWhitney == nil {
		return "—"
	}
	return pval(m.MannWhitney.PValue)
}

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
	case High, Low, Failed:
		return true
	case NoData:
		return m.MustHaveData
	}
	return false
}
