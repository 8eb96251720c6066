package examples

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/traffic"
)

// report is the part of verdict's JSON report the example tests read.
type report struct {
	Verdict string
	Metrics []struct {
		Name, Classification string
	}
}

// judge runs verdict judge on a config against a server and returns the exit code and report.
func judge(t *testing.T, bin, config string, srv *promtest.Server, extra ...string) (int, report, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "verdict"), append([]string{"judge", "-c", config, "--output", "json"}, extra...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "VERDICT_PROMETHEUS_URL=" + srv.URL,
		"VERDICT_WINDOW_END=" + fixtureEnd().Format(time.RFC3339)}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("verdict judge -c %s: exit %d, no JSON report: %v\n%s\n%s", config, cmd.ProcessState.ExitCode(), err, out, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), r, string(out) + stderr.String()
}

// expectVerdict checks a judged example: the exit code and verdict, the
// metric that must fail (none when failing is ""), and that no other metric fails.
func expectVerdict(t *testing.T, code int, r report, out string, wantCode int, wantVerdict, failing string) {
	t.Helper()
	if code != wantCode || r.Verdict != wantVerdict {
		t.Errorf("exit %d, verdict %s; want %d, %s\n%s", code, r.Verdict, wantCode, wantVerdict, out)
	}
	for _, m := range r.Metrics {
		bad := m.Classification == "high" || m.Classification == "low"
		switch {
		case m.Name == failing && !bad:
			t.Errorf("%s is %s, want it to fail\n%s", m.Name, m.Classification, out)
		case m.Name != failing && bad:
			t.Errorf("%s is %s, but only %q should fail\n%s", m.Name, m.Classification, failing, out)
		}
	}
	if failing != "" && !slices.ContainsFunc(r.Metrics, func(m struct{ Name, Classification string }) bool { return m.Name == failing }) {
		t.Errorf("no metric %s in the report", failing)
	}
}

// sides are a baseline's and a canary's pods: n pods each labelled with common plus side labels.
func sides(common map[string]string, base, canary map[string]string, nBase, nCanary int, podLabel, basePrefix, canaryPrefix string) (b, c []map[string]string) {
	mk := func(side map[string]string, n int, prefix string) []map[string]string {
		var out []map[string]string
		for i := range n {
			l := map[string]string{}
			for k, v := range common {
				l[k] = v
			}
			for k, v := range side {
				l[k] = v
			}
			if podLabel != "" {
				l[podLabel] = fmt.Sprintf("%s%d", prefix, i)
			}
			out = append(out, l)
		}
		return out
	}
	return mk(base, nBase, basePrefix), mk(canary, nCanary, canaryPrefix)
}

// variant is what a recipe's simulated canary does.
type variant int

const (
	healthy    variant = iota
	regressed          // the recipe's regression: a slow tail, or more memory
	noErrors           // HTTP recipes: no pod on either side fails a request, so no 5xx series exist
	moreErrors         // HTTP recipes: the canary fails 3% of requests against the baseline's 1%
)

// httpRecipe simulates a stack's HTTP metrics: when regressed, one
// canary request in twenty takes ten times as long (the p99 moves, the median hardly).
func httpRecipe(names traffic.Names, common, base, canary map[string]string) func(variant) []promtest.Series {
	return func(v variant) []promtest.Series {
		b, c := sides(common, base, canary, 3, 2, "pod", "b-", "c-")
		pods := twoSides(b, c, func(p *traffic.Pod) {
			switch v {
			case regressed:
				p.Tail = 0.05
			case moreErrors:
				p.Errors = 0.03
			}
		})
		if v == noErrors {
			for i := range pods {
				pods[i].Errors = 0
			}
		}
		return httpSeries(31, names, pods)
	}
}

// resourcesRecipe simulates cAdvisor and kube-state-metrics for two ReplicaSets: the canary's memory grows by half when regressed.
func resourcesRecipe(v variant) []promtest.Series {
	common := labels("namespace", "shop", "container", "checkout")
	b, c := sides(common, nil, nil, 3, 2, "pod", "checkout-6d4f8b7c9-", "checkout-7c9d5e8f1-")
	mem := 3e8
	if v == regressed {
		mem = 4.5e8
	}
	return slices.Concat(
		traffic.Counter(41, fixtureStart, fixturePoints, scrape, "container_cpu_usage_seconds_total", slices.Concat(b, c), 0.25, 0.05),
		traffic.Gauge(42, fixtureStart, fixturePoints, scrape, "container_memory_working_set_bytes", b, 3e8, 1e7),
		traffic.Gauge(43, fixtureStart, fixturePoints, scrape, "container_memory_working_set_bytes", c, mem, 1e7),
		traffic.Gauge(44, fixtureStart, fixturePoints, scrape, "kube_pod_container_status_restarts_total", slices.Concat(b, c), 0, 0),
	)
}

type recipe struct {
	file      string
	data      func(variant) []promtest.Series
	regressed string // the metric a regressed canary fails
	errors    string // the kind: ratio error metric of an HTTP recipe, "" for none
}

var recipes = []recipe{
	{"client-golang.yaml", httpRecipe(traffic.ClientGolang, labels("job", "checkout"), labels("version", "1.4.2"), labels("version", "1.5.0")), "latency_p99", "error_ratio"},
	{"ingress-nginx.yaml", httpRecipe(traffic.Names{Histogram: "nginx_ingress_controller_request_duration_seconds_bucket", Requests: "nginx_ingress_controller_requests", Code: "status", OK: "200", Fail: "503", Unit: 1},
		labels("namespace", "shop", "ingress", "checkout", "controller_class", "k8s.io/ingress-nginx"), labels("service", "checkout"), labels("service", "checkout-canary", "canary", "checkout-canary")), "latency_p99", "error_ratio"},
	{"istio.yaml", httpRecipe(traffic.Names{Histogram: "istio_request_duration_milliseconds_bucket", Requests: "istio_requests_total", Code: "response_code", OK: "200", Fail: "503", Unit: 1000},
		labels("reporter", "destination", "destination_workload", "reviews", "destination_service_name", "reviews"), labels("destination_version", "v1"), labels("destination_version", "v2")), "latency_p99_ms", "error_ratio"},
	{"linkerd.yaml", httpRecipe(traffic.Names{Histogram: "response_latency_ms_bucket", Requests: "response_total", Code: "classification", OK: "success", Fail: "failure", Unit: 1000},
		labels("direction", "inbound", "namespace", "shop"), labels("deployment", "checkout"), labels("deployment", "checkout-canary")), "latency_p99_ms", "failure_ratio"},
	{"spring-boot.yaml", httpRecipe(traffic.Names{Histogram: "http_server_requests_seconds_bucket", Requests: "http_server_requests_seconds_count", Code: "outcome", OK: "SUCCESS", Fail: "SERVER_ERROR", Unit: 1},
		labels("application", "orders", "uri", "/orders", "method", "GET"), labels("version", "3.1.0"), labels("version", "3.2.0")), "latency_p99", "server_error_ratio"},
	{"kubernetes-resources.yaml", resourcesRecipe, "memory_working_set_per_pod", ""},
}

// TestRecipes judges every recipe against a real Prometheus backfilled in
// its stack's metric and label names: a healthy canary promotes, a
// regressed one aborts for the regressed metric only. For the HTTP recipes'
// kind: ratio error metric, a service that never fails (no 5xx series on
// either side) promotes, and a canary failing 3% of requests against 1%
// aborts for the errors alone. docs/recipes.md shows each config as it is.
func TestRecipes(t *testing.T) {
	doc := documented(t, "../docs/recipes.md", "recipes", len(recipes))
	bin := buildVerdict(t)
	for _, r := range recipes {
		t.Run(r.file, func(t *testing.T) {
			path := doc(r.file)
			if code, out := shell(t, bin, "verdict check -c "+mustAbs(t, path), nil); code != 0 {
				t.Fatalf("verdict check: exit %d\n%s", code, out)
			}
			code, rep, out := judge(t, bin, path, startPrometheus(t, r.data(healthy)))
			expectVerdict(t, code, rep, out, 0, "promote", "")
			code, rep, out = judge(t, bin, path, startPrometheus(t, r.data(regressed)))
			expectVerdict(t, code, rep, out, 1, "abort", r.regressed)
			if r.errors == "" {
				return
			}
			code, rep, out = judge(t, bin, path, startPrometheus(t, r.data(noErrors)))
			expectVerdict(t, code, rep, out, 0, "promote", "")
			if c := classOf(rep, r.errors); c != "pass" {
				t.Errorf("no errors on either side: %s is %s, want pass\n%s", r.errors, c, out)
			}
			code, rep, out = judge(t, bin, path, startPrometheus(t, r.data(moreErrors)))
			expectVerdict(t, code, rep, out, 1, "abort", r.errors)
		})
	}
}

// documented checks that dir holds n configs and returns a function that
// gives a config's path after checking that the doc shows it verbatim.
func documented(t *testing.T, docPath, dir string, n int) func(file string) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != n {
		t.Errorf("%d configs in %s, %d tested", len(files), dir, n)
	}
	return func(file string) string {
		path := filepath.Join(dir, file)
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "```yaml\n"+string(text)+"```") {
			t.Errorf("%s does not show %s as it is", docPath, path)
		}
		return path
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
