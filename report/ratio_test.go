package report

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
)

// ratioReport judges one kind: ratio metric over an hour at one-minute
// steps: the baseline fails 1 request in 1,000 (60 of 60,000), the canary 4
// in 1,000 (240 of 60,000), a regression.
func ratioReport(t *testing.T) *judge.Report {
	t.Helper()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	counter := func(pod, code string, inc float64) metrics.Series {
		s := metrics.Series{Labels: map[string]string{"pod": pod, "code": code}}
		for k := 0; k <= 60; k++ {
			s.Points = append(s.Points, metrics.Point{T: t0.Add(time.Duration(k) * time.Minute), V: 100 + inc*float64(k)})
		}
		return s
	}
	side := func(pod string, errs float64) (num, den judge.Fetched) {
		bad, ok := counter(pod, "500", errs), counter(pod, "200", 1000-errs)
		return judge.Fetched{Query: `http_requests_total{pod="` + pod + `",code=~"5.."}`, Result: metrics.Result{Series: []metrics.Series{bad}}},
			judge.Fetched{Query: `http_requests_total{pod="` + pod + `"}`, Result: metrics.Result{Series: []metrics.Series{ok, bad}}}
	}
	bn, bd := side("b", 1)
	cn, cd := side("c", 4)
	cfg := &config.Config{
		Version:  1,
		Window:   config.Window{Start: t0, End: t0.Add(time.Hour), Step: time.Minute},
		Baseline: config.Scope{Scope: `pod="b"`}, Canary: config.Scope{Scope: `pod="c"`},
		Confidence: 0.98, MultipleTesting: config.Holm, MarginTest: config.NonInferiority, Coverage: 0.9,
		Metrics: []config.Metric{{Name: "errors", Kind: config.KindRatio, Group: "errors", FailOn: config.Increase, Critical: true,
			Numerator: `http_requests_total{ {{ .Scope }},code=~"5.." }`, Denominator: `http_requests_total{ {{ .Scope }} }`}},
		Scoring: config.Scoring{Pass: 95, Marginal: 75},
	}
	rep := judge.Judge(cfg, []judge.Data{{Parts: []judge.PartData{
		{Name: judge.PartNumerator, Baseline: bn, Canary: cn},
		{Name: judge.PartDenominator, Baseline: bd, Canary: cd},
	}}})
	if m := rep.Metrics[0]; m.Classification != judge.High || m.Counts == nil || m.Counts.Canary.Events != 240 {
		t.Fatalf("the fixture: %s (%s), counts %+v", m.Classification, m.Reason, m.Counts)
	}
	return rep
}

// TestRatioInEveryFormat: each format that lists per-metric values shows a
// ratio metric's counts and rates, not a median.
func TestRatioInEveryFormat(t *testing.T) {
	rep := ratioReport(t)
	for _, c := range []struct {
		format string
		want   []string
		not    []string
	}{
		{"table", []string{"baseline median / rate", "0.1% (60 of 60000)", "0.4% (240 of 60000)", "+300%", "98% CI", "poisson, 240+60 events"}, nil},
		{"markdown", []string{"0.1% (60 of 60000)", "0.4% (240 of 60000)", "poisson, 240+60 events"}, nil},
		{"junit", []string{"baseline rate 0.1% (60 of 60000)", "canary rate 0.4% (240 of 60000)", "canary numerator: http_requests_total{pod=\"c\",code=~\"5..\"}",
			"canary denominator: http_requests_total{pod=\"c\"}", "dispersion: 0"}, []string{"canary median"}},
		{"html", []string{"rate ratio and interval", "change of rates", "4× [", "<th scope=\"row\">events</th><td>60</td><td>240</td>", "canary denominator query",
			"dashed lines at the rates over the window"}, []string{"change of medians"}},
		{"openmetrics", []string{`verdict_metric_events{metric="errors",group="errors",side="canary"} 240`,
			`verdict_metric_exposure{metric="errors",group="errors",side="baseline"} 60000`,
			`verdict_metric_rate{metric="errors",group="errors",side="canary"} 0.004`,
			`verdict_metric_rate_ratio{metric="errors",group="errors"} 4`,
			`verdict_metric_change_ratio{metric="errors",group="errors"} 3`}, []string{"verdict_metric_canary_median"}},
		{"json", []string{`"kind": "ratio"`, `"counts": {`, `"rate": 0.004`, `"name": "poisson"`, `"denominatorQuery": "http_requests_total{pod=\"c\"}"`, `"dispersion": 0`}, nil},
	} {
		t.Run(c.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(c.format, &b, rep); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("has %q", w)
				}
			}
			if t.Failed() && len(out) < 20000 {
				t.Log(out)
			}
		})
	}
	summary := GitHubSummary(rep, nil, 1<<20)
	for _, w := range []string{"baseline median / rate", "0.4% (240 of 60000)"} {
		if !strings.Contains(summary, w) {
			t.Errorf("GitHub summary lacks %q:\n%s", w, summary)
		}
	}
}

// TestRatioOpenMetricsParses: the ratio families pass the reference parser
// and promtool's linter.
func TestRatioOpenMetricsParses(t *testing.T) {
	requirePrometheusClient(t)
	text := renderOpenMetrics(t, ratioReport(t))
	got := map[string]string{}
	for _, s := range parseOpenMetrics(t, text) {
		got[s.Name+"/"+s.Labels["side"]] = s.Value
	}
	for k, want := range map[string]float64{"verdict_metric_events/canary": 240, "verdict_metric_exposure/baseline": 60000, "verdict_metric_rate_ratio/": 4} {
		if v, err := strconv.ParseFloat(got[k], 64); err != nil || v != want {
			t.Errorf("%s = %q, want %v", k, got[k], want)
		}
	}
	testenv.Require(t, "promtool")
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
