package kayenta

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/kayenta")

func convertFile(t *testing.T, name string, opts Options) (*Result, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "kayenta", name))
	if err != nil {
		t.Fatal(err)
	}
	opts.Source = name
	return Convert(data, opts)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "kayenta", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./kayenta -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the conversion (go test ./kayenta -update rewrites it); got:\n%s", path, got)
	}
}

func side(scope string, vars ...string) Side {
	s := Side{Scope: scope, Vars: map[string]string{}}
	for i := 0; i+1 < len(vars); i += 2 {
		s.Vars[vars[i]] = vars[i+1]
	}
	return s
}

func paths(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Path)
	}
	return out
}

func TestConvertEveryStyle(t *testing.T) {
	res, err := convertFile(t, "every-style.json", Options{
		Baseline: side("payments-v41", "cluster", "prod-1"), Canary: side("payments-v42", "cluster", "prod-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics != 5 {
		t.Errorf("converted %d metrics, want 5", res.Metrics)
	}
	// Kayenta sends label bindings unexpanded; that is the only note.
	if got := paths(res.Problems); !slices.Equal(got, []string{"metrics[1].query.labelBindings[0]"}) {
		t.Errorf("problems at %v, want only metrics[1].query.labelBindings[0]: %v", got, res.Problems)
	}
	golden(t, "every-style.yaml", res.YAML)
}

func TestConvertMultiRegion(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		t.Run(region, func(t *testing.T) {
			b, c := side("v1"), side("v2")
			b.Location, c.Location = region, region
			res, err := convertFile(t, "multi-region.json", Options{Baseline: b, Canary: c})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 0 {
				t.Errorf("problems: %v", res.Problems)
			}
			y := string(res.YAML)
			if n := strings.Count(y, `region="`+region+`"`); n < 5 {
				t.Errorf("the region is in %d selectors, want it in all 5:\n%s", n, y)
			}
			for _, want := range []string{"baseline: {scope: 'version=\"v1\"'}", "canary: {scope: 'version=\"v2\"'}",
				"scoring: {pass: 90, marginal: 70}", "Latency: {weight: 50}", "Errors: {weight: 30}", "Saturation: {weight: 20}"} {
				if !strings.Contains(y, want) {
					t.Errorf("output lacks %s", want)
				}
			}
			if region == "us-east-1" {
				golden(t, "multi-region.yaml", res.YAML)
			}
		})
	}
}

func TestConvertUnsupported(t *testing.T) {
	res, err := convertFile(t, "unsupported.json", Options{Baseline: side("v1"), Canary: side("v2")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"owner",
		"metrics[0].groups[1]",
		"metrics[0].analysisConfigurations.canary.effectSize.criticalDecrease",
		"metrics[1].query.type",
		"metrics[2].analysisConfigurations.canary.effectSize.measure",
		"metrics[3].analysisConfigurations.canary.muted",
		"metrics[4].query",
		"metrics[5].query",
		"metrics[6].analysisConfigurations.canary.threshold",
		"metrics[6].query",
		"metrics[7].query",
		"classifier.groupWeights.errors",
	}
	if got := paths(res.Problems); !slices.Equal(got, want) {
		t.Errorf("problems at\n  %v\nwant\n  %v\n%v", got, want, res.Problems)
	}
	if res.Metrics != 2 {
		t.Errorf("converted %d metrics, want 2 (requests, latency cles)", res.Metrics)
	}
	golden(t, "unsupported.yaml", res.YAML)
}

func TestConvertNothingLeft(t *testing.T) {
	res, err := convertFile(t, "datadog-only.json", Options{Baseline: side("v1"), Canary: side("v2")})
	if !errors.Is(err, ErrNothingConverted) {
		t.Fatalf("err = %v, want ErrNothingConverted", err)
	}
	if len(res.Problems) != 1 || res.Problems[0].Path != "metrics[0].query.type" || !strings.Contains(res.Problems[0].Message, "datadog") {
		t.Errorf("problems = %v, want the datadog query named", res.Problems)
	}
}

func TestConvertBadInput(t *testing.T) {
	for _, in := range []string{`not json`, `[1,2]`, `"x"`} {
		if _, err := Convert([]byte(in), Options{Baseline: side("a"), Canary: side("b")}); err == nil {
			t.Errorf("Convert(%s) succeeded", in)
		}
	}
	res, err := Convert([]byte(`{"metrics": 3}`), Options{Baseline: side("a"), Canary: side("b")})
	if !errors.Is(err, ErrNothingConverted) || len(res.Problems) != 1 || res.Problems[0].Path != "metrics" {
		t.Errorf("metrics: 3 gave %v, %v", res, err)
	}
}

func TestResourceTypes(t *testing.T) {
	q := func(rt string) *kayentaQuery {
		return &kayentaQuery{resourceType: rt, metricName: "cpu", labelBindings: []string{`job="api"`}, groupByFields: []string{"instance"}}
	}
	s := Side{Scope: "api-v7", Location: "us-central1", Vars: map[string]string{"project": "p1"}}
	got, err := q("gce_instance").build(nil, s, "instance")
	if want := `avg(cpu{job="api",instance=~"api-v7-.{4}",zone=~".+/projects/p1/zones/us-central1-.{1}"}) by (instance)`; err != nil || got != want {
		t.Errorf("gce_instance: %s, %v\nwant %s", got, err, want)
	}
	got, err = q("aws_ec2_instance").build(nil, s, "instance")
	if want := `avg(cpu{job="api",asg_groupName="api-v7",zone=~"us-central1.{1}"}) by (instance)`; err != nil || got != want {
		t.Errorf("aws_ec2_instance: %s, %v\nwant %s", got, err, want)
	}
	for rt, msg := range map[string]string{"": "neither a template", "k8s_pod": "no filters in Kayenta"} {
		if _, err := q(rt).build(nil, s, "instance"); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("resourceType %q: %v, want %q", rt, err, msg)
		}
	}
	s.Location = ""
	if _, err := q("gce_instance").build(nil, s, "instance"); err == nil || !strings.Contains(err.Error(), "--location") {
		t.Errorf("gce_instance without a location: %v", err)
	}
}

// TestConvertPerSideVars: a variable given for one side only (here the
// canary's location, as Kayenta lets each scope have its own) becomes part
// of that side's scope.
func TestConvertPerSideVars(t *testing.T) {
	b, c := side("v1"), side("v2", "location", "eu-west-1")
	b.Location, c.Location = "us-east-1", "us-east-1"
	res, err := convertFile(t, "multi-region.json", Options{Baseline: b, Canary: c})
	if err != nil {
		t.Fatal(err)
	}
	y := string(res.YAML)
	for _, want := range []string{
		`baseline: {scope: 'version="v1", region="us-east-1"'}`,
		`canary: {scope: 'version="v2", region="eu-west-1"'}`,
		`{ app="checkout", {{ .Scope }}, code=~"5.." }`,
	} {
		if !strings.Contains(y, want) {
			t.Errorf("output lacks %s:\n%s", want, y)
		}
	}
}

func TestConvertRejectsNames(t *testing.T) {
	q := `"groups": ["g"], "query": {"customInlineTemplate": "PromQL:up{v=\"${scope}\"}"}`
	in := `{"metrics": [{"name": "a", ` + q + `}, {"name": "a", ` + q + `}, {"name": "b\u0001", ` + q + `}, {"name": "c", ` + q + `}]}`
	res, err := Convert([]byte(in), Options{Baseline: side("1"), Canary: side("2")})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(res.Problems); !slices.Equal(got, []string{"metrics[1].name", "metrics[2].name"}) || res.Metrics != 2 {
		t.Errorf("problems at %v (%v), %d converted; want the duplicate and the control character, 2 converted", got, res.Problems, res.Metrics)
	}
}

// TestConvertBadThresholds: Kayenta score thresholds verdict cannot take
// (marginal above pass, beyond 0…100) are a problem named at their path,
// and the converted config keeps verdict's defaults, so it loads.
func TestConvertBadThresholds(t *testing.T) {
	for _, st := range []string{`{"pass": 0, "marginal": 7}`, `{"pass": 120, "marginal": 50}`, `{"pass": 90, "marginal": -1}`} {
		in := `{"metrics":[{"name":"x","query":{"customInlineTemplate":"PromQL:a{b=\"${scope}\"}"}}],"classifier":{"scoreThresholds":` + st + `}}`
		res, err := Convert([]byte(in), Options{Baseline: side("v1"), Canary: side("v2")})
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if got := paths(res.Problems); !slices.Contains(got, "classifier.scoreThresholds") {
			t.Errorf("%s: problems at %v, want classifier.scoreThresholds", st, got)
		}
		if !strings.Contains(string(res.YAML), "scoring: {pass: 95, marginal: 75}") {
			t.Errorf("%s: the converted config does not keep verdict's default scoring:\n%s", st, res.YAML)
		}
	}
}
