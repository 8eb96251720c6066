// Package kayenta converts a Spinnaker Kayenta canary config for Prometheus
// into a verdict config (SPEC §7): Kayenta's JSON in, a commented
// canary.yaml and the list of what could not be converted out.
package kayenta

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Side is what Kayenta's execution request gives one side of the comparison
// (controlScope or experimentScope): the values of ${scope}, ${location}
// and any other ${name} (its extendedScopeParams).
type Side struct {
	Scope    string
	Location string
	Vars     map[string]string
}

// Options are the execution request's values and how to write the config.
type Options struct {
	Baseline, Canary Side
	// ScopeLabel is the label Kayenta's prometheus.scopeLabel setting names
	// for resourceType gce_instance queries; "" means Kayenta's default, instance.
	ScopeLabel string
	// PrometheusURL goes into source.prometheus.url; "" writes a placeholder.
	PrometheusURL string
	// Source names the converted file in the header comment.
	Source string
}

// Problem is a part of the Kayenta config that was not converted, or not exactly.
type Problem struct {
	Path    string // JSON path, e.g. metrics[2].analysisConfigurations.canary.muted
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Result is a converted config.
type Result struct {
	YAML     []byte
	Problems []Problem
	Metrics  int // metrics converted
}

// ErrNothingConverted is returned, with the Result, when no metric could be converted.
var ErrNothingConverted = errors.New("no metric could be converted")

// DefaultPrometheusURL is written when Options.PrometheusURL is empty.
const DefaultPrometheusURL = "http://127.0.0.1:9090"

// Convert converts a Kayenta canary config. A config that is not JSON or
// not an object is an error; everything else that cannot be converted is
// listed in Result.Problems, and ErrNothingConverted is returned when no
// metric is left.
func Convert(data []byte, opts Options) (*Result, error) {
	var top json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if describe(top) != "an object" {
		return nil, fmt.Errorf("not a Kayenta canary config: the file holds %s, not a JSON object", describe(top))
	}
	if opts.ScopeLabel == "" {
		opts.ScopeLabel = "instance"
	}
	for _, side := range []struct {
		name string
		s    Side
	}{{"baseline", opts.Baseline}, {"canary", opts.Canary}} {
		vals := map[string]string{"scope": side.s.Scope, "location": side.s.Location}
		for k, v := range side.s.Vars {
			vals["variable "+k] = k + v
		}
		for what, v := range vals {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				return nil, fmt.Errorf("the %s's %s must be one line of UTF-8 text", side.name, what)
			}
		}
	}
	c := &converter{opts: opts}
	c.config(c.object("", top))
	res := &Result{Metrics: c.pick()}
	if res.Metrics == 0 {
		res.Problems = c.sorted()
		return res, ErrNothingConverted
	}
	res.YAML = c.render()
	res.Problems = c.sorted()
	return res, nil
}

type converter struct {
	opts     Options
	problems []Problem

	name, description string
	templates         map[string]string
	weights           map[string]float64 // classifier.groupWeights
	weightOrder       []string
	thresholds        *[2]float64 // pass, marginal
	metrics           []*metric
	kayentaGroups     []string // groups of every metric Kayenta scores (not muted), in order

	baselineScope, canaryScope string
}

func (c *converter) problem(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{path, fmt.Sprintf(format, args...)})
}

// sorted returns the problems in the order of the file: the config's own
// fields, then metric by metric (each metric's in the order found), then
// the classifier's.
func (c *converter) sorted() []Problem {
	rank := func(p Problem) int {
		var i int
		switch {
		case strings.HasPrefix(p.Path, "classifier"):
			return math.MaxInt
		case strings.HasPrefix(p.Path, "metrics["):
			if _, err := fmt.Sscanf(p.Path, "metrics[%d]", &i); err == nil {
				return i
			}
		}
		return -1
	}
	ps := slices.Clone(c.problems)
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(rank(a), rank(b)) })
	return ps
}

// metric is one converted metric.
type metric struct {
	path, name, group string
	origin            []string // comment lines: where it came from
	query             *scoped
	failOn            string
	allowedIncrease   string
	allowedDecrease   string
	critical          bool
	mustHaveData      bool
	nanZero           bool
	removeOutliers    float64
	muted             bool
	dropped           string // why it is left out, when it is
}

func (c *converter) config(o *object) {
	c.name = o.str("name")
	c.description = o.str("description")
	o.ignore("id", "applications", "configVersion", "createdTimestamp", "updatedTimestamp",
		"createdTimestampIso", "updatedTimestampIso", "isNew")
	j := o.child("judge")
	if n := j.str("name"); n != "" && n != "NetflixACAJudge-v1.0" {
		c.problem(j.key("name"), "judge %s is not converted: verdict judges as NetflixACAJudge-v1.0 does, with a Mann-Whitney test per metric", strconv.Quote(n))
	}
	if jc := j.child("judgeConfigurations"); len(jc.fields) > 0 {
		for _, k := range jc.keys() {
			c.problem(jc.key(k), "judge configurations are not converted")
		}
	}
	j.unread()
	c.templates = map[string]string{}
	t := o.child("templates")
	for _, k := range t.keys() {
		var s string
		if err := json.Unmarshal(t.fields[k], &s); err != nil {
			c.problem(t.key(k), "a template must be a string, not %s", describe(t.fields[k]))
			continue
		}
		c.templates[k] = s
	}
	cl := o.child("classifier")
	gw := cl.child("groupWeights")
	c.weights = map[string]float64{}
	for _, g := range gw.orderedKeys() {
		if w, ok := gw.num(g); ok {
			c.weights[g] = w
			c.weightOrder = append(c.weightOrder, g)
		}
	}
	if st := cl.child("scoreThresholds"); len(st.fields) > 0 {
		pass, ok1 := st.num("pass")
		marginal, ok2 := st.num("marginal")
		switch {
		case ok1 && ok2 && 0 <= marginal && marginal <= pass && pass <= 100:
			c.thresholds = &[2]float64{pass, marginal}
		case ok1 && ok2:
			c.problem(st.path, "pass %s and marginal %s are not 0 ≤ marginal ≤ pass ≤ 100; verdict's defaults are used", num(pass), num(marginal))
		default:
			c.problem(st.path, "needs both pass and marginal; verdict's defaults are used")
		}
		st.unread()
	}
	cl.unread()
	seen := map[string]string{}
	for i, raw := range o.array("metrics") {
		m := c.metric(c.object(index("metrics", i), raw))
		if m == nil {
			continue
		}
		if first, dup := seen[m.name]; dup {
			c.problem(m.path+".name", "%s is already the name of %s (Kayenta rejects duplicate names); not converted", strconv.Quote(m.name), first)
			continue
		}
		seen[m.name] = m.path
		c.metrics = append(c.metrics, m)
	}
	o.unread()
}

// metric converts one CanaryMetricConfig; nil when it has no name.
func (c *converter) metric(o *object) *metric {
	m := &metric{path: o.path, name: o.str("name"), failOn: "either"}
	if m.name == "" || strings.ContainsFunc(m.name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		c.problem(o.key("name"), "required, without control characters: a metric needs a name verdict can report; not converted")
		o.ignore("query", "groups", "analysisConfigurations", "scopeName")
		return nil
	}
	groups := o.strs("groups")
	if len(groups) > 0 {
		m.group = groups[0]
		for i, g := range groups[1:] {
			c.problem(index(o.key("groups"), i+1), "verdict puts a metric in one group: %s is scored in group %s only, not also in %s", strconv.Quote(m.name), strconv.Quote(m.group), strconv.Quote(g))
		}
	}
	if s := o.str("scopeName"); s != "" && s != "default" {
		c.problem(o.key("scopeName"), "verdict has one pair of scopes: this metric is judged with --baseline-scope and --canary-scope like the rest, not scope %s", strconv.Quote(s))
	}
	c.analysis(o.child("analysisConfigurations"), m)
	if !m.muted {
		c.kayentaGroups = append(c.kayentaGroups, groups...)
	}
	c.query(o.child("query"), m)
	o.unread()
	if m.dropped == "" && m.group == "" {
		c.problem(o.key("groups"), "no group: Kayenta leaves the metric out of the score (a critical one can still fail the canary); verdict puts it in group %s with weight 0", noGroup)
	}
	return m
}

// noGroup holds the metrics Kayenta puts in no group: verdict's default group, weighted 0.
const noGroup = "default"

func (c *converter) analysis(o *object, m *metric) {
	for _, k := range o.keys() {
		if k != "canary" {
			c.problem(o.key(k), "only the canary analysis configuration is converted")
		}
	}
	a := o.child("canary")
	switch d := a.str("direction"); d {
	case "", "either":
	case "increase", "decrease":
		m.failOn = d
	default:
		c.problem(a.key("direction"), "%s is not increase, decrease or either; Kayenta reads it as either", strconv.Quote(d))
	}
	switch n := a.str("nanStrategy"); n {
	case "", "remove", "none":
	case "replace":
		m.nanZero = true
	default:
		c.problem(a.key("nanStrategy"), "%s is not remove or replace; Kayenta reads it as remove", strconv.Quote(n))
	}
	m.critical = a.boolean("critical")
	m.mustHaveData = a.boolean("mustHaveData")
	if a.boolean("muted") {
		m.muted = true
		c.problem(a.key("muted"), "verdict has no muted metrics (judged but left out of the score): %s is written commented out; uncomment it to judge it", strconv.Quote(m.name))
	}
	c.effectSize(a.child("effectSize"), m)
	out := a.child("outliers")
	switch s := out.str("strategy"); s {
	case "", "keep", "none":
		out.ignore("outlierFactor")
	case "remove":
		k := 3.0
		if f, ok := out.num("outlierFactor"); ok {
			k = f
		}
		if k > 0 {
			m.removeOutliers = k
		} else {
			c.problem(out.key("outlierFactor"), "must be more than 0, not %v; outliers are kept", k)
		}
	default:
		c.problem(out.key("strategy"), "%s is not remove or keep; Kayenta keeps outliers", strconv.Quote(s))
		out.ignore("outlierFactor")
	}
	out.unread()
	a.unread()
}

func (c *converter) effectSize(o *object, m *metric) {
	measure := o.str("measure")
	if measure == "cles" {
		c.problem(o.key("measure"), "cles (common-language effect size) margins are not converted: verdict's margins are shifts of the baseline's median; the metric is converted without a margin")
		o.ignore("allowedIncrease", "allowedDecrease", "criticalIncrease", "criticalDecrease")
		o.unread()
		return
	}
	if measure != "" && measure != "meanRatio" {
		c.problem(o.key("measure"), "%s is not meanRatio or cles; Kayenta reads it as meanRatio", strconv.Quote(measure))
	}
	if r, ok := o.num("allowedIncrease"); ok && r > 1 {
		m.allowedIncrease = percent(r - 1)
	}
	if r, ok := o.num("allowedDecrease"); ok && r < 1 {
		m.allowedDecrease = percent(1 - math.Max(r, 0))
	}
	for _, k := range []string{"criticalIncrease", "criticalDecrease"} {
		if r, ok := o.num(k); ok && r != 1 {
			c.problem(o.key(k), "verdict has no separate critical margin: a critical metric aborts the canary as soon as it fails its allowed margin; %v is not converted", r)
		}
	}
	o.unread()
}

// percent writes a fraction as a verdict percentage margin: 0.1 → "10%".
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*100*1e9)/1e9, 'f', -1, 64) + "%"
}

// query builds the metric's query for both sides as Kayenta would and
// derives verdict's query template from the two.
func (c *converter) query(o *object, m *metric) {
	typ := o.str("type")
	if st := o.str("serviceType"); typ == "" {
		typ = st
	}
	if typ != "" && typ != "prometheus" {
		m.dropped = typ + " query"
		c.problem(o.key("type"), "a %s query: only Prometheus queries convert; %s is not converted", typ, strconv.Quote(m.name))
		o.ignore(slices.Collect(maps.Keys(o.fields))...)
		return
	}
	q := &kayentaQuery{
		resourceType:         o.str("resourceType"),
		metricName:           o.str("metricName"),
		labelBindings:        o.strs("labelBindings"),
		groupByFields:        o.strs("groupByFields"),
		customFilter:         o.str("customFilter"),
		customInlineTemplate: o.str("customInlineTemplate"),
		customFilterTemplate: o.str("customFilterTemplate"),
	}
	o.unread()
	for i, l := range q.labelBindings {
		if strings.Contains(l, "${") {
			c.problem(index(o.key("labelBindings"), i), "Kayenta sends label bindings as written, without expanding ${...}: %s is kept as it is", l)
		}
	}
	control, err := q.build(c.templates, c.opts.Baseline, c.opts.ScopeLabel)
	if err == nil {
		var experiment string
		experiment, err = q.build(c.templates, c.opts.Canary, c.opts.ScopeLabel)
		if err == nil {
			m.query, err = deriveScope(control, experiment)
		}
		m.origin = append(m.origin, q.describe(), "Kayenta's control query: "+control)
	}
	if err != nil {
		m.dropped = "query"
		c.problem(o.path, "%v; %s is not converted", err, strconv.Quote(m.name))
	}
}

// pick chooses the scopes (the pair most metrics use) and returns how many
// metrics are converted.
func (c *converter) pick() int {
	type pair struct{ b, c string }
	count := map[pair]int{}
	var best pair
	for _, m := range c.metrics {
		if m.dropped != "" || m.muted {
			continue
		}
		p := pair{m.query.control, m.query.experiment}
		count[p]++
		if count[p] > count[best] {
			best = p
		}
	}
	c.baselineScope, c.canaryScope = best.b, best.c
	n := 0
	for _, m := range c.metrics {
		switch {
		case m.dropped != "", m.muted:
		case m.query.control != best.b || m.query.experiment != best.c:
			m.dropped = "scope"
			c.problem(m.path+".query", "tells the sides apart by {%s} against {%s}, while the other metrics use {%s} against {%s}; verdict has one scope per side, so %s is not converted",
				m.query.control, m.query.experiment, best.b, best.c, strconv.Quote(m.name))
		default:
			n++
		}
	}
	return n
}
