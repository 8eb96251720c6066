package main

// Fail-closed tests (issue 7): faults injected between verdict and a real
// Prometheus never let a canary promote unless every sample arrived whole.
// docs/fail-closed.md lists each failure mode with the test that proves it.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/faultproxy"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

// fcMetrics are the metrics of the fail-closed config, in config order.
// Over the standard fixture all four pass, so a clean run promotes (exit 0):
// every other exit code in these tests is the fault's doing.
var fcMetrics = []string{"latency", "requests", "error_ratio", "constant"}

// promOpts are the source.prometheus keys a test varies.
type promOpts struct {
	timeout     string // default 2s
	retries     int
	concurrency int    // default 8
	extra       string // more keys, e.g. "headers: {X-Org: a}"
}

// fcConfig writes the fail-closed config for a server at url.
func fcConfig(t *testing.T, url string, o promOpts) string {
	t.Helper()
	if o.timeout == "" {
		o.timeout = "2s"
	}
	if o.concurrency == 0 {
		o.concurrency = 8
	}
	if o.extra != "" {
		o.extra = ", " + o.extra
	}
	cfg := fmt.Sprintf(`version: 1
source:
  prometheus: {url: %q, timeout: %s, retries: %d, concurrency: %d%s}
window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 15s}
baseline: {scope: 'version="v1"'}
canary:   {scope: 'version="v2"'}
metrics:
  - name: latency
    query: 'last_over_time(demo_latency_seconds{ {{ .Scope }} }[15s])'
    group: latency
    fail_on: increase
    allowed_increase: 50%%
    critical: true
  - name: requests
    query: 'sum(rate(http_requests_total{ {{ .Scope }},code="200" }[1m]))'
    group: traffic
    allowed_increase: 10%%
    allowed_decrease: 10%%
  - name: error_ratio
    query: 'sum(rate(http_requests_total{ {{ .Scope }},code="500" }[1m])) / sum(rate(http_requests_total{ {{ .Scope }} }[1m]))'
    group: errors
    fail_on: increase
    allowed_increase: 0.1
  - name: constant
    query: 'last_over_time(demo_constant{ {{ .Scope }} }[15s])'
    group: errors
`, url, o.timeout, o.retries, o.concurrency, o.extra)
	p := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fcReport is the part of the JSON report these tests check.
type fcReport struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Metrics []struct {
		Name           string `json:"name"`
		Classification string `json:"classification"`
		Baseline       struct {
			Count int    `json:"count"`
			Error string `json:"error"`
		} `json:"baseline"`
		Canary struct {
			Count int    `json:"count"`
			Error string `json:"error"`
		} `json:"canary"`
	} `json:"metrics"`
}

// fcRun is one judge run with a JSON report file.
type fcRun struct {
	code           int
	stdout, stderr string
	json           []byte // the --report json file
	rep            fcReport
}

var verdictOfCode = map[int]string{judge.ExitPromote: "promote", judge.ExitAbort: "abort", judge.ExitInconclusive: "inconclusive", judge.ExitError: "error"}

// judgeWithReport runs `judge -c cfg --report json=…` in-process and reads the report.
func judgeWithReport(t *testing.T, cfg string, extra ...string) fcRun {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out", "report.json")
	var r fcRun
	r.code, r.stdout, r.stderr = runCLI(t, nil, append([]string{"judge", "-c", cfg, "--report", "json=" + path}, extra...)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("exit %d; the JSON report was not written: %v\nstderr: %s", r.code, err, r.stderr)
	}
	r.json = b
	if err := json.Unmarshal(b, &r.rep); err != nil {
		t.Fatalf("the JSON report does not parse: %v\n%s", err, b)
	}
	return r
}

// checkFailClosed asserts what every run must satisfy: the exit code, the
// verdict in the report and on stdout agree; each failed metric is `error`
// in the report with its side's error naming cause, and has exactly one
// stderr line naming it and cause; nothing else is on stderr.
func checkFailClosed(t *testing.T, r fcRun, code int, failed []string, cause string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstderr:\n%s\nreport: %s", r.code, code, r.stderr, r.rep.Reason)
	}
	if want := verdictOfCode[code]; r.rep.Verdict != want {
		t.Errorf("report verdict %q, want %q", r.rep.Verdict, want)
	}
	if want := "verdict: " + strings.ToUpper(verdictOfCode[code]); !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
	var gotFailed []string
	for _, m := range r.rep.Metrics {
		if m.Classification != "error" {
			continue
		}
		gotFailed = append(gotFailed, m.Name)
		errs := m.Baseline.Error + " | " + m.Canary.Error
		if !strings.Contains(errs, cause) || !strings.Contains(errs, `metric "`+m.Name+`"`) {
			t.Errorf("%s: side errors %q do not name the metric and %q", m.Name, errs, cause)
		}
	}
	sort.Strings(gotFailed)
	want := slices.Sorted(slices.Values(failed))
	if !slices.Equal(gotFailed, want) {
		t.Errorf("metrics classified error: %v, want %v", gotFailed, want)
	}
	// Besides one line per failed metric, stderr may hold log records (with
	// -v) and the settings taken from flags, one a line.
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "time=") && strings.Contains(l, " level="):
		case strings.HasPrefix(l, "verdict: source.recording=") && strings.HasSuffix(l, ", from flag --recording"):
		default:
			lines = append(lines, l)
		}
	}
	if len(lines) != len(failed) {
		t.Errorf("%d stderr lines other than retry warnings, want one per failed metric (%d):\n%s", len(lines), len(failed), r.stderr)
	}
	for _, name := range failed {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "verdict: error: "+name+": ") {
				n++
				if !strings.Contains(l, cause) {
					t.Errorf("stderr line for %s lacks %q: %s", name, cause, l)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d stderr lines name %s, want 1:\n%s", n, name, r.stderr)
		}
	}
}

// fcServer starts the real Prometheus the fault tests share and judges it
// once directly: the clean report every recovered run must reproduce byte for byte.
func fcServer(t *testing.T) (*promtest.Server, []byte) {
	t.Helper()
	srv := promtest.Start(t, fixture)
	clean := judgeWithReport(t, fcConfig(t, srv.URL, promOpts{}))
	checkFailClosed(t, clean, judge.ExitPromote, nil, "")
	return srv, clean.json
}

// fcProxy starts a fault proxy in front of target, closed when the test ends.
func fcProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

const (
	matchLatencyCanary = `demo_latency_seconds{ version="v2" }`
	matchConstant      = `demo_constant{`
	nginx502           = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"
)

func jsonHeader() map[string]string { return map[string]string{"Content-Type": "application/json"} }

// TestFailClosedFaults injects one fault per case between verdict and a
// real Prometheus and checks the exit code, the report (always written,
// with the error recorded) and the one stderr line per failed metric.
// A run that recovers must give the clean run's report byte for byte.
func TestFailClosedFaults(t *testing.T) {
	srv, clean := fcServer(t)
	all := fcMetrics
	cases := []struct {
		name   string
		faults []faultproxy.Fault
		url    string // instead of the proxy's
		opts   promOpts
		code   int
		failed []string
		cause  string
		check  func(t *testing.T, p *faultproxy.Proxy, r fcRun)
	}{
		{name: "no fault: the proxy is transparent", code: judge.ExitPromote},
		{name: "connection refused", url: "refused", opts: promOpts{retries: 1},
			code: judge.ExitError, failed: all, cause: "connection refused: dial tcp 127.0.0.1:"},
		{name: "DNS failure", url: "http://prometheus.invalid:9090",
			code: judge.ExitError, failed: all, cause: "dial tcp: lookup prometheus.invalid"}, // kind "network", or "connection refused" when no resolver answers
		{name: "hang past the timeout", opts: promOpts{timeout: "300ms", retries: 1},
			faults: []faultproxy.Fault{{Action: faultproxy.Hang}},
			code:   judge.ExitError, failed: all, cause: "timeout: no response within 300ms (after 2 attempts)"},
		{name: "slow responses within the timeout", opts: promOpts{timeout: "10s"},
			faults: []faultproxy.Fault{{Action: faultproxy.Delay, Delay: 300 * time.Millisecond}},
			code:   judge.ExitPromote,
			check: func(t *testing.T, p *faultproxy.Proxy, _ fcRun) {
				if n := p.Count("", "delay"); n != 2*len(fcMetrics) {
					t.Errorf("%d delayed requests, want %d", n, 2*len(fcMetrics))
				}
			}},
		{name: "5xx then success", opts: promOpts{retries: 3},
			faults: []faultproxy.Fault{
				{Match: "demo_latency", Times: 1, Action: faultproxy.Respond, Status: 500, Header: jsonHeader(),
					Body: `{"status":"error","errorType":"internal","error":"query processing would load too many samples"}`},
				{Times: 2, Action: faultproxy.Respond, Status: 503, Header: map[string]string{"Content-Type": "text/plain"}, Body: "upstream connect error"},
			},
			code: judge.ExitPromote,
			check: func(t *testing.T, p *faultproxy.Proxy, _ fcRun) {
				if n := p.Count("", "respond"); n != 2*len(fcMetrics)*2+2 {
					t.Errorf("%d failed attempts, want %d (two 503 per query, one 500 per latency query)", n, 2*len(fcMetrics)*2+2)
				}
			}},
		{name: "5xx on every attempt", opts: promOpts{retries: 2},
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Status: 503, Header: map[string]string{"Content-Type": "text/plain"}, Body: "upstream connect error"}},
			code:   judge.ExitError, failed: all, cause: "http 503: non-JSON response (HTTP 503, text/plain): upstream connect error (after 3 attempts)"},
		{name: "429 with Retry-After, then success", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{{Times: 1, Action: faultproxy.Respond, Status: 429, Header: map[string]string{"Retry-After": "1"}, Body: "slow down"}},
			code:   judge.ExitPromote,
			check: func(t *testing.T, p *faultproxy.Proxy, _ fcRun) {
				first := map[string]time.Time{}
				for _, r := range p.Requests() {
					if r.Fault == "respond" {
						first[r.Query] = r.At
					} else if gap := r.At.Sub(first[r.Query]); gap < time.Second {
						t.Errorf("retried %s after %s, before the server's Retry-After of 1s", r.Query, gap)
					}
				}
				if len(first) != 2*len(fcMetrics) {
					t.Errorf("%d queries got a 429, want %d", len(first), 2*len(fcMetrics))
				}
			}},
		{name: "429 asking for an hour", opts: promOpts{retries: 3},
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Status: 429, Header: map[string]string{"Retry-After": "3600"}, Body: "quota exhausted"}},
			code:   judge.ExitError, failed: all, cause: "http 429: non-JSON response (HTTP 429, text/plain): quota exhausted (server asks to retry after 1h0m0s, longer than 1m0s)"},
		{name: "malformed JSON",
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Header: jsonHeader(), Body: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,"0.1"],,]}]}}`}},
			code:   judge.ExitError, failed: all, cause: "invalid response: malformed JSON response (HTTP 200, 108 bytes): line 1: want '[', found ','"},
		{name: "a sample that is not a number",
			faults: []faultproxy.Fault{{Match: matchConstant, Action: faultproxy.Respond, Header: jsonHeader(), Body: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,"fast"]]}]}}`}},
			code:   judge.ExitError, failed: []string{"constant"}, cause: "invalid response: malformed JSON response"},
		{name: "a vector instead of a matrix",
			faults: []faultproxy.Fault{{Match: matchConstant, Action: faultproxy.Respond, Header: jsonHeader(), Body: `{"status":"success","data":{"resultType":"vector","result":[]}}`}},
			code:   judge.ExitError, failed: []string{"constant"}, cause: "invalid response: range query returned a vector, not a matrix"},
		{name: "truncated body on every attempt", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{{Action: faultproxy.Truncate}},
			code:   judge.ExitError, failed: all, cause: "invalid response: response cut short after"},
		{name: "truncated body once, then whole", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{{Times: 1, Action: faultproxy.Truncate}},
			code:   judge.ExitPromote},
		{name: "connection dropped without a response", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{{Action: faultproxy.Drop}},
			code:   judge.ExitError, failed: all, cause: "network: "},
		{name: "HTML error page from a proxy", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: nginx502}},
			code:   judge.ExitError, failed: all, cause: "http 502: non-JSON response (HTTP 502, text/html): 502 Bad Gateway (after 2 attempts)"},
		{name: "HTML login page with status 200",
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Body: "<html><head><title>Sign in</title></head><body>SSO</body></html>"}},
			code:   judge.ExitError, failed: all, cause: "invalid response: non-JSON response (HTTP 200, text/html)"},
		{name: "status error body (HTTP 422)",
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Status: 422, Header: jsonHeader(), Body: `{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`}},
			code:   judge.ExitError, failed: all, cause: "execution: many-to-many matching not allowed; query: "},
		{name: "status error body in a 200",
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Header: jsonHeader(), Body: `{"status":"error","errorType":"execution","error":"query timed out in expression evaluation"}`}},
			code:   judge.ExitError, failed: all, cause: "execution: query timed out in expression evaluation"},
		{name: "some metrics fail while others succeed", opts: promOpts{retries: 1},
			faults: []faultproxy.Fault{
				{Match: matchLatencyCanary, Action: faultproxy.Drop},
				{Match: matchConstant, Action: faultproxy.Respond, Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: nginx502},
			},
			code: judge.ExitError, failed: []string{"latency", "constant"}, cause: "(after 2 attempts); query: ",
			check: func(t *testing.T, _ *faultproxy.Proxy, r fcRun) {
				for _, m := range r.rep.Metrics {
					if (m.Name == "requests" || m.Name == "error_ratio") && (m.Classification != "pass" || m.Canary.Count == 0) {
						t.Errorf("%s: %s with %d canary samples, want pass: the metrics that arrived are still judged", m.Name, m.Classification, m.Canary.Count)
					}
				}
			}},
		{name: "empty result for every query (no data)",
			faults: []faultproxy.Fault{{Action: faultproxy.Respond, Header: jsonHeader(), Body: `{"status":"success","data":{"resultType":"matrix","result":[]}}`}},
			code:   judge.ExitInconclusive},
		// Two NaN points against the baseline's 241 timestamps: the canary
		// covers less than coverage (90%), so it is missing (SPEC §4, rev. 2),
		// and a critical missing metric aborts.
		{name: "only NaN for the critical metric's canary",
			faults: []faultproxy.Fault{{Match: matchLatencyCanary, Action: faultproxy.Respond, Header: jsonHeader(),
				Body: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[[1704067200,"NaN"],[1704067215,"NaN"]]}]}}`}},
			code: judge.ExitAbort},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := fcProxy(t, srv.URL)
			p.Inject(c.faults...)
			url := p.URL
			switch c.url {
			case "":
			case "refused":
				p.Close() // nothing listens on its port any more
			default:
				url = c.url
			}
			r := judgeWithReport(t, fcConfig(t, url, c.opts))
			checkFailClosed(t, r, c.code, c.failed, c.cause)
			if c.code == judge.ExitPromote && withoutSource(t, r.json) != withoutSource(t, clean) {
				t.Errorf("promoted, but the report differs from the clean run's:\n%s\nclean:\n%s", r.json, clean)
			}
			if c.check != nil {
				c.check(t, p, r)
			}
		})
	}
}

// TestFailClosedPrometheusRestart stops the real Prometheus in the middle of
// a run (one query at a time, at the third request) and starts a new one
// behind the same address. With retries to bridge the restart the run
// finishes with the clean report; without, it exits 4 naming the metrics
// that were lost; a server that dies for good fails every later metric.
func TestFailClosedPrometheusRestart(t *testing.T) {
	_, clean := fcServer(t)
	const killAt = 3 // requests (metric, side): 1-2 latency, 3-4 requests, …
	run := func(t *testing.T, retries int, restart bool) (fcRun, *faultproxy.Proxy) {
		t.Helper()
		srv := promtest.Start(t, fixture)
		p := fcProxy(t, srv.URL)
		var wg sync.WaitGroup
		t.Cleanup(wg.Wait)
		p.OnRequest(func(n int, _ string) {
			if n != killAt {
				return
			}
			if err := srv.Stop(); err != nil {
				t.Errorf("stop prometheus: %v", err)
			}
			if !restart {
				return
			}
			wg.Add(1)
			go func() { // the new server comes up while verdict retries
				defer wg.Done()
				s, err := promtest.Launch(context.Background(), t.TempDir(), fixture)
				if err != nil {
					t.Errorf("restart prometheus: %v", err)
					return
				}
				t.Cleanup(func() { s.Stop() })
				p.SetTarget(s.URL)
			}()
		})
		r := judgeWithReport(t, fcConfig(t, p.URL, promOpts{retries: retries, concurrency: 1}))
		return r, p
	}
	t.Run("retries bridge the restart", func(t *testing.T) {
		r, p := run(t, 8, true)
		checkFailClosed(t, r, judge.ExitPromote, nil, "")
		if withoutSource(t, r.json) != withoutSource(t, clean) {
			t.Errorf("report differs from the clean run's:\n%s", r.json)
		}
		bad := 0
		for _, req := range p.Requests() {
			if req.Status == 502 {
				bad++
			}
		}
		if bad == 0 {
			t.Error("no request met the stopped server: the restart did not happen mid-run")
		}
	})
	t.Run("no retries: the lost metric is an error", func(t *testing.T) {
		r, _ := run(t, 0, true)
		if r.code != judge.ExitError {
			t.Fatalf("exit %d, want 4\n%s", r.code, r.stderr)
		}
		// Which later queries still met the down server depends on how fast
		// it restarts; the one that met the stop must be an error.
		var failed []string
		for _, m := range r.rep.Metrics {
			if m.Classification == "error" {
				failed = append(failed, m.Name)
			}
		}
		if !slices.Contains(failed, "requests") || slices.Contains(failed, "latency") {
			t.Errorf("failed metrics %v: want requests (stopped at its baseline) and not latency (fetched before)", failed)
		}
		checkFailClosed(t, r, judge.ExitError, failed, "http 502: non-JSON response (HTTP 502, text/html): 502 Bad Gateway")
	})
	t.Run("server dies for good", func(t *testing.T) {
		r, _ := run(t, 1, false)
		checkFailClosed(t, r, judge.ExitError, []string{"requests", "error_ratio", "constant"}, "http 502")
	})
}

// TestFailClosedRecordOfFailure records a run whose canary query fails:
// record exits 4 and keeps the failure, and judging that recording offline
// is an error too, never a promote.
func TestFailClosedRecordOfFailure(t *testing.T) {
	srv := promtest.Start(t, fixture)
	p := fcProxy(t, srv.URL)
	p.Inject(faultproxy.Fault{Match: matchConstant, Action: faultproxy.Respond, Status: 422, Header: jsonHeader(),
		Body: `{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`})
	cfg := fcConfig(t, p.URL, promOpts{})
	rec := filepath.Join(t.TempDir(), "rec.json")
	code, out, stderr := runCLI(t, nil, "record", "-c", cfg, "-o", rec)
	if code != judge.ExitError || out != "" || !strings.Contains(stderr, `constant canary: metric "constant" (canary): execution: many-to-many`) {
		t.Fatalf("record: exit %d\nstdout %q\nstderr %s", code, out, stderr)
	}
	r := judgeWithReport(t, cfg, "--recording", rec)
	checkFailClosed(t, r, judge.ExitError, []string{"constant"}, "execution: many-to-many matching not allowed")
}

// TestFailClosedLongWindowChunked: a window of 14,401 steps, more than the
// 11,000 Prometheus allows in one query, is split and stitched: every
// point arrives and nothing fails.
func TestFailClosedLongWindowChunked(t *testing.T) {
	srv := promtest.Start(t, fixture)
	p := fcProxy(t, srv.URL)
	// A generous query timeout: the two 7,200-step chunks must not fail on a
	// loaded machine (2 s, the fault tests' default, once did at load 9.6).
	r := judgeWithReport(t, fcConfig(t, p.URL, promOpts{timeout: "2m"}), "--step", "250ms")
	if r.code == judge.ExitError || r.code == judge.ExitUsage {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, m := range r.rep.Metrics {
		if m.Name == "latency" && (m.Baseline.Count != 2*14401 || m.Canary.Count != 2*14401) {
			t.Errorf("latency counts %d/%d, want 2 series × 14,401 points each", m.Baseline.Count, m.Canary.Count)
		}
	}
	if n := len(p.Requests()); n != 2*2*len(fcMetrics) {
		t.Errorf("%d requests, want 2 chunks × %d queries", n, 2*len(fcMetrics))
	}
}

// TestFailClosedReportUnwritable: a promoting run whose requested report
// cannot be written exits 4, naming the report, while the reports that
// could be written are, and stdout says error; stdout that cannot be
// written is exit 4 too.
func TestFailClosedReportUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad, good := filepath.Join(blocker, "report.json"), filepath.Join(dir, "report.md")
	code, out, stderr := runCLI(t, nil, "judge", "-c", healthy, "--report", "json="+bad, "--report", "markdown="+good)
	if code != judge.ExitError {
		t.Fatalf("exit %d, want 4 (a requested report is missing)\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "verdict: report json="+bad+": ") || !strings.Contains(stderr, "1 of 2 requested reports could not be written") {
		t.Errorf("stderr does not name the report:\n%s", stderr)
	}
	if _, err := os.Stat(good); err != nil {
		t.Errorf("the writable report was not written: %v", err)
	}
	if !strings.Contains(out, "verdict: ERROR (score —)") {
		t.Errorf("stdout lacks the report saying error:\n%s", out)
	}

	var errb strings.Builder
	if code := run(context.Background(), []string{"judge", "-c", healthy}, failingWriter{}, &errb, nil); code != judge.ExitError {
		t.Errorf("stdout unwritable: exit %d, want 4; stderr %s", code, errb.String())
	}
}

// failingWriter is a stdout whose reader has gone (a closed pipe).
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// withoutSource is a JSON report without its source, which names the URL a
// run queried: a run through the fault proxy and a clean one differ there only.
func withoutSource(t *testing.T, b []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("report: %v", err)
	}
	if src, ok := m["source"].(map[string]any); !ok || src["kind"] != "prometheus" {
		t.Errorf("report's source is %v, want kind prometheus", m["source"])
	}
	delete(m, "source")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
