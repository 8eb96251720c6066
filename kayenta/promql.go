package kayenta

import (
	"fmt"
	"slices"
	"strings"
)

// scopeAction is what a converted query holds where the sides differ.
const scopeAction = "{{ .Scope }}"

// part is a piece of a PromQL query: text outside label braces, or a selector.
type part struct {
	text string    // outside any braces (when sel is nil)
	sel  *selector // a metric name and its {label matchers}
}

// selector is a vector selector's metric name (possibly empty) and its label matchers.
type selector struct {
	name     string
	matchers []string // trimmed, empty ones dropped
	raw      string   // as written, name and braces included
}

// splitQuery cuts a PromQL query into text and selectors. It understands
// PromQL's three quotes, so braces and commas inside label values are kept.
func splitQuery(q string) ([]part, error) {
	var parts []part
	start := 0 // of the current text part
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '"', '\'', '`':
			end, err := skipString(q, i)
			if err != nil {
				return nil, err
			}
			i = end
		case '}':
			return nil, fmt.Errorf("unbalanced '}' at offset %d", i)
		case '{':
			nameStart := i
			for nameStart > start && isNameByte(q[nameStart-1]) {
				nameStart--
			}
			for nameStart < i && q[nameStart] >= '0' && q[nameStart] <= '9' {
				nameStart++ // a name does not start with a digit
			}
			if nameStart > start {
				parts = append(parts, part{text: q[start:nameStart]})
			}
			sel, end, err := readSelector(q, i)
			if err != nil {
				return nil, err
			}
			sel.name, sel.raw = q[nameStart:i], q[nameStart:end+1]
			parts = append(parts, part{sel: sel})
			i, start = end, end+1
		}
	}
	if start < len(q) {
		parts = append(parts, part{text: q[start:]})
	}
	return parts, nil
}

func isNameByte(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// skipString returns the offset of the quote that closes the string opening at q[i].
func skipString(q string, i int) (int, error) {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch {
		case q[j] == '\\' && quote != '`':
			j++
		case q[j] == quote:
			return j, nil
		}
	}
	return 0, fmt.Errorf("unterminated %c-quoted string at offset %d", quote, i)
}

// readSelector reads the label matchers in the braces opening at q[open]
// and returns them with the offset of the closing brace.
func readSelector(q string, open int) (*selector, int, error) {
	sel := &selector{}
	from := open + 1
	add := func(to int) {
		if m := strings.TrimSpace(q[from:to]); m != "" {
			sel.matchers = append(sel.matchers, m)
		}
	}
	for j := open + 1; j < len(q); j++ {
		switch q[j] {
		case '"', '\'', '`':
			end, err := skipString(q, j)
			if err != nil {
				return nil, 0, err
			}
			j = end
		case ',':
			add(j)
			from = j + 1
		case '{':
			return nil, 0, fmt.Errorf("'{' inside label matchers at offset %d", j)
		case '}':
			add(j)
			return sel, j, nil
		}
	}
	return nil, 0, fmt.Errorf("unterminated '{' at offset %d", open)
}

// normalized is a selector as a set: its name as a __name__ matcher, the matchers sorted.
func (s *selector) normalized() []string {
	m := slices.Clone(s.matchers)
	if s.name != "" {
		m = append(m, `__name__="`+s.name+`"`)
	}
	slices.Sort(m)
	return m
}

// scoped is a query template with the scope text of each side.
type scoped struct {
	query               string // with {{ .Scope }} where the sides differ
	control, experiment string // the label matchers that differ, per side
}

// deriveScope finds where the control's and the experiment's queries
// differ and turns that into one query with {{ .Scope }}. The two may
// differ only in the label matchers of their selectors (a metric name
// that differs becomes a __name__ matcher), and every selector that
// differs must differ in the same matchers, because verdict substitutes
// one scope text per side.
func deriveScope(control, experiment string) (*scoped, error) {
	if control == experiment {
		return nil, fmt.Errorf("the control's and the experiment's queries are the same (%s), so both sides would be the same series; the query needs ${scope}", control)
	}
	cp, err := splitQuery(control)
	if err != nil {
		return nil, fmt.Errorf("the control's query %s: %v", control, err)
	}
	ep, err := splitQuery(experiment)
	if err != nil {
		return nil, fmt.Errorf("the experiment's query %s: %v", experiment, err)
	}
	if len(cp) != len(ep) {
		return nil, fmt.Errorf("the control's query %s and the experiment's %s have different shapes (a scope value holding braces?)", control, experiment)
	}
	out := &scoped{}
	found := false
	var b strings.Builder
	for i := range cp {
		c, e := cp[i], ep[i]
		if (c.sel == nil) != (e.sel == nil) {
			return nil, fmt.Errorf("the control's query %s and the experiment's %s have different shapes", control, experiment)
		}
		if c.sel == nil {
			if c.text != e.text {
				return nil, fmt.Errorf("the control's and the experiment's queries differ outside label matchers (%q against %q); verdict puts the scope inside a selector's braces only", c.text, e.text)
			}
			b.WriteString(c.text)
			continue
		}
		text, cOnly, eOnly := diffSelector(c.sel, e.sel)
		if cOnly == nil && eOnly == nil {
			b.WriteString(c.sel.raw)
			continue
		}
		if len(cOnly) == 0 || len(eOnly) == 0 {
			return nil, fmt.Errorf("in %s against %s one side has no label matcher of its own (is a scope empty?)", c.sel.raw, e.sel.raw)
		}
		cs, es := strings.Join(cOnly, ", "), strings.Join(eOnly, ", ")
		if found && (cs != out.control || es != out.experiment) {
			return nil, fmt.Errorf("its selectors tell the sides apart by different matchers ({%s} against {%s}, and {%s} against {%s}); verdict substitutes one scope text per side", out.control, out.experiment, cs, es)
		}
		found, out.control, out.experiment = true, cs, es
		b.WriteString(text)
	}
	if !found {
		return nil, fmt.Errorf("the control's query %s and the experiment's %s differ only in spacing, so both sides would be the same series; the query needs ${scope}", control, experiment)
	}
	if strings.ContainsAny(out.control+out.experiment, "\r\n") {
		return nil, fmt.Errorf("the matchers that tell the sides apart hold a line break ({%s} against {%s}); a scope is one line", out.control, out.experiment)
	}
	out.query = b.String()
	if n := strings.Count(out.query, "{{"); n != strings.Count(out.query, scopeAction) {
		return nil, fmt.Errorf("the query holds {{, which verdict's query templates reserve for {{ .Scope }}")
	}
	// Check the template against both queries it stands for.
	for _, side := range []struct{ scope, want string }{{out.control, control}, {out.experiment, experiment}} {
		if !sameQuery(strings.ReplaceAll(out.query, scopeAction, side.scope), side.want) {
			return nil, fmt.Errorf("could not rebuild %s from the converted query %s", side.want, out.query)
		}
	}
	return out, nil
}

// diffSelector compares two selectors as multisets of matchers (a differing
// metric name taken as a __name__ matcher). It returns the selector rebuilt
// with {{ .Scope }} in place of the matchers only one side has, and those
// matchers per side (both nil when the selectors agree).
func diffSelector(c, e *selector) (string, []string, []string) {
	name, cm, em := c.name, c.matchers, e.matchers
	if c.name != e.name {
		name = ""
		cm = slices.Concat(nameMatcher(c.name), cm)
		em = slices.Concat(nameMatcher(e.name), em)
	}
	left := slices.Clone(em)
	var common, cOnly []string
	scopeAt := -1
	for _, m := range cm {
		if j := slices.Index(left, m); j >= 0 {
			left = slices.Delete(left, j, j+1)
			common = append(common, m)
			continue
		}
		if scopeAt < 0 {
			scopeAt = len(common)
		}
		cOnly = append(cOnly, m)
	}
	if len(cOnly) == 0 && len(left) == 0 {
		return c.raw, nil, nil
	}
	if scopeAt < 0 {
		scopeAt = len(common)
	}
	items := slices.Insert(slices.Clone(common), scopeAt, scopeAction)
	if cOnly == nil {
		cOnly = []string{}
	}
	if left == nil {
		left = []string{}
	}
	return name + "{ " + strings.Join(items, ", ") + " }", cOnly, left
}

func nameMatcher(name string) []string {
	if name == "" {
		return nil
	}
	return []string{`__name__="` + name + `"`}
}

// sameQuery says whether two queries are the same up to the order and
// spacing of label matchers and a metric name written as __name__.
func sameQuery(a, b string) bool {
	ap, err1 := splitQuery(a)
	bp, err2 := splitQuery(b)
	if err1 != nil || err2 != nil || len(ap) != len(bp) {
		return false
	}
	for i := range ap {
		x, y := ap[i], bp[i]
		switch {
		case (x.sel == nil) != (y.sel == nil):
			return false
		case x.sel == nil:
			if x.text != y.text {
				return false
			}
		case !slices.Equal(x.sel.normalized(), y.sel.normalized()):
			return false
		}
	}
	return true
}
