package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// sample draws n values around mean with relative lognormal noise, seeded.
func sample(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = mean * math.Exp(0.05*rng.NormFloat64())
	}
	return out
}

func fetched(vals []float64) Fetched {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := metrics.Series{Labels: map[string]string{"pod": "a"}}
	for i, v := range vals {
		s.Points = append(s.Points, metrics.Point{T: t0.Add(time.Duration(i) * 30 * time.Second), V: v})
	}
	if len(vals) == 0 {
		return Fetched{Query: "q"}
	}
	return Fetched{Query: "q", Result: metrics.Result{Series: []metrics.Series{s}}}
}

// data is both sides; the canary's series is labelled pod="c" (the same
// labels on both sides would be overlapping scopes, an error).
func data(b, c []float64) Data {
	d := Data{Baseline: fetched(b), Canary: fetched(c)}
	for i := range d.Canary.Result.Series {
		d.Canary.Result.Series[i].Labels = map[string]string{"pod": "c"}
	}
	return d
}

func baseConfig(ms ...config.Metric) *config.Config {
	for i := range ms {
		if ms[i].Query == "" {
			ms[i].Query = "m{ {{ .Scope }} }"
		}
		if ms[i].FailOn == "" {
			ms[i].FailOn = config.Either
		}
		if ms[i].Group == "" {
			ms[i].Group = "default"
		}
	}
	return &config.Config{
		Version:    1,
		Window:     config.Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC), Step: time.Minute},
		Baseline:   config.Scope{Scope: `version="a"`},
		Canary:     config.Scope{Scope: `version="b"`},
		Confidence: 0.98,
		Metrics:    ms,
		Scoring:    config.Scoring{Pass: 95, Marginal: 75},
	}
}

// scoreOf is the report's score, -1 when it has none (verdict error).
func scoreOf(rep *Report) float64 {
	if rep.Score == nil {
		return -1
	}
	return *rep.Score
}

func pctMargin(f float64) config.Margin { return config.Margin{Value: f, Relative: true} }

var (
	same   = func(seed uint64) Data { return data(sample(seed, 60, 1), sample(seed+100, 60, 1)) }
	higher = func(seed uint64) Data { return data(sample(seed, 60, 1), sample(seed+100, 60, 1.3)) }
	lower  = func(seed uint64) Data { return data(sample(seed, 60, 1), sample(seed+100, 60, 0.7)) }
	empty  = Data{Baseline: fetched(nil), Canary: fetched(nil)}
	failed = Data{Baseline: fetched(sample(1, 60, 1)), Canary: Fetched{Query: "q", Err: errors.New("connection refused")}}
)

func TestClassification(t *testing.T) {
	tests := []struct {
		name   string
		metric config.Metric
		data   Data
		want   Classification
		reason string
	}{
		{"no change passes", config.Metric{Name: "m"}, same(1), Pass, "no significant change"},
		{"30% higher is high", config.Metric{Name: "m"}, higher(2), High, "higher in the canary"},
		{"30% lower is low", config.Metric{Name: "m"}, lower(3), Low, "lower in the canary"},
		{"higher within a 50% margin passes", config.Metric{Name: "m", AllowedIncrease: pctMargin(0.5)}, higher(4), Pass, ""},
		{"higher with fail_on decrease passes", config.Metric{Name: "m", FailOn: config.Decrease}, higher(5), Pass, ""},
		{"lower with fail_on increase passes", config.Metric{Name: "m", FailOn: config.Increase}, lower(6), Pass, ""},
		{"absolute margin", config.Metric{Name: "m", AllowedIncrease: config.Margin{Value: 0.5}}, higher(7), Pass, ""},
		{"empty canary is nodata", config.Metric{Name: "m"}, Data{Baseline: fetched(sample(1, 60, 1)), Canary: fetched(nil)}, NoData, "no data for the canary"},
		{"empty baseline is nodata", config.Metric{Name: "m"}, Data{Baseline: fetched(nil), Canary: fetched(sample(1, 60, 1))}, NoData, "no data for the baseline"},
		{"failed query is error", config.Metric{Name: "m"}, failed, Failed, "canary query failed: connection refused"},
		{"three samples each cannot reach 1%", config.Metric{Name: "m"}, data([]float64{1, 2, 3}, []float64{10, 20, 30}), NoData, "too few samples"},
		{"all NaN canary is nodata", config.Metric{Name: "m"}, data(sample(1, 60, 1), []float64{math.NaN(), math.NaN()}), NoData, "no data"},
		{"NaN as zero counts", config.Metric{Name: "m", NaN: "zero", FailOn: config.Decrease}, data(sample(1, 60, 1), append(sample(2, 30, 1), make30NaN()...)), Low, ""},
		{"median above max is high", config.Metric{Name: "m", Max: ptr(0.9)}, same(8), High, "above the maximum"},
		{"median below min is low", config.Metric{Name: "m", Min: ptr(1.1)}, same(9), Low, "below the minimum"},
		{"a broken bound counts with too few samples", config.Metric{Name: "m", Max: ptr(5)}, data([]float64{1, 2, 3}, []float64{10, 20, 30}), High, "above the maximum 5"},
		{"a broken bound counts without a baseline", config.Metric{Name: "m", Min: ptr(100)}, Data{Baseline: fetched(nil), Canary: fetched(sample(1, 60, 1))}, Low, "below the minimum 100"},
		{
			// Kayenta's judge misses this: baseline all zeros, some canary errors.
			"zero-inflated errors are caught", config.Metric{Name: "errors", FailOn: config.Increase, AllowedIncrease: pctMargin(0.1)},
			data(make([]float64, 120), append(make([]float64, 100), sample(3, 20, 0.02)...)), High, "higher in the canary",
		},
		{"all equal on both sides passes", config.Metric{Name: "m"}, data(make([]float64, 60), make([]float64, 60)), Pass, ""},
		{"more +Inf in the canary is high", config.Metric{Name: "m"}, data(sample(1, 60, 1), append(sample(2, 60, 1), math.Inf(1))), High, "1.6% of the canary's samples are +Inf against 0%"},
		{"an all +Inf canary is high, not nodata", config.Metric{Name: "m"}, data(sample(1, 60, 1), []float64{math.Inf(1), math.Inf(1)}), High, "100% of the canary's samples are +Inf"},
		{"+Inf with fail_on decrease is left out", config.Metric{Name: "m", FailOn: config.Decrease}, data(sample(1, 60, 1), append(sample(2, 60, 1), math.Inf(1))), Pass, ""},
		{"more -Inf in the canary is low", config.Metric{Name: "m"}, data(sample(1, 60, 1), append(sample(2, 60, 1), math.Inf(-1))), Low, "-Inf"},
		{"the same +Inf share on both sides is tested without them", config.Metric{Name: "m"}, data(append(sample(1, 60, 1), math.Inf(1)), append(sample(2, 60, 1), math.Inf(1))), Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Judge(baseConfig(tt.metric), []Data{tt.data})
			m := rep.Metrics[0]
			if m.Classification != tt.want {
				t.Fatalf("classification = %s, want %s (reason: %s)", m.Classification, tt.want, m.Reason)
			}
			if !strings.Contains(m.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", m.Reason, tt.reason)
			}
			if !strings.HasPrefix(m.Reason, tt.metric.Name) {
				t.Errorf("reason %q does not start with the metric name", m.Reason)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("report does not encode: %v", err)
			}
		})
	}
}

func make30NaN() []float64 {
	out := make([]float64, 30)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

func ptr(f float64) *float64 { return &f }

func TestInfWarning(t *testing.T) {
	rep := Judge(baseConfig(config.Metric{Name: "m", FailOn: config.Decrease}), []Data{data(sample(1, 60, 1), append(sample(2, 60, 1), math.Inf(1)))})
	m := rep.Metrics[0]
	if m.Canary.Count != 60 || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "1 +Inf") {
		t.Fatalf("count %d, warnings %q", m.Canary.Count, m.Warnings)
	}
}

func TestVerdicts(t *testing.T) {
	lat := func(name string, crit bool) config.Metric {
		return config.Metric{Name: name, Group: "latency", Critical: crit}
	}
	errm := func(name string) config.Metric { return config.Metric{Name: name, Group: "errors"} }
	weighted := func(ms ...config.Metric) *config.Config {
		c := baseConfig(ms...)
		c.Groups = map[string]config.Group{"latency": {Weight: 60}, "errors": {Weight: 40}}
		return c
	}
	tests := []struct {
		name    string
		cfg     *config.Config
		data    []Data
		verdict Verdict
		score   float64
		reason  string
	}{
		{"everything passes", weighted(lat("p50", false), lat("p99", true), errm("e")), []Data{same(1), same(2), same(3)}, Promote, 100, "no metric is worse"},
		{"critical failure aborts alone", weighted(lat("p50", false), lat("p99", true), errm("e")), []Data{same(1), higher(2), same(3)}, Abort, 70, "critical metric failed: p99"},
		{"weighted score below marginal aborts", weighted(lat("p50", false), lat("p99", false), errm("e")), []Data{same(1), higher(2), same(3)}, Abort, 70, "score 70 is below the marginal threshold 75"},
		{"marginal score is inconclusive", weighted(lat("a", false), lat("b", false), lat("c", false), lat("d", false), lat("e", false), errm("x")), []Data{same(1), same(2), same(3), same(4), higher(5), same(6)}, Inconclusive, 88, "marginal"},
		{"any error decides error", weighted(lat("p50", false), lat("p99", true), errm("e")), []Data{same(1), higher(2), failed}, Error, -1, "could not be fetched"},
		{"half without data is inconclusive", weighted(lat("p50", false), errm("e")), []Data{same(1), empty}, Inconclusive, 100, "no usable data"},
		{"nodata without must_have_data does not count", weighted(lat("a", false), lat("b", false), lat("c", false), errm("e")), []Data{same(1), same(2), same(3), empty}, Promote, 100, ""},
		// SPEC §4 (rev 2): it lowers the score, but a score below marginal
		// aborts only if it stays below with such metrics counted as passes.
		{"nodata with must_have_data counts against the score but does not abort", weighted(lat("a", false), lat("b", false), lat("c", false), config.Metric{Name: "e", Group: "errors", MustHaveData: true}), []Data{same(1), same(2), same(3), empty}, Inconclusive, 60, "not enough evidence to abort"},
		{"critical metric without data is inconclusive at best", weighted(lat("a", false), lat("b", false), lat("c", true), errm("e")), []Data{same(1), same(2), empty, same(4)}, Inconclusive, 100, "critical metric c has no data"},
		{"no metrics is inconclusive", baseConfig(), nil, Inconclusive, 0, "no usable data"},
		{"undeclared groups share the weight", baseConfig(config.Metric{Name: "a", Group: "g1"}, config.Metric{Name: "b", Group: "g2"}), []Data{same(1), higher(2)}, Abort, 50, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Judge(tt.cfg, tt.data)
			if rep.Verdict != tt.verdict {
				t.Fatalf("verdict = %s, want %s (score %v, reason %s)", rep.Verdict, tt.verdict, rep.Score, rep.Reason)
			}
			if got := scoreOf(rep); got != tt.score {
				t.Errorf("score = %v, want %v", got, tt.score)
			}
			if !strings.Contains(rep.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", rep.Reason, tt.reason)
			}
		})
	}
}

func TestScoreBoundaries(t *testing.T) {
	// Four metrics in one group, one high: score 75.
	ms := []config.Metric{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}}
	d := []Data{same(1), same(2), same(3), higher(4)}
	for _, tt := range []struct {
		pass, marginal float64
		want           Verdict
	}{
		{75, 50, Promote},         // score == pass promotes
		{75.01, 75, Inconclusive}, // score == marginal is inconclusive
		{90, 75.01, Abort},        // just under marginal aborts
	} {
		cfg := baseConfig(ms...)
		cfg.Scoring = config.Scoring{Pass: tt.pass, Marginal: tt.marginal}
		rep := Judge(cfg, d)
		if scoreOf(rep) != 75 || rep.Verdict != tt.want {
			t.Errorf("pass %v marginal %v: score %v verdict %s, want 75 %s", tt.pass, tt.marginal, scoreOf(rep), rep.Verdict, tt.want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	for v, want := range map[Verdict]int{Promote: 0, Abort: 1, Inconclusive: 3, Error: 4, Verdict("other"): 4} {
		if got := v.ExitCode(); got != want {
			t.Errorf("%s: exit %d, want %d", v, got, want)
		}
	}
}

func TestBeforeAfterWarns(t *testing.T) {
	cfg := baseConfig(config.Metric{Name: "m"})
	cfg.Baseline.Offset = 24 * time.Hour
	rep := Judge(cfg, []Data{same(1)})
	if rep.Comparison != "before-after" || rep.Window.BaselineOffset != "24h0m0s" || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "weaker evidence") {
		t.Fatalf("comparison %q offset %q warnings %q", rep.Comparison, rep.Window.BaselineOffset, rep.Warnings)
	}
	qs, err := Queries(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !qs[0].Start.Equal(cfg.Window.Start.Add(-24*time.Hour)) || !qs[1].Start.Equal(cfg.Window.Start) {
		t.Errorf("baseline window %v, canary %v", qs[0].Start, qs[1].Start)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := baseConfig(config.Metric{Name: "a"}, config.Metric{Name: "b"})
	var first []byte
	for i := 0; i < 5; i++ {
		b, err := json.Marshal(Judge(cfg, []Data{same(1), higher(2)}))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && !bytes.Equal(b, first) {
			t.Fatal("same input gave different JSON")
		}
		first = b
	}
}

func TestReasonHasNumbers(t *testing.T) {
	cfg := baseConfig(config.Metric{Name: "latency_p99", FailOn: config.Increase, AllowedIncrease: pctMargin(0.1), Critical: true})
	rep := Judge(cfg, []Data{higher(1)})
	r := rep.Metrics[0].Reason
	for _, want := range []string{"latency_p99 is higher in the canary", "98% CI", "more than the allowed 10%", "critical"} {
		if !strings.Contains(r, want) {
			t.Errorf("reason %q lacks %q", r, want)
		}
	}
}

// TestKayentaDifferences pins where verdict deliberately departs from
// Kayenta's NetflixACAJudge (MannWhitneyClassifier); README lists them.
func TestKayentaDifferences(t *testing.T) {
	t.Run("zero-inflated errors are high although the shift estimate is 0", func(t *testing.T) {
		// Kayenta flags high only when the interval's low end exceeds 25% of |estimate|;
		// here the estimate is 0 and the interval touches 0, so it would pass.
		c := append(make([]float64, 100), sample(3, 20, 0.02)...)
		rep := Judge(baseConfig(config.Metric{Name: "errors", FailOn: config.Increase}), []Data{data(make([]float64, 120), c)})
		m := rep.Metrics[0]
		if m.Classification != High {
			t.Fatalf("classification %s: %s", m.Classification, m.Reason)
		}
		if m.MannWhitney.Estimate != 0 || m.MannWhitney.CILow > 0 {
			t.Errorf("estimate %v, ciLow %v: the case no longer shows Kayenta's blind spot", m.MannWhitney.Estimate, m.MannWhitney.CILow)
		}
	})
	t.Run("small samples use the exact distribution", func(t *testing.T) {
		rep := Judge(baseConfig(config.Metric{Name: "m"}), []Data{data(sample(1, 10, 1), sample(2, 10, 1.5))})
		if mw := rep.Metrics[0].MannWhitney; mw == nil || mw.Method != "exact" || rep.Metrics[0].Classification != High {
			t.Fatalf("got %+v %s", mw, rep.Metrics[0].Classification)
		}
	})
	t.Run("too few samples is nodata, not a silent pass", func(t *testing.T) {
		rep := Judge(baseConfig(config.Metric{Name: "m"}), []Data{data([]float64{1, 1.1, 0.9, 1}, []float64{5, 6, 7, 8})})
		if rep.Metrics[0].Classification != NoData || rep.Verdict == Promote {
			t.Fatalf("%s / %s", rep.Metrics[0].Classification, rep.Verdict)
		}
	})
	t.Run("constant sides get no random noise", func(t *testing.T) {
		ones, twos := make([]float64, 60), make([]float64, 60)
		for i := range ones {
			ones[i], twos[i] = 1, 2
		}
		cfg := baseConfig(config.Metric{Name: "m"})
		a, _ := json.Marshal(Judge(cfg, []Data{data(ones, twos)}))
		b, _ := json.Marshal(Judge(cfg, []Data{data(ones, twos)}))
		if !bytes.Equal(a, b) {
			t.Fatal("two runs differ")
		}
		if c := Judge(cfg, []Data{data(ones, twos)}).Metrics[0].Classification; c != High {
			t.Fatalf("constant 1 vs constant 2: %s", c)
		}
	})
	t.Run("no data with nan zero is nodata, not pass", func(t *testing.T) {
		rep := Judge(baseConfig(config.Metric{Name: "m", NaN: "zero"}), []Data{{Baseline: fetched(sample(1, 60, 1)), Canary: fetched(nil)}})
		if rep.Metrics[0].Classification != NoData || rep.Verdict == Promote {
			t.Fatalf("%s / %s", rep.Metrics[0].Classification, rep.Verdict)
		}
	})
	t.Run("a critical metric whose query fails decides error", func(t *testing.T) {
		rep := Judge(baseConfig(config.Metric{Name: "m", Critical: true}, config.Metric{Name: "n"}), []Data{failed, same(2)})
		if rep.Verdict != Error || rep.Verdict.ExitCode() != 4 {
			t.Fatalf("verdict %s", rep.Verdict)
		}
	})
}

// jitterSource answers from a map after a delay that differs per query, so
// queries finish out of order.
type jitterSource map[string][]float64

func (s jitterSource) Fetch(ctx context.Context, q metrics.Query) (metrics.Result, error) {
	time.Sleep(time.Duration(len(q.Expr)%7) * time.Millisecond)
	vals, ok := s[q.Expr]
	if !ok {
		return metrics.Result{}, errors.New("no such series")
	}
	if q.Side == metrics.Canary {
		return data(nil, vals).Canary.Result, nil
	}
	return fetched(vals).Result, nil
}

func TestRunEqualsJudge(t *testing.T) {
	var ms []config.Metric
	src := jitterSource{}
	var data []Data
	for i := 0; i < 12; i++ {
		name := strings.Repeat("m", i+1)
		ms = append(ms, config.Metric{Name: name, Query: name + "{ {{ .Scope }} }"})
		d := higher(uint64(i))
		if i%3 == 0 {
			d = same(uint64(i))
		}
		src[name+`{ version="a" }`] = d.Baseline.Result.Values()
		src[name+`{ version="b" }`] = d.Canary.Result.Values()
		data = append(data, Data{Baseline: Fetched{Query: name + `{ version="a" }`, Result: d.Baseline.Result}, Canary: Fetched{Query: name + `{ version="b" }`, Result: d.Canary.Result}})
	}
	cfg := baseConfig(ms...)
	want, _ := json.Marshal(Judge(cfg, data))
	judged := Judge(cfg, data)
	for _, conc := range []int{1, 3, 24} {
		for _, noCharts := range []bool{false, true} {
			rep, err := Run(context.Background(), cfg, src, RunOptions{Concurrency: conc, NoCharts: noCharts})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(rep)
			if !bytes.Equal(got, want) {
				t.Fatalf("concurrency %d, no charts %v: Run differs from Judge:\n%s\n%s", conc, noCharts, got, want)
			}
			for i, m := range rep.Metrics {
				b, c := m.Baseline.Points, m.Canary.Points
				switch {
				case noCharts && len(b)+len(c) != 0:
					t.Fatalf("no charts: metric %d kept %d and %d points", i, len(b), len(c))
				case !noCharts && (!reflect.DeepEqual(b, judged.Metrics[i].Baseline.Points) || !reflect.DeepEqual(c, judged.Metrics[i].Canary.Points)):
					t.Fatalf("concurrency %d: metric %d's chart points differ from Judge's", conc, i)
				case !noCharts && len(b) == 0:
					t.Fatalf("metric %d: no chart points", i)
				}
			}
		}
	}
}

func TestRemoveOutliers(t *testing.T) {
	spikes := make([]float64, 10)
	for i := range spikes {
		spikes[i] = 50
	}
	d := data(sample(1, 60, 1), append(sample(2, 50, 1), spikes...))
	m := config.Metric{Name: "m", FailOn: config.Increase}
	if c := Judge(baseConfig(m), []Data{d}).Metrics[0].Classification; c != High {
		t.Fatalf("with 10 spikes kept: %s, want high", c)
	}
	m.RemoveOutliers = 3
	got := Judge(baseConfig(m), []Data{d}).Metrics[0]
	if got.Classification != Pass || got.Canary.Count != 50 || got.Baseline.Count != 60 {
		t.Fatalf("with remove_outliers 3: %s, counts %d/%d", got.Classification, got.Canary.Count, got.Baseline.Count)
	}
	if len(got.Warnings) != 1 || got.Warnings[0] != "canary: 10 outliers beyond 3×IQR left out (remove_outliers)" {
		t.Errorf("warnings %q", got.Warnings)
	}
}
