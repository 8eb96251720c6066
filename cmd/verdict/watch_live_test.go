package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

// TestWatchLive watches a rollout as it happens: a VictoriaMetrics that
// receives a point a second of a slow canary's latency while `verdict watch`
// checks every 3 seconds in real time (start now, lag 2 s) and aborts.
func TestWatchLive(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	srv := promtest.StartVM(t, fmt.Sprintf("# TYPE lat gauge\nlat{side=\"old\"} 1 %d\n# EOF\n", start.Add(-time.Hour).Unix()),
		promtest.WithArgs("-search.latencyOffset=1s"))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Add(1)
	go func() { // one point a second on each side, the canary 50% slower
		defer wg.Done()
		r := rand.New(rand.NewPCG(7, 7))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for at := start; ; at = at.Add(time.Second) {
			body := fmt.Sprintf("lat{side=\"baseline\"} %g %d\nlat{side=\"canary\"} %g %d\n",
				0.2*math.Exp(0.05*r.NormFloat64()), at.UnixMilli(), 0.3*math.Exp(0.05*r.NormFloat64()), at.UnixMilli())
			if resp, err := http.Post(srv.URL+"/api/v1/import/prometheus", "text/plain", strings.NewReader(body)); err == nil {
				resp.Body.Close()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	cfg := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 1
source: {prometheus: {url: %q, retries: 0}}
window: {step: 1s}
baseline: {scope: 'side="baseline"'}
canary: {scope: 'side="canary"'}
metrics:
  - name: latency
    query: 'lat{ {{ .Scope }} }'
    fail_on: increase
    critical: true
watch: {interval: 3s, duration: 2m, lag: 2s}
`, srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	r := watchCLI(t, context.Background(), cfg)
	took := time.Since(began)
	if r.code != judge.ExitAbort || r.rep.Watch.StopReason != judge.StopAbort {
		t.Fatalf("exit %d, watch %+v; want an abort\nstderr:\n%s", r.code, r.rep.Watch, r.stderr)
	}
	// It waited for the data: every check came an interval after the last,
	// and the data it judged ended lag before it ran.
	checks := r.rep.Watch.Checks
	if checks < 5 || took < time.Duration(checks-1)*3*time.Second {
		t.Errorf("%d checks in %s: want at least 5 (the test needs 16 points), an interval apart", checks, took)
	}
	stopped, _ := time.Parse(time.RFC3339, r.rep.Watch.StoppedAt)
	if started, _ := time.Parse(time.RFC3339, r.rep.Watch.Start); stopped.Sub(started) != time.Duration(checks)*3*time.Second {
		t.Errorf("stopped at %s, started %s after %d checks: want the data time of the last check", r.rep.Watch.StoppedAt, r.rep.Watch.Start, checks)
	}
}
