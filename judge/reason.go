package judge

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/verdict-ci/verdict/config"
)

// num formats a value with 4 significant digits, without exponent noise for common sizes.
func num(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e6 && a < 1e15 {
		// Large values (bytes, counts): SI prefixes, "536.1M".
		for _, p := range []struct {
			f float64
			s string
		}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}} {
			if a >= p.f {
				return num(v/p.f) + p.s
			}
		}
	}
	if a >= 1e-3 && a < 1e6 {
		s := strconv.FormatFloat(v, 'f', sigDecimals(a, 4), 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func sigDecimals(a float64, sig int) int {
	d := sig - 1 - int(math.Floor(math.Log10(a)))
	if d < 0 {
		return 0
	}
	return d
}

// pct formats a fraction as a percentage: 0.98 -> "98%", 0.124 -> "12.4%".
func pct(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f*100, 'f', 1, 64), "0"), ".") + "%"
}

// signedPct formats a fraction as a signed percentage: "+12.4%", "−3.1%".
func signedPct(f float64) string {
	if f == 0 {
		return "0%"
	}
	if f < 0 {
		return "−" + pct(-f)
	}
	return "+" + pct(f)
}

func signedNum(v float64) string {
	if v == 0 {
		return "0"
	}
	if v < 0 {
		return "−" + num(-v)
	}
	return "+" + num(v)
}

// shiftText describes the canary's change and the test's interval: relative
// when the baseline allows it, else absolute.
func shiftText(out Metric, r *Result) string {
	t := out.Test
	conf := pct(confidenceOf(out))
	if out.Change != nil && r.Relative != nil {
		if lo, ok := relText(t.CILow, r.Relative); ok {
			hi, _ := relText(t.CIHigh, r.Relative)
			return fmt.Sprintf("%s (%s CI %s … %s)", signedPct(*out.Change), conf, lo, hi)
		}
	}
	return fmt.Sprintf("median %s vs %s, shift %s (%s CI %s … %s)",
		num(out.Canary.Median), num(out.Baseline.Median), numText(t.Estimate), conf, numText(t.CILow), numText(t.CIHigh))
}

// confidenceOf is the confidence of the metric's interval.
func confidenceOf(out Metric) float64 {
	if out.Test != nil && out.Test.AchievedConfidence != nil {
		return *out.Test.AchievedConfidence
	}
	if out.MannWhitney != nil {
		return out.MannWhitney.Confidence
	}
	if out.Test != nil {
		return out.Test.confidence
	}
	return 0
}

// relText is v relative to the baseline ("+14%"), ok false when it cannot be.
func relText(v *float64, rel func(float64) (float64, bool)) (string, bool) {
	if v == nil {
		return "—", true
	}
	f, ok := rel(*v)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return signedPct(f), true
}

func numText(v *float64) string {
	if v == nil {
		return "—"
	}
	return signedNum(*v)
}

func allowedText(m config.Margin, abs float64) string {
	if m.Relative {
		return pct(m.Value)
	}
	return num(abs)
}

// testText names the test in a reason: revision 1's wording for mann-whitney.
func testText(r *Result) string {
	switch r.Figures.Name {
	case "mann-whitney":
		return "one-sided test against the margin"
	case "paired":
		return "one-sided paired test against the margin, " + r.Size
	case "blocked-mann-whitney":
		return "one-sided test of block means against the margin, " + r.Size
	}
	return "one-sided " + r.Figures.Name + " test against the margin, " + r.Size
}

func shiftReason(m config.Metric, out Metric, r *Result, d Direction, p, adj, alpha float64) string {
	crit := ""
	if m.Critical {
		crit = ", critical"
	}
	dir := "higher"
	if !d.Up {
		dir = "lower"
	}
	ps := "p=" + pval(p)
	if adj != p {
		ps += ", Holm-adjusted " + pval(adj)
	}
	return fmt.Sprintf("%s is %s in the canary: %s, more than the allowed %s (%s: %s < %s%s)",
		m.Name, dir, shiftText(out, r), allowedText(d.Margin, d.Delta), testText(r), ps, pval(alpha), crit)
}

// notShownReason says which end of the interval a margin could not be shown within.
func notShownReason(m config.Metric, out Metric, r *Result, d Direction, confidence float64) string {
	sign, end := "+", out.Test.CIHigh
	if !d.Up {
		sign, end = "−", out.Test.CILow
	}
	if a := out.Test.AchievedConfidence; a != nil {
		confidence = *a
	}
	reach := "its interval has no finite end"
	if end != nil {
		v := signedNum(*end)
		if r.Relative != nil && d.Margin.Relative { // the margin's units: a percentage, or the metric's own
			if f, ok := r.Relative(*end); ok {
				v = signedPct(f)
			}
		}
		reach = fmt.Sprintf("its %s interval reaches %s", pct(confidence), v)
	}
	return fmt.Sprintf("could not show %s within %s%s: %s (%s); watch longer or widen the margin",
		m.Name, sign, allowedText(d.Margin, d.Delta), reach, r.Size)
}

func passReason(m config.Metric, out Metric, r *Result, cfg *config.Config, dirs []Direction, shown int, alpha float64) string {
	if cfg.MarginTest == config.NonInferiority && shown >= 0 {
		d := dirs[shown]
		sign := "+"
		if !d.Up {
			sign = "−"
		}
		if len(dirs) == 2 && dirs[0].Delta > 0 && dirs[1].Delta > 0 {
			sign = "±"
		}
		return fmt.Sprintf("%s is within the allowed margin: %s, shown within %s%s (non-inferiority p=%s < %s; %s)",
			m.Name, shiftText(out, r), sign, allowedText(d.Margin, d.Delta), pval(*orOne(out.Test.NonInferiorityPValue)), pval(alpha), r.Size)
	}
	if r.Figures.Name == "mann-whitney" && out.MannWhitney != nil {
		return fmt.Sprintf("%s shows no significant change beyond the allowed margin: %s, p=%s",
			m.Name, shiftText(out, r), pval(out.MannWhitney.PValue))
	}
	return fmt.Sprintf("%s shows no significant change beyond the allowed margin: %s, one-sided p=%s (%s)",
		m.Name, shiftText(out, r), pval(*orOne(out.Test.PValue)), r.Size)
}

func orOne(p *float64) *float64 {
	if p == nil {
		one := 1.0
		return &one
	}
	return p
}

func pval(p float64) string {
	if p != 0 && p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

func noDataReason(m config.Metric, nb, nc int) string {
	var s string
	switch {
	case nb == 0 && nc == 0:
		s = fmt.Sprintf("%s: neither the baseline nor the canary returned usable samples", m.Name)
	case nb == 0:
		s = fmt.Sprintf("%s: no data for the baseline (the query returned no usable samples)", m.Name)
	default:
		s = fmt.Sprintf("%s: no data for the canary (the query returned no usable samples)", m.Name)
	}
	if m.MustHaveData {
		s += "; must_have_data counts this as a failure"
	}
	return s
}

func errorReason(name string, d Data) string {
	var parts []string
	for _, p := range d.failed() {
		what := "query"
		if p.Name != "" {
			what = p.Name + " query"
		}
		if p.Baseline.Err != nil {
			parts = append(parts, "baseline "+what+" failed: "+oneLine(p.Baseline.Err.Error()))
		}
		if p.Canary.Err != nil && (p.Baseline.Err == nil || p.Canary.Err.Error() != p.Baseline.Err.Error()) {
			parts = append(parts, "canary "+what+" failed: "+oneLine(p.Canary.Err.Error()))
		}
	}
	return name + ": " + strings.Join(parts, "; ")
}

// overlapReason says that both sides returned the same series.
func overlapReason(name, labels string) string {
	return fmt.Sprintf("%s: the canary's query returns a series the baseline's returns too, %s: the scopes overlap, so the canary would be judged against itself; make baseline.scope and canary.scope select different series",
		name, labels)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
