package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/testenv"
)

func TestFixtureFileIsGenerated(t *testing.T) {
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, Fixture()); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../testdata/prom/fixture.om")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), committed) {
		t.Fatal("testdata/prom/fixture.om differs from promtest.Fixture(); run: go run ./testdata/prom/gen > testdata/prom/fixture.om")
	}
}

func TestWriteOpenMetricsRejectsBadSeries(t *testing.T) {
	t0 := FixtureStart()
	for name, s := range map[string]Series{
		"bad name":          {Name: "1abc", Samples: []Sample{{T: t0, V: 1}}},
		"time going back":   {Name: "x", Samples: []Sample{{T: t0, V: 1}, {T: t0.Add(-time.Second), V: 2}}},
		"repeated instants": {Name: "x", Samples: []Sample{{T: t0, V: 1}, {T: t0, V: 2}}},
	} {
		if err := WriteOpenMetrics(&bytes.Buffer{}, []Series{s}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestToPrometheusText(t *testing.T) {
	in := "# TYPE x gauge\nx{a=\"b c\"} NaN 1704067200\nx 1.5 1704067200.25\n# EOF\n"
	got, err := ToPrometheusText(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "x{a=\"b c\"} NaN 1704067200000\nx 1.5 1704067200250\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := ToPrometheusText("x 1 notatime\n"); err == nil {
		t.Fatal("bad timestamp: no error")
	}
}

// seriesCount runs an instant query and returns the number of series in its result.
func seriesCount(t *testing.T, s *Server, query string, at time.Time) int {
	t.Helper()
	u := s.URL + "/api/v1/query?" + url.Values{"query": {query}, "time": {at.Format(time.RFC3339)}}.Encode()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if s.Username != "" {
		req.SetBasicAuth(s.Username, s.Password)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct{ Result []json.RawMessage }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("query %s: HTTP %d, status %q, %v", query, resp.StatusCode, body.Status, err)
	}
	return len(body.Data.Result)
}

func TestStartServesFixtureAndStops(t *testing.T) {
	for _, kind := range []string{"prometheus", "victoria-metrics"} {
		t.Run(kind, func(t *testing.T) {
			var s *Server
			if kind == "prometheus" {
				s = Start(t, "../../testdata/prom/fixture.om")
			} else {
				s = StartVM(t, "../../testdata/prom/fixture.om")
			}
			if n := seriesCount(t, s, `demo_latency_seconds`, FixtureEnd()); n != 4 {
				t.Fatalf("demo_latency_seconds: %d series at the fixture's end, want 4", n)
			}
			if n := seriesCount(t, s, `http_request_duration_seconds_bucket{version="v2"}`, FixtureStart().Add(30*time.Minute)); n != 5 {
				t.Fatalf("buckets: %d series, want 5", n)
			}
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(s.PID, 0); err == nil {
				t.Fatalf("pid %d still alive after Stop", s.PID)
			}
		})
	}
}

func TestStartWithAuthAndTLS(t *testing.T) {
	s := Start(t, "../../testdata/prom/fixture.om", WithBasicAuth("ci", "s3cret"), WithClientCert())
	if !strings.HasPrefix(s.URL, "https://") || s.CAFile == "" || s.ClientCertFile == "" {
		t.Fatalf("server %+v: want https with CA and client certificate", s)
	}
	if n := seriesCount(t, s, `demo_constant`, FixtureEnd()); n != 2 {
		t.Fatalf("demo_constant: %d series, want 2", n)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+"/-/ready", nil)
	resp, err := s.Client().Do(req) // no basic auth
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without credentials: HTTP %d, want 401", resp.StatusCode)
	}
}

func TestLaunchRejectsBadFixture(t *testing.T) {
	testenv.Heavy(t, "starts promtool and Prometheus")
	testenv.Require(t, "prometheus", "promtool")
	if _, err := Launch(context.Background(), t.TempDir(), "x 1 1\n"); err == nil || !strings.Contains(err.Error(), "# EOF") {
		t.Fatalf("fixture without # EOF: %v", err)
	}
	if _, err := Launch(context.Background(), t.TempDir(), "/nonexistent/fixture.om"); err == nil {
		t.Fatal("missing fixture file: no error")
	}
}

// TestScrapeConfig: WithScrape writes one static target per instance with
// its labels, sorted, quoted, at the interval asked for.
func TestScrapeConfig(t *testing.T) {
	var o options
	WithScrape("checkout", time.Second, Target{"127.0.0.1:1", map[string]string{"b": `x"y`, "a": "1"}}, Target{Addr: "127.0.0.1:2"})(&o)
	want := `global:
  scrape_interval: 1h
  evaluation_interval: 1h
scrape_configs:
  - job_name: "checkout"
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:1"]
        labels: {"a": "1", "b": "x\"y"}
      - targets: ["127.0.0.1:2"]
        labels: {}
`
	if got := o.config(); got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	_, err := LaunchVM(context.Background(), t.TempDir(), "", WithScrape("j", time.Second))
	var missing *MissingError
	if !errors.As(err, &missing) && (err == nil || !strings.Contains(err.Error(), "Prometheus only")) {
		t.Errorf("LaunchVM with a scrape: %v, want a Prometheus-only error", err)
	}
}
