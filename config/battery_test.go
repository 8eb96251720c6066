package config

import (
	"fmt"
	"strings"
	"testing"
)

// want is one expected FieldError: its line, its path and part of its message.
type want struct {
	line int
	path string
	msg  string
}

// edit returns base with old replaced by new (old must be present).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// mergeChain is n mappings under x:, each merging the one before.
func mergeChain(n int) string {
	var b strings.Builder
	b.WriteString("x:\n  a0: &a0 {name: b}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d {<<: *a%d}\n", i, i, i-1)
	}
	return b.String()
}

// checkErrs asserts that errs are exactly wants, in order.
func checkErrs(t *testing.T, errs Errors, wants []want) {
	t.Helper()
	ok := len(errs) == len(wants)
	for i := 0; ok && i < len(wants); i++ {
		e, w := errs[i], wants[i]
		ok = e.Line == w.line && e.Path == w.path && strings.Contains(e.Msg, w.msg)
	}
	if !ok {
		t.Errorf("got errors:\n%v\nwant (line path: message part):\n%v", errs, wants)
	}
	for _, e := range errs {
		if e.Msg == "" || strings.ContainsAny(e.Error(), "\n\r") {
			t.Errorf("error %q is empty or not one line", e.Error())
		}
	}
}

// TestBadInput is issue 7's bad-input battery and every validation rule:
// each case must fail with exactly the listed errors, each naming its path
// and, where the file has one, its line.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		wants []want
	}{
		// Malformed YAML.
		{"malformed: unclosed flow list", "version: 1\nmetrics: [\n", []want{{2, "", "malformed YAML: did not find expected node content"}}},
		{"malformed: bad indentation", base + "   group: x\n", []want{{7, "", "malformed YAML: did not find expected '-' indicator"}}}, // yaml.v3 names the list's line
		{"malformed: tab indent", "version: 1\nsource:\n\tprometheus: {}\n", []want{{3, "", "malformed YAML"}}},
		{"malformed: two documents", base + "---\nversion: 1\n", []want{{10, "", "a second YAML document"}}},
		{"malformed: not a mapping", "- version: 1\n", []want{{1, "", "must be a mapping of keys"}}},
		{"malformed: merge cycle", base + "  - &m {<<: *m, name: b, query: 'b{ {{ .Scope }} }'}\n", []want{{10, "metrics[1]", "<< merges a mapping into itself"}}},
		{"malformed: merge chain too deep", mergeChain(70) + base + "  - {<<: *a69, query: 'b{ {{ .Scope }} }'}\n", []want{{1, "x", "unknown key"}, {7, "metrics[1]", "<< merges are nested more than 64 deep"}}},
		{"merge chain within the limit", mergeChain(60) + base + "  - {<<: *a59, query: 'b{ {{ .Scope }} }'}\n", []want{{1, "x", "unknown key"}}},
		{"malformed: nested too deep", strings.Repeat("[", 20000), []want{{1, "", "malformed YAML: exceeded max depth of 10000"}}},
		{"malformed: duplicate key", base + "confidence: 0.9\nconfidence: 0.95\n", []want{{11, "confidence", "duplicate key (first at line 10)"}}},

		// Wrong types.
		{"type: confidence high", base + "confidence: high\n", []want{{10, "confidence", `"high" is not a number`}}},
		{"type: version word", edit(t, "version: 1", "version: one"), []want{{1, "version", `"one" is not a whole number`}}},
		{"type: version float", edit(t, "version: 1", "version: 1.5"), []want{{1, "version", `"1.5" is not a whole number`}}},
		{"type: step list", base + "window: {step: [1]}\n", []want{{10, "window.step", "must be a duration like 30s, 5m, 1h or 1d, not a list"}}},
		{"type: step without unit", base + "window: {step: 60}\n", []want{{10, "window.step", `"60" has no unit; write e.g. 60s`}}},
		{"type: duration garbage", base + "window: {duration: soon}\n", []want{{10, "window.duration", `"soon" is not a duration`}}},
		{"type: end not RFC 3339", base + "window: {end: yesterday}\n", []want{{10, "window.end", `"yesterday" is not an RFC 3339 time`}}},
		{"type: end date only", base + "window: {end: 2024-01-01}\n", []want{{10, "window.end", "not an RFC 3339 time"}}},
		{"type: metrics a mapping", edit(t, "metrics:\n  - name: latency\n    query: 'rate(x{ {{ .Scope }} }[1m])'\n", "metrics: {latency: up}\n"), []want{{7, "metrics", "must be a list, not a mapping"}}},
		{"type: metric item a string", base + "  - latency\n", []want{{10, "metrics[1]", "must be a mapping, not a string"}}},
		{"type: metric item empty", base + "  -\n", []want{{10, "metrics[1]", "must be a mapping, not empty"}}},
		{"type: critical yes", base + "    critical: yes\n", []want{{10, "metrics[0].critical", `"yes" is not true or false`}}},
		{"type: max word", base + "    max: lots\n", []want{{10, "metrics[0].max", `"lots" is not a number`}}},
		{"type: max infinite", base + "    max: .inf\n", []want{{10, "metrics[0].max", "not a finite number"}}},
		{"type: confidence NaN", base + "confidence: .nan\n", []want{{10, "confidence", "not a finite number"}}},
		{"type: name a list", base + "  - name: [a]\n    query: 'b{ {{ .Scope }} }'\n", []want{{10, "metrics[1].name", "must be a string, not a list"}}},
		{"type: headers a list", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    headers: [a]\n"), []want{{5, "source.prometheus.headers", "must be a mapping, not a list"}}},
		{"type: header value empty", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    headers: {X-Org: }\n"), []want{{5, "source.prometheus.headers.X-Org", "must be a string, not empty"}}},
		{"type: retries word", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    retries: many\n"), []want{{5, "source.prometheus.retries", `"many" is not a whole number`}}},
		{"type: group weight word", base + "groups: {default: {weight: heavy}}\n", []want{{10, "groups.default.weight", `"heavy" is not a number`}}},
		{"type: margin word", base + "    allowed_increase: ten%\n", []want{{10, "metrics[0].allowed_increase", `"ten%" is not a margin`}}},
		{"type: margin negative", base + "    allowed_increase: -10%\n", []want{{10, "metrics[0].allowed_increase", `"-10%" is negative`}}},
		{"type: margin negative absolute", base + "    allowed_decrease: -0.5\n", []want{{10, "metrics[0].allowed_decrease", `"-0.5" is negative`}}},

		// Unknown keys, with their path and a suggestion when close.
		{"unknown: metric key", base + "    treshold: 3\n", []want{{10, "metrics[0].treshold", "unknown key"}}},
		{"unknown: top-level typo", base + "confidenze: 0.9\n", []want{{10, "confidenze", "unknown key (did you mean confidence?)"}}},
		{"unknown: nested", edit(t, "    url: http://prom:9090\n", "    uri: http://prom:9090\n"), []want{{3, "source.prometheus.url", "required"}, {4, "source.prometheus.uri", "unknown key (did you mean url?)"}}},
		{"unknown: in third metric", base + "  - name: b\n    query: 'a{ {{ .Scope }} }'\n  - name: c\n    query: 'a{ {{ .Scope }} }'\n    treshold: 0.1\n", []want{{14, "metrics[2].treshold", "unknown key"}}},

		// Missing required keys.
		{"missing: version", strings.TrimPrefix(base, "version: 1\n"), []want{{0, "version", "required"}}},
		{"missing: source", edit(t, "source:\n  prometheus:\n    url: http://prom:9090\n", ""), []want{{0, "source", "required: set source.prometheus.url or source.recording"}}},
		{"missing: url", edit(t, "    url: http://prom:9090\n", "    timeout: 10s\n"), []want{{3, "source.prometheus.url", "required"}}},
		{"missing: metrics", edit(t, "metrics:\n  - name: latency\n    query: 'rate(x{ {{ .Scope }} }[1m])'\n", ""), []want{{0, "metrics", "required: at least one metric"}}},
		{"missing: metrics empty list", edit(t, "metrics:\n  - name: latency\n    query: 'rate(x{ {{ .Scope }} }[1m])'\n", "metrics: []\n"), []want{{7, "metrics", "required: at least one metric"}}},
		{"missing: metric name", base + "  - query: 'a{ {{ .Scope }} }'\n", []want{{10, "metrics[1].name", "required"}}},
		{"missing: metric query", base + "  - name: b\n", []want{{10, "metrics[1].query", "required"}}},
		{"missing: canary scope", edit(t, "canary: {scope: 'version=\"v2\"'}\n", ""), []want{{0, "canary.scope", "required"}}},
		{"missing: baseline scope", edit(t, "baseline: {scope: 'version=\"v1\"'}\n", ""), []want{{0, "baseline.scope", "required"}}},
		{"missing: basic_auth username", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    basic_auth: {password_file: p}\n"), []want{{5, "source.prometheus.basic_auth.username", "required with basic_auth"}}},
		{"missing: group weight", base + "groups: {default: {}}\n", []want{{10, "groups.default.weight", "required"}}},

		// Window and step.
		{"window: zero step", base + "window: {step: 0s}\n", []want{{10, "window.step", "must be more than 0, not 0s"}}},
		{"window: negative step", base + "window: {step: -1m}\n", []want{{10, "window.step", "must be more than 0, not -1m0s"}}},
		{"window: end before start", base + "window: {start: 2024-01-01T02:00:00Z, end: 2024-01-01T01:00:00Z}\n", []want{{10, "window.end", "must be after window.start"}}},
		{"window: end equals start", base + "window: {start: 2024-01-01T01:00:00Z, end: 2024-01-01T01:00:00Z}\n", []want{{10, "window.end", "must be after window.start"}}},
		{"window: start in the future", base + "window: {start: 2030-01-01T00:00:00Z}\n", []want{{10, "window.start", "must be after window.start"}}},
		{"window: zero duration", base + "window: {duration: 0s}\n", []want{{10, "window.duration", "must be more than 0"}}},
		{"window: three disagree", base + "window: {start: 2024-01-01T00:00:00Z, end: 2024-01-01T01:00:00Z, duration: 2h}\n", []want{{10, "window", "start, end and duration disagree (end - start is 1h0m0s, duration is 2h0m0s)"}}},

		// Confidence outside (0.5, 1).
		{"confidence: 0.5", base + "confidence: 0.5\n", []want{{10, "confidence", "must be between 0.5 and 1 (exclusive), not 0.5"}}},
		{"confidence: 1", base + "confidence: 1\n", []want{{10, "confidence", "not 1"}}},
		{"confidence: 95 (a percentage)", base + "confidence: 95\n", []want{{10, "confidence", "not 95"}}},
		{"confidence: 0", base + "confidence: 0\n", []want{{10, "confidence", "not 0"}}},

		// Groups and weights.
		{"groups: negative weight", base + "groups: {default: {weight: 1}, b: {weight: -1}}\n", []want{{10, "groups.b.weight", "must be 0 or more, not -1"}}},
		{"groups: weights sum to zero", base + "groups: {default: {weight: 0}, b: {weight: 0}}\n", []want{{10, "groups", "the weights add up to 0"}}},
		{"groups: undeclared group", base + "    group: latncy\ngroups: {latency: {weight: 1}}\n", []want{{10, "metrics[0].group", `"latncy" is not declared in groups: (declared: latency)`}}},

		// Metrics.
		{"metrics: duplicate names", base + "  - name: latency\n    query: 'b{ {{ .Scope }} }'\n", []want{{10, "metrics[1].name", `"latency" is already the name of metrics[0]`}}},
		{"metrics: fail_on", base + "    fail_on: up\n", []want{{10, "metrics[0].fail_on", `must be increase, decrease or either, not "up"`}}},
		{"metrics: nan", base + "    nan: keep\n", []want{{10, "metrics[0].nan", `must be remove or zero, not "keep"`}}},
		{"metrics: max below min", base + "    max: 1\n    min: 2\n", []want{{10, "metrics[0].max", "must be at least min (2), not 1"}}},
		{"metrics: name with newline", base + "  - name: \"a\\nb\"\n    query: 'b{ {{ .Scope }} }'\n", []want{{10, "metrics[1].name", "control characters"}}},

		// Query templates.
		{"template: no scope", edit(t, "rate(x{ {{ .Scope }} }[1m])", "rate(x[1m])"), []want{{9, "metrics[0].query", "has no {{ .Scope }}"}}},
		{"template: unclosed action", edit(t, "{{ .Scope }}", "{{ .Scope "), []want{{9, "metrics[0].query", `template: query line 1: unexpected "}" in operand`}}},
		{"template: misspelt field", edit(t, "{{ .Scope }}", "{{ .Scop }}"), []want{{9, "metrics[0].query", `only {{ .Scope }} and {{ .Step }} may appear between {{ and }}, not "{{.Scop}}"`}}},
		{"template: function", edit(t, "{{ .Scope }}", `{{ printf "%s" .Scope }}`), []want{{9, "metrics[0].query", "only {{ .Scope }} and {{ .Step }} may appear"}}},
		{"template: range", edit(t, "{{ .Scope }}", "{{ range 1000000000 }}{{ end }}{{ .Scope }}"), []want{{9, "metrics[0].query", "only {{ .Scope }} and {{ .Step }} may appear"}}},
		{"template: define", edit(t, "{{ .Scope }}", `{{ define "x" }}y{{ end }}{{ .Scope }}`), []want{{9, "metrics[0].query", "not {{ define }}"}}},
		{"template: bad syntax", edit(t, "{{ .Scope }}", "{{ .Scope }} {{ end }}"), []want{{9, "metrics[0].query", "unexpected {{end}}"}}},

		// Scopes that break out of the label matcher.
		{"scope: closing brace", edit(t, `canary: {scope: 'version="v2"'}`, `canary: {scope: 'version="v2"} or vector(1) or x{a="b"'}`), []want{{6, "canary.scope", "must not hold '}' outside a quoted value"}}},
		{"scope: opening brace", edit(t, `baseline: {scope: 'version="v1"'}`, `baseline: {scope: 'x{'}`), []want{{5, "baseline.scope", "must not hold '{'"}}},
		{"scope: newline", edit(t, `canary: {scope: 'version="v2"'}`, `canary: {scope: "version=\"v2\"\n"}`), []want{{6, "canary.scope", "one line"}}},
		{"scope: unbalanced quote", edit(t, `canary: {scope: 'version="v2"'}`, `canary: {scope: 'version="v2'}`), []want{{6, "canary.scope", `unterminated "-quoted value`}}},
		{"scope: same on both sides", edit(t, `canary: {scope: 'version="v2"'}`, `canary: {scope: 'version="v1"'}`), []want{{5, "baseline.scope", "is the same as canary.scope"}}},
		{"scope: canary offset", edit(t, `canary: {scope: 'version="v2"'}`, `canary: {scope: 'version="v2"', offset: 1h}`), []want{{6, "canary.offset", "only the baseline can be shifted"}}},
		{"scope: negative offset", edit(t, `baseline: {scope: 'version="v1"'}`, `baseline: {scope: 'version="v1"', offset: -1h}`), []want{{5, "baseline.offset", "must be 0 or more"}}},

		// Source.
		{"source: both in the file", edit(t, "  prometheus:\n", "  recording: rec.json\n  prometheus:\n"), []want{{2, "source", "set only one of source.prometheus and source.recording"}}},
		{"source: recording missing", edit(t, "  prometheus:\n    url: http://prom:9090\n", "  recording: missing.json\n"), []want{{3, "source.recording", "missing.json: no such file or directory"}}},
		{"source: empty recording", edit(t, "  prometheus:\n    url: http://prom:9090\n", "  recording: ''\n"), []want{{3, "source.recording", "must not be empty"}}},
		{"source: ftp url", edit(t, "http://prom:9090", "ftp://prom:9090"), []want{{4, "source.prometheus.url", `must be an http:// or https:// URL, not scheme "ftp"`}}},
		{"source: url without host", edit(t, "http://prom:9090", "http://"), []want{{4, "source.prometheus.url", "has no host"}}},
		{"source: url unparsable", edit(t, "http://prom:9090", "'http://prom:90 90'"), []want{{4, "source.prometheus.url", "is not a valid URL"}}},
		{"source: zero concurrency", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    concurrency: 0\n"), []want{{5, "source.prometheus.concurrency", "must be at least 1, not 0"}}},
		{"source: zero max_buffered_bytes", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    max_buffered_bytes: 0\n"), []want{{5, "source.prometheus.max_buffered_bytes", "must be at least 1, not 0"}}},
		{"source: zero timeout", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    timeout: 0s\n"), []want{{5, "source.prometheus.timeout", "must be more than 0"}}},
		{"source: both bearer tokens", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    bearer_token_file: t\n    bearer_token_env: T\n"), []want{{6, "source.prometheus.bearer_token_env", "set only one of bearer_token_file and bearer_token_env"}}},
		{"source: basic auth and bearer", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    bearer_token_env: T\n    basic_auth: {username: u}\n"), []want{{6, "source.prometheus.basic_auth", "set only one of basic_auth and a bearer token"}}},
		{"source: password and password_file", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    basic_auth: {username: u, password: p, password_file: f}\n"), []want{{5, "source.prometheus.basic_auth.password_file", "set only one of password and password_file"}}},
		{"source: cert without key", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    tls: {cert_file: c.pem}\n"), []want{{5, "source.prometheus.tls", "cert_file and key_file go together"}}},
		{"source: bad header name", edit(t, "    url: http://prom:9090\n", "    url: http://prom:9090\n    headers: {\"X Org\": a}\n"), []want{{5, `source.prometheus.headers["X Org"]`, "is not a valid HTTP header name"}}},

		// Version and scoring.
		{"version: 2", edit(t, "version: 1", "version: 2"), []want{{1, "version", "must be 1, not 2"}}},
		{"scoring: marginal above pass", base + "scoring: {pass: 80, marginal: 90}\n", []want{{10, "scoring", "must have 0 <= marginal <= pass <= 100, not marginal 90 and pass 80"}}},
		{"scoring: pass above 100", base + "scoring: {pass: 101}\n", []want{{10, "scoring", "pass 101"}}},
		{"scoring: negative marginal", base + "scoring: {marginal: -1}\n", []want{{10, "scoring", "marginal -1"}}},

		// Revision 2: run-level keys.
		{"multiple_testing: bonferroni", base + "multiple_testing: bonferroni\n", []want{{10, "multiple_testing", `must be holm or none, not "bonferroni"`}}},
		{"multiple_testing: typo", base + "multipletesting: holm\n", []want{{10, "multipletesting", "unknown key (did you mean multiple_testing?)"}}},
		{"margin_test: equivalence", base + "margin_test: equivalence\n", []want{{10, "margin_test", `must be non-inferiority or none, not "equivalence"`}}},
		{"coverage: 90 (a percentage without %)", base + "coverage: 90\n", []want{{10, "coverage", `"90" is not between 0 and 100% (did you mean 90%?)`}}},
		{"coverage: 120%", base + "coverage: 120%\n", []want{{10, "coverage", `"120%" is not between 0 and 100%`}}},
		{"coverage: negative", base + "coverage: -0.1\n", []want{{10, "coverage", "not between 0 and 100%"}}},
		{"coverage: word", base + "coverage: most\n", []want{{10, "coverage", `"most" is not a share`}}},
		{"window: sub-millisecond step", base + "window: {step: 1500us}\n", []want{{10, "window.step", "whole number of milliseconds"}}},
		{"window: end in the future", base + "window: {end: 2030-01-01T00:00:00Z}\n", []want{{10, "window.end", "the window ends at 2030-01-01T00:00:00Z, later than now (2025-06-01T12:00:00Z)"}}},
		{"window: start + duration in the future", base + "window: {start: 2025-06-01T11:30:00Z, duration: 1h}\n", []want{{10, "window.duration", "the window ends at 2025-06-01T12:30:00Z, later than now (2025-06-01T12:00:00Z)"}}},

		// Revision 2: watch.
		{"watch: zero interval", base + "watch: {interval: 0s}\n", []want{{10, "watch.interval", "must be more than 0"}}},
		{"watch: interval longer than duration", base + "watch: {interval: 1h, duration: 30m}\n", []want{{10, "watch.interval", "must not be longer than watch.duration (30m0s), not 1h0m0s"}}},
		{"watch: warmup as long as duration", base + "watch: {warmup: 30m}\n", []want{{10, "watch.warmup", "must be shorter than watch.duration"}}},
		{"watch: negative lag", base + "watch: {lag: -1s}\n", []want{{10, "watch.lag", "must be 0 or more"}}},
		{"watch: no failed checks allowed", base + "watch: {max_failed_checks: 0}\n", []want{{10, "watch.max_failed_checks", "must be at least 1, not 0"}}},
		{"watch: early_promote word", base + "watch: {early_promote: soon}\n", []want{{10, "watch.early_promote", `"soon" is not true or false`}}},
		{"watch: typo", base + "watch: {intervall: 1m}\n", []want{{10, "watch.intervall", "unknown key (did you mean interval?)"}}},

		// Revision 2: kinds and tests.
		{"kind: histogram", base + "    kind: histogram\n", []want{{10, "metrics[0].kind", `must be series or ratio, not "histogram"`}}},
		{"test: t-test", base + "    test: t-test\n", []want{{10, "metrics[0].test", `must be auto, paired or mann-whitney, not "t-test"`}}},
		{"test: typo key", base + "    tests: paired\n", []want{{10, "metrics[0].tests", "unknown key (did you mean test?)"}}},
		{"series: numerator", base + "    numerator: 'a{ {{ .Scope }} }'\n", []want{{10, "metrics[0].numerator", "only a kind: ratio metric has a numerator"}}},
		{"ratio: query and no denominator", base + "    kind: ratio\n    numerator: 'a{ {{ .Scope }} }'\n", []want{{8, "metrics[0].denominator", "required"}, {9, "metrics[0].query", "takes numerator: and denominator:"}}},
		{"ratio: neither query", base + "  - {name: e, kind: ratio}\n", []want{{10, "metrics[1].numerator", "required"}, {10, "metrics[1].denominator", "required"}}},
		{"ratio: no scope", base + "  - {name: e, kind: ratio, numerator: 'a{x=\"1\"}', denominator: 'b{ {{ .Scope }} }'}\n", []want{{10, "metrics[1].numerator", "has no {{ .Scope }}"}}},
		{"ratio: bad template", base + "  - {name: e, kind: ratio, numerator: 'a{ {{ .Scop }} }', denominator: 'b{ {{ .Scope }} }'}\n", []want{{10, "metrics[1].numerator", "only {{ .Scope }} and {{ .Step }} may appear"}}},
		{"ratio: test", base + "  - {name: e, kind: ratio, numerator: 'a{ {{ .Scope }} }', denominator: 'b{ {{ .Scope }} }', test: paired}\n", []want{{10, "metrics[1].test", "applies to kind: series only"}}},
		{"ratio: absolute margin", base + "  - {name: e, kind: ratio, numerator: 'a{ {{ .Scope }} }', denominator: 'b{ {{ .Scope }} }', allowed_increase: 0.001}\n", []want{{10, "metrics[1].allowed_increase", "write a percentage such as 0.1%, not the number 0.001"}}},
		{"ratio: decrease of 100%", base + "  - {name: e, kind: ratio, numerator: 'a{ {{ .Scope }} }', denominator: 'b{ {{ .Scope }} }', allowed_decrease: 100%}\n", []want{{10, "metrics[1].allowed_decrease", "must stay below 100% on a ratio metric"}}},
		{"ratio: many problems at once", base + "  - {name: e, kind: ratio, query: 'q{ {{ .Scope }} }', denominator: 'b', allowed_decrease: 150%, test: auto}\n", []want{
			{10, "metrics[1].query", "takes numerator: and denominator:"},
			{10, "metrics[1].numerator", "required"},
			{10, "metrics[1].denominator", "has no {{ .Scope }}"},
			{10, "metrics[1].test", "applies to kind: series only"},
			{10, "metrics[1].allowed_decrease", "must stay below 100%"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkErrs(t, loadErrs(t, writeConfig(t, c.text), Options{}), c.wants)
		})
	}
}
