package report

import (
	"io"
	"strings"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// OpenMetrics writes the report in the OpenMetrics text format (GitLab's
// `artifacts:reports:metrics`, or a Pushgateway): the verdict and score, each
// group's score, and for every metric its relative change, shift, p-value,
// medians and whether it fails. The exposition ends with "# EOF".
// Only gauges are used, so Prometheus' text parser reads it too.
func OpenMetrics(w io.Writer, r *judge.Report) error {
	var b strings.Builder
	fam := func(name, help, unit string) {
		b.WriteString("# TYPE " + name + " gauge\n")
		if unit != "" {
			b.WriteString("# UNIT " + name + " " + unit + "\n")
		}
		b.WriteString("# HELP " + name + " " + help + "\n")
	}
	sample := func(name string, labels [][2]string, v float64) {
		b.WriteString(name)
		if len(labels) > 0 {
			b.WriteByte('{')
			for i, l := range labels {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l[0] + `="` + omLabelValue(l[1]) + `"`)
			}
			b.WriteByte('}')
		}
		b.WriteString(" " + metrics.FormatValue(v) + "\n")
	}

	fam("verdict_score", "Canary score from 0 to 100.", "")
	if score, ok := Score(r); ok { // an error carries no score
		sample("verdict_score", nil, score)
	}

	fam("verdict_decision", "1 for the verdict reached, 0 for the others.", "")
	for _, v := range []judge.Verdict{judge.Promote, judge.Inconclusive, judge.Abort, judge.Error} {
		sample("verdict_decision", [][2]string{{"decision", string(v)}}, b2f(r.Verdict == v))
	}

	fam("verdict_exit_code", "The exit code of the run: 0 promote, 1 abort, 3 inconclusive, 4 error.", "")
	sample("verdict_exit_code", nil, float64(r.Verdict.ExitCode()))

	if scored := groupsWithScore(r.Groups); len(scored) > 0 {
		fam("verdict_group_score", "Group score from 0 to 100.", "")
		for _, g := range scored {
			sample("verdict_group_score", [][2]string{{"group", g.Name}}, *g.Score)
		}
	}

	labels := func(m judge.Metric) [][2]string { return [][2]string{{"metric", m.Name}, {"group", m.Group}} }
	type metricFamily struct {
		name, help, unit string
		value            func(m judge.Metric) (float64, bool)
	}
	families := []metricFamily{
		{"verdict_metric_change_ratio", "Relative change of the canary's median (a ratio metric: its rate) against the baseline's (0.1 = +10%).", "ratio",
			func(m judge.Metric) (float64, bool) {
				if m.Change == nil {
					return 0, false
				}
				return *m.Change, true
			}},
		{"verdict_metric_shift", "Hodges-Lehmann shift of the canary against the baseline, in the metric's unit.", "",
			func(m judge.Metric) (float64, bool) {
				if m.MannWhitney == nil {
					return 0, false
				}
				return m.MannWhitney.Estimate, true
			}},
		{"verdict_metric_p_value", "Two-sided Mann-Whitney p-value.", "",
			func(m judge.Metric) (float64, bool) {
				if m.MannWhitney == nil {
					return 0, false
				}
				return m.MannWhitney.PValue, true
			}},
		{"verdict_metric_baseline_median", "Median of the baseline's samples.", "",
			func(m judge.Metric) (float64, bool) {
				return m.Baseline.Median, m.Kind != config.KindRatio && m.Baseline.Count > 0
			}},
		{"verdict_metric_canary_median", "Median of the canary's samples.", "",
			func(m judge.Metric) (float64, bool) {
				return m.Canary.Median, m.Kind != config.KindRatio && m.Canary.Count > 0
			}},
		{"verdict_metric_rate_ratio", "A ratio metric's rate ratio, canary over baseline (R's poisson.test estimate).", "ratio",
			func(m judge.Metric) (float64, bool) {
				if m.Test == nil || m.Test.Estimate == nil || m.Kind != config.KindRatio {
					return 0, false
				}
				return *m.Test.Estimate, true
			}},
		{"verdict_metric_dispersion", "A ratio metric's dispersion of per-step counts (chi-squared / df; about 1 for independent events).", "",
			func(m judge.Metric) (float64, bool) {
				if m.Test == nil || m.Test.Dispersion == nil {
					return 0, false
				}
				return *m.Test.Dispersion, true
			}},
		{"verdict_metric_failing", "1 when the metric counts against the canary (high, low, error, required data missing).", "",
			func(m judge.Metric) (float64, bool) { return b2f(m.Failing()), true }},
	}
	for _, f := range families {
		started := false
		for _, m := range r.Metrics {
			v, ok := f.value(m)
			if !ok {
				continue
			}
			if !started {
				fam(f.name, f.help, f.unit)
				started = true
			}
			l := labels(m)
			if f.name == "verdict_metric_failing" {
				l = append(l, [2]string{"classification", string(m.Classification)})
			}
			sample(f.name, l, v)
		}
	}
	// A ratio metric's counts, per side.
	for _, f := range []struct {
		name, help string
		value      func(c judge.Count) (float64, bool)
	}{
		{"verdict_metric_events", "A ratio metric's events over the window (its numerator's increase), per side.", func(c judge.Count) (float64, bool) { return c.Events, true }},
		{"verdict_metric_exposure", "A ratio metric's total over the window (its denominator's increase), per side.", func(c judge.Count) (float64, bool) { return c.Total, true }},
		{"verdict_metric_rate", "A ratio metric's rate, events / total, per side.", func(c judge.Count) (float64, bool) {
			if c.Rate == nil {
				return 0, false
			}
			return *c.Rate, true
		}},
	} {
		started := false
		for _, m := range r.Metrics {
			if m.Counts == nil {
				continue
			}
			for _, side := range []struct {
				name string
				c    judge.Count
			}{{"baseline", m.Counts.Baseline}, {"canary", m.Counts.Canary}} {
				v, ok := f.value(side.c)
				if !ok {
					continue
				}
				if !started {
					fam(f.name, f.help, "")
					started = true
				}
				sample(f.name, append(labels(m), [2]string{"side", side.name}), v)
			}
		}
	}
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func groupsWithScore(gs []judge.GroupResult) []judge.GroupResult {
	var out []judge.GroupResult
	for _, g := range gs {
		if g.Score != nil {
			out = append(out, g)
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// omLabelValue escapes a label value: backslash, double quote and newline;
// invalid UTF-8 and other control characters become U+FFFD, as in the JUnit report.
func omLabelValue(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
