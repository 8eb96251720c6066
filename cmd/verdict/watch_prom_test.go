package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/faultproxy"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/rollout"
	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

// Replays of 30-minute rollouts backfilled into a real Prometheus, watched
// through a fault proxy: `verdict watch` end to end, in the past, so it
// steps through the checks without waiting.

var (
	watchPromOnce  sync.Once
	watchPromSrv   *promtest.Server
	watchPromStart time.Time
)

// watchProm starts (once per test binary) a Prometheus holding the rollouts
// "healthy", "slow" (latency +50%) and "errors" (4× errors at 50 req/s),
// the healthy one with 15 minutes of history before its start.
func watchProm(t *testing.T) (*promtest.Server, time.Time) {
	t.Helper()
	testenv.Heavy(t, "starts Prometheus")
	testenv.Require(t, "prometheus", "promtool")
	watchPromOnce.Do(func() {
		start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
		runs := map[string]*rollout.Source{
			"healthy": rollout.New(rollout.Spec{Start: start, Seed: 11, Phi: 0.5, History: 15 * time.Minute}),
			"slow":    rollout.New(rollout.Spec{Start: start, Seed: 12, Phi: 0.5, Lift: 1.5}),
			"errors":  rollout.New(rollout.Spec{Start: start, Seed: 13, ErrLift: 4, RPS: 50}),
		}
		dir, err := os.MkdirTemp("", "verdict-watch-prom")
		if err != nil {
			t.Fatal(err)
		}
		srv, err := promtest.Launch(context.Background(), dir, rollout.OpenMetrics(runs))
		if err != nil {
			t.Fatalf("promtest: %v", err)
		}
		watchPromSrv, watchPromStart = srv, start
		testenv.AtExit(func() { _ = srv.Stop(); _ = os.RemoveAll(dir) })
	})
	if watchPromSrv == nil {
		t.Fatal("the shared Prometheus did not start")
	}
	return watchPromSrv, watchPromStart
}

// watchPromConfig writes rollout's config watching run through url; margin
// is an extra line for both metrics, watch extra keys of the watch section.
func watchPromConfig(t *testing.T, url, run string, start time.Time, margin, watch string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "canary.yaml")
	yaml := rollout.ConfigYAML(rollout.Config{URL: url, Run: run, Start: start, Metric: margin, Watch: watch})
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type watchRunResult struct {
	code           int
	stdout, stderr string
	rep            judge.Report
}

// watchCLI runs `verdict watch` with a JSON report and reads it back.
func watchCLI(t *testing.T, ctx context.Context, cfg string) watchRunResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	r := watchRunResult{code: run(ctx, []string{"watch", "-c", cfg, "--output", "json", "--report", "json=" + path}, &out, &errb, nil)}
	r.stdout, r.stderr = out.String(), errb.String()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("exit %d; no JSON report: %v\nstderr:\n%s", r.code, err, r.stderr)
	}
	if err := json.Unmarshal(b, &r.rep); err != nil {
		t.Fatalf("report does not parse: %v\n%s", err, b)
	}
	return r
}

func TestWatchPrometheusHealthyEachPointOnce(t *testing.T) {
	srv, start := watchProm(t)
	proxy := fcProxy(t, srv.URL)
	r := watchCLI(t, context.Background(), watchPromConfig(t, proxy.URL, "healthy", start, "", ""))
	if r.code != judge.ExitPromote || r.rep.Watch == nil || r.rep.Watch.StopReason != judge.StopEnd || r.rep.Watch.Checks != 30 {
		t.Fatalf("exit %d, watch %+v; want promote after 30 checks\nstderr:\n%s", r.code, r.rep.Watch, r.stderr)
	}
	if n := strings.Count(r.stderr, "verdict: watch "); n != 30 {
		t.Errorf("%d progress lines on stderr, want 30:\n%s", n, r.stderr)
	}
	// Every query's ranges, in order, tile the watched window: each point once.
	ranges := map[string][][2]int64{}
	history := 0
	for _, q := range proxy.Requests() {
		if q.Query == "" {
			continue
		}
		s, err1 := strconv.ParseFloat(q.Start, 64)
		e, err2 := strconv.ParseFloat(q.End, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("request %s without a range: start %q end %q", q.Query, q.Start, q.End)
		}
		if int64(s) < start.Unix() {
			history++ // the baseline's history, once per series metric
			if int64(e) >= start.Unix() {
				t.Errorf("history query %s reaches into the watch: ends %v", q.Query, e)
			}
			continue
		}
		ranges[q.Query] = append(ranges[q.Query], [2]int64{int64(s), int64(e)})
	}
	if history != 1 {
		t.Errorf("%d history queries, want 1 (the latency baseline)", history)
	}
	if len(ranges) != 6 {
		t.Fatalf("%d distinct queries, want 6: %v", len(ranges), ranges)
	}
	for q, rs := range ranges {
		sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
		next := start.Unix()
		for _, rg := range rs {
			if rg[0] != next || rg[1] < rg[0] {
				t.Errorf("%s: range %v, want one starting at %d (no gap, no point twice)", q, rg, next)
			}
			next = rg[1] + 15
		}
		if want := start.Add(30 * time.Minute).Unix(); next-15 != want {
			t.Errorf("%s: ranges end at %d, want %d", q, next-15, want)
		}
	}
	for _, m := range r.rep.Metrics {
		if m.Sequential == nil || m.Classification != judge.Pass {
			t.Errorf("%s: %s, sequential %+v; want pass with sequential figures", m.Name, m.Classification, m.Sequential)
		}
	}
}

func TestWatchPrometheusAborts(t *testing.T) {
	srv, start := watchProm(t)
	for _, run := range []string{"slow", "errors"} {
		t.Run(run, func(t *testing.T) {
			r := watchCLI(t, context.Background(), watchPromConfig(t, srv.URL, run, start, "", ""))
			if r.code != judge.ExitAbort || r.rep.Watch.StopReason != judge.StopAbort || r.rep.Watch.Checks >= 20 {
				t.Fatalf("exit %d, watch %+v; want an early abort\nstderr:\n%s", r.code, r.rep.Watch, r.stderr)
			}
			stopped, err := time.Parse(time.RFC3339, r.rep.Watch.StoppedAt)
			if err != nil || !stopped.Equal(start.Add(time.Duration(r.rep.Watch.Checks)*time.Minute)) {
				t.Errorf("stoppedAt %s after %d checks: want the data time of the last check", r.rep.Watch.StoppedAt, r.rep.Watch.Checks)
			}
		})
	}
}

func TestWatchPrometheusEarlyPromote(t *testing.T) {
	srv, start := watchProm(t)
	r := watchCLI(t, context.Background(), watchPromConfig(t, srv.URL, "healthy", start, "    allowed_increase: 50%", "early_promote: true"))
	if r.code != judge.ExitPromote || r.rep.Watch.StopReason != judge.StopPromote || r.rep.Watch.Checks >= 30 {
		t.Fatalf("exit %d, watch %+v; want an early promote\nstderr:\n%s", r.code, r.rep.Watch, r.stderr)
	}
}

func TestWatchPrometheusErrorAfterFailedChecks(t *testing.T) {
	srv, start := watchProm(t)
	proxy := fcProxy(t, srv.URL)
	proxy.Inject(faultproxy.Fault{Match: "lat{", Action: faultproxy.Respond, Status: 503, Body: "overloaded"})
	r := watchCLI(t, context.Background(), watchPromConfig(t, proxy.URL, "healthy", start, "", ""))
	if r.code != judge.ExitError || r.rep.Verdict != judge.Error || r.rep.Score != nil || r.rep.Watch.StopReason != judge.StopError || r.rep.Watch.Checks != 3 {
		t.Fatalf("exit %d, verdict %s, watch %+v; want error after 3 failed checks\nstderr:\n%s", r.code, r.rep.Verdict, r.rep.Watch, r.stderr)
	}
	if !strings.Contains(r.stderr, "check failed (3 of 3 in a row)") {
		t.Errorf("stderr does not count the failed checks:\n%s", r.stderr)
	}
}

func TestWatchPrometheusCancelled(t *testing.T) {
	srv, start := watchProm(t)
	proxy := fcProxy(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proxy.OnRequest(func(n int, _ string) {
		if n == 40 { // in the 7th check or so: SIGINT arrives
			cancel()
		}
	})
	r := watchCLI(t, ctx, watchPromConfig(t, proxy.URL, "healthy", start, "", ""))
	if r.code != judge.ExitError || r.rep.Verdict != judge.Error || r.rep.Watch.StopReason != judge.StopCancelled {
		t.Fatalf("exit %d, verdict %s, watch %+v; want error, cancelled, with a partial report\nstderr:\n%s", r.code, r.rep.Verdict, r.rep.Watch, r.stderr)
	}
	if len(r.rep.History) == 0 || len(r.rep.Metrics) != 2 {
		t.Errorf("partial report: %d checks in history, %d metrics; want the checks so far and both metrics", len(r.rep.History), len(r.rep.Metrics))
	}
}
