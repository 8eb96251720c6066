package kayenta

import (
	"strings"
	"testing"
)

func TestDeriveScope(t *testing.T) {
	cases := []struct {
		name, control, experiment string
		query, cs, es             string
		err                       string
	}{
		{
			name:    "value in a matcher",
			control: `rate(x{app="a",version="v1"}[1m])`, experiment: `rate(x{app="a",version="v2"}[1m])`,
			query: `rate(x{ app="a", {{ .Scope }} }[1m])`, cs: `version="v1"`, es: `version="v2"`,
		},
		{
			name:    "scope in every selector of a ratio",
			control: `sum(a{v="1",c="5"}) / sum(a{v="1"})`, experiment: `sum(a{v="2",c="5"}) / sum(a{v="2"})`,
			query: `sum(a{ {{ .Scope }}, c="5" }) / sum(a{ {{ .Scope }} })`, cs: `v="1"`, es: `v="2"`,
		},
		{
			name:    "part of a regex value",
			control: `x{pod=~"web-v1-.*"}`, experiment: `x{pod=~"web-v2-.*"}`,
			query: `x{ {{ .Scope }} }`, cs: `pod=~"web-v1-.*"`, es: `pod=~"web-v2-.*"`,
		},
		{
			name:    "a scope of several matchers, one shared",
			control: `x{env="prod",track="stable"}`, experiment: `x{env="prod",track="canary"}`,
			query: `x{ env="prod", {{ .Scope }} }`, cs: `track="stable"`, es: `track="canary"`,
		},
		{
			name:    "different metric names",
			control: `sum(v1_requests{a="b"})`, experiment: `sum(v2_requests{a="b"})`,
			query: `sum({ {{ .Scope }}, a="b" })`, cs: `__name__="v1_requests"`, es: `__name__="v2_requests"`,
		},
		{
			name:    "commas and braces inside quoted values",
			control: `x{re=~"a{1,2}",v="1"}`, experiment: `x{re=~"a{1,2}",v="2"}`,
			query: `x{ re=~"a{1,2}", {{ .Scope }} }`, cs: `v="1"`, es: `v="2"`,
		},
		{
			name:    "untouched selectors keep their text",
			control: `x{v="1"} and on() up{job = "a"}`, experiment: `x{v="2"} and on() up{job = "a"}`,
			query: `x{ {{ .Scope }} } and on() up{job = "a"}`, cs: `v="1"`, es: `v="2"`,
		},
		{name: "same on both sides", control: `x{a="b"}`, experiment: `x{a="b"}`, err: "are the same"},
		{name: "differs outside matchers", control: `label_replace(x{a="b"}, "v", "1", "", "")`, experiment: `label_replace(x{a="b"}, "v", "2", "", "")`, err: "outside label matchers"},
		{name: "different matchers per selector", control: `a{v="1"} / b{w="1"}`, experiment: `a{v="2"} / b{w="2"}`, err: "one scope text per side"},
		{name: "one side has none of its own", control: `x{a="b",v="1"}`, experiment: `x{a="b"}`, err: "no label matcher of its own"},
		{name: "unterminated string", control: `x{a="b}`, experiment: `x{a="c}`, err: "unterminated"},
		{name: "a line break in a scope", control: "x{v=\"1\n\"}", experiment: `x{v="2"}`, err: "line break"},
		{name: "literal template braces", control: `x{v="1"} or vector({{1}})`, experiment: `x{v="2"} or vector({{1}})`, err: "{"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := deriveScope(c.control, c.experiment)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("deriveScope = %+v, %v; want an error with %q", got, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.query != c.query || got.control != c.cs || got.experiment != c.es {
				t.Errorf("deriveScope =\n  %s {%s} {%s}\nwant\n  %s {%s} {%s}", got.query, got.control, got.experiment, c.query, c.cs, c.es)
			}
		})
	}
}
