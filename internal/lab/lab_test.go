package lab

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/testenv"
)

// scrape returns the instance's /metrics text.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// value returns the value of the exposition line that starts with series.
func value(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return 0
}

func start(t *testing.T, s Service) string {
	t.Helper()
	url, stop, err := Start("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return url
}

// TestServiceMetrics: every request is counted by code and observed in the
// histogram, with at least the latency it was given (σ = 0: every request
// sleeps exactly Median × Slowdown), and ErrorRate 1 fails them all.
func TestServiceMetrics(t *testing.T) {
	slow := start(t, Service{Median: 4 * time.Millisecond, Slowdown: 1.5})
	failing := start(t, Service{Median: time.Millisecond, ErrorRate: 1})
	for range 10 {
		for _, u := range []string{slow, failing} {
			resp, err := http.Get(u + Path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := map[string]int{slow: 200, failing: 500}[u]; resp.StatusCode != want {
				t.Fatalf("%s: HTTP %d, want %d", u, resp.StatusCode, want)
			}
		}
	}
	m := scrape(t, slow)
	if n := value(t, m, `http_requests_total{code="200",method="get"}`); n != 10 {
		t.Errorf("slow instance: %g requests counted with code 200, want 10\n%s", n, m)
	}
	if n := value(t, m, "http_request_duration_seconds_count"); n != 10 {
		t.Errorf("slow instance: histogram count %g, want 10", n)
	}
	if sum := value(t, m, "http_request_duration_seconds_sum"); sum < 10*0.006 {
		t.Errorf("slow instance: histogram sum %gs, want at least 10 × 6 ms (4 ms × 1.5)", sum)
	}
	if n := value(t, scrape(t, failing), `http_requests_total{code="500",method="get"}`); n != 10 {
		t.Errorf("failing instance: %g requests counted with code 500, want 10", n)
	}
}

// TestLoadCountsMatch: what the generator says it sent is what the
// instances counted (requests in flight when the load stops still finish),
// and only the instance's injected failures fail.
func TestLoadCountsMatch(t *testing.T) {
	a, b := start(t, Service{Median: time.Millisecond}), start(t, Service{Median: time.Millisecond, ErrorRate: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	stats := Load(ctx, 100, 32, 1, a, b)
	for i, u := range []string{a, b} {
		st := stats[i]
		m := scrape(t, u)
		counted := value(t, m, `http_requests_total{code="200",method="get"}`) + value(t, m, `http_requests_total{code="500",method="get"}`)
		if st.Sent == 0 || float64(st.Sent) != counted {
			t.Errorf("target %d: sent %d, the instance counted %g\n%s", i, st.Sent, counted, m)
		}
		if i == 0 && st.Failed != 0 || i == 1 && st.Failed != st.Sent {
			t.Errorf("target %d: %d of %d failed", i, st.Failed, st.Sent)
		}
	}
}

func TestStartRejectsBadService(t *testing.T) {
	for _, s := range []Service{{}, {Median: time.Millisecond, ErrorRate: 2}, {Median: time.Millisecond, Sigma: -1}} {
		if _, _, err := Start("127.0.0.1:0", s); err == nil || !strings.Contains(err.Error(), "invalid service") {
			t.Errorf("Start(%+v): %v, want an invalid service error", s, err)
		}
	}
}

func TestMain(m *testing.M) { testenv.Main(m) }

// TestProcessServesAndStops: an instance in its own process answers,
// counts its requests and exits cleanly on stop; a bad flag is one line
// and an error from StartProcess.
func TestProcessServesAndStops(t *testing.T) {
	bin := testenv.GoBuild(t, "./labservice")
	url, stop, err := StartProcess(bin, Service{Median: time.Millisecond, ErrorRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get(url + Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("HTTP %d, want the injected 500", resp.StatusCode)
	}
	if n := value(t, scrape(t, url), `http_requests_total{code="500",method="get"}`); n != 1 {
		t.Errorf("%g failed requests counted, want 1", n)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if _, err := http.Get(url + Path); err == nil {
		t.Errorf("the instance still answers after stop")
	}
	if _, _, err := StartProcess(bin, Service{Median: time.Millisecond, ErrorRate: 3}); err == nil || !strings.Contains(err.Error(), "invalid service") {
		t.Errorf("a bad service: %v, want its error", err)
	}
}
