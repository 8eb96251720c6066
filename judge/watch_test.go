package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/rollout"
	"github.com/verdict-ci/verdict/metrics"
)

var watchStart = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// watchConfig loads rollout's config with extra YAML lines for each metric
// and extra keys of the watch section.
func watchConfig(t *testing.T, metricExtra, watch string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "canary.yaml")
	yaml := rollout.ConfigYAML(rollout.Config{Start: watchStart, Metric: metricExtra, Watch: watch})
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, config.Options{Now: func() time.Time { return watchStart.Add(time.Hour) }, AllowFutureWindow: true})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// clock is a fake clock whose Sleep advances it.
type clock struct {
	now    time.Time
	slept  []time.Duration
	cancel func() // called at the n-th sleep, when set
	at     int
}

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	if c.cancel != nil && len(c.slept) == c.at {
		c.cancel()
		return ctx.Err()
	}
	c.now = c.now.Add(d)
	return nil
}

func replay(t *testing.T, cfg *config.Config, src metrics.Source, c *clock) (*Report, string) {
	t.Helper()
	if c == nil {
		c = &clock{now: watchStart.Add(2 * time.Hour)} // all in the past
	}
	var progress bytes.Buffer
	rep, err := Watch(context.Background(), cfg, src, WatchOptions{Start: watchStart, Now: c.Now, Sleep: c.Sleep, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	return rep, progress.String()
}

func TestWatchHealthyRunsToTheEnd(t *testing.T) {
	src := rollout.New(rollout.Spec{Start: watchStart, Seed: 1, Phi: 0.5})
	rep, progress := replay(t, watchConfig(t, "", ""), src, nil)
	if rep.Verdict != Promote || rep.Watch.StopReason != StopEnd {
		t.Fatalf("healthy rollout: verdict %s (%s), stop %s; want promote at the end", rep.Verdict, rep.Reason, rep.Watch.StopReason)
	}
	if rep.Watch.Checks != 30 || len(rep.History) != 30 || rep.Watch.StoppedAt != "2024-03-01T12:30:00Z" {
		t.Errorf("checks %d, history %d, stopped at %s; want 30, 30, 12:30", rep.Watch.Checks, len(rep.History), rep.Watch.StoppedAt)
	}
	if n := strings.Count(progress, "\n"); n != 30 {
		t.Errorf("progress has %d lines, want one per check:\n%s", n, progress)
	}
	// each point fetched once: 121 points × (latency + 2 counters) × 2 sides
	points, most := src.Served()
	if most != 1 || points != 121*3*2 {
		t.Errorf("served %d points, one of them %d times; want %d, each once", points, most, 121*3*2)
	}
	for _, m := range rep.Metrics {
		if m.Sequential == nil || m.Sequential.PValue <= 0.005 || m.Sequential.Threshold < 100 {
			t.Errorf("%s: sequential %+v", m.Name, m.Sequential)
		}
	}
	if rep.Metrics[0].Test == nil || rep.Metrics[0].Baseline.Count != 121 {
		t.Errorf("latency: want the fixed-horizon figures over the whole window, got test %+v, %d baseline points", rep.Metrics[0].Test, rep.Metrics[0].Baseline.Count)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 1 {
		t.Errorf("groups %+v; want the one group, scored once", rep.Groups)
	}
	for _, want := range []string{`"watch":{"start":"2024-03-01T12:00:00Z","interval":"1m0s","duration":"30m0s","checks":30`, `"history":[{"at":"2024-03-01T12:01:00Z"`, `"sequential":{"pValue":`, `"decidedAt":null`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
}

func TestWatchAbortsEarly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   rollout.Spec
		metric string
	}{
		{"latency +50%", rollout.Spec{Lift: 1.5}, "latency"},
		{"errors 4x at 50 req/s", rollout.Spec{ErrLift: 4, RPS: 50}, "errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.Start, tc.spec.Seed = watchStart, 2
			rep, _ := replay(t, watchConfig(t, "", ""), rollout.New(tc.spec), nil)
			if rep.Verdict != Abort || rep.Watch.StopReason != StopAbort {
				t.Fatalf("verdict %s (%s), stop %s; want abort", rep.Verdict, rep.Reason, rep.Watch.StopReason)
			}
			if rep.Watch.Checks >= 20 {
				t.Errorf("stopped after %d checks; want well before the end", rep.Watch.Checks)
			}
			var m Metric
			for _, x := range rep.Metrics {
				if x.Name == tc.metric {
					m = x
				}
			}
			if m.Classification != High || m.Sequential.DecidedAt == nil || *m.Sequential.DecidedAt != rep.Watch.StoppedAt {
				t.Errorf("%s: %s decided at %v; want high, decided when the watch stopped (%s)", m.Name, m.Classification, m.Sequential.DecidedAt, rep.Watch.StoppedAt)
			}
			if m.Sequential.EValue < m.Sequential.Threshold {
				t.Errorf("%s: e-value %v below threshold %v yet high", m.Name, m.Sequential.EValue, m.Sequential.Threshold)
			}
		})
	}
}

func TestWatchEarlyPromote(t *testing.T) {
	src := rollout.New(rollout.Spec{Start: watchStart, Seed: 3, RPS: 200})
	cfg := watchConfig(t, "    allowed_increase: 50%", "early_promote: true")
	rep, _ := replay(t, cfg, src, nil)
	if rep.Verdict != Promote || rep.Watch.StopReason != StopPromote || rep.Watch.Checks >= 30 {
		t.Fatalf("verdict %s (%s), stop %s after %d checks; want an early promote", rep.Verdict, rep.Reason, rep.Watch.StopReason, rep.Watch.Checks)
	}
	// without margins, never early
	rep, _ = replay(t, watchConfig(t, "", "early_promote: true"), src, nil)
	if rep.Watch.StopReason != StopEnd {
		t.Errorf("no margins: stopped with %s after %d checks; want the end", rep.Watch.StopReason, rep.Watch.Checks)
	}
}

func TestWatchErrorAfterFailedChecks(t *testing.T) {
	src := rollout.New(rollout.Spec{Start: watchStart, Seed: 4})
	fails := 0
	src.Fail = func(q metrics.Query) error {
		// the checks ending at 12:05 … 12:07 fail (every query of them)
		if q.End.After(watchStart.Add(4*time.Minute)) && fails < 3*6 {
			fails++
			return errors.New("server down")
		}
		return nil
	}
	rep, progress := replay(t, watchConfig(t, "", ""), src, nil)
	if rep.Verdict != Error || rep.Watch.StopReason != StopError || rep.Score != nil {
		t.Fatalf("verdict %s, stop %s, score %v; want error without a score", rep.Verdict, rep.Watch.StopReason, rep.Score)
	}
	if rep.Watch.Checks != 7 || rep.Watch.StoppedAt != "2024-03-01T12:04:00Z" || !strings.Contains(progress, "3 of 3 in a row") {
		t.Errorf("checks %d, stopped at %s; want 7 checks, the last judged data at 12:04\n%s", rep.Watch.Checks, rep.Watch.StoppedAt, progress)
	}
	// one failed check is retried: the next one fetches what it missed
	src = rollout.New(rollout.Spec{Start: watchStart, Seed: 4})
	fails = 0
	src.Fail = func(q metrics.Query) error {
		if q.End.Equal(watchStart.Add(5*time.Minute)) && fails < 6 { // every query of one check
			fails++
			return errors.New("one blip")
		}
		return nil
	}
	rep, _ = replay(t, watchConfig(t, "", ""), src, nil)
	if rep.Watch.StopReason != StopEnd || rep.Verdict != Promote {
		t.Errorf("one failed check: stop %s, verdict %s; want promote at the end", rep.Watch.StopReason, rep.Verdict)
	}
	if points, most := src.Served(); most != 1 || points != 121*6 {
		t.Errorf("one failed check: served %d points, one %d times; want each once", points, most)
	}
}

func TestWatchCancelled(t *testing.T) {
	src := rollout.New(rollout.Spec{Start: watchStart, Seed: 5})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// live from the start: every check waits; cancelled during the 4th wait
	c := &clock{now: watchStart, cancel: cancel, at: 4}
	rep, err := Watch(ctx, watchConfig(t, "", ""), src, WatchOptions{Start: watchStart, Now: c.Now, Sleep: c.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Error || rep.Watch.StopReason != StopCancelled || rep.Watch.Checks != 3 || len(rep.Metrics) != 2 {
		t.Fatalf("verdict %s, stop %s, checks %d; want error, cancelled after 3 checks, with the metrics", rep.Verdict, rep.Watch.StopReason, rep.Watch.Checks)
	}
	if c.slept[0] != time.Minute+30*time.Second || c.slept[1] != time.Minute {
		t.Errorf("live waits %v; want 1m30s (interval + lag) then 1m", c.slept)
	}
}

// A watch that started 10 minutes ago catches up without waiting, then waits.
func TestWatchCatchesUpThenWaits(t *testing.T) {
	src := rollout.New(rollout.Spec{Start: watchStart, Seed: 6})
	c := &clock{now: watchStart.Add(10 * time.Minute)}
	rep, _ := replay(t, watchConfig(t, "", ""), src, c)
	if rep.Watch.Checks != 30 {
		t.Fatalf("checks %d", rep.Watch.Checks)
	}
	// checks 1..9 (data up to 12:09, due by 12:09:30) run at once; the 10th is due at 12:10:30
	if len(c.slept) != 21 || c.slept[0] != 30*time.Second || c.slept[1] != time.Minute {
		t.Errorf("waits %v; want 21 waits: 30s, then 1m each", c.slept)
	}
}
