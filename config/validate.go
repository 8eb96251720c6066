package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// validate checks every rule that a single value's type cannot express.
func (l *loader) validate(cfg *Config) {
	if l.layerOf("version") == unset {
		l.fail("version", "required: this build reads version: 1")
	} else if cfg.Version != 1 {
		l.fail("version", "must be 1, not %d (the only config version this build reads)", cfg.Version)
	}
	if p := cfg.Source.Prometheus; p != nil {
		l.validatePrometheus(p)
	}
	if cfg.Source.Recording != "" {
		if msg := fileProblem(cfg.Source.Recording); msg != "" {
			l.fail("source.recording", "%s", msg)
		}
	}
	if cfg.Window.Step <= 0 {
		l.fail("window.step", "must be more than 0, not %s", cfg.Window.Step)
	}
	if c := cfg.Confidence; !(c > 0.5 && c < 1) {
		l.fail("confidence", "must be between 0.5 and 1 (exclusive), not %v", c)
	}
	switch cfg.MultipleTesting {
	case Holm, NoAdjustment:
	default:
		l.fail("multiple_testing", "must be holm or none, not %s", quoteValue(cfg.MultipleTesting))
	}
	switch cfg.MarginTest {
	case NonInferiority, NoMarginTest:
	default:
		l.fail("margin_test", "must be non-inferiority or none, not %s", quoteValue(cfg.MarginTest))
	}
	if st := cfg.Window.Step; st > 0 && st%time.Millisecond != 0 {
		l.fail("window.step", "must be a whole number of milliseconds (PromQL's finest duration), not %s", st)
	}
	l.validateWatch(cfg.Watch)
	l.validateScopes(cfg)
	l.validateMetrics(cfg)
	l.validateGroups(cfg)
	if s := cfg.Scoring; !(0 <= s.Marginal && s.Marginal <= s.Pass && s.Pass <= 100) {
		l.fail("scoring", "must have 0 <= marginal <= pass <= 100, not marginal %v and pass %v", s.Marginal, s.Pass)
	}
}

func (l *loader) validateWatch(w Watch) {
	for _, d := range []struct {
		key string
		v   time.Duration
		pos bool
	}{{"interval", w.Interval, true}, {"duration", w.Duration, true}, {"warmup", w.Warmup, false}, {"lag", w.Lag, false}} {
		switch {
		case d.pos && d.v <= 0:
			l.fail("watch."+d.key, "must be more than 0, not %s", d.v)
		case d.v < 0:
			l.fail("watch."+d.key, "must be 0 or more, not %s", d.v)
		}
	}
	if w.Interval > 0 && w.Duration > 0 && w.Interval > w.Duration {
		l.fail("watch.interval", "must not be longer than watch.duration (%s), not %s", w.Duration, w.Interval)
	}
	if w.Warmup >= w.Duration && w.Duration > 0 {
		l.fail("watch.warmup", "must be shorter than watch.duration (%s), not %s", w.Duration, w.Warmup)
	}
	if w.MaxFailedChecks < 1 {
		l.fail("watch.max_failed_checks", "must be at least 1, not %d", w.MaxFailedChecks)
	}
}

func (l *loader) validatePrometheus(p *Prometheus) {
	const pre = "source.prometheus."
	if p.URL == "" {
		l.fail(pre+"url", "required: the Prometheus API's base URL, e.g. http://127.0.0.1:9090")
	} else if u, err := url.Parse(p.URL); err != nil {
		// url.Parse's message repeats the URL, which may hold a password.
		l.fail(pre+"url", "is not a valid URL")
	} else if u.Scheme != "http" && u.Scheme != "https" {
		l.fail(pre+"url", "must be an http:// or https:// URL, not scheme %s", quoteValue(u.Scheme))
	} else if u.Host == "" {
		l.fail(pre+"url", "has no host")
	}
	if p.Timeout <= 0 {
		l.fail(pre+"timeout", "must be more than 0, not %s", p.Timeout)
	}
	if p.Concurrency < 1 {
		l.fail(pre+"concurrency", "must be at least 1, not %d", p.Concurrency)
	}
	if p.Retries < 0 {
		l.fail(pre+"retries", "must be 0 or more, not %d", p.Retries)
	}
	if p.MaxBufferedBytes < 1 {
		l.fail(pre+"max_buffered_bytes", "must be at least 1, not %d", p.MaxBufferedBytes)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Headers)) {
		path := pre + "headers" + mapKey(name)
		if !isToken(name) {
			l.fail(path, "is not a valid HTTP header name")
		}
		if strings.ContainsAny(p.Headers[name], "\r\n\x00") {
			l.fail(path, "the value must not contain a line break or NUL")
		}
	}
	bearer := p.BearerTokenFile != "" || p.BearerTokenEnv != ""
	if p.BearerTokenFile != "" && p.BearerTokenEnv != "" {
		l.fail(pre+"bearer_token_env", "set only one of bearer_token_file and bearer_token_env")
	}
	if b := p.BasicAuth; b != nil {
		if b.Username == "" {
			l.fail(pre+"basic_auth.username", "required with basic_auth")
		}
		if b.Password != "" && b.PasswordFile != "" {
			l.fail(pre+"basic_auth.password_file", "set only one of password and password_file")
		}
		if bearer {
			l.fail(pre+"basic_auth", "set only one of basic_auth and a bearer token")
		}
	}
	if t := p.TLS; t != nil && (t.CertFile == "") != (t.KeyFile == "") {
		l.fail(pre+"tls", "cert_file and key_file go together")
	}
}

// validateScopes checks the scopes: the texts substituted into queries.
func (l *loader) validateScopes(cfg *Config) {
	offset := cfg.Baseline.Offset
	if offset < 0 {
		l.fail("baseline.offset", "must be 0 or more, not %s", offset)
	}
	if cfg.Canary.Offset != 0 {
		l.fail("canary.offset", "only the baseline can be shifted in time (baseline.offset)")
	}
	uses := slices.ContainsFunc(cfg.Metrics, func(m Metric) bool {
		return usesScope(m.Query) || usesScope(m.Numerator) || usesScope(m.Denominator)
	})
	switch {
	case !uses:
	case cfg.Canary.Scope == "":
		l.fail("canary.scope", "required: the label matchers that select the canary, e.g. 'version=\"v1.5.0\"'")
	case cfg.Baseline.Scope == "" && offset > 0:
		cfg.Baseline.Scope = cfg.Canary.Scope // before/after: the same series, earlier
	case cfg.Baseline.Scope == "":
		l.fail("baseline.scope", "required: the label matchers that select the baseline (or set baseline.offset to compare with the canary's own past)")
	case cfg.Baseline.Scope == cfg.Canary.Scope && offset == 0:
		l.fail("baseline.scope", "is the same as canary.scope, so both sides would run the same query; set baseline.offset for a before/after comparison")
	}
	for _, s := range []struct {
		key, scope string
	}{{"baseline.scope", cfg.Baseline.Scope}, {"canary.scope", cfg.Canary.Scope}} {
		if msg := scopeProblem(s.scope); msg != "" {
			l.fail(s.key, "%s", msg)
		}
	}
}

// scopeProblem says how scope would break out of the label matcher braces
// it is substituted into, or "". Braces, newlines and unterminated quotes
// outside a quoted string do; PromQL's ", ' and ` quotes are understood.
func scopeProblem(scope string) string {
	var quote rune
	escaped := false
	for _, r := range scope {
		switch {
		case r == '\n' || r == '\r' || r == 0:
			return "must be one line of label matchers (it holds a line break or NUL)"
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '{' || r == '}':
			return fmt.Sprintf("must not hold %q outside a quoted value: it would break out of the query's label matchers", r)
		}
	}
	if quote != 0 {
		return fmt.Sprintf("has an unterminated %c-quoted value", quote)
	}
	return ""
}

func (l *loader) validateMetrics(cfg *Config) {
	if len(cfg.Metrics) == 0 {
		l.fail("metrics", "required: at least one metric")
		return
	}
	first := map[string]int{}
	for i, m := range cfg.Metrics {
		p := "metrics[" + strconv.Itoa(i) + "]"
		switch j, dup := first[m.Name]; {
		case m.Name == "":
			l.fail(p+".name", "required")
		case strings.ContainsFunc(m.Name, func(r rune) bool { return r < ' ' || r == 0x7f }):
			l.fail(p+".name", "must not hold control characters")
		case dup:
			l.fail(p+".name", "%s is already the name of metrics[%d]", quoteValue(m.Name), j)
		default:
			first[m.Name] = i
		}
		l.validateKind(cfg, p, m)
		switch m.FailOn {
		case Increase, Decrease, Either:
		default:
			l.fail(p+".fail_on", "must be increase, decrease or either, not %s", quoteValue(string(m.FailOn)))
		}
		switch m.NaN {
		case NaNRemove, NaNZero:
		default:
			l.fail(p+".nan", "must be remove or zero, not %s", quoteValue(string(m.NaN)))
		}
		if m.RemoveOutliers < 0 {
			l.fail(p+".remove_outliers", "must be 0 (off) or a positive IQR factor such as 3, not %v", m.RemoveOutliers)
		}
		if m.Max != nil && m.Min != nil && *m.Max < *m.Min {
			l.fail(p+".max", "must be at least min (%v), not %v", *m.Min, *m.Max)
		}
		if _, declared := cfg.Groups[m.Group]; len(cfg.Groups) > 0 && !declared && l.t.set[p+".group"] && m.Group != DefaultGroup {
			l.fail(p+".group", "%s is not declared in groups: (declared: %s)", quoteValue(m.Group), strings.Join(slices.Sorted(maps.Keys(cfg.Groups)), ", "))
		}
	}
}

// validateKind checks a metric's kind and the queries and test it takes.
func (l *loader) validateKind(cfg *Config, p string, m Metric) {
	query := func(key, q string) {
		switch msg := queryProblem(q); {
		case q == "":
			l.fail(p+"."+key, "required")
		case msg != "":
			l.fail(p+"."+key, "%s", msg)
		case !usesScope(q) && cfg.Baseline.Offset <= 0:
			l.fail(p+"."+key, "has no {{ .Scope }}, so the baseline and the canary would run the same query (or set baseline.offset)")
		}
	}
	switch m.Kind {
	case KindSeries:
		query("query", m.Query)
		for _, k := range []struct{ key, val string }{{"numerator", m.Numerator}, {"denominator", m.Denominator}} {
			if k.val != "" {
				l.fail(p+"."+k.key, "only a kind: ratio metric has a %s; a series metric has one query:", k.key)
			}
		}
		switch m.Test {
		case TestAuto, TestPaired, TestMannWhitney:
		default:
			l.fail(p+".test", "must be auto, paired or mann-whitney, not %s", quoteValue(m.Test))
		}
	case KindRatio:
		if m.Query != "" {
			l.fail(p+".query", "a kind: ratio metric takes numerator: and denominator: (two counter queries), not query:")
		}
		query("numerator", m.Numerator)
		query("denominator", m.Denominator)
		if m.Test != "" {
			l.fail(p+".test", "applies to kind: series only; a ratio metric is tested with poisson.test")
		}
		for _, mg := range []struct {
			key string
			m   Margin
		}{{"allowed_increase", m.AllowedIncrease}, {"allowed_decrease", m.AllowedDecrease}} {
			if !mg.m.Relative && mg.m.Value != 0 {
				l.fail(p+"."+mg.key, "on a ratio metric a margin is a share of the baseline's rate: write a percentage such as %s, not the number %s",
					formatFloat(mg.m.Value*100)+"%", mg.m.String())
			}
		}
		if d := m.AllowedDecrease; d.Relative && d.Value >= 1 {
			l.fail(p+".allowed_decrease", "must stay below 100%% on a ratio metric (a rate cannot fall by %s), not %s", d.String(), d.String())
		}
	default:
		l.fail(p+".kind", "must be series or ratio, not %s", quoteValue(m.Kind))
	}
}

func (l *loader) validateGroups(cfg *Config) {
	if len(cfg.Groups) == 0 {
		return
	}
	sum, complete := 0.0, true
	for _, name := range slices.Sorted(maps.Keys(cfg.Groups)) {
		p := "groups" + mapKey(name)
		w := cfg.Groups[name].Weight
		switch {
		case name == "":
			l.fail(p, "a group needs a name")
		case l.t.bad[p+".weight"]:
			complete = false
		case l.layerOf(p+".weight") == unset:
			complete = false
			l.fail(p+".weight", "required")
		case w < 0:
			complete = false
			l.fail(p+".weight", "must be 0 or more, not %v", w)
		}
		if w > 0 {
			sum += w
		}
	}
	if sum == 0 && complete {
		l.fail("groups", "the weights add up to 0; give at least one group a positive weight")
	}
}

var templateLine = regexp.MustCompile(`^template: query:(\d+)(?::\d+)?: `)

// queryProblem says what is wrong with a query template, or "". A query
// may hold text and {{ .Scope }} and {{ .Step }} actions (any spacing,
// {{- -}} trims) only.
func queryProblem(q string) string {
	t, err := template.New("query").Option("missingkey=error").Parse(q)
	if err != nil {
		return templateLine.ReplaceAllString(oneLine(err.Error()), "template: query line $1: ")
	}
	if len(t.Templates()) > 1 {
		return "template: only {{ .Scope }} and {{ .Step }} may appear between {{ and }}, not {{ define }}"
	}
	if t.Tree == nil || t.Root == nil {
		return ""
	}
	for _, n := range t.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode, *parse.CommentNode:
		case *parse.ActionNode:
			if !isField(n, "Scope") && !isField(n, "Step") {
				return fmt.Sprintf("template: only {{ .Scope }} and {{ .Step }} may appear between {{ and }}, not %s", quoteValue(n.String()))
			}
		default:
			return fmt.Sprintf("template: only {{ .Scope }} and {{ .Step }} may appear between {{ and }}, not %s", quoteValue(n.String()))
		}
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ Scope, Step string }{"x", "60s"}); err != nil {
		return "template: " + oneLine(err.Error())
	}
	return ""
}

// isField reports whether n is exactly {{ .<name> }}.
func isField(n *parse.ActionNode, name string) bool {
	if n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return false
	}
	f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
	return ok && len(f.Ident) == 1 && f.Ident[0] == name
}

// usesScope reports whether a valid query template substitutes {{ .Scope }}.
func usesScope(q string) bool {
	t, err := template.New("query").Parse(q)
	if err != nil || t.Root == nil {
		return false
	}
	for _, n := range t.Root.Nodes {
		if a, ok := n.(*parse.ActionNode); ok && isField(a, "Scope") {
			return true
		}
	}
	return false
}

// isToken reports whether s is an HTTP header name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
