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

// Revision 2's rules (SPEC §4): coverage, overlapping scopes, the tests of
// the table, Holm, margins shown, scoring.

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// onSteps is one series per value list, each value at t0 + i·step, labelled pod=<prefix><n>.
func onSteps(prefix string, step time.Duration, vals ...[]float64) Fetched {
	f := Fetched{Query: "q"}
	for n, vs := range vals {
		s := metrics.Series{Labels: map[string]string{"pod": prefix + string(rune('a'+n))}}
		for i, v := range vs {
			s.Points = append(s.Points, metrics.Point{T: t0.Add(time.Duration(i) * step), V: v})
		}
		f.Result.Series = append(f.Result.Series, s)
	}
	return f
}

// rev2 is a revision 2 config (as config.Load's defaults) over a window of
// n steps of one minute.
func rev2(n int, ms ...config.Metric) *config.Config {
	cfg := baseConfig(ms...)
	for i := range cfg.Metrics {
		if cfg.Metrics[i].Test == "" {
			cfg.Metrics[i].Test = config.TestAuto
		}
	}
	cfg.Window = config.Window{Start: t0, End: t0.Add(time.Duration(n-1) * time.Minute), Step: time.Minute}
	cfg.MultipleTesting, cfg.MarginTest, cfg.Coverage = config.Holm, config.NonInferiority, 0.9
	return cfg
}

// ar1 is an AR(1) series around mean with coefficient phi, seeded.
func ar1(seed uint64, n int, mean, phi, sd float64) []float64 {
	e := sample(seed, n, 1)
	out := make([]float64, n)
	x := 0.0
	for i := range out {
		x = phi*x + sd*math.Log(e[i])/0.05
		out[i] = mean + x
	}
	return out
}

// noisy draws n values around mean with relative lognormal noise sd, seeded.
func noisy(seed uint64, n int, mean, sd float64) []float64 {
	out := sample(seed, n, 1)
	for i, v := range out {
		out[i] = mean * math.Pow(v, sd/0.05)
	}
	return out
}

func judgeOne(t *testing.T, cfg *config.Config, d Data) Metric {
	t.Helper()
	rep := Judge(cfg, []Data{d})
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("the report does not encode: %v", err)
	}
	return rep.Metrics[0]
}

func TestCoverageMissing(t *testing.T) {
	base := sample(1, 19, 1)
	crashed := sample(2, 19, 1)[:11] // 11 of 19 points: it crashed
	late := sample(3, 19, 1)[:16]    // stops in the last fifth: 16 of 19
	m := config.Metric{Name: "lat", Critical: true}
	for _, c := range []struct {
		name   string
		canary []float64
		want   Classification
		reason string
	}{
		{"crashed after 11 of 19 points", crashed, Missing, "cover 11 of the baseline's 19 timestamps (57.9%, less than the 90% coverage required; the first it misses is 2024-01-01T00:11:00Z)"},
		{"stopped in the last fifth", late, Missing, "cover 16 of the baseline's 19 timestamps"},
		{"no points at all", nil, Missing, "returned no points while the baseline has 19 timestamps"},
		{"NaN points count as covering", append(append([]float64{}, sample(4, 18, 1)...), math.NaN()), Pass, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Data{Baseline: onSteps("b", time.Minute, base), Canary: onSteps("c", time.Minute, c.canary)}
			rep := Judge(rev2(19, m), []Data{d})
			got := rep.Metrics[0]
			if got.Classification != c.want || !strings.Contains(got.Reason, c.reason) {
				t.Fatalf("%s: %s, want %s with %q", got.Classification, got.Reason, c.want, c.reason)
			}
			if c.want == Missing && rep.Verdict != Abort {
				t.Errorf("a critical missing metric gave %s, want abort", rep.Verdict)
			}
		})
	}
	t.Run("coverage 0 turns it off", func(t *testing.T) {
		cfg := rev2(19, m)
		cfg.Coverage = 0
		d := Data{Baseline: onSteps("b", time.Minute, base), Canary: onSteps("c", time.Minute, nil)}
		if got := judgeOne(t, cfg, d); got.Classification != NoData {
			t.Fatalf("%s: %s", got.Classification, got.Reason)
		}
	})
	t.Run("the baseline is shifted by its offset", func(t *testing.T) {
		cfg := rev2(19, m)
		cfg.Baseline.Offset = 24 * time.Hour
		b := onSteps("b", time.Minute, base)
		for i := range b.Result.Series[0].Points {
			b.Result.Series[0].Points[i].T = b.Result.Series[0].Points[i].T.Add(-24 * time.Hour)
		}
		d := Data{Baseline: b, Canary: onSteps("b", time.Minute, crashed)} // the same labels: before/after
		if got := judgeOne(t, cfg, d); got.Classification != Missing {
			t.Fatalf("%s: %s", got.Classification, got.Reason)
		}
	})
	t.Run("a missing non-critical metric counts like high", func(t *testing.T) {
		cfg := rev2(19, config.Metric{Name: "a"}, config.Metric{Name: "b"})
		ok := Data{Baseline: onSteps("b", time.Minute, base), Canary: onSteps("c", time.Minute, sample(5, 19, 1))}
		rep := Judge(cfg, []Data{ok, {Baseline: onSteps("b", time.Minute, base), Canary: onSteps("c", time.Minute, crashed)}})
		if scoreOf(rep) != 50 || rep.Verdict != Abort {
			t.Fatalf("score %v verdict %s (%s), want 50 abort", scoreOf(rep), rep.Verdict, rep.Reason)
		}
	})
}

func TestBothEmptyNeverAborts(t *testing.T) {
	cfg := rev2(19, config.Metric{Name: "a", MustHaveData: true, Critical: true}, config.Metric{Name: "b", MustHaveData: true},
		config.Metric{Name: "c"}, config.Metric{Name: "d"}, config.Metric{Name: "e"})
	ok := func(seed uint64) Data {
		return Data{Baseline: onSteps("b", time.Minute, sample(seed, 19, 1)), Canary: onSteps("c", time.Minute, sample(seed+9, 19, 1))}
	}
	none := Data{Baseline: Fetched{Query: "q"}, Canary: Fetched{Query: "q"}}
	rep := Judge(cfg, []Data{none, none, ok(1), ok(2), ok(3)})
	if rep.Verdict == Abort || rep.Verdict == Promote {
		t.Fatalf("no data on both sides gave %s (%s)", rep.Verdict, rep.Reason)
	}
	for _, m := range rep.Metrics[:2] {
		if m.Classification != NoData {
			t.Errorf("%s: %s", m.Name, m.Classification)
		}
	}
}

func TestOverlappingScopes(t *testing.T) {
	b := onSteps("x", time.Minute, sample(1, 19, 1))
	c := onSteps("x", time.Minute, sample(1, 19, 1), sample(2, 19, 1.5)) // the baseline's series and its own
	got := judgeOne(t, rev2(19, config.Metric{Name: "lat"}), Data{Baseline: b, Canary: c})
	if got.Classification != Failed || !strings.Contains(got.Reason, `{pod="xa"}: the scopes overlap`) {
		t.Fatalf("%s: %s", got.Classification, got.Reason)
	}
	// Aggregated series carry no labels and cannot be compared: judged as usual.
	b.Result.Series[0].Labels, c.Result.Series = nil, c.Result.Series[:1]
	c.Result.Series[0].Labels = nil
	if got := judgeOne(t, rev2(19, config.Metric{Name: "lat"}), Data{Baseline: b, Canary: c}); got.Classification == Failed {
		t.Fatalf("series without labels: %s", got.Reason)
	}
}

func TestTestSelection(t *testing.T) {
	n := 120
	aligned := Data{Baseline: onSteps("b", time.Minute, sample(1, n, 1), sample(2, n, 1)), Canary: onSteps("c", time.Minute, sample(3, n, 1))}
	// The canary's points fall on every other step only: half its steps pair.
	sparse := Data{Baseline: onSteps("b", time.Minute, sample(1, n, 1)), Canary: onSteps("c", 2*time.Minute, sample(3, n/2, 1))}
	for _, c := range []struct {
		name, test string
		d          Data
		want       string
	}{
		{"auto pairs aligned timestamps", config.TestAuto, aligned, "paired"},
		{"auto blocks unaligned ones", config.TestAuto, sparse, "blocked-mann-whitney"},
		{"paired when asked", config.TestPaired, sparse, "paired"},
		{"mann-whitney when asked", config.TestMannWhitney, aligned, "mann-whitney"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := rev2(n, config.Metric{Name: "m", Test: c.test})
			cfg.Coverage = 0
			got := judgeOne(t, cfg, c.d)
			if got.Test == nil || got.Test.Name != c.want {
				t.Fatalf("test %+v (%s), want %s", got.Test, got.Reason, c.want)
			}
			if got.MannWhitney == nil {
				t.Error("a series metric always reports mannWhitney")
			}
			if c.want == "paired" && (got.Test.Pairs == 0 || got.Test.Blocks == 0 || got.Test.BlockLength < 1) {
				t.Errorf("paired figures %+v", got.Test)
			}
		})
	}
}

func TestAutocorrelatedSeriesAreBlocked(t *testing.T) {
	// A/A under strong autocorrelation: every point as independent finds
	// "changes"; blocks of L points must not.
	n := 240
	d := Data{Baseline: onSteps("b", time.Minute, ar1(11, n, 10, 0.9, 0.5)), Canary: onSteps("c", time.Minute, ar1(12, n, 10, 0.9, 0.5))}
	got := judgeOne(t, rev2(n, config.Metric{Name: "m"}), d)
	if got.Test == nil || got.Test.BlockLength < 2 {
		t.Fatalf("block length %+v for an AR(1) with phi 0.9 (%s)", got.Test, got.Reason)
	}
	if got.Test.Blocks != got.Test.Pairs/got.Test.BlockLength {
		t.Errorf("blocks %d, want pairs %d / L %d", got.Test.Blocks, got.Test.Pairs, got.Test.BlockLength)
	}
}

func TestTooFewBlocksIsNoData(t *testing.T) {
	d := Data{Baseline: onSteps("b", time.Minute, sample(1, 5, 1)), Canary: onSteps("c", time.Minute, sample(2, 5, 2))}
	got := judgeOne(t, rev2(5, config.Metric{Name: "m"}), d)
	if got.Classification != NoData || !strings.Contains(got.Reason, "too few independent blocks") {
		t.Fatalf("%s: %s", got.Classification, got.Reason)
	}
}

func TestMarginMustBeShown(t *testing.T) {
	m := config.Metric{Name: "lat", FailOn: config.Increase, AllowedIncrease: pctMargin(0.1)}
	tiny := Data{Baseline: onSteps("b", time.Minute, noisy(1, 12, 1, 0.3)), Canary: onSteps("c", time.Minute, noisy(2, 12, 1, 0.3))}
	got := judgeOne(t, rev2(12, m), tiny)
	if got.Classification != MetricInconclusive || !strings.Contains(got.Reason, "could not show lat within +10%: its 98% interval reaches") ||
		!strings.Contains(got.Reason, "watch longer or widen the margin") {
		t.Fatalf("%s: %s", got.Classification, got.Reason)
	}
	if got.Test.NonInferiorityPValue == nil || *got.Test.NonInferiorityPValue < 0.01 {
		t.Errorf("non-inferiority p %v", got.Test.NonInferiorityPValue)
	}
	// Much evidence of no change shows the margin.
	many := Data{Baseline: onSteps("b", time.Minute, sample(1, 200, 1)), Canary: onSteps("c", time.Minute, sample(2, 200, 1))}
	if got := judgeOne(t, rev2(200, m), many); got.Classification != Pass || !strings.Contains(got.Reason, "shown within +10%") {
		t.Fatalf("%s: %s", got.Classification, got.Reason)
	}
	// margin_test: none is revision 1: nothing found is a pass.
	cfg := rev2(12, m)
	cfg.MarginTest = config.NoMarginTest
	if got := judgeOne(t, cfg, tiny); got.Classification != Pass {
		t.Fatalf("margin_test none: %s: %s", got.Classification, got.Reason)
	}
	// δ = 0: no margin to show, nonInferiorityPValue null.
	got = judgeOne(t, rev2(12, config.Metric{Name: "lat", FailOn: config.Increase}), tiny)
	if got.Classification != Pass || got.Test.NonInferiorityPValue != nil {
		t.Fatalf("δ=0: %s %v: %s", got.Classification, got.Test.NonInferiorityPValue, got.Reason)
	}
}

func TestInconclusiveScoring(t *testing.T) {
	tiny := func(seed uint64) Data {
		return Data{Baseline: onSteps("b", time.Minute, noisy(seed, 12, 1, 0.3)), Canary: onSteps("c", time.Minute, noisy(seed+50, 12, 1, 0.3))}
	}
	margin := config.Metric{FailOn: config.Increase, AllowedIncrease: pctMargin(0.1)}
	named := func(name string, critical bool) config.Metric {
		m := margin
		m.Name, m.Critical = name, critical
		return m
	}
	t.Run("inconclusive lowers the score but never aborts by itself", func(t *testing.T) {
		rep := Judge(rev2(12, named("a", false), named("b", false)), []Data{tiny(1), tiny(2)})
		if scoreOf(rep) != 0 || rep.Verdict != Inconclusive || !strings.Contains(rep.Reason, "not enough evidence to abort") {
			t.Fatalf("score %v %s: %s", scoreOf(rep), rep.Verdict, rep.Reason)
		}
	})
	t.Run("a critical inconclusive metric caps the verdict", func(t *testing.T) {
		ok := func(seed uint64) Data {
			return Data{Baseline: onSteps("b", time.Minute, sample(seed, 12, 1)), Canary: onSteps("c", time.Minute, sample(seed+50, 12, 1))}
		}
		ms := []config.Metric{named("crit", true)}
		ds := []Data{tiny(1)}
		for i := range 30 {
			ms = append(ms, config.Metric{Name: "ok" + string(rune('a'+i))})
			ds = append(ds, ok(uint64(10+i)))
		}
		rep := Judge(rev2(12, ms...), ds)
		if rep.Verdict != Inconclusive || !strings.Contains(rep.Reason, "crit") {
			t.Fatalf("score %v %s: %s", scoreOf(rep), rep.Verdict, rep.Reason)
		}
	})
}

func TestHolm(t *testing.T) {
	// Ten metrics, one with a moderate shift: its raw p is below α, Holm's
	// adjustment over ten raises it; multiple_testing: none compares raw.
	n := 60
	var ms []config.Metric
	var ds []Data
	for i := range 10 {
		ms = append(ms, config.Metric{Name: "m" + string(rune('a'+i)), FailOn: config.Increase, Test: config.TestMannWhitney})
		mean := 1.0
		if i == 0 {
			mean = 1.035
		}
		ds = append(ds, Data{Baseline: onSteps("b", time.Minute, sample(uint64(i), n, 1)), Canary: onSteps("c", time.Minute, sample(uint64(i+100), n, mean))})
	}
	cfg := rev2(n, ms...)
	rep := Judge(cfg, ds)
	first := rep.Metrics[0]
	raw, adj := *first.Test.PValue, *first.Test.AdjustedPValue
	if !(raw < 0.01) || adj <= raw {
		t.Fatalf("raw p %v, adjusted %v: pick a shift whose raw p is below 0.01", raw, adj)
	}
	var ps []float64
	for _, m := range rep.Metrics {
		ps = append(ps, *m.Test.PValue)
	}
	if want := analysis.Holm(ps)[0]; adj != want {
		t.Errorf("adjusted %v, want Holm's %v", adj, want)
	}
	wantClass := High
	if adj >= 0.01 {
		wantClass = Pass
	}
	if first.Classification != wantClass {
		t.Errorf("classification %s with adjusted p %v", first.Classification, adj)
	}
	cfg.MultipleTesting = config.NoAdjustment
	rep = Judge(cfg, ds)
	if m := rep.Metrics[0]; m.Classification != High || *m.Test.AdjustedPValue != *m.Test.PValue {
		t.Errorf("multiple_testing none: %s, p %v adjusted %v", m.Classification, *m.Test.PValue, *m.Test.AdjustedPValue)
	}
}

func TestHugeWeights(t *testing.T) {
	cfg := rev2(19, config.Metric{Name: "a", Group: "x"}, config.Metric{Name: "b", Group: "y"})
	cfg.Groups = map[string]config.Group{"x": {Weight: 1e307}, "y": {Weight: 1.7e308}}
	ok := func(seed uint64) Data {
		return Data{Baseline: onSteps("b", time.Minute, sample(seed, 19, 1)), Canary: onSteps("c", time.Minute, sample(seed+9, 19, 1))}
	}
	rep := Judge(cfg, []Data{ok(1), ok(2)})
	if rep.Score == nil || math.IsInf(*rep.Score, 0) || math.IsNaN(*rep.Score) {
		t.Fatalf("score %v (%s)", rep.Score, rep.Reason)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

func TestErrorCarriesNoScore(t *testing.T) {
	rep := Judge(rev2(19, config.Metric{Name: "a"}), []Data{failed})
	b, _ := json.Marshal(rep)
	if rep.Verdict != Error || rep.Score != nil || !strings.Contains(string(b), `"score":null`) {
		t.Fatalf("%s %v: %s", rep.Verdict, rep.Score, b)
	}
}

// fixedTest is a Test that finds what it is told, for the watch hooks.
type fixedTest struct{ p float64 }

func (f fixedTest) Run(dirs []Direction) Result {
	r := Result{Figures: TestResult{Name: "paired"}, Size: "fixed"}
	for range dirs {
		r.Evidence = append(r.Evidence, Evidence{P: f.p, NonInfP: nan})
	}
	return r
}

// TestWatchHooks: a watch loop fixes block lengths per metric and swaps in
// its own test over the same prepared samples; the shared rules still decide.
func TestWatchHooks(t *testing.T) {
	n := 120
	d := Data{Baseline: onSteps("b", time.Minute, sample(1, n, 1)), Canary: onSteps("c", time.Minute, sample(2, n, 1))}
	cfg := rev2(n, config.Metric{Name: "m"})
	env := NewEnv(cfg, false)
	env.BlockLengths = map[string]int{"m": 4}
	rep := JudgeEnv(cfg, []Data{d}, env)
	if got := rep.Metrics[0].Test; got == nil || got.BlockLength != 4 || got.Blocks != n/4 {
		t.Fatalf("fixed block length: %+v", got)
	}
	var seen *SeriesSamples
	env.TestFor = func(m config.Metric, p *Prepared) Test {
		seen = p.Series
		return fixedTest{p: 1e-9}
	}
	rep = JudgeEnv(cfg, []Data{d}, env)
	if rep.Metrics[0].Classification != High || seen == nil || !seen.Paired || seen.Pairs != n || len(seen.Differences) != n || seen.BlockLength != 4 {
		t.Fatalf("%s (%s), samples %+v", rep.Metrics[0].Classification, rep.Metrics[0].Reason, seen)
	}
}

func TestBlockLengthOfConstantDifferences(t *testing.T) {
	d := make([]float64, 240)
	for i := range d {
		d[i] = (0.12+0.125+0.002*float64(i%10))/2 - (0.1+0.105+0.002*float64(i%10))/2 // 0.02 up to rounding
	}
	if L := blockLengthOf(d); L != 1 {
		t.Errorf("constant differences: L = %d, want 1", L)
	}
	if L, want := blockLengthOf(ar1(3, 240, 0, 0.9, 1)), analysis.BlockLength(ar1(3, 240, 0, 0.9, 1)); L != want || L < 2 {
		t.Errorf("an AR(1): L = %d, want analysis.BlockLength's %d (> 1)", L, want)
	}
}
