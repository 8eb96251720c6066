package config

import (
	"strings"
	"testing"
	"time"
)

func TestSteps(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		w    Window
		want int
	}{
		{"1h at 60s", Window{Start: t0, End: t0.Add(time.Hour), Step: time.Minute}, 61},
		{"1h at 30s", Window{Start: t0, End: t0.Add(time.Hour), Step: 30 * time.Second}, 121},
		{"not a multiple", Window{Start: t0, End: t0.Add(90 * time.Second), Step: time.Minute}, 2},
		{"one instant", Window{Start: t0, End: t0, Step: time.Minute}, 1},
		{"reversed", Window{Start: t0.Add(time.Hour), End: t0, Step: time.Minute}, 0},
		{"zero step", Window{Start: t0, End: t0.Add(time.Hour)}, 0},
		{"negative step", Window{Start: t0, End: t0.Add(time.Hour), Step: -time.Minute}, 0},
	}
	for _, c := range cases {
		if got := (&Config{Window: c.w}).Steps(); got != c.want {
			t.Errorf("%s: Steps() = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestDirections(t *testing.T) {
	cases := []struct {
		on       Direction
		inc, dec bool
	}{{Increase, true, false}, {Decrease, false, true}, {Either, true, true}, {"", true, true}}
	for _, c := range cases {
		if inc, dec := (Metric{FailOn: c.on}).Directions(); inc != c.inc || dec != c.dec {
			t.Errorf("%q: Directions() = %v, %v, want %v, %v", c.on, inc, dec, c.inc, c.dec)
		}
	}
}

func TestMargin(t *testing.T) {
	cases := []struct {
		tag, text string
		want      Margin
		median    float64
		of        float64
		str       string
	}{
		{"!!str", "10%", Margin{0.1, true, "10%"}, -200, 20, "10%"},
		{"!!str", "12.5 %", Margin{0.125, true, "12.5 %"}, 8, 1, "12.5 %"},
		{"!!str", "0%", Margin{0, true, "0%"}, 5, 0, "0%"},
		{"!!float", "0.05", Margin{0.05, false, "0.05"}, 1000, 0.05, "0.05"},
		{"!!int", "3", Margin{3, false, "3"}, -1, 3, "3"},
		{"", "1e-3", Margin{0.001, false, "1e-3"}, 7, 0.001, "1e-3"},
	}
	for _, c := range cases {
		got, err := parseMargin(c.tag, c.text)
		if err != nil || got != c.want {
			t.Errorf("parseMargin(%q) = %+v, %v, want %+v", c.text, got, err, c.want)
			continue
		}
		if of := got.Of(c.median); abs(of-c.of) > 1e-12 {
			t.Errorf("%q.Of(%v) = %v, want %v", c.text, c.median, of, c.of)
		}
		if got.String() != c.str {
			t.Errorf("%q.String() = %q", c.text, got.String())
		}
	}
	if s := (Margin{Value: 0.2, Relative: true}).String(); s != "20%" {
		t.Errorf("String() without Text = %q, want 20%%", s)
	}
	for _, bad := range []string{"-1%", "-0.1", "ten%", "%", "", ".inf", "NaN%", "1e400%"} {
		if m, err := parseMargin("!!str", bad); err == nil {
			t.Errorf("parseMargin(%q) = %+v, want an error", bad, m)
		}
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"30s": 30 * time.Second, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "0": 0,
		"1d": 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "500ms": 500 * time.Millisecond,
		"1y": 365 * 24 * time.Hour, "-1m": -time.Minute,
	}
	for text, want := range good {
		if got, err := parseDuration("!!str", text); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v, want %v", text, got, err, want)
		}
	}
	bad := map[string]string{
		"60": "has no unit; write e.g. 60s", "1.5": "has no unit", "soon": "is not a duration", "": "is not a duration",
		"1d1d": "is not a duration", "999999999999y": "is not a duration", "5 m": "is not a duration",
	}
	for text, msg := range bad {
		if _, err := parseDuration("!!str", text); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseDuration(%q) error = %v, want %q", text, err, msg)
		}
	}
}

func TestScopeProblem(t *testing.T) {
	ok := []string{``, `version="v1"`, `app="a", track=~"canary|stable"`, `path=~"/x{1,2}"`, `a='}'`, "a=`{`", `a="\"}"`, `a='\'{'`, `ä="ü"`}
	for _, s := range ok {
		if p := scopeProblem(s); p != "" {
			t.Errorf("scopeProblem(%q) = %q, want none", s, p)
		}
	}
	bad := map[string]string{
		`a="b"} or vector(1) or x{c="d"`: "'}'",
		`a="b",}`:                        "'}'",
		`{a="b"`:                         "'{'",
		"a=\"b\"\nc=\"d\"":               "line break",
		"a=\"b\"\r":                      "line break",
		"a=\"b\x00\"":                    "NUL",
		`a="b`:                           `unterminated "-quoted`,
		`a="b\"`:                         `unterminated "-quoted`,
		`a='b`:                           `unterminated '-quoted`,
		"a=`b":                           "unterminated `-quoted",
	}
	for s, msg := range bad {
		if p := scopeProblem(s); !strings.Contains(p, msg) {
			t.Errorf("scopeProblem(%q) = %q, want %q", s, p, msg)
		}
	}
}

func TestQueryProblem(t *testing.T) {
	for _, q := range []string{"x{ {{ .Scope }} }", "x{ {{.Scope}} }", "x{ {{- .Scope -}} }", "{{/* note */}}x{ {{ .Scope }} }"} {
		if p := queryProblem(q); p != "" || !usesScope(q) {
			t.Errorf("queryProblem(%q) = %q, usesScope %v; want none, true", q, p, usesScope(q))
		}
	}
	for _, q := range []string{"sum(x)", "{{/* .Scope */}}x", "", "rate(x[{{ .Step }}])"} {
		if p := queryProblem(q); p != "" || usesScope(q) {
			t.Errorf("queryProblem(%q) = %q, usesScope %v; want none, false", q, p, usesScope(q))
		}
	}
	bad := map[string]string{
		"x{ {{ .Scope ":                   "unclosed action",
		"x{ {{ .Scope }":                  `unexpected "}" in operand`,
		"x{{`{`}}":                        "only {{ .Scope }} and {{ .Step }} may appear",
		"{{ .Scope.X }}":                  "only {{ .Scope }} and {{ .Step }} may appear",
		"{{ $x := .Scope }}":              "only {{ .Scope }} and {{ .Step }} may appear",
		"{{ .Scope | printf \"%s\" }}":    "only {{ .Scope }} and {{ .Step }} may appear",
		"{{ if 1 }}{{ .Scope }}{{ end }}": "only {{ .Scope }}",
		"{{ template \"x\" }}":            "only {{ .Scope }}",
		"{{ end }}":                       "unexpected {{end}}",
		"{{ .Step.X }}":                   "only {{ .Scope }} and {{ .Step }}",
		"{{ .Steps }}":                    "only {{ .Scope }} and {{ .Step }}",
	}
	for q, msg := range bad {
		if p := queryProblem(q); !strings.Contains(p, msg) {
			t.Errorf("queryProblem(%q) = %q, want %q", q, p, msg)
		}
	}
}
