package sim

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// lag1 is the lag-1 autocorrelation of x.
func lag1(x []float64) float64 {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var num, den float64
	for i, v := range x {
		den += (v - m) * (v - m)
		if i > 0 {
			num += (v - m) * (x[i-1] - m)
		}
	}
	return num / den
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

func TestAR1HasItsCorrelationAndUnitVariance(t *testing.T) {
	for _, phi := range []float64{0, 0.5, 0.8, 0.9} {
		x := AR1(Rand(1, "ar1", 0), 200_000, phi)
		if r := lag1(x); math.Abs(r-phi) > 0.01 {
			t.Errorf("phi %g: lag-1 autocorrelation %.4f", phi, r)
		}
		if _, v := meanVar(x); math.Abs(v-1) > 0.03 {
			t.Errorf("phi %g: variance %.4f, want 1", phi, v)
		}
	}
}

func encode(t *testing.T, rec *metrics.Recording) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rec.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRecordingIsSeededPerRun(t *testing.T) {
	sc := Scenarios()[0]
	gen := func(seed uint64, run int) []byte {
		rec, err := Recording(Rand(seed, sc.Name, run), sc)
		if err != nil {
			t.Fatal(err)
		}
		return encode(t, rec)
	}
	a := gen(1, 3)
	if !bytes.Equal(a, gen(1, 3)) {
		t.Error("the same seed and run gave different recordings")
	}
	if bytes.Equal(a, gen(1, 4)) || bytes.Equal(a, gen(2, 3)) {
		t.Error("another run or seed gave the same recording")
	}
}

// sideMean is the mean of every point of one side of metric name.
func sideMean(t *testing.T, rec *metrics.Recording, name string, side metrics.Side) (mean float64, n, series int) {
	t.Helper()
	m := rec.Metrics[name]
	if m == nil {
		t.Fatalf("metric %s not recorded", name)
	}
	q := m.Baseline
	if side == metrics.Canary {
		q = m.Canary
	}
	for _, s := range q.Series {
		for _, p := range s.Points {
			mean += p.V
			n++
		}
	}
	return mean / float64(n), n, len(q.Series)
}

func TestRegressionMovesOnlyTheCriticalCanary(t *testing.T) {
	sc := Scenario{Name: "t", Metrics: 3, Noise: 0.02, Shift: 1.2, Pods: 2}
	rec, err := Recording(Rand(1, sc.Name, 0), sc)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < sc.Metrics; i++ {
		b, nb, sb := sideMean(t, rec, MetricName(i), metrics.Baseline)
		c, nc, sc2 := sideMean(t, rec, MetricName(i), metrics.Canary)
		if nb != 2*241 || nc != 2*241 || sb != 2 || sc2 != 2 {
			t.Errorf("%s: %d and %d points in %d and %d series, want 241 per series, 2 series a side", MetricName(i), nb, nc, sb, sc2)
		}
		want := 1.0
		if i == 0 {
			want = 1.2
		}
		if r := c / b; math.Abs(r-want) > 0.01 {
			t.Errorf("%s: canary/baseline %.4f, want %g", MetricName(i), r, want)
		}
	}
}

func TestSharedDriftMovesBothSidesAlike(t *testing.T) {
	sc := Scenario{Name: "t", Metrics: 1, Noise: 0.001, Drift: 0.3}
	rec, err := Recording(Rand(1, sc.Name, 0), sc)
	if err != nil {
		t.Fatal(err)
	}
	b, c := rec.Metrics["m00"].Baseline.Series[0].Points, rec.Metrics["m00"].Canary.Series[0].Points
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range b {
		if r := c[i].V / b[i].V; math.Abs(r-1) > 0.01 {
			t.Fatalf("point %d: canary/baseline %.4f under a shared drift with no noise", i, r)
		}
		lo, hi = min(lo, b[i].V), max(hi, b[i].V)
	}
	if hi/lo < 1.3 {
		t.Errorf("the drift moved the level only %.2f×", hi/lo)
	}
}

// TestConfigsLoad checks that every scenario's configs are valid and name
// what the recording holds.
func TestConfigsLoad(t *testing.T) {
	for _, sc := range append(Scenarios(), CountScenarios()...) {
		dir := t.TempDir()
		if err := WriteRun(dir, Rand(1, sc.Name, 0), sc, true); err != nil {
			t.Fatal(err)
		}
		rec, err := metrics.ReadRecording(filepath.Join(dir, "recording.json"))
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		for _, file := range []string{"default.yaml", "rev1.yaml"} {
			cfg, err := config.Load(filepath.Join(dir, file), config.Options{})
			if err != nil {
				t.Fatalf("%s %s: %v", sc.Name, file, err)
			}
			if len(cfg.Metrics) != max(sc.Metrics, 1) || !cfg.Metrics[0].Critical || cfg.Window.Step != Step {
				t.Errorf("%s %s: %d metrics (first critical: %v), step %s", sc.Name, file, len(cfg.Metrics), cfg.Metrics[0].Critical, cfg.Window.Step)
			}
			rev1 := file == "rev1.yaml"
			if (cfg.MultipleTesting == "none") != rev1 || (cfg.MarginTest == "none") != rev1 {
				t.Errorf("%s %s: multiple_testing %q, margin_test %q", sc.Name, file, cfg.MultipleTesting, cfg.MarginTest)
			}
			for _, m := range cfg.Metrics {
				wantKind, wantTest := "series", "auto"
				switch {
				case sc.IsCount() && !rev1:
					wantKind, wantTest = "ratio", m.Test
				case rev1:
					wantTest = "mann-whitney"
				}
				if m.Kind != wantKind || m.Test != wantTest {
					t.Errorf("%s %s: %s is kind %q, test %q", sc.Name, file, m.Name, m.Kind, m.Test)
				}
				if rec.Metrics[m.Name] == nil {
					t.Errorf("%s %s: metric %s not in the recording", sc.Name, file, m.Name)
				}
			}
		}
	}
}

func TestParseReport(t *testing.T) {
	o, err := ParseReport([]byte(`{"verdict":"abort","metrics":[{"classification":"high","test":{"blockLength":4}},{"classification":"pass"},{"classification":"missing"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if o != (Outcome{Verdict: "abort", Flagged: 2, Metrics: 3, BlockLength: 4}) {
		t.Errorf("got %+v", o)
	}
	for _, bad := range []string{``, `{"verdict":"maybe"}`, `[1]`} {
		if _, err := ParseReport([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTallyShares(t *testing.T) {
	var tl Tally
	for _, o := range []Outcome{
		{Verdict: "promote", Metrics: 2, BlockLength: 3},
		{Verdict: "promote", Metrics: 2, BlockLength: 5},
		{Verdict: "abort", Metrics: 2, Flagged: 1, BlockLength: 9},
		{Verdict: "inconclusive", Metrics: 2},
	} {
		tl.Add(o)
	}
	s := tl.Shares()
	want := Shares{Runs: 4, Promote: 0.5, Inconclusive: 0.25, Abort: 0.25, FlaggedMetric: 0.125, BlockLength: 5}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if !healthy.Met(Shares{Promote: 0.95, Abort: 0.02}) || healthy.Met(Shares{Promote: 0.95, Abort: 0.03}) ||
		!regressed.Met(Shares{Abort: 0.9}) || regressed.Met(Shares{Abort: 0.89}) {
		t.Error("targets judged wrongly at their edges")
	}
}

func TestScenarioNamesAreUnique(t *testing.T) {
	var names []string
	for _, sc := range append(Scenarios(), CountScenarios()...) {
		if slices.Contains(names, sc.Name) {
			t.Errorf("scenario %s twice", sc.Name)
		}
		names = append(names, sc.Name)
	}
}
