package report

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

func renderOpenMetrics(t *testing.T, r *judge.Report) []byte {
	t.Helper()
	return render(t, "openmetrics", r)
}

// omParser parses OpenMetrics text with the reference Python parser
// (prometheus_client, strict about the format) and prints its samples as JSON.
const omParser = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append({"family": fam.name, "type": fam.type, "unit": fam.unit, "name": s.name, "labels": s.labels, "value": repr(s.value)})
json.dump(out, sys.stdout)
`

type omSample struct {
	Family, Type, Unit, Name string
	Labels                   map[string]string
	Value                    string
}

// requirePrometheusClient checks for the Debian python3-prometheus-client
// module (testenv: a failure under CI and make test, else a loud skip).
func requirePrometheusClient(t *testing.T) {
	t.Helper()
	testenv.PythonModule(t, "prometheus_client", "python3-prometheus-client")
}

func parseOpenMetrics(t *testing.T, text []byte) []omSample {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", "-c", omParser)
	cmd.Stdin = bytes.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the OpenMetrics parser rejects the report: %v\n%s\n%s", err, stderr.String(), text)
	}
	var samples []omSample
	if err := json.Unmarshal(out, &samples); err != nil {
		t.Fatal(err)
	}
	return samples
}

func TestOpenMetricsParsesStrictly(t *testing.T) {
	requirePrometheusClient(t)
	samples := parseOpenMetrics(t, renderOpenMetrics(t, ciReport()))
	find := func(name string, labels map[string]string) *omSample {
		for i, s := range samples {
			if s.Name != name {
				continue
			}
			match := true
			for k, v := range labels {
				match = match && s.Labels[k] == v
			}
			if match {
				return &samples[i]
			}
		}
		return nil
	}
	checks := []struct {
		name   string
		labels map[string]string
		value  string
	}{
		{"verdict_score", nil, "62.5"},
		{"verdict_decision", map[string]string{"decision": "abort"}, "1"},
		{"verdict_decision", map[string]string{"decision": "promote"}, "0"},
		{"verdict_exit_code", nil, "1"},
		{"verdict_group_score", map[string]string{"group": "latency"}, "50"},
		{"verdict_metric_change_ratio", map[string]string{"metric": "latency_p99", "group": "latency"}, "0.124"},
		{"verdict_metric_change_ratio", map[string]string{"metric": "throughput"}, "-0.3"},
		{"verdict_metric_p_value", map[string]string{"metric": "throughput"}, "1e-09"},
		{"verdict_metric_canary_median", map[string]string{"metric": "latency_p99"}, "0.23"},
		{"verdict_metric_failing", map[string]string{"metric": "errors_5xx", "classification": "nodata"}, "1"},
		{"verdict_metric_failing", map[string]string{"metric": "saturation", "classification": "nodata"}, "0"},
		{"verdict_metric_failing", map[string]string{"metric": "queue\uFFFDdepth", "classification": "error"}, "1"},
	}
	for _, c := range checks {
		s := find(c.name, c.labels)
		if s == nil {
			t.Errorf("no sample %s%v", c.name, c.labels)
			continue
		}
		if want := strings.TrimSuffix(c.value, ".0"); strings.TrimSuffix(s.Value, ".0") != want {
			t.Errorf("%s%v = %s, want %s", c.name, c.labels, s.Value, c.value)
		}
		if s.Type != "gauge" {
			t.Errorf("%s has type %q, want gauge", c.name, s.Type)
		}
	}
	if s := find("verdict_metric_change_ratio", nil); s == nil || s.Unit != "ratio" {
		t.Errorf("verdict_metric_change_ratio lacks its unit: %+v", s)
	}
	if s := find("verdict_group_score", map[string]string{"group": "errors"}); s != nil {
		t.Errorf("a group without a score has a sample: %+v", s)
	}
	if s := find("verdict_metric_change_ratio", map[string]string{"metric": "saturation"}); s != nil {
		t.Errorf("a metric without data has a change: %+v", s)
	}
}

func TestOpenMetricsEndsWithEOFAndEscapes(t *testing.T) {
	r := ciReport()
	r.Metrics[0].Name = "a\"b\\c\nd"
	out := string(renderOpenMetrics(t, r))
	if !strings.HasSuffix(out, "\n# EOF\n") || strings.Count(out, "# EOF") != 1 {
		t.Errorf("does not end with exactly one # EOF:\n%s", out)
	}
	if !strings.Contains(out, `metric="a\"b\\c\nd"`) {
		t.Errorf("label value not escaped:\n%s", out)
	}
}

func TestOpenMetricsSpecialValues(t *testing.T) {
	requirePrometheusClient(t)
	r := ciReport()
	r.Score = ptr(math.NaN())
	r.Metrics[0].Change = func(f float64) *float64 { return &f }(math.Inf(1))
	samples := parseOpenMetrics(t, renderOpenMetrics(t, r))
	if len(samples) == 0 || samples[0].Value != "nan" {
		t.Errorf("NaN score did not round-trip: %+v", samples[0])
	}
}

// TestOpenMetricsPromtool checks the exposition with Prometheus' own linter,
// which reads the gauge-only subset of OpenMetrics verdict writes.
func TestOpenMetricsPromtool(t *testing.T) {
	testenv.Require(t, "promtool")
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = bytes.NewReader(renderOpenMetrics(t, ciReport()))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
