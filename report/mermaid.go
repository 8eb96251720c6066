package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/verdict-ci/verdict/judge"
)

// defaultMermaidPoints is the bucket count MermaidXYChart uses when asked for
// fewer than two points.
const defaultMermaidPoints = 60

// MermaidXYChart returns a fenced Mermaid xychart-beta block (```mermaid …
// ```, ending in a newline) drawing m's baseline (blue) and canary (orange)
// over the window, each averaged into at most maxPoints equal time buckets
// (60 when maxPoints < 2). Names are sanitised so that quotes, brackets or
// backticks cannot break the chart or its fence. It returns "" when neither
// side has a point to draw.
func MermaidXYChart(m judge.Metric, maxPoints int) string {
	if maxPoints < 2 {
		maxPoints = defaultMermaidPoints
	}
	base, can := m.Baseline.Points, m.Canary.Points
	if len(base)+len(can) == 0 {
		return ""
	}
	shift := baselineShift(base, can)
	shifted := make([]judge.TimedValue, len(base))
	for i, p := range base {
		shifted[i] = judge.TimedValue{T: p.T.Add(shift), V: p.V}
	}
	var t0, t1 time.Time
	for _, s := range [][]judge.TimedValue{shifted, can} {
		if len(s) == 0 {
			continue
		}
		if t0.IsZero() || s[0].T.Before(t0) {
			t0 = s[0].T
		}
		if s[len(s)-1].T.After(t1) {
			t1 = s[len(s)-1].T
		}
	}
	n := min(maxPoints, max(len(base), len(can)))
	if !t1.After(t0) {
		n = 1
	}
	unit, per := "minutes", time.Minute
	switch span := t1.Sub(t0); {
	case span < 2*time.Minute:
		unit, per = "seconds", time.Second
	case span > 3*time.Hour:
		unit, per = "hours", time.Hour
	}

	name := mermaidText(m.Name)
	var lines []string
	var palette []string
	var who []string
	if v := bucketMeans(shifted, t0, t1, n); v != nil {
		lines, palette, who = append(lines, mermaidLine(v)), append(palette, "#0072B2"), append(who, "baseline (blue)")
	}
	if v := bucketMeans(can, t0, t1, n); v != nil {
		lines, palette, who = append(lines, mermaidLine(v)), append(palette, "#E69F00"), append(who, "canary (orange)")
	}
	title := name + ": " + strings.Join(who, " vs ")
	if len(who) == 1 {
		title += ", the other side has no data"
	}
	if shift != 0 {
		title += ", baseline shifted " + fmtDuration(shift)
	}

	var b strings.Builder
	b.WriteString("```mermaid\n")
	fmt.Fprintf(&b, "%%%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"%s\"}}}}%%%%\n", strings.Join(palette, ", "))
	b.WriteString("xychart-beta\n")
	fmt.Fprintf(&b, "    title \"%s\"\n", title)
	fmt.Fprintf(&b, "    x-axis \"%s since %s UTC\" 0 --> %s\n", unit, t0.UTC().Format("2006-01-02 15:04"), mermaidNum(float64(t1.Sub(t0))/float64(per)))
	fmt.Fprintf(&b, "    y-axis \"%s\"\n", name)
	for _, l := range lines {
		fmt.Fprintf(&b, "    line %s\n", l)
	}
	b.WriteString("```\n")
	return b.String()
}

// mermaidLine formats a series as a Mermaid number list.
func mermaidLine(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = mermaidNum(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// mermaidNum formats v with about four significant digits in plain decimal
// notation (Mermaid's parser reads no exponents).
func mermaidNum(v float64) string {
	if v == 0 || !finite(v) {
		return "0"
	}
	prec := max(0, min(3-int(math.Floor(math.Log10(math.Abs(v)))), 20))
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// mermaidText makes s safe inside a double-quoted Mermaid string within a
// Markdown fence: no quotes, brackets, angle brackets, backticks, entity or
// comment markers, statement separators or line breaks; runs of spaces
// collapsed; at most 48 runes, as Mermaid does not wrap titles.
func mermaidText(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if n == 48 {
			b.WriteString("…")
			break
		}
		switch {
		case r == '"' || r == '`':
			r = '\''
		case r == '[' || r == '{' || r == '<':
			r = '('
		case r == ']' || r == '}' || r == '>':
			r = ')'
		case r == '#' || r == ';' || r == '%' || r == '&' || r == '\\':
			r = ' '
		case unicode.IsControl(r) || unicode.IsSpace(r):
			r = ' '
		}
		if r == ' ' && space {
			continue
		}
		space = r == ' '
		b.WriteRune(r)
		n++
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return "metric"
	}
	return out
}
