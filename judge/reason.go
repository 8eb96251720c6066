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

// shiftText describes the canary's change: relative when the baseline median is non-zero.
func shiftText(out Metric) string {
	mw := out.MannWhitney
	bm := out.Baseline.Median
	conf := pct(mw.Confidence)
	if bm != 0 && out.Change != nil {
		a := math.Abs(bm)
		return fmt.Sprintf("%s (%s CI %s … %s)", signedPct(*out.Change), conf, signedPct(mw.CILow/a), signedPct(mw.CIHigh/a))
	}
	return fmt.Sprintf("median %s vs %s, shift %s (%s CI %s … %s)",
		num(out.Canary.Median), num(bm), signedNum(mw.Estimate), conf, signedNum(mw.CILow), signedNum(mw.CIHigh))
}

func allowedText(m config.Margin, abs float64) string {
	if m.Relative {
		return pct(m.Value)
	}
	return num(abs)
}

func shiftReason(m config.Metric, out Metric, dir string, margin config.Margin, abs, p, alpha float64) string {
	crit := ""
	if m.Critical {
		crit = ", critical"
	}
	return fmt.Sprintf("%s is %s in the canary: %s, more than the allowed %s (one-sided test against the margin: p=%s < %s%s)",
		m.Name, dir, shiftText(out), allowedText(margin, abs), pval(p), pval(alpha), crit)
}

func passReason(m config.Metric, out Metric) string {
	return fmt.Sprintf("%s shows no significant change beyond the allowed margin: %s, p=%s",
		m.Name, shiftText(out), pval(out.MannWhitney.PValue))
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
	if d.Baseline.Err != nil {
		parts = append(parts, "baseline query failed: "+oneLine(d.Baseline.Err.Error()))
	}
	if d.Canary.Err != nil && (d.Baseline.Err == nil || d.Canary.Err.Error() != d.Baseline.Err.Error()) {
		parts = append(parts, "canary query failed: "+oneLine(d.Canary.Err.Error()))
	}
	return name + ": " + strings.Join(parts, "; ")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
