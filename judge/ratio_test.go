package judge

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// counter is one counter series over baseConfig's window (61 one-minute
// steps): it starts at start and grows by inc(k) at step k; from a step
// in resets on it restarts from 0 first. Steps where inc is NaN have no point.
func counter(labels map[string]string, start float64, inc func(k int) float64, resets ...int) metrics.Series {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := metrics.Series{Labels: labels}
	v := start
	for k := 0; k <= 60; k++ {
		d := inc(k)
		if math.IsNaN(d) {
			continue
		}
		for _, r := range resets {
			if k == r {
				v = 0
			}
		}
		if k > 0 {
			v += d
		}
		s.Points = append(s.Points, metrics.Point{T: t0.Add(time.Duration(k) * time.Minute), V: v})
	}
	return s
}

func steady(n float64) func(int) float64 { return func(int) float64 { return n } }

// everyK is one event at every k-th step.
func everyK(k int) func(int) float64 {
	return func(i int) float64 {
		if i%k == 0 {
			return 1
		}
		return 0
	}
}

func result(series ...metrics.Series) Fetched {
	return Fetched{Query: "q", Result: metrics.Result{Series: series}}
}

// ratioData is a ratio metric's four queries; the canary's series carry pod="c".
func ratioData(bNum, bDen, cNum, cDen []metrics.Series) Data {
	relabel := func(ss []metrics.Series) []metrics.Series {
		out := make([]metrics.Series, len(ss))
		for i, s := range ss {
			l := map[string]string{"pod": "c"}
			for k, v := range s.Labels {
				if k != "pod" {
					l[k] = v
				}
			}
			out[i] = metrics.Series{Labels: l, Points: s.Points}
		}
		return out
	}
	return Data{Parts: []PartData{
		{Name: PartNumerator, Baseline: result(bNum...), Canary: result(relabel(cNum)...)},
		{Name: PartDenominator, Baseline: result(bDen...), Canary: result(relabel(cDen)...)},
	}}
}

// traffic is one side's counters: per step, req requests of which the
// events function fails some; errs false leaves the numerator without series.
func traffic(req float64, events func(int) float64, errs bool) (num, den []metrics.Series) {
	ok := counter(map[string]string{"pod": "a", "code": "200"}, 1000, func(k int) float64 { return req - events(k) })
	bad := counter(map[string]string{"pod": "a", "code": "500"}, 3, events)
	if !errs {
		return nil, []metrics.Series{ok}
	}
	return []metrics.Series{bad}, []metrics.Series{ok, bad}
}

func ratioMetric(name string) config.Metric {
	return config.Metric{Name: name, Kind: config.KindRatio, FailOn: config.Increase,
		Numerator: `r{ {{ .Scope }}, code=~"5.." }`, Denominator: `r{ {{ .Scope }} }`}
}

func judgeRatio(t *testing.T, m config.Metric, d Data) Metric {
	t.Helper()
	cfg := baseConfig(m)
	cfg.Coverage, cfg.MultipleTesting, cfg.MarginTest = 0.9, config.Holm, config.NonInferiority
	rep := Judge(cfg, []Data{d})
	if len(rep.Metrics) != 1 {
		t.Fatalf("%d metrics", len(rep.Metrics))
	}
	return rep.Metrics[0]
}

func TestRatioCounts(t *testing.T) {
	// Baseline: 100 requests a step, an error every 6th step (10 events),
	// numerator present. Canary: a restart at step 30, an error every 3rd step.
	bn, bd := traffic(100, everyK(6), true)
	cOK := counter(map[string]string{"pod": "a", "code": "200"}, 5000, func(k int) float64 { return 100 - everyK(3)(k) }, 30)
	cBad := counter(map[string]string{"pod": "a", "code": "500"}, 40, everyK(3), 30)
	// A second canary pod appears at step 40 (its first point only sets the start).
	late := counter(map[string]string{"pod": "b", "code": "200"}, 7, func(k int) float64 {
		if k < 40 {
			return math.NaN()
		}
		return 50
	})
	out := judgeRatio(t, ratioMetric("errors"), ratioData(bn, bd, []metrics.Series{cBad}, []metrics.Series{cOK, cBad, late}))
	want := Counts{
		Baseline: Count{Events: 10, Total: 6000},
		Canary:   Count{Events: 20, Total: 6000 + 20*50},
	}
	if out.Counts == nil || out.Counts.Baseline.Events != want.Baseline.Events || out.Counts.Baseline.Total != want.Baseline.Total ||
		out.Counts.Canary.Events != want.Canary.Events || out.Counts.Canary.Total != want.Canary.Total {
		t.Fatalf("counts %+v, want %+v", out.Counts, want)
	}
	if r := out.Counts.Canary.Rate; r == nil || *r != 20.0/7000 {
		t.Errorf("canary rate %v, want %v", r, 20.0/7000)
	}
	if out.Kind != config.KindRatio || out.Test == nil || out.Test.Name != "poisson" {
		t.Fatalf("kind %s test %+v", out.Kind, out.Test)
	}
	p, _ := analysis.PoissonRatio(20, 7000, 10, 6000, 1, analysis.Greater)
	est, lo, hi, _ := analysis.PoissonRatioCI(20, 7000, 10, 6000, 0.98)
	for _, f := range []struct {
		what string
		got  *float64
		want float64
	}{{"pValue", out.Test.PValue, p}, {"estimate", out.Test.Estimate, est}, {"ciLow", out.Test.CILow, lo}, {"ciHigh", out.Test.CIHigh, hi}} {
		if f.got == nil || *f.got != f.want {
			t.Errorf("%s %v, want %v", f.what, f.got, f.want)
		}
	}
	if out.Test.NonInferiorityPValue != nil {
		t.Errorf("nonInferiorityPValue %v without a margin", *out.Test.NonInferiorityPValue)
	}
	if out.Test.Dispersion == nil || *out.Test.Dispersion > 1 {
		t.Errorf("dispersion %v: events every few steps are underdispersed", out.Test.Dispersion)
	}
	if out.Classification != Pass {
		t.Errorf("%s: %s", out.Classification, out.Reason)
	}
}

func TestRatioClassification(t *testing.T) {
	zero := func(int) float64 { return 0 }
	withMargin := func(m config.Metric) config.Metric { m.AllowedIncrease = pctMargin(0.1); return m }
	both := func(m config.Metric) config.Metric { m.FailOn = config.Either; return m }
	decrease := func(m config.Metric) config.Metric {
		m.FailOn, m.AllowedDecrease = config.Decrease, pctMargin(0.1)
		return m
	}
	withMax := func(max float64) func(config.Metric) config.Metric {
		return func(m config.Metric) config.Metric { m.Max = &max; return m }
	}
	plain := func(m config.Metric) config.Metric { return m }
	side := func(req float64, ev func(int) float64, errs bool) [2][]metrics.Series {
		n, d := traffic(req, ev, errs)
		return [2][]metrics.Series{n, d}
	}
	none := [2][]metrics.Series{}
	stops := func() [2][]metrics.Series { // the canary crashes at step 30
		ok := counter(map[string]string{"pod": "a", "code": "200"}, 1000, func(k int) float64 {
			if k > 30 {
				return math.NaN()
			}
			return 100
		})
		return [2][]metrics.Series{nil, {ok}}
	}
	bursts := func(k int) float64 { // 30 errors at step 20, one at step 50
		switch k {
		case 20:
			return 30
		case 50:
			return 1
		}
		return 0
	}
	for _, c := range []struct {
		name   string
		metric func(config.Metric) config.Metric
		b, c   [2][]metrics.Series
		want   Classification
		reason string
		warn   string
	}{
		{"no errors on either side passes", plain, side(100, zero, false), side(100, zero, false), Pass, "", ""},
		{"no errors on either side with a margin is inconclusive", withMargin, side(100, zero, true), side(100, zero, true), MetricInconclusive, "", ""},
		{"2% against 0.1% is high", plain, side(1000, steady(1), true), side(1000, steady(20), true), High, "higher in the canary: +1900% (98% CI", ""},
		{"the same rate passes", plain, side(1000, steady(2), true), side(1000, steady(2), true), Pass, "", ""},
		{"a tenth of the traffic at the same rate passes", plain, side(1000, steady(2), true), side(100, everyK(5), true), Pass, "", ""},
		{"fewer errors with fail_on decrease is low", decrease, side(1000, steady(10), true), side(1000, steady(1), true), Low, "lower in the canary", ""},
		{"either catches an increase", both, side(1000, steady(1), true), side(1000, steady(10), true), High, "", ""},
		{"no canary traffic is nodata", plain, side(100, steady(1), true), side(0, zero, true), NoData, "no traffic on the canary", ""},
		{"no baseline traffic is nodata", plain, side(0, zero, true), side(100, steady(1), true), NoData, "no traffic on the baseline", ""},
		{"no traffic anywhere is nodata", plain, side(0, zero, true), side(0, zero, true), NoData, "no traffic on either side", ""},
		{"a canary without series is missing", plain, side(100, steady(1), true), none, Missing, "", ""},
		{"a canary that stops is missing", plain, side(100, steady(1), true), stops(), Missing, "", ""},
		{"no data on both sides is not the canary's fault", plain, none, none, NoData, "", ""},
		{"a rate above max is high", withMax(0.01), side(100, zero, true), side(100, steady(2), true), High, "above the maximum", ""},
		{"max applies without baseline traffic", withMax(0.01), side(0, zero, true), side(100, steady(2), true), High, "above the maximum", ""},
		{"bursts warn", plain, side(1000, bursts, true), side(1000, bursts, true), Pass, "", "bursts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := judgeRatio(t, c.metric(ratioMetric("errors")), ratioData(c.b[0], c.b[1], c.c[0], c.c[1]))
			if out.Classification != c.want || !strings.Contains(out.Reason, c.reason) {
				t.Errorf("%s (%s), want %s with %q", out.Classification, out.Reason, c.want, c.reason)
			}
			if c.warn != "" && !strings.Contains(strings.Join(out.Warnings, "\n"), c.warn) {
				t.Errorf("warnings %q lack %q", out.Warnings, c.warn)
			}
		})
	}
}

func TestRatioErrors(t *testing.T) {
	bn, bd := traffic(100, steady(1), true)
	frac := counter(map[string]string{"pod": "a", "code": "500"}, 0, func(k int) float64 { return b2f(k == 7) / 2 }) // half an event
	ok := Data{Parts: ratioData(bn, bd, bn, bd).Parts}
	failed := ratioData(bn, bd, bn, bd)
	failed.Parts[0].Canary = Fetched{Query: "q", Err: errFake("connection refused")}
	for _, c := range []struct {
		name   string
		d      Data
		reason string
	}{
		{"a failed numerator", failed, "connection refused"},
		{"fractional events", ratioData(bn, bd, []metrics.Series{frac}, bd), "not a whole number"},
		{"the same series on both sides", Data{Parts: []PartData{
			{Name: PartNumerator, Baseline: ok.Parts[0].Baseline, Canary: ok.Parts[0].Baseline},
			{Name: PartDenominator, Baseline: ok.Parts[1].Baseline, Canary: ok.Parts[1].Baseline}}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := judgeRatio(t, ratioMetric("errors"), c.d)
			if out.Classification != Failed || !strings.Contains(out.Reason, c.reason) {
				t.Errorf("%s (%s), want error with %q", out.Classification, out.Reason, c.reason)
			}
		})
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

// TestRatioNonFiniteIsNull: with no baseline events the rate ratio and its
// upper bound are infinite in R; the JSON report gives null.
func TestRatioNonFiniteIsNull(t *testing.T) {
	bn, bd := traffic(100, func(int) float64 { return 0 }, true)
	cn, cd := traffic(100, everyK(2), true)
	out := judgeRatio(t, ratioMetric("errors"), ratioData(bn, bd, cn, cd))
	if out.Classification != High {
		t.Fatalf("%s: %s", out.Classification, out.Reason)
	}
	b, err := json.Marshal(out.Test)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"estimate":null`, `"ciHigh":null`, `"name":"poisson"`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("test %s lacks %s", b, w)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
