package metrics_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/metrics"
)

const fixturePath = "../testdata/prom/fixture.om"

func newSource(t *testing.T, cfg config.Prometheus) *metrics.Prometheus {
	t.Helper()
	p, err := metrics.NewPrometheus(cfg)
	if err != nil {
		t.Fatalf("NewPrometheus: %v", err)
	}
	return p
}

// fixtureWindow is a query over the whole standard fixture at its sample interval.
func fixtureQuery(metric string, side metrics.Side, expr string) metrics.Query {
	return metrics.Query{Metric: metric, Side: side, Expr: expr,
		Start: promtest.FixtureStart(), End: promtest.FixtureEnd(), Step: promtest.FixtureStep}
}

// fixtureSeries returns the standard fixture's series called name whose labels include want.
func fixtureSeries(name string, want map[string]string) []promtest.Series {
	var out []promtest.Series
outer:
	for _, s := range promtest.Fixture() {
		if s.Name != name {
			continue
		}
		for k, v := range want {
			if s.Labels[k] != v {
				continue outer
			}
		}
		out = append(out, s)
	}
	return out
}

func sameValue(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// assertFixturePoints checks that got holds exactly the fixture's series, point for point.
func assertFixturePoints(t *testing.T, got metrics.Result, want []promtest.Series) {
	t.Helper()
	if len(got.Series) != len(want) {
		t.Fatalf("%d series, want %d", len(got.Series), len(want))
	}
	for _, w := range want {
		var g *metrics.Series
		for i := range got.Series {
			if labelsInclude(got.Series[i].Labels, w.Labels) {
				g = &got.Series[i]
			}
		}
		if g == nil {
			t.Fatalf("no series with labels %v among %v", w.Labels, got.Series)
		}
		if len(g.Points) != len(w.Samples) {
			t.Fatalf("series %v: %d points, want %d", w.Labels, len(g.Points), len(w.Samples))
		}
		for i, p := range g.Points {
			if !p.T.Equal(w.Samples[i].T) || !sameValue(p.V, w.Samples[i].V) {
				t.Fatalf("series %v point %d: (%s, %v), want (%s, %v)", w.Labels, i, p.T, p.V, w.Samples[i].T, w.Samples[i].V)
			}
		}
	}
}

func labelsInclude(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// assertConstant checks that every point of every series is want, within 1e-9.
func assertConstant(t *testing.T, res metrics.Result, want map[string]float64, label string, points int) {
	t.Helper()
	if len(res.Series) != len(want) {
		t.Fatalf("%d series, want %d: %v", len(res.Series), len(want), res.Series)
	}
	for _, s := range res.Series {
		w, ok := want[s.Labels[label]]
		if !ok {
			t.Fatalf("unexpected series %v", s.Labels)
		}
		if len(s.Points) != points {
			t.Fatalf("series %v: %d points, want %d", s.Labels, len(s.Points), points)
		}
		for _, p := range s.Points {
			if math.Abs(p.V-w) > 1e-9 {
				t.Fatalf("series %v at %s: %v, want %v", s.Labels, p.T, p.V, w)
			}
		}
	}
}

// TestPrometheusRealServer runs real PromQL through the source against a
// real Prometheus holding the standard fixture (one server for all subtests).
func TestPrometheusRealServer(t *testing.T) {
	srv := promtest.Start(t, fixturePath)
	p := newSource(t, config.Prometheus{URL: srv.URL, Retries: 2})
	ctx := context.Background()
	fetch := func(t *testing.T, q metrics.Query) metrics.Result {
		t.Helper()
		res, err := p.Fetch(ctx, q)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		return res
	}

	t.Run("gauge points come back exactly, several series per scope", func(t *testing.T) {
		res := fetch(t, fixtureQuery("latency", metrics.Canary, `demo_latency_seconds{version="v2"}`))
		assertFixturePoints(t, res, fixtureSeries("demo_latency_seconds", map[string]string{"version": "v2"}))
		if res.Series[0].Labels["instance"] != "a" || res.Series[1].Labels["instance"] != "b" {
			t.Fatalf("series not sorted by labels: %v, %v", res.Series[0].Labels, res.Series[1].Labels)
		}
	})

	t.Run("last_over_time over one step gives the same points", func(t *testing.T) {
		res := fetch(t, fixtureQuery("latency", metrics.Baseline, `last_over_time(demo_latency_seconds{version="v1"}[15s])`))
		want := fixtureSeries("demo_latency_seconds", map[string]string{"version": "v1"})
		for i := range res.Series { // functions drop the metric name
			res.Series[i].Labels["__name__"] = "demo_latency_seconds"
		}
		assertFixturePoints(t, res, want)
	})

	t.Run("rate over counters, sum by code", func(t *testing.T) {
		q := fixtureQuery("errors", metrics.Canary, `sum by (code) (rate(http_requests_total{version="v2"}[1m]))`)
		q.Start = q.Start.Add(time.Minute)
		res := fetch(t, q)
		assertConstant(t, res, map[string]float64{"200": 4, "500": 0.8}, "code", promtest.FixturePoints-4)
	})

	t.Run("histogram_quantile over buckets", func(t *testing.T) {
		for version, want := range map[string]float64{"v1": 0.2125, "v2": 0.3125} {
			q := fixtureQuery("p50", metrics.Baseline, fmt.Sprintf(`histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{version=%q}[1m])))`, version))
			q.Start = q.Start.Add(time.Minute)
			res := fetch(t, q)
			assertConstant(t, res, map[string]float64{"": want}, "version", promtest.FixturePoints-4)
		}
	})

	t.Run("NaN and infinities survive", func(t *testing.T) {
		res := fetch(t, fixtureQuery("special", metrics.Baseline, `demo_special{version="v1"}`))
		assertFixturePoints(t, res, fixtureSeries("demo_special", nil))
		pts := res.Series[0].Points
		if !math.IsNaN(pts[3].V) || !math.IsInf(pts[100].V, 1) || !math.IsInf(pts[101].V, -1) {
			t.Fatalf("points 3, 100, 101: %v %v %v, want NaN +Inf -Inf", pts[3].V, pts[100].V, pts[101].V)
		}
	})

	t.Run("empty result is no error", func(t *testing.T) {
		res := fetch(t, fixtureQuery("latency", metrics.Canary, `demo_latency_seconds{version="v9"}`))
		if len(res.Series) != 0 {
			t.Fatalf("got %d series, want none", len(res.Series))
		}
		if in := metrics.Inspect(res, promtest.FixtureStep); !in.Empty || len(in.Problems()) != 1 {
			t.Fatalf("Inspect: %+v, want empty with one problem", in)
		}
	})

	t.Run("scope that matches nothing", func(t *testing.T) {
		n, err := p.MatchScope(ctx, `version="v9"`, promtest.FixtureStart(), promtest.FixtureEnd())
		if err != nil || n != 0 {
			t.Fatalf("MatchScope(v9) = %d, %v; want 0, nil", n, err)
		}
		n, err = p.MatchScope(ctx, `version="v1"`, promtest.FixtureStart(), promtest.FixtureEnd())
		if err != nil || n != 6 {
			t.Fatalf("MatchScope(v1) = %d, %v; want the fixture's 6 metric names", n, err)
		}
	})

	t.Run("PromQL syntax error is bad_data, not retried", func(t *testing.T) {
		_, err := p.Fetch(ctx, fixtureQuery("latency_p99", metrics.Canary, `sum(rate(demo_latency_seconds{version="v2"}[1m])`))
		var qe *metrics.QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("error %v (%T), want *QueryError", err, err)
		}
		if qe.Kind != "bad_data" || qe.Attempts != 1 || qe.Status != 400 {
			t.Fatalf("kind %q, attempts %d, status %d; want bad_data, 1, 400", qe.Kind, qe.Attempts, qe.Status)
		}
		msg := err.Error()
		for _, want := range []string{`metric "latency_p99" (canary)`, "bad_data: ", "parse error", `query: sum(rate(demo_latency_seconds{version="v2"}[1m])`} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("error is not one line: %q", msg)
		}
	})

	t.Run("window longer than 11,000 steps is chunked and stitched", func(t *testing.T) {
		step := 250 * time.Millisecond // 14,401 points over the fixture's hour
		q := metrics.Query{Metric: "latency", Side: metrics.Baseline, Expr: `demo_latency_seconds{version="v1",instance="a"}`,
			Start: promtest.FixtureStart(), End: promtest.FixtureEnd(), Step: step}

		// One query for the whole window is refused by the server.
		client, _ := api.NewClient(api.Config{Address: srv.URL})
		_, _, _, err := v1.NewAPI(client).QueryRange(ctx, q.Expr, v1.Range{Start: q.Start, End: q.End, Step: step})
		if err == nil || !strings.Contains(err.Error(), "11,000") {
			t.Fatalf("unchunked query: %v; want the server's 11,000 points error", err)
		}

		res := fetch(t, q)
		if len(res.Series) != 1 {
			t.Fatalf("%d series, want 1", len(res.Series))
		}
		samples := fixtureSeries("demo_latency_seconds", map[string]string{"version": "v1", "instance": "a"})[0].Samples
		pts := res.Series[0].Points
		if len(pts) != 14401 {
			t.Fatalf("%d points, want 14401", len(pts))
		}
		for i, pt := range pts {
			wantT := q.Start.Add(time.Duration(i) * step)
			if !pt.T.Equal(wantT) {
				t.Fatalf("point %d at %s, want %s (duplicate or missing point at a chunk boundary)", i, pt.T, wantT)
			}
			if want := samples[i/60].V; pt.V != want { // the latest sample at or before the step
				t.Fatalf("point %d (%s): %v, want %v", i, pt.T, pt.V, want)
			}
		}
	})

	t.Run("Inspect flags a step shorter than the scrape interval", func(t *testing.T) {
		slow := fetch(t, fixtureQuery("slow", metrics.Baseline, `demo_slow{version="v1"}`))
		in := metrics.Inspect(slow, promtest.FixtureStep)
		if in.Series != 1 || in.Points != promtest.FixturePoints || len(in.Repeats) != 1 || in.Repeats[0].Interval != time.Minute {
			t.Fatalf("demo_slow: %+v; want 1 series, %d points, repeats every 1m", in, promtest.FixturePoints)
		}
		for _, expr := range []string{`demo_constant{version="v1"}`, `demo_latency_seconds{version="v1"}`} {
			in := metrics.Inspect(fetch(t, fixtureQuery("x", metrics.Baseline, expr)), promtest.FixtureStep)
			if len(in.Repeats) != 0 || in.Empty {
				t.Fatalf("%s: %+v; want no problems", expr, in)
			}
		}
	})

	t.Run("FetchAll and a recording replay the same results", func(t *testing.T) {
		var queries []metrics.Query
		for _, name := range []string{"demo_latency_seconds", "demo_special", "demo_slow", "demo_constant", "http_requests_total"} {
			for side, version := range map[metrics.Side]string{metrics.Baseline: "v1", metrics.Canary: "v2"} {
				queries = append(queries, fixtureQuery(name, side, fmt.Sprintf("%s{version=%q}", name, version)))
			}
		}
		outs := metrics.FetchAll(ctx, p, queries, p.Concurrency())
		rec := &metrics.Recording{Version: metrics.RecordingVersion, Window: metrics.RecordedWindow{
			Start: promtest.FixtureStart(), End: promtest.FixtureEnd(), Step: metrics.Duration(promtest.FixtureStep)}}
		for i, o := range outs {
			if o.Err != nil {
				t.Fatalf("%s: %v", queries[i].Expr, o.Err)
			}
			rec.Put(queries[i], o.Result, o.Err)
		}
		path := filepath.Join(t.TempDir(), "rec.json")
		f, _ := os.Create(path)
		if err := rec.Write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		read, err := metrics.ReadRecording(path)
		if err != nil {
			t.Fatal(err)
		}
		replay := metrics.RecordingSource{Rec: read}
		for i, q := range queries {
			got, err := replay.Fetch(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffResults(outs[i].Result, got); d != "" {
				t.Fatalf("%s: replay differs from live: %s", q.Expr, d)
			}
		}
	})

	t.Run("cancelled context stops the query", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := p.Fetch(cctx, fixtureQuery("latency", metrics.Canary, `demo_latency_seconds`))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}

// diffResults describes the first difference between two results ("" if none).
func diffResults(a, b metrics.Result) string {
	if len(a.Series) != len(b.Series) {
		return fmt.Sprintf("%d series vs %d", len(a.Series), len(b.Series))
	}
	for i := range a.Series {
		sa, sb := a.Series[i], b.Series[i]
		if metrics.LabelString(sa.Labels) != metrics.LabelString(sb.Labels) {
			return fmt.Sprintf("series %d: labels %v vs %v", i, sa.Labels, sb.Labels)
		}
		if len(sa.Points) != len(sb.Points) {
			return fmt.Sprintf("series %v: %d points vs %d", sa.Labels, len(sa.Points), len(sb.Points))
		}
		for j := range sa.Points {
			if !sa.Points[j].T.Equal(sb.Points[j].T) || !sameValue(sa.Points[j].V, sb.Points[j].V) {
				return fmt.Sprintf("series %v point %d: %v vs %v", sa.Labels, j, sa.Points[j], sb.Points[j])
			}
		}
	}
	return ""
}

// TestPrometheusAuthAndTLS queries a real Prometheus that requires basic
// auth and a client certificate over TLS (its --web.config.file).
func TestPrometheusAuthAndTLS(t *testing.T) {
	srv := promtest.Start(t, fixturePath, promtest.WithBasicAuth("ci", "hunter2-correct"), promtest.WithClientCert())
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("hunter2-correct\n"), 0o600)
	tlsCfg := &config.TLS{CAFile: srv.CAFile, CertFile: srv.ClientCertFile, KeyFile: srv.ClientKeyFile}
	q := fixtureQuery("latency", metrics.Canary, `demo_latency_seconds{version="v2"}`)
	ctx := context.Background()

	t.Run("correct credentials from password_file", func(t *testing.T) {
		p := newSource(t, config.Prometheus{URL: srv.URL, BasicAuth: &config.BasicAuth{Username: "ci", PasswordFile: pwFile}, TLS: tlsCfg})
		res, err := p.Fetch(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		assertFixturePoints(t, res, fixtureSeries("demo_latency_seconds", map[string]string{"version": "v2"}))
		b64 := base64.StdEncoding.EncodeToString([]byte("ci:hunter2-correct"))
		if s := p.Secrets(); !slices.Equal(s, []string{"Basic " + b64, b64, "hunter2-correct"}) {
			t.Fatalf("Secrets() = %q, want the password and its Authorization header forms", s)
		}
	})

	t.Run("wrong password is a 401 naming the metric, not retried, password not shown", func(t *testing.T) {
		p := newSource(t, config.Prometheus{URL: srv.URL, Retries: 3, BasicAuth: &config.BasicAuth{Username: "ci", Password: "wrong-password"}, TLS: tlsCfg})
		_, err := p.Fetch(ctx, q)
		var qe *metrics.QueryError
		if !errors.As(err, &qe) || qe.Status != 401 || qe.Kind != "http 401" || qe.Attempts != 1 {
			t.Fatalf("error %v; want an unretried http 401 QueryError", err)
		}
		if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), `"latency"`) || strings.Contains(err.Error(), "wrong-password") {
			t.Fatalf("error %q: want 401 and the metric, without the password", err)
		}
	})

	t.Run("untrusted server certificate is a tls error", func(t *testing.T) {
		p := newSource(t, config.Prometheus{URL: srv.URL, Retries: 3, BasicAuth: &config.BasicAuth{Username: "ci", PasswordFile: pwFile},
			TLS: &config.TLS{CertFile: srv.ClientCertFile, KeyFile: srv.ClientKeyFile}})
		_, err := p.Fetch(ctx, q)
		var qe *metrics.QueryError
		if !errors.As(err, &qe) || qe.Kind != "tls" || qe.Attempts != 1 {
			t.Fatalf("error %v; want an unretried tls QueryError", err)
		}
	})

	t.Run("insecure_skip_verify accepts the certificate", func(t *testing.T) {
		p := newSource(t, config.Prometheus{URL: srv.URL, BasicAuth: &config.BasicAuth{Username: "ci", PasswordFile: pwFile},
			TLS: &config.TLS{CertFile: srv.ClientCertFile, KeyFile: srv.ClientKeyFile, InsecureSkipVerify: true}})
		if _, err := p.Fetch(ctx, q); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("missing client certificate is refused", func(t *testing.T) {
		p := newSource(t, config.Prometheus{URL: srv.URL, BasicAuth: &config.BasicAuth{Username: "ci", PasswordFile: pwFile},
			TLS: &config.TLS{CAFile: srv.CAFile}})
		_, err := p.Fetch(ctx, q)
		var qe *metrics.QueryError
		if !errors.As(err, &qe) || (qe.Kind != "tls" && qe.Kind != "network") {
			t.Fatalf("error %v; want a tls or network QueryError", err)
		}
	})
}

// TestPrometheusConnectionRefused queries a port nothing listens on.
func TestPrometheusConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := newSource(t, config.Prometheus{URL: "http://" + addr, Retries: 1})
	_, err = p.Fetch(context.Background(), fixtureQuery("latency", metrics.Canary, `up`))
	var qe *metrics.QueryError
	if !errors.As(err, &qe) || qe.Kind != "connection refused" || qe.Attempts != 2 {
		t.Fatalf("error %v; want connection refused after 2 attempts", err)
	}
	if !strings.Contains(err.Error(), `metric "latency"`) || !strings.Contains(err.Error(), "query: up") {
		t.Fatalf("error %q does not name the metric and query", err)
	}
}

// TestVictoriaMetricsMatchesPrometheus imports the same fixture into
// VictoriaMetrics and checks that the same queries give the same points.
func TestVictoriaMetricsMatchesPrometheus(t *testing.T) {
	prom := promtest.Start(t, fixturePath)
	vm := promtest.StartVM(t, fixturePath)
	pp := newSource(t, config.Prometheus{URL: prom.URL})
	pv := newSource(t, config.Prometheus{URL: vm.URL})
	ctx := context.Background()
	exprs := []string{
		`demo_latency_seconds{version="v1"}`,
		`demo_latency_seconds{version="v2"}`,
		`demo_constant{version="v2"}`,
		`demo_latency_seconds{version="v9"}`,
		`last_over_time(demo_latency_seconds{version="v2"}[15s])`,
		`sum by (code) (rate(http_requests_total{version="v2"}[1m]))`,
		`demo_slow{version="v1"}`,
	}
	for _, expr := range exprs {
		q := fixtureQuery("m", metrics.Canary, expr)
		q.Start = q.Start.Add(time.Minute) // rate's extrapolation at a series' first samples differs
		a, err := pp.Fetch(ctx, q)
		if err != nil {
			t.Fatalf("prometheus %s: %v", expr, err)
		}
		b, err := pv.Fetch(ctx, q)
		if err != nil {
			t.Fatalf("victoria-metrics %s: %v", expr, err)
		}
		if d := diffResults(a, b); d != "" {
			t.Errorf("%s: prometheus vs victoria-metrics: %s", expr, d)
		}
	}
	// A window off the step grid is answered within it, not refused as
	// outside the range asked for.
	q := fixtureQuery("m", metrics.Canary, `demo_latency_seconds{version="v2"}`)
	q.Start, q.End = q.Start.Add(7*time.Second), q.End.Add(-7*time.Second)
	res, err := pv.Fetch(ctx, q)
	if err != nil {
		t.Fatalf("victoria-metrics, window off the step grid: %v", err)
	}
	for _, s := range res.Series {
		if len(s.Points) == 0 || s.Points[0].T.Before(q.Start) || s.Points[len(s.Points)-1].T.After(q.End) {
			t.Fatalf("victoria-metrics, window off the step grid: %d points, from %v to %v; want points within %v to %v",
				len(s.Points), s.Points[0].T, s.Points[len(s.Points)-1].T, q.Start, q.End)
		}
	}
	for scope, want := range map[string]int{`version="v1"`: 6, `version="v9"`: 0} {
		if n, err := pv.MatchScope(ctx, scope, promtest.FixtureStart(), promtest.FixtureEnd()); err != nil || n != want {
			t.Errorf("victoria-metrics MatchScope(%s) = %d, %v; want %d", scope, n, err, want)
		}
	}
	// VictoriaMetrics drops NaN samples: where the fixture has NaN it returns
	// the previous value (docs/prometheus.md). Infinities come back as written.
	res, err = pv.Fetch(ctx, fixtureQuery("special", metrics.Baseline, `demo_special{version="v1"}`))
	if err != nil {
		t.Fatal(err)
	}
	samples := fixtureSeries("demo_special", nil)[0].Samples
	if len(res.Series) != 1 || len(res.Series[0].Points) != len(samples) {
		t.Fatalf("demo_special on victoria-metrics: %v", res.Series)
	}
	for i, pt := range res.Series[0].Points {
		want := samples[i].V
		if math.IsNaN(want) {
			want = samples[i-1].V
		}
		if pt.V != want {
			t.Fatalf("demo_special point %d on victoria-metrics: %v, want %v", i, pt.V, want)
		}
	}
	// Rates and quantiles: VictoriaMetrics computes rate without Prometheus'
	// extrapolation, but over a counter with a constant slope both are exact.
	for version, want := range map[string]float64{"v1": 0.2125, "v2": 0.3125} {
		q := fixtureQuery("p50", metrics.Baseline, fmt.Sprintf(`histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{version=%q}[1m])))`, version))
		q.Start = q.Start.Add(time.Minute)
		res, err := pv.Fetch(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		assertConstant(t, res, map[string]float64{"": want}, "version", promtest.FixturePoints-4)
	}
	_, err = pv.Fetch(ctx, fixtureQuery("bad", metrics.Canary, `sum(rate(x[1m])`))
	var qe *metrics.QueryError
	if !errors.As(err, &qe) || qe.Kind != "execution" || qe.Status != 422 || qe.Attempts != 1 || !strings.Contains(qe.Msg, "unparsed data") {
		t.Fatalf("victoria-metrics syntax error: %v; want an unretried 422 execution QueryError with the parser's message", err)
	}
}
