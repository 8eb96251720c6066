package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

// ratioE2EConfig judges every scenario of promtest.RatioFixture as a
// kind: ratio metric at 60 s steps over the fixture's hour, plus the tenth
// of traffic once more with a 10% margin.
func ratioE2EConfig(t *testing.T, url string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
source:
  prometheus: {url: %q, timeout: 10s}
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 60s}
baseline: {scope: 'version="v1"'}
canary:   {scope: 'version="v2"'}
confidence: 0.98
metrics:
`, url)
	metric := func(name, scenario, extra string) {
		fmt.Fprintf(&b, `  - name: %s
    kind: ratio
    numerator: 'shop_requests_total{ {{ .Scope }}, scenario=%q, code=~"5.." }'
    denominator: 'shop_requests_total{ {{ .Scope }}, scenario=%q }'
    fail_on: increase
%s`, name, scenario, scenario, extra)
	}
	for _, sc := range promtest.RatioScenarios {
		extra := ""
		if sc == "regression" {
			extra = "    critical: true\n"
		}
		metric(sc, sc, extra)
	}
	metric("tenth-margin", "tenth", "    allowed_increase: 10%\n")
	p := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// poissonCase is one case of testdata/oracle/poisson.json, R's poisson.test.
type poissonCase struct {
	XC, NC, XB, NB float64
	R              float64
	P              map[string]float64
	Estimate       float64
	ConfInt        [2]float64
	Error          string
}

// loadPoissonCases reads the oracle's cases by name ("Inf" and "NaN" are strings there).
func loadPoissonCases(t *testing.T) map[string]poissonCase {
	t.Helper()
	b, err := os.ReadFile("../../testdata/oracle/poisson.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	f := func(v any) float64 {
		switch x := v.(type) {
		case float64:
			return x
		case string:
			switch x {
			case "Inf":
				return math.Inf(1)
			case "-Inf":
				return math.Inf(-1)
			}
		}
		return math.NaN()
	}
	out := map[string]poissonCase{}
	for _, c := range raw.Cases {
		pc := poissonCase{XC: f(c["xc"]), NC: f(c["nc"]), XB: f(c["xb"]), NB: f(c["nb"]), R: f(c["r"]), P: map[string]float64{}}
		if e, ok := c["error"].(string); ok {
			pc.Error = e
		} else {
			for k, v := range c["p"].(map[string]any) {
				pc.P[k] = f(v)
			}
			pc.Estimate = f(c["estimate"])
			ci := c["conf_int"].([]any)
			pc.ConfInt = [2]float64{f(ci[0]), f(ci[1])}
		}
		out[c["name"].(string)] = pc
	}
	return out
}

// ratioReport is the part of the JSON report the ratio tests read.
type ratioReport struct {
	Verdict string `json:"verdict"`
	Metrics []struct {
		Name           string `json:"name"`
		Kind           string `json:"kind"`
		Classification string `json:"classification"`
		Reason         string `json:"reason"`
		Counts         *struct {
			Baseline, Canary struct {
				Events, Total float64
				Rate          *float64
			}
		} `json:"counts"`
		Test *struct {
			Name                 string   `json:"name"`
			Estimate             *float64 `json:"estimate"`
			CILow                *float64 `json:"ciLow"`
			CIHigh               *float64 `json:"ciHigh"`
			PValue               *float64 `json:"pValue"`
			NonInferiorityPValue *float64 `json:"nonInferiorityPValue"`
			Dispersion           *float64 `json:"dispersion"`
		} `json:"test"`
	} `json:"metrics"`
}

func closeTo(got *float64, want float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return got == nil // the report gives null where R has no finite answer
	}
	return got != nil && math.Abs(*got-want) <= 1e-9*math.Max(math.Abs(want), 1e-300)
}

// TestRatioAgainstPrometheus backfills counters into a real Prometheus and
// judges every ratio scenario: the counts must be the hand-worked ones the
// oracle records and the p-values and intervals R's poisson.test on them.
// The recording of the same queries judges byte-identically, and check
// --online runs both queries of each side.
func TestRatioAgainstPrometheus(t *testing.T) {
	var om strings.Builder
	if err := promtest.WriteOpenMetrics(&om, promtest.RatioFixture()); err != nil {
		t.Fatal(err)
	}
	srv := promtest.Start(t, om.String())
	cfg := ratioE2EConfig(t, srv.URL)
	code, live, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	if code != judge.ExitAbort {
		t.Fatalf("exit %d, want 1 (the critical regression)\n%s\n%s", code, stderr, live)
	}
	var rep ratioReport
	if err := json.Unmarshal([]byte(live), &rep); err != nil {
		t.Fatal(err)
	}
	t.Run("schema", func(t *testing.T) {
		requireJSONSchema(t)
		p := filepath.Join(t.TempDir(), "report.json")
		if err := os.WriteFile(p, []byte(live), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := validateReport(p); err != nil {
			t.Error(err)
		}
	})
	oracle := loadPoissonCases(t)
	want := map[string]string{
		"reset": "high", "appear": "pass", "no-numerator": "pass", "no-traffic": "nodata",
		"one-side-no-traffic": "nodata", "tenth": "pass", "regression": "high", "tenth-margin": "inconclusive",
	}
	if len(rep.Metrics) != len(want) {
		t.Fatalf("%d metrics, want %d", len(rep.Metrics), len(want))
	}
	for _, m := range rep.Metrics {
		t.Run(m.Name, func(t *testing.T) {
			if m.Kind != "ratio" || m.Classification != want[m.Name] {
				t.Errorf("kind %s, classification %s (%s), want ratio, %s", m.Kind, m.Classification, m.Reason, want[m.Name])
			}
			rc, ok := oracle["prom-"+m.Name]
			if !ok {
				t.Fatalf("no oracle case prom-%s", m.Name)
			}
			if m.Counts == nil {
				t.Fatal("no counts")
			}
			got := [4]float64{m.Counts.Canary.Events, m.Counts.Canary.Total, m.Counts.Baseline.Events, m.Counts.Baseline.Total}
			if got != [4]float64{rc.XC, rc.NC, rc.XB, rc.NB} {
				t.Errorf("counts (canary, baseline) %v, want %v", got, [4]float64{rc.XC, rc.NC, rc.XB, rc.NB})
			}
			for _, s := range []struct {
				name        string
				events, tot float64
				rate        *float64
			}{{"canary", m.Counts.Canary.Events, m.Counts.Canary.Total, m.Counts.Canary.Rate}, {"baseline", m.Counts.Baseline.Events, m.Counts.Baseline.Total, m.Counts.Baseline.Rate}} {
				if (s.tot > 0) != (s.rate != nil) || (s.rate != nil && *s.rate != s.events/s.tot) {
					t.Errorf("%s rate %v for %v of %v", s.name, s.rate, s.events, s.tot)
				}
			}
			if m.Classification == "nodata" {
				if m.Test != nil && m.Test.PValue != nil {
					t.Errorf("nodata metric has a p-value %v", *m.Test.PValue)
				}
				return
			}
			if m.Test == nil || m.Test.Name != "poisson" {
				t.Fatalf("test %+v, want poisson", m.Test)
			}
			if !closeTo(m.Test.PValue, rc.P["greater"]) {
				t.Errorf("pValue %v, R %v", deref(m.Test.PValue), rc.P["greater"])
			}
			if rc.R != 1 && !closeTo(m.Test.NonInferiorityPValue, rc.P["less"]) {
				t.Errorf("nonInferiorityPValue %v, R %v", deref(m.Test.NonInferiorityPValue), rc.P["less"])
			}
			for _, f := range []struct {
				what string
				got  *float64
				want float64
			}{{"estimate", m.Test.Estimate, rc.Estimate}, {"ciLow", m.Test.CILow, rc.ConfInt[0]}, {"ciHigh", m.Test.CIHigh, rc.ConfInt[1]}} {
				if !closeTo(f.got, f.want) {
					t.Errorf("%s %v, R %v", f.what, deref(f.got), f.want)
				}
			}
			if m.Test.Dispersion == nil || *m.Test.Dispersion > 1.5 {
				t.Errorf("dispersion %v: the fixture's events are evenly spread", deref(m.Test.Dispersion))
			}
		})
	}

	rec := filepath.Join(t.TempDir(), "rec.json")
	if code, _, stderr := runCLI(t, nil, "record", "-c", cfg, "-o", rec); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	saved, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"numerator"`, `"denominator"`, `"code": "500"`} {
		if !strings.Contains(string(saved), w) {
			t.Errorf("recording lacks %s", w)
		}
	}
	code, replay, stderr := runCLI(t, nil, "judge", "-c", cfg, "--recording", rec, "--output", "json")
	if code != judge.ExitAbort {
		t.Fatalf("replay: exit %d: %s", code, stderr)
	}
	// Byte for byte what the judge found; only where the data came from differs.
	if a, b := withoutProvenance(t, live), withoutProvenance(t, replay); a != b {
		t.Errorf("judging the recording differs from judging live:\nlive:\n%s\nreplay:\n%s", a, b)
	}

	// Findings: only the two scenarios whose denominators did not move, and no
	// repeats (sparse counters stay put between events; that is no finding).
	code, out, stderr := runCLI(t, nil, "check", "-c", cfg, "--online")
	if code != judge.ExitInconclusive || strings.Contains(out, "repeats") {
		t.Fatalf("check --online: exit %d, want 3 without repeats\n%s\n%s", code, out, stderr)
	}
	for _, w := range []string{"reset numerator baseline: 1 series", "reset denominator canary: 2 series", "no-numerator numerator canary: 0 series", "no traffic: the denominator did not increase"} {
		if !strings.Contains(out, w) {
			t.Errorf("check --online output lacks %q:\n%s", w, out)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
