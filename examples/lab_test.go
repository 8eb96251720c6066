package examples

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/lab"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/testenv"
)

// The lab's shape: six identical instances and a slowed one, each sent
// labRate requests a second, scraped every labScrape, judged over
// labWindow at labStep. LAB_WINDOW (a duration) and LAB_RATE (requests a
// second) change the window and the load for a longer run by hand, and
// LAB_SEED the seed of every draw (default 1). The seed fixes which
// requests fail, so a run of make test is repeatable: drawn afresh, the
// 15 pairs' error rates would abort at least one pair in about 3% of runs
// (the Poisson test's false alarms at its Holm-adjusted α; docs/lab.md).
// docs/lab.md reports what it measured.
const (
	labRate   = 40
	labWindow = 2 * time.Minute
	labStep   = 5 * time.Second
	labScrape = time.Second
)

// labIDs are the identical instances' instance_id labels.
var labIDs = []string{"i1", "i2", "i3", "i4", "i5", "i6"}

// labConfig is a shipped, documented config the lab judges unchanged; only
// the scopes come from the environment. Both configs' queries name the
// labels every lab target carries (job="checkout" from the scrape job,
// app="checkout" as a target label), so pointing them at an instance takes
// its instance_id alone. The other documented configs do not fit this
// service: the other recipes query other stacks' metric names (nginx,
// Istio, Linkerd, Spring Boot, cAdvisor), and the remaining strategies are
// either the same two queries as canary.yaml with another scope label
// (ab-test, blue-green, feature-flag, rolling) or before/after comparisons
// (baseline.offset) that do not judge two instances side by side.
type labConfig struct {
	file  string
	scope func(id string) string
}

var labConfigs = []labConfig{
	{"recipes/client-golang.yaml", func(id string) string { return fmt.Sprintf(`job="checkout", instance_id=%q`, id) }},
	{"strategies/canary.yaml", func(id string) string { return fmt.Sprintf(`instance_id=%q`, id) }},
}

// labReport is the part of the JSON report the lab reads and logs.
type labReport struct {
	Verdict string
	Score   *float64
	Metrics []struct {
		Name, Classification, Reason string
		Change                       *float64
		Test                         *struct {
			Name                                                     string
			Estimate, CILow, CIHigh                                  *float64
			PValue, AdjustedPValue, NonInferiorityPValue             *float64
			BlockLength, Blocks, Pairs, BaselineBlocks, CanaryBlocks int
		}
	}
}

// labRun is a lab ready to judge: the binary's directory, the server and
// the window every judge of the run shares.
type labRun struct {
	bin    string
	srv    *promtest.Server
	end    time.Time
	window time.Duration
}

// judge runs verdict judge on config with baseline and canary scoped to
// two instances over the lab's window; extra adds environment.
func (l labRun) judge(t *testing.T, config string, c labConfig, baseline, canary string, extra ...string) (int, labReport, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(l.bin, "verdict"), "judge", "-c", config, "--output", "json")
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(),
		"VERDICT_PROMETHEUS_URL=" + l.srv.URL,
		"VERDICT_WINDOW_END=" + l.end.Format(time.RFC3339),
		"VERDICT_WINDOW_DURATION=" + l.window.String(),
		"VERDICT_WINDOW_STEP=" + labStep.String(),
		"VERDICT_BASELINE_SCOPE=" + c.scope(baseline),
		"VERDICT_CANARY_SCOPE=" + c.scope(canary)}, extra...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var r labReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("verdict judge -c %s (%s vs %s): exit %d, no JSON report: %v\n%s\n%s", config, baseline, canary, cmd.ProcessState.ExitCode(), err, out, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), r, string(out) + stderr.String()
}

// summary is one line per metric: classification, test, estimate and
// interval, raw, Holm-adjusted and non-inferiority p, blocks.
func (r labReport) summary() string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.3g", *p)
	}
	var b strings.Builder
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "\n    %-12s %-12s", m.Name, m.Classification)
		if m.Change != nil {
			fmt.Fprintf(&b, " change %+.1f%%", 100**m.Change)
		}
		if x := m.Test; x != nil {
			fmt.Fprintf(&b, " %s est %s [%s, %s] p %s adj %s ni %s blocks %d×%d pairs %d",
				x.Name, f(x.Estimate), f(x.CILow), f(x.CIHigh), f(x.PValue), f(x.AdjustedPValue), f(x.NonInferiorityPValue), x.Blocks, x.BlockLength, x.Pairs)
		}
	}
	return b.String()
}

// revision1 writes a copy of config judged by revision 1's rule per
// metric: every series metric gets `test: mann-whitney` (the environment
// adds multiple_testing and margin_test: none, which have variables).
func revision1(t *testing.T, config string) string {
	t.Helper()
	text, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(text), "\n") {
		b.WriteString(line)
		if strings.HasPrefix(line, "    query: ") {
			b.WriteString("    test: mann-whitney\n")
		}
	}
	return writeTemp(t, filepath.Base(config), b.String())
}

var revision1Env = []string{"VERDICT_MULTIPLE_TESTING=none", "VERDICT_MARGIN_TEST=none"}

// revision1Configs are revision 1's documented configs for this service,
// as its docs taught them, their rate windows scaled to the lab: there
// rate(…[1m]) at a 30 s step, each point's window overlapping the next by
// half; here rate(…[10s]) at the lab's 5 s step, the same overlap. The
// client-golang recipe (commit 47f5acd) has a series ratio of rates for its
// errors with an absolute margin; the demo config (examples/checkout at
// 38db0a4, its HTTP metrics: the service has no container metrics) has a
// per-pod error ratio with no margin, NaN as zero, and must have data.
var revision1Configs = []struct{ name, text string }{
	{"revision 1's client-golang recipe", `version: 1
source:
  prometheus: {url: http://prometheus:9090}
window: {duration: 30m, step: 30s}
baseline: {scope: 'job="checkout", version="1.4.2"'}
canary: {scope: 'job="checkout", version="1.5.0"'}
metrics:
  - name: latency_p99
    query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[10s])))'
    group: latency
    fail_on: increase
    allowed_increase: 10%
    critical: true
  - name: latency_p50
    query: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[10s])))'
    group: latency
    fail_on: increase
    allowed_increase: 10%
  - name: error_ratio
    query: 'sum(rate(http_requests_total{ {{ .Scope }}, code=~"5.." }[10s])) / sum(rate(http_requests_total{ {{ .Scope }} }[10s]))'
    group: errors
    fail_on: increase
    allowed_increase: 0.005
groups:
  latency: {weight: 60}
  errors: {weight: 40}
`},
	{"revision 1's demo config", `version: 1
source:
  prometheus: {url: http://prometheus:9090}
window: {duration: 1h, step: 30s}
baseline: {scope: 'app="checkout",version="v1.4.2"'}
canary:   {scope: 'app="checkout",version="v1.5.0"'}
confidence: 0.98
metrics:
  - name: latency_p50
    query: 'histogram_quantile(0.5, sum by (le, pod) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[10s])))'
    group: latency
    fail_on: increase
    allowed_increase: 10%
  - name: latency_p99
    query: 'histogram_quantile(0.99, sum by (le, pod) (rate(http_request_duration_seconds_bucket{ {{ .Scope }} }[10s])))'
    group: latency
    fail_on: increase
    allowed_increase: 10%
    critical: true
  - name: error_ratio
    query: 'sum by (pod) (rate(http_requests_total{ {{ .Scope }},code=~"5.." }[10s])) / sum by (pod) (rate(http_requests_total{ {{ .Scope }} }[10s]))'
    group: errors
    fail_on: increase
    must_have_data: true
    nan: zero
groups:
  latency:    {weight: 50}
  errors:     {weight: 30}
scoring: {pass: 95, marginal: 75}
`},
}

// labSetting returns the environment's value of name parsed by parse, or def.
func labSetting[T any](t *testing.T, name string, def T, parse func(string) (T, error)) T {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return x
}

// startLab starts the six identical instances and the slow one (50%
// slower), each its own labservice process, a Prometheus scraping them
// every second, and rate requests a second to each; it returns the server
// and when scraping began. The cleanups stop the load, then Prometheus,
// then the instances (by PID).
func startLab(t *testing.T, service string, rate float64, seed uint64) (*promtest.Server, time.Time) {
	t.Helper()
	var targets []promtest.Target
	var urls []string
	for i, id := range append(append([]string{}, labIDs...), "slow") {
		s := lab.Healthy(seed + uint64(i))
		if id == "slow" {
			s.Slowdown = 1.5
		}
		url, stop, err := lab.StartProcess(service, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("instance %s: %v", id, err)
			}
		})
		urls = append(urls, url)
		targets = append(targets, promtest.Target{Addr: strings.TrimPrefix(url, "http://"), Labels: map[string]string{"instance_id": id, "app": "checkout"}})
	}
	srv := promtest.Start(t, "", promtest.WithScrape("checkout", labScrape, targets...))
	began := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []lab.Stats, 1)
	go func() { done <- lab.Load(ctx, rate, 64, seed, urls...) }()
	t.Cleanup(func() {
		cancel()
		for i, st := range <-done {
			t.Logf("load on %s: %d requests sent, %d failed, %d dropped", targets[i].Labels["instance_id"], st.Sent, st.Failed, st.Dropped)
		}
	})
	return srv, began
}

// TestLabIdenticalServices is the live lab of issue 13's held-out check:
// real services, real Prometheus, the documented configs. Six identical
// instances of one service (internal/lab: latency spent in real time,
// 0.5% errors), each its own process, and a seventh 50% slower get Poisson traffic while a real
// Prometheus scrapes them every second; after labWindow of data, all 15
// pairs of identical instances are judged through the binary with each
// config of labConfigs, as shipped. No pair may abort, and every metric of
// every pair must have data. The slow instance as canary against i1 must
// abort with latency_p99 high: the lab sees a real regression. Each pair
// is also judged by revision 1's rule (test: mann-whitney, no Holm, no
// margin test) and, once, with revision 1's configs (revision1Configs),
// logged for comparison, not asserted.
func TestLabIdenticalServices(t *testing.T) {
	testenv.Heavy(t, "starts Prometheus and seven live services under load")
	testenv.Require(t, "prometheus", "promtool")
	window := labSetting(t, "LAB_WINDOW", labWindow, time.ParseDuration)
	rate := labSetting(t, "LAB_RATE", float64(labRate), func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	seed := labSetting(t, "LAB_SEED", uint64(1), func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) })
	// Both binaries are built before the load starts.
	l := labRun{bin: buildVerdict(t), window: window}
	srv, began := startLab(t, testenv.GoBuild(t, "../internal/lab/labservice"), rate, seed)
	time.Sleep(time.Until(began.Add(window + 4*labStep))) // the window's first rate() has scrapes behind it
	l.srv, l.end = srv, time.Now().Add(-2*labScrape).Truncate(time.Second)
	t.Logf("LAB_SEED=%d: %g requests a second to each instance; window %s at a %s step ending %s", seed, rate, window, labStep, l.end.Format(time.RFC3339))
	for i, c := range labConfigs {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			l.pairs(t, c, c.file, "the default rule", true)
			l.pairs(t, c, revision1(t, c.file), "revision 1's rule", false, revision1Env...)
			for _, old := range revision1Configs {
				if i == 0 { // their queries take the client-golang scopes
					l.pairs(t, c, revision1(t, writeTemp(t, "revision1.yaml", old.text)), old.name+" and rule", false, revision1Env...)
				}
			}
			code, r, out := l.judge(t, c.file, c, "i1", "slow")
			t.Logf("i1 vs slow (+50%% latency): %s (exit %d)%s", r.Verdict, code, r.summary())
			if code != 1 || r.Verdict != "abort" || classOfLab(r, "latency_p99") != "high" {
				t.Errorf("the slow instance as canary: exit %d, verdict %s, latency_p99 %s; want an abort for latency_p99\n%s", code, r.Verdict, classOfLab(r, "latency_p99"), out)
			}
		})
	}
}

// pairs judges the 15 pairs of identical instances with config (extra
// environment added) and logs each verdict and the counts under rule.
// With assert, an abort, an error or a metric without data fails the test.
func (l labRun) pairs(t *testing.T, c labConfig, config, rule string, assert bool, extra ...string) {
	t.Helper()
	counts := map[string]int{}
	for i := range labIDs {
		for j := i + 1; j < len(labIDs); j++ {
			b, cn := labIDs[i], labIDs[j]
			code, r, out := l.judge(t, config, c, b, cn, extra...)
			counts[r.Verdict]++
			t.Logf("%s, %s vs %s: %s (exit %d)%s", rule, b, cn, r.Verdict, code, r.summary())
			if !assert {
				continue
			}
			if code == 1 || r.Verdict == "abort" || (code != 0 && code != 3) {
				t.Errorf("identical instances %s vs %s: exit %d, verdict %s; want promote or inconclusive\n%s", b, cn, code, r.Verdict, out)
			}
			for _, m := range r.Metrics {
				switch m.Classification {
				case "error", "missing", "nodata":
					t.Errorf("%s vs %s: %s is %s: %s", b, cn, m.Name, m.Classification, m.Reason)
				}
			}
		}
	}
	t.Logf("SUMMARY %s, %s, 15 identical pairs: %d promote, %d inconclusive, %d abort, %d other", c.file, rule,
		counts["promote"], counts["inconclusive"], counts["abort"], 15-counts["promote"]-counts["inconclusive"]-counts["abort"])
}

func classOfLab(r labReport, name string) string {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Classification
		}
	}
	return "absent"
}
