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
	var om omWriter
	om.run(r)
	om.metrics(r.Metrics)
	om.counts(r.Metrics)
	om.b.WriteString("# EOF\n")
	_, err := io.WriteString(w, om.b.String())
	return err
}

// omWriter builds an OpenMetrics exposition.
type omWriter struct{ b strings.Builder }

// family starts a gauge family.
func (om *omWriter) family(name, help, unit string) {
	om.b.WriteString("# TYPE " + name + " gauge\n")
	if unit != "" {
		om.b.WriteString("# UNIT " + name + " " + unit + "\n")
	}
	om.b.WriteString("# HELP " + name + " " + help + "\n")
}

// sample writes one sample of the current family.
func (om *omWriter) sample(name string, labels [][2]string, v float64) {
	b := &om.b
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

// run writes the run's families: score, decision, exit code, group scores.
func (om *omWriter) run(r *judge.Report) {
	om.family("verdict_score", "Canary score from 0 to 100.", "")
	if score, ok := Score(r); ok { // an error carries no score
		om.sample("verdict_score", nil, score)
	}

	om.family("verdict_decision", "1 for the verdict reached, 0 for the others.", "")
	for _, v := range []judge.Verdict{judge.Promote, judge.Inconclusive, judge.Abort, judge.Error} {
		om.sample("verdict_decision", [][2]string{{"decision", string(v)}}, b2f(r.Verdict == v))
	}

	om.family("verdict_exit_code", "The exit code of the run: 0 promote, 1 abort, 3 inconclusive, 4 error.", "")
	om.sample("verdict_exit_code", nil, float64(r.Verdict.ExitCode()))

	if scored := groupsWithScore(r.Groups); len(scored) > 0 {
		om.family("verdict_group_score", "Group score from 0 to 100.", "")
		for _, g := range scored {
			om.sample("verdict_group_score", [][2]string{{"group", g.Name}}, *g.Score)
		}
	}
}

func omMetricLabels(m judge.Metric) [][2]string {
	return [][2]string{{"metric", m.Name}, {"group", m.Group}}
}

// omMetricFamilies are the per-metric families, in the order written; a
// metric without a value for one is left out of it.
var omMetricFamilies = []struct {
	name, help, unit string
	value            func(m judge.Metric) (float64, bool)
}{
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

// metrics writes omMetricFamilies, each family only when a metric has a value.
func (om *omWriter) metrics(ms []judge.Metric) {
	for _, f := range omMetricFamilies {
		started := false
		for _, m := range ms {
			v, ok := f.value(m)
			if !ok {
				continue
			}
			if !started {
				om.family(f.name, f.help, f.unit)
				started = true
			}
			l := omMetricLabels(m)
			if f.name == "verdict_metric_failing" {
				l = append(l, [2]string{"classification", string(m.Classification)})
			}
			om.sample(f.name, l, v)
		}
	}
}

// omCountFamilies are a ratio metric's counts, per side.
var omCountFamilies = []struct {
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
}

// counts writes omCountFamilies for the ratio metrics, each family only
// when a side has a value.
func (om *omWriter) counts(ms []judge.Metric) {
	for _, f := range omCountFamilies {
		started := false
		for _, m := range ms {
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
					om.family(f.name, f.help, "")
					started = true
				}
				om.sample(f.name, append(omMetricLabels(m), [2]string{"side", side.name}), v)
			}
		}
	}
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
