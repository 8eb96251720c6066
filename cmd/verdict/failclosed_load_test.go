package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

// loadMetrics is how many metrics the load test judges (2 queries each).
const loadMetrics = 1000

// loadConfig writes a config of n bench_metric_NNN metrics over the bench
// fixture's hour at 15 s.
func loadConfig(t *testing.T, url string, n int) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nsource:\n  prometheus: {url: %q, timeout: 30s, concurrency: 8}\n", url)
	b.WriteString("window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 15s}\n")
	b.WriteString("baseline: {scope: 'version=\"v1\"'}\ncanary: {scope: 'version=\"v2\"'}\nmetrics:\n")
	for m := 0; m < n; m++ {
		fmt.Fprintf(&b, "  - name: m%03d\n    query: 'bench_metric_%03d{ {{ .Scope }} }'\n", m, m)
	}
	p := filepath.Join(t.TempDir(), "canary.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var goroutineHeader = regexp.MustCompile(`(?m)^goroutine (\d+) \[`)

// goroutines returns the stacks of all goroutines by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if m := goroutineHeader.FindSubmatch(g); m != nil {
			out[string(m[1])] = string(g)
		}
	}
	return out
}

// TestFailClosedLoad judges 1,000 metrics (2,000 range queries) against a
// real Prometheus through a proxy: the run completes with every metric
// judged, never more than the configured 8 queries are in flight, and once
// the server side has closed its connections no goroutine the run started
// is left. Peak memory is measured by scripts/bench-load.sh (make bench-load).
func TestFailClosedLoad(t *testing.T) {
	end := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	var om bytes.Buffer
	if err := promtest.WriteOpenMetrics(&om, promtest.BenchFixture(loadMetrics, end, time.Hour, promtest.FixtureStep)); err != nil {
		t.Fatal(err)
	}
	srv := promtest.Start(t, om.String())
	p := fcProxy(t, srv.URL)
	cfg := loadConfig(t, p.URL, loadMetrics)

	runtime.GC()
	before := goroutines()
	code, out, stderr := runCLI(t, nil, "judge", "-c", cfg, "--output", "json")
	if code == judge.ExitError || code == judge.ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep fcReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	judged := 0
	for _, m := range rep.Metrics {
		if m.Classification != "error" && m.Classification != "nodata" && m.Baseline.Count == 241 && m.Canary.Count == 241 {
			judged++
		}
	}
	if judged != loadMetrics {
		t.Errorf("%d of %d metrics judged with all 241 points per side", judged, loadMetrics)
	}
	if n := len(p.Requests()); n != 2*loadMetrics {
		t.Errorf("%d queries, want %d", n, 2*loadMetrics)
	}
	if n := p.MaxInFlight(); n > 8 || n < 2 {
		t.Errorf("at most %d queries in flight, want between 2 and the configured 8", n)
	}
	t.Logf("%d queries, at most %d in flight, verdict %s", len(p.Requests()), p.MaxInFlight(), rep.Verdict)

	// Idle keep-alive connections hold two goroutines each until the server
	// closes them; the proxy closing its side ends them. Nothing else may stay.
	// They end within milliseconds; the minute is a failsafe that leaves room
	// for a loaded machine, not a speed check.
	t.Logf("goroutines before the run %d, after it (connections open) %d", len(before), len(goroutines()))
	p.Close()
	var left []string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		left = left[:0]
		for id, stack := range goroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("%d goroutines started by the run are still there:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}
