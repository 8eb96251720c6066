package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
)

// The tests in this file use httptest fakes for the faults a real server does
// not produce; prometheus_integration_test.go runs against real servers.

const okMatrix = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},"values":[[1704067200,"1"],[1704067260,"NaN"]]}]}}`

var testWindow = Query{Metric: "latency_p99", Side: Canary, Expr: `up{version="v2"}`,
	Start: time.Unix(1704067200, 0), End: time.Unix(1704067260, 0), Step: time.Minute}

// fake serves the responses in turn (the last one repeats) and counts requests.
type fake struct {
	calls     atomic.Int32
	responses []func(w http.ResponseWriter, r *http.Request)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	f.responses[min(n, len(f.responses)-1)](w, r)
}

func reply(status int, contentType, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// testEnv is the environment the tests' sources read bearer_token_env from.
var testEnv = map[string]string{"VERDICT_TEST_PROM_TOKEN": "env-token-456", "VERDICT_TEST_EMPTY": ""}

func testGetenv(k string) string { return testEnv[k] }

func fakeSource(t *testing.T, cfg config.Prometheus, responses ...func(http.ResponseWriter, *http.Request)) (*Prometheus, *fake) {
	t.Helper()
	f := &fake{responses: responses}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	p, err := NewPrometheus(cfg, WithGetenv(testGetenv))
	if err != nil {
		t.Fatalf("NewPrometheus: %v", err)
	}
	p.backoffBase, p.backoffMax = time.Millisecond, 5*time.Millisecond
	return p, f
}

func queryErr(t *testing.T, err error) *QueryError {
	t.Helper()
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("error %v (%T), want *QueryError", err, err)
	}
	if msg := qe.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, `metric "latency_p99" (canary)`) || !strings.Contains(msg, `query: up{version="v2"}`) {
		t.Fatalf("error %q: want one line naming the metric, side and query", msg)
	}
	return qe
}

func TestPrometheusFaults(t *testing.T) {
	htmlPage := "<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
	tests := []struct {
		name      string
		retries   int
		responses []func(http.ResponseWriter, *http.Request)
		wantKind  string // "" means success
		wantCalls int32
		wantMsg   []string
		notMsg    []string
	}{
		{
			name: "HTML 502 from a proxy is retried, then reported plainly", retries: 2,
			responses: []func(http.ResponseWriter, *http.Request){reply(502, "text/html; charset=utf-8", htmlPage)},
			wantKind:  "http 502", wantCalls: 3,
			wantMsg: []string{"non-JSON response (HTTP 502, text/html): 502 Bad Gateway", "after 3 attempts"},
			notMsg:  []string{"<html", "<title", "invalid character"},
		},
		{
			name: "5xx then success", retries: 2,
			responses: []func(http.ResponseWriter, *http.Request){reply(503, "text/plain", "overloaded"), reply(200, "application/json", okMatrix)},
			wantCalls: 2,
		},
		{
			name: "Prometheus timeout error (503 JSON) is retried", retries: 1,
			responses: []func(http.ResponseWriter, *http.Request){reply(503, "application/json", `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`)},
			wantKind:  "timeout", wantCalls: 2, wantMsg: []string{"timeout: query timed out in expression evaluation"},
		},
		{
			name: "execution error (422) is not retried", retries: 3,
			responses: []func(http.ResponseWriter, *http.Request){reply(422, "application/json", `{"status":"error","errorType":"execution","error":"found duplicate series for the match group"}`)},
			wantKind:  "execution", wantCalls: 1, wantMsg: []string{"execution: found duplicate series"},
		},
		{
			name: "429 without Retry-After backs off and succeeds", retries: 1,
			responses: []func(http.ResponseWriter, *http.Request){reply(429, "text/plain", "slow down"), reply(200, "application/json", okMatrix)},
			wantCalls: 2,
		},
		{
			name: "Retry-After longer than a minute fails at once", retries: 3,
			responses: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				reply(429, "text/plain", "quota exceeded")(w, r)
			}},
			wantKind: "http 429", wantCalls: 1, wantMsg: []string{"quota exceeded", "retry after 1h0m0s"},
		},
		{
			name: "404 is not retried", retries: 3,
			responses: []func(http.ResponseWriter, *http.Request){reply(404, "text/plain", "404 page not found")},
			wantKind:  "http 404", wantCalls: 1, wantMsg: []string{"non-JSON response (HTTP 404, text/plain): 404 page not found"},
		},
		{
			name: "malformed JSON is an invalid response, not retried", retries: 3,
			responses: []func(http.ResponseWriter, *http.Request){reply(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{]}}`)},
			wantKind:  "invalid response", wantCalls: 1, wantMsg: []string{"malformed JSON response (HTTP 200"},
		},
		{
			name: "HTML with status 200 is an invalid response", retries: 3,
			responses: []func(http.ResponseWriter, *http.Request){reply(200, "text/html", "<html>login</html>")},
			wantKind:  "invalid response", wantCalls: 1, wantMsg: []string{"non-JSON response (HTTP 200, text/html)"},
		},
		{
			name: "truncated body is retried", retries: 1,
			responses: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000")
				fmt.Fprint(w, okMatrix[:40])
			}},
			wantKind: "invalid response", wantCalls: 2, wantMsg: []string{"cut short"},
		},
		{
			name: "a vector where a matrix belongs", retries: 0,
			responses: []func(http.ResponseWriter, *http.Request){reply(200, "application/json", `{"status":"success","data":{"resultType":"vector","result":[]}}`)},
			wantKind:  "invalid response", wantCalls: 1, wantMsg: []string{"returned a vector, not a matrix"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := fakeSource(t, config.Prometheus{Retries: tt.retries}, tt.responses...)
			res, err := p.Fetch(context.Background(), testWindow)
			if got := f.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if tt.wantKind == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if len(res.Series) != 1 || len(res.Series[0].Points) != 2 || !math.IsNaN(res.Series[0].Points[1].V) {
					t.Fatalf("result %+v: want one series of two points, the second NaN", res)
				}
				return
			}
			qe := queryErr(t, err)
			if qe.Kind != tt.wantKind {
				t.Errorf("kind %q, want %q (error: %v)", qe.Kind, tt.wantKind, err)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, w := range tt.notMsg {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q contains %q", err, w)
				}
			}
		})
	}
}

// TestPrometheusRetryAfterIsHonoured: the source waits what Retry-After
// asks (1 s) before its retry, not its own backoff. The wait goes through
// WithSleep, so the test checks the duration asked for without sleeping.
func TestPrometheusRetryAfterIsHonoured(t *testing.T) {
	var waits []time.Duration
	var callsAtWait []int32
	var f *fake
	sleep := func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		callsAtWait = append(callsAtWait, f.calls.Load())
		return ctx.Err()
	}
	var p *Prometheus
	p, f = fakeSource(t, config.Prometheus{Retries: 1},
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			reply(429, "text/plain", "slow down")(w, r)
		},
		reply(200, "application/json", okMatrix))
	p.sleep = sleep
	if _, err := p.Fetch(context.Background(), testWindow); err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 2 {
		t.Fatalf("%d requests, want 2", f.calls.Load())
	}
	if !slices.Equal(waits, []time.Duration{time.Second}) || !slices.Equal(callsAtWait, []int32{1}) {
		t.Fatalf("waited %v (after requests %v), want one 1s wait between the two requests", waits, callsAtWait)
	}
}

// TestPrometheusSleepOption: WithSleep replaces the timer, and a sleep
// that reports cancellation ends the query as canceled.
func TestPrometheusSleepOption(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(reply(503, "text/plain", "busy")))
	t.Cleanup(srv.Close)
	var waits []time.Duration
	p, err := NewPrometheus(config.Prometheus{URL: srv.URL, Retries: 3}, WithSleep(func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 2 {
			return context.Canceled
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Fetch(context.Background(), testWindow)
	if qe := queryErr(t, err); qe.Kind != "canceled" || qe.Attempts != 2 {
		t.Fatalf("kind %q after %d attempts, want canceled after 2: %v", qe.Kind, qe.Attempts, err)
	}
	// The default backoff: 250ms, then 500ms, each with jitter in its upper half.
	if len(waits) != 2 || waits[0] < 125*time.Millisecond || waits[0] > 250*time.Millisecond || waits[1] < 250*time.Millisecond || waits[1] > 500*time.Millisecond {
		t.Fatalf("waits %v, want the default backoff of about 250ms then 500ms", waits)
	}
}

func TestPrometheusTimeout(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the server notices a closed connection only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	p, f := fakeSource(t, config.Prometheus{Timeout: 100 * time.Millisecond, Retries: 1}, hang)
	_, err := p.Fetch(context.Background(), testWindow)
	qe := queryErr(t, err)
	if qe.Kind != "timeout" || qe.Attempts != 2 || f.calls.Load() != 2 || !strings.Contains(err.Error(), "no response within 100ms") {
		t.Fatalf("error %v after %d requests; want a timeout after 2 attempts", err, f.calls.Load())
	}
}

func TestPrometheusAuthHeadersAndSecrets(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("file-token-123\n"), 0o600)

	echo := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != "team-a" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") ||
			r.Header.Get("User-Agent") != "verdict" {
			reply(400, "text/plain", "missing headers")(w, r)
			return
		}
		// A server that echoes credentials back in its error message.
		reply(500, "application/json", fmt.Sprintf(`{"status":"error","errorType":"internal","error":"bad token %s for org %s (header %s)"}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("X-Scope-OrgID"), r.Header.Get("Authorization")))(w, r)
	}
	for name, cfg := range map[string]config.Prometheus{
		"bearer_token_file": {BearerTokenFile: tokenFile, Headers: map[string]string{"X-Scope-OrgID": "team-a"}},
		"bearer_token_env":  {BearerTokenEnv: "VERDICT_TEST_PROM_TOKEN", Headers: map[string]string{"X-Scope-OrgID": "team-a"}},
	} {
		t.Run(name, func(t *testing.T) {
			p, _ := fakeSource(t, cfg, echo)
			secrets := p.Secrets()
			tok := "file-token-123"
			if cfg.BearerTokenEnv != "" {
				tok = "env-token-456"
			}
			if want := []string{"Bearer " + tok, tok, "team-a"}; !slices.Equal(secrets, want) {
				t.Fatalf("Secrets() = %q, want %q: the token, its header value and the custom header's value, longest first", secrets, want)
			}
			_, err := p.Fetch(context.Background(), testWindow)
			qe := queryErr(t, err)
			if qe.Kind != "internal" || !strings.Contains(err.Error(), "bad token <secret> for org <secret> (header <secret>)") {
				t.Fatalf("error %q: want the server's message with credentials masked", err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error %q shows secret %q", err, s)
				}
			}
		})
	}
}

func TestPrometheusWarningsAndInfos(t *testing.T) {
	body := strings.Replace(okMatrix, `"status":"success",`, `"status":"success","warnings":["PromQL warning: x"],"infos":["PromQL info: y"],`, 1)
	p, _ := fakeSource(t, config.Prometheus{}, reply(200, "application/json", body))
	res, err := p.Fetch(context.Background(), testWindow)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Warnings, "|") != "PromQL warning: x|info: PromQL info: y" {
		t.Fatalf("warnings %q", res.Warnings)
	}
}

func TestNewPrometheusRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists")
	os.WriteFile(exists, []byte("x\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	missing := filepath.Join(dir, "missing")
	base := "http://127.0.0.1:9090"
	tests := []struct {
		name string
		cfg  config.Prometheus
		want string
	}{
		{"no URL", config.Prometheus{}, "prometheus.url"},
		{"ftp URL", config.Prometheus{URL: "ftp://host"}, "prometheus.url"},
		{"URL without host", config.Prometheus{URL: "http://"}, "prometheus.url"},
		{"password in a bad URL is not shown", config.Prometheus{URL: "ftp://u:s3cretpw@host"}, "prometheus.url"},
		{"negative retries", config.Prometheus{URL: base, Retries: -1}, "prometheus.retries"},
		{"negative timeout", config.Prometheus{URL: base, Timeout: -time.Second}, "prometheus.timeout"},
		{"token env unset", config.Prometheus{URL: base, BearerTokenEnv: "VERDICT_TEST_UNSET_VAR"}, "VERDICT_TEST_UNSET_VAR is unset or empty"},
		{"token env empty", config.Prometheus{URL: base, BearerTokenEnv: "VERDICT_TEST_EMPTY"}, "VERDICT_TEST_EMPTY is unset or empty"},
		{"token env without an environment", config.Prometheus{URL: base, BearerTokenEnv: "PATH"}, "no environment to read PATH from"},
		{"token file missing", config.Prometheus{URL: base, BearerTokenFile: missing}, "prometheus.bearer_token_file"},
		{"token file empty", config.Prometheus{URL: base, BearerTokenFile: empty}, "is empty"},
		{"token file and env", config.Prometheus{URL: base, BearerTokenFile: exists, BearerTokenEnv: "X"}, "not both"},
		{"token and basic auth", config.Prometheus{URL: base, BearerTokenFile: exists, BasicAuth: &config.BasicAuth{Username: "u", Password: "p"}}, "not both"},
		{"basic auth without user", config.Prometheus{URL: base, BasicAuth: &config.BasicAuth{Password: "p"}}, "basic_auth.username"},
		{"password and password_file", config.Prometheus{URL: base, BasicAuth: &config.BasicAuth{Username: "u", Password: "p", PasswordFile: exists}}, "not both"},
		{"password_file missing", config.Prometheus{URL: base, BasicAuth: &config.BasicAuth{Username: "u", PasswordFile: missing}}, "password_file"},
		{"cert without key", config.Prometheus{URL: base, TLS: &config.TLS{CertFile: exists}}, "go together"},
		{"CA file missing", config.Prometheus{URL: base, TLS: &config.TLS{CAFile: missing}}, "prometheus.tls.ca_file"},
		{"CA file not a certificate", config.Prometheus{URL: base, TLS: &config.TLS{CAFile: exists}}, "CA cert"},
		{"reserved header", config.Prometheus{URL: base, Headers: map[string]string{"Authorization": "Bearer x"}}, "Authorization"},
		{"header with newline", config.Prometheus{URL: base, Headers: map[string]string{"X-A": "a\nb"}}, "prometheus.headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []Option{WithGetenv(testGetenv)}
			if strings.Contains(tt.name, "without an environment") {
				opts = nil
			}
			_, err := NewPrometheus(tt.cfg, opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cretpw") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q shows a password or spans lines", err)
			}
		})
	}
}

func TestNewPrometheusDefaultsAndURLSecret(t *testing.T) {
	p, err := NewPrometheus(config.Prometheus{URL: "https://ci:url-pass@prom.example.com/prefix"})
	if err != nil {
		t.Fatal(err)
	}
	if p.timeout != DefaultTimeout || p.Concurrency() != DefaultConcurrency || p.retries != 0 {
		t.Fatalf("timeout %s, concurrency %d, retries %d; want defaults", p.timeout, p.Concurrency(), p.retries)
	}
	b64 := "Y2k6dXJsLXBhc3M=" // base64("ci:url-pass"), as Go sends a URL's user:password
	if s := p.Secrets(); !slices.Equal(s, []string{"Basic " + b64, b64, "url-pass"}) {
		t.Fatalf("Secrets() = %q, want the URL's password and its basic-auth header forms", s)
	}
	if strings.Contains(p.server, "url-pass") {
		t.Fatalf("server %q shows the password", p.server)
	}
}

func TestSplitRange(t *testing.T) {
	t0 := time.Unix(1704067200, 0)
	tests := []struct {
		name   string
		end    time.Duration
		step   time.Duration
		max    int
		starts []time.Duration // chunk starts after t0
		ends   []time.Duration
	}{
		{"one point", 0, time.Minute, 3, []time.Duration{0}, []time.Duration{0}},
		{"fits", 2 * time.Minute, time.Minute, 3, []time.Duration{0}, []time.Duration{2 * time.Minute}},
		{"one more than fits", 3 * time.Minute, time.Minute, 3, []time.Duration{0, 3 * time.Minute}, []time.Duration{2 * time.Minute, 3 * time.Minute}},
		{"end off the grid", 7*time.Minute + 30*time.Second, time.Minute, 3,
			[]time.Duration{0, 3 * time.Minute, 6 * time.Minute}, []time.Duration{2 * time.Minute, 5 * time.Minute, 7*time.Minute + 30*time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitRange(t0, t0.Add(tt.end), tt.step, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.starts) {
				t.Fatalf("%d chunks, want %d: %v", len(got), len(tt.starts), got)
			}
			for i, r := range got {
				if !r.Start.Equal(t0.Add(tt.starts[i])) || !r.End.Equal(t0.Add(tt.ends[i])) || r.Step != tt.step {
					t.Fatalf("chunk %d: %s..%s, want %s..%s", i, r.Start.Sub(t0), r.End.Sub(t0), tt.starts[i], tt.ends[i])
				}
			}
		})
	}
	if _, err := splitRange(t0, t0.Add(-time.Second), time.Minute, 3); err == nil {
		t.Error("end before start: no error")
	}
	if _, err := splitRange(t0, t0, 0, 3); err == nil {
		t.Error("zero step: no error")
	}
}

func TestPrometheusStitchesChunks(t *testing.T) {
	// A fake that answers each chunk with the points it asks for, of a series
	// present throughout and one that appears only in the last chunk.
	handler := func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		var start, end, step float64
		fmt.Sscan(r.Form.Get("start"), &start)
		fmt.Sscan(r.Form.Get("end"), &end)
		fmt.Sscan(r.Form.Get("step"), &step)
		var all, late []string
		for ts := start; ts <= end; ts += step {
			all = append(all, fmt.Sprintf(`[%.3f,"%v"]`, ts, ts-1704067200))
			if ts-1704067200 >= 540 {
				late = append(late, fmt.Sprintf(`[%.3f,"1"]`, ts))
			}
		}
		series := fmt.Sprintf(`{"metric":{"s":"all"},"values":[%s]}`, strings.Join(all, ","))
		if len(late) > 0 {
			series = fmt.Sprintf(`{"metric":{"s":"late"},"values":[%s]},`, strings.Join(late, ",")) + series
		}
		reply(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[`+series+`]}}`)(w, r)
	}
	p, f := fakeSource(t, config.Prometheus{}, handler)
	p.maxPoints = 4
	q := testWindow
	q.End = q.Start.Add(10 * time.Minute) // 11 points: chunks of 4, 4, 3
	res, err := p.Fetch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 3 {
		t.Fatalf("%d requests, want 3", f.calls.Load())
	}
	if len(res.Series) != 2 || res.Series[0].Labels["s"] != "all" || res.Series[1].Labels["s"] != "late" {
		t.Fatalf("series %v: want all then late (sorted by labels)", res.Series)
	}
	for i, pt := range res.Series[0].Points {
		if pt.V != float64(60*i) || !pt.T.Equal(q.Start.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("point %d: %v", i, pt)
		}
	}
	if n := len(res.Series[0].Points); n != 11 {
		t.Fatalf("%d points, want 11", n)
	}
	if n := len(res.Series[1].Points); n != 2 {
		t.Fatalf("late series: %d points, want 2", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Mon, 01 Jan 2024 00:00:30 GMT": 30 * time.Second,
		"Sun, 31 Dec 2023 23:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(h, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestInspect(t *testing.T) {
	t0 := time.Unix(1704067200, 0)
	series := func(vals ...float64) Series {
		s := Series{Labels: map[string]string{"__name__": "m", "version": "v1"}}
		for i, v := range vals {
			s.Points = append(s.Points, Point{T: t0.Add(time.Duration(i) * 15 * time.Second), V: v})
		}
		return s
	}
	nan := math.NaN()
	tests := []struct {
		name    string
		res     Result
		points  int
		empty   bool
		repeats int // run length, 0 when not flagged
	}{
		{"empty", Result{}, 0, true, 0},
		{"series without points", Result{Series: []Series{{Labels: map[string]string{"a": "b"}}}}, 0, true, 0},
		{"changing every step", Result{Series: []Series{series(1, 2, 3, 4, 5, 6, 7, 8)}}, 8, false, 0},
		{"constant", Result{Series: []Series{series(1, 1, 1, 1, 1, 1)}}, 6, false, 0},
		{"runs of four, cut at both ends", Result{Series: []Series{series(1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5)}}, 15, false, 4},
		{"runs of NaN count as repeats", Result{Series: []Series{series(1, nan, nan, 2, 2, 3, 3, nan, nan, 4)}}, 10, false, 2},
		{"one short inner run clears it", Result{Series: []Series{series(0, 1, 1, 2, 3, 3, 4, 4, 5)}}, 9, false, 0},
		{"too few runs to tell", Result{Series: []Series{series(0, 0, 0, 1, 1, 1, 0)}}, 7, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Inspect(tt.res, 15*time.Second)
			if in.Points != tt.points || in.Empty != tt.empty || in.Series != len(tt.res.Series) {
				t.Fatalf("%+v: want %d points, empty %v", in, tt.points, tt.empty)
			}
			if tt.repeats == 0 {
				if len(in.Repeats) != 0 {
					t.Fatalf("flagged %+v, want no repeats", in.Repeats)
				}
				return
			}
			if len(in.Repeats) != 1 || in.Repeats[0].RunLength != tt.repeats || in.Repeats[0].Interval != time.Duration(tt.repeats)*15*time.Second {
				t.Fatalf("repeats %+v, want run length %d", in.Repeats, tt.repeats)
			}
			if p := in.Problems(); len(p) != 1 || !strings.Contains(p[0], `m{version="v1"}`) || !strings.Contains(p[0], "window.step") {
				t.Fatalf("problems %q", p)
			}
		})
	}
}

func TestQueryErrorIsOneLine(t *testing.T) {
	e := &QueryError{Metric: "m", Side: Baseline, Query: "sum(\n  rate(x[1m])\n)", Kind: "bad_data", Msg: "parse error", Attempts: 1}
	if got, want := e.Error(), `metric "m" (baseline): bad_data: parse error; query: sum( rate(x[1m]) )`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	e = &QueryError{Metric: "m", Side: Canary, Query: "up", Kind: "timeout", Msg: "timeout: query timed out", Attempts: 4}
	if got, want := e.Error(), `metric "m" (canary): timeout: query timed out (after 4 attempts); query: up`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	e = &QueryError{Metric: "errors", Part: "numerator", Side: Canary, Query: "up", Kind: "execution", Msg: "boom", Attempts: 1}
	if got, want := e.Error(), `metric "errors" numerator (canary): execution: boom; query: up`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	e = &QueryError{Metric: "m", Side: Canary, Query: "up", Kind: "timeout", Msg: "timeout: query timed out", Attempts: 4}
	if !e.Retryable() || (&QueryError{Kind: "bad_data", Status: 400}).Retryable() {
		t.Fatal("Retryable: timeout should be, bad_data should not")
	}
}
