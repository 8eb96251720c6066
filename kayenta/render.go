package kayenta

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// render writes the converted config as commented YAML.
func (c *converter) render() []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	src := c.opts.Source
	if src == "" {
		src = "a Kayenta canary config"
	}
	name := ""
	if c.name != "" {
		name = " " + strconv.Quote(c.name)
	}
	w("# Converted by `verdict import kayenta` from %s%s.\n", src, name)
	if d := oneLine(c.description); d != "" {
		w("# Its description: %s\n", d)
	}
	w("# Queries are the ones Kayenta would send for %s; see docs/kayenta.md.\n", c.sides())
	w("version: 1\n")
	url := c.opts.PrometheusURL
	if url == "" {
		url = DefaultPrometheusURL
	}
	w("source:\n  prometheus:\n    url: %s   # the Prometheus your Kayenta metrics account points at\n", yamlString(url))
	w("window:   # Kayenta's execution request gives the interval: judge the last hour by default (--end, --duration)\n")
	w("  duration: 1h\n  step: 60s\n")
	w("baseline: {scope: %s}   # the control's label matchers\n", yamlString(c.baselineScope))
	w("canary: {scope: %s}   # the experiment's label matchers\n", yamlString(c.canaryScope))
	w("confidence: 0.98   # the confidence of NetflixACAJudge-v1.0's Mann-Whitney interval\n")
	w("metrics:\n")
	for _, m := range c.metrics {
		if m.dropped != "" {
			continue
		}
		w("\n  # %s %s", m.path, strconv.Quote(m.name))
		for i, o := range m.origin {
			if i == 0 {
				w(": %s\n", o)
			} else {
				w("  # %s\n", oneLine(o))
			}
		}
		prefix := "  "
		if m.muted {
			w("  # Muted in Kayenta (judged, left out of the score); verdict has no muted metrics. Uncomment to judge it:\n")
			prefix = "  # "
		}
		for _, line := range m.lines() {
			w("%s%s\n", prefix, line)
		}
	}
	if groups := c.groups(); len(groups) > 0 {
		w("groups:   # classifier.groupWeights\n")
		for _, g := range groups {
			w("  %s: {weight: %s}%s\n", yamlString(g.name), num(g.weight), g.note)
		}
	}
	if t := c.thresholds; t != nil {
		w("scoring: {pass: %s, marginal: %s}   # classifier.scoreThresholds\n", num(t[0]), num(t[1]))
	} else {
		w("# scoring: Kayenta takes its thresholds from the execution request (scoreThresholds); set yours:\n")
		w("scoring: {pass: 95, marginal: 75}\n")
	}
	return []byte(b.String())
}

// sides says what ${scope}, ${location} and the other variables stood for.
func (c *converter) sides() string {
	var parts []string
	for _, s := range []struct {
		role string
		side Side
	}{{"control", c.opts.Baseline}, {"experiment", c.opts.Canary}} {
		p := fmt.Sprintf("the %s (scope %s", s.role, strconv.Quote(s.side.Scope))
		if s.side.Location != "" {
			p += ", location " + strconv.Quote(s.side.Location)
		}
		for _, k := range sortedKeys(s.side.Vars) {
			p += ", " + k + " " + strconv.Quote(s.side.Vars[k])
		}
		parts = append(parts, p+")")
	}
	return strings.Join(parts, " and ")
}

// lines are the metric's YAML lines, starting with "- name:".
func (m *metric) lines() []string {
	group := m.group
	if group == "" {
		group = noGroup
	}
	l := []string{
		"- name: " + yamlString(m.name),
		"  query: " + yamlString(m.query.query),
		"  group: " + yamlString(group),
		"  fail_on: " + m.failOn,
	}
	if m.allowedIncrease != "" {
		l = append(l, "  allowed_increase: "+m.allowedIncrease+"   # effectSize.allowedIncrease")
	}
	if m.allowedDecrease != "" {
		l = append(l, "  allowed_decrease: "+m.allowedDecrease+"   # effectSize.allowedDecrease")
	}
	if m.critical {
		l = append(l, "  critical: true")
	}
	if m.mustHaveData {
		l = append(l, "  must_have_data: true")
	}
	if m.nanZero {
		l = append(l, "  nan: zero   # nanStrategy: replace")
	}
	if m.removeOutliers > 0 {
		l = append(l, "  remove_outliers: "+num(m.removeOutliers)+"   # outliers: remove, outlierFactor")
	}
	return l
}

type group struct {
	name   string
	weight float64
	note   string
}

// groups are the weighted groups of the converted metrics. A group Kayenta
// scores without a weight gets Kayenta's share, (100 − the weights given) /
// the number of such groups.
func (c *converter) groups() []group {
	var used []string
	for _, m := range c.metrics {
		if m.dropped == "" && !m.muted {
			g := m.group
			if g == "" {
				g = noGroup
			}
			if !slices.Contains(used, g) {
				used = append(used, g)
			}
		}
	}
	given := 0.0
	for _, w := range c.weights {
		given += w
	}
	var unweighted []string
	for _, g := range slices.Compact(slices.Clone(c.kayentaGroups)) {
		if _, ok := c.weights[g]; !ok && !slices.Contains(unweighted, g) {
			unweighted = append(unweighted, g)
		}
	}
	share := 0.0
	if len(unweighted) > 0 {
		share = math0((100 - given) / float64(len(unweighted)))
	}
	var out []group
	total := 0.0
	for _, g := range c.weightOrder {
		if slices.Contains(used, g) {
			out = append(out, group{name: g, weight: c.weights[g]})
			total += c.weights[g]
		} else {
			c.problem("classifier.groupWeights."+g, "no converted metric is in group %s; its weight is left out, so verdict's weights are shares of the rest", strconv.Quote(g))
		}
	}
	for _, g := range used {
		switch {
		case slices.Contains(c.weightOrder, g):
		case g == noGroup && !slices.Contains(c.kayentaGroups, noGroup):
			out = append(out, group{g, 0, "   # metrics without a group: Kayenta leaves them out of the score"})
		default:
			out = append(out, group{g, share, "   # not in groupWeights: Kayenta's share of the remaining weight"})
			total += share
		}
	}
	if total <= 0 {
		return nil // verdict weighs the groups equally
	}
	return out
}

func math0(f float64) float64 {
	if f < 0 {
		return 0
	}
	return f
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var plain = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-/]*$`)

// yamlString writes s as a YAML scalar that reads back as the same string:
// plain when that is unambiguous, else single-quoted, else double-quoted
// with escapes (for control characters).
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return "'" + s + "'"
	}
	if plain.MatchString(s) {
		return s
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return strconv.Quote(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
