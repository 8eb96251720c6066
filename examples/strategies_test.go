package examples

import (
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/traffic"
)

// concurrent simulates two groups of pods at the same time, told apart by
// one label; when regressed the canary's pods get a slow tail.
func concurrent(label, base, canary string, nBase, nCanary int) func(bool) []promtest.Series {
	return func(regressed bool) []promtest.Series {
		b, c := sides(labels("app", "checkout"), labels(label, base), labels(label, canary), nBase, nCanary, "pod", "b-", "c-")
		return httpSeries(51, traffic.ClientGolang, twoSides(b, c, func(p *traffic.Pod) {
			if regressed {
				p.Tail = 0.05
			}
		}))
	}
}

// twoSides makes healthy pods of both sides' labels, the canary's changed by canary.
func twoSides(base, canary []map[string]string, change func(*traffic.Pod)) []traffic.Pod {
	var pods []traffic.Pod
	for _, l := range base {
		pods = append(pods, traffic.Pod{Labels: l, Latency: 0.08, Errors: 0.01})
	}
	for _, l := range canary {
		p := traffic.Pod{Labels: l, Latency: 0.08, Errors: 0.01}
		change(&p)
		pods = append(pods, p)
	}
	return pods
}

// switched simulates the same pods all hour; when regressed they get a slow
// tail half-way, when the switch (or the patch) happens.
func switched(regressed bool) []promtest.Series {
	var pods []traffic.Pod
	for i := range 3 {
		p := traffic.Pod{Labels: labels("app", "checkout", "service", "checkout", "pod", "checkout-"+string(rune('a'+i))), Latency: 0.08, Errors: 0.01}
		if regressed {
			p.Tail, p.TailFrom = 0.05, fixtureStart.Add(30*time.Minute)
		}
		pods = append(pods, p)
	}
	return httpSeries(52, traffic.ClientGolang, pods)
}

// abVariants: variant b is faster when "regressed" (here: different).
func abVariants(differ bool) []promtest.Series {
	b, c := sides(labels("app", "checkout"), labels("variant", "a"), labels("variant", "b"), 2, 2, "pod", "a-", "b-")
	return httpSeries(53, traffic.ClientGolang, twoSides(b, c, func(p *traffic.Pod) {
		if differ {
			p.Latency = 0.06
		}
	}))
}

// TestStrategies judges every strategy's config against a real Prometheus:
// healthy promotes, a regressed canary aborts for the p99 alone; the A/B
// test reports the faster variant and still exits 0. docs/strategies.md
// shows each config as it is.
func TestStrategies(t *testing.T) {
	cases := []struct {
		file string
		data func(bool) []promtest.Series
	}{
		{"canary.yaml", concurrent("track", "baseline", "canary", 2, 2)},
		{"blue-green.yaml", concurrent("color", "blue", "green", 3, 3)},
		{"blue-green-after.yaml", switched},
		{"rolling.yaml", concurrent("pod_template_hash", "6d4f8b7c9", "7c9d5e8f1", 3, 3)},
		{"hot-patch.yaml", switched},
		{"feature-flag.yaml", concurrent("flag_new_checkout", "off", "on", 3, 3)},
		{"ab-test.yaml", abVariants},
	}
	doc := documented(t, "../docs/strategies.md", "strategies", len(cases))
	bin := buildVerdict(t)
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := doc(c.file)
			if c.file == "ab-test.yaml" {
				// Reported, not gated: whatever the variants do, the exit is 0;
				// a faster variant b shows as latency lower in b.
				for _, differ := range []bool{false, true} {
					code, rep, out := judge(t, bin, path, startPrometheus(t, c.data(differ)))
					if code != 0 || rep.Verdict != "promote" {
						t.Errorf("variants differ %v: exit %d, verdict %s; want 0, promote\n%s", differ, code, rep.Verdict, out)
					}
					if differ && classOf(rep, "latency_p50") != "low" {
						t.Errorf("variant b's faster median is reported as %s, want low\n%s", classOf(rep, "latency_p50"), out)
					}
				}
				return
			}
			code, rep, out := judge(t, bin, path, startPrometheus(t, c.data(false)))
			expectVerdict(t, code, rep, out, 0, "promote", "")
			code, rep, out = judge(t, bin, path, startPrometheus(t, c.data(true)))
			expectVerdict(t, code, rep, out, 1, "abort", "latency_p99")
		})
	}
}

func classOf(r report, metric string) string {
	for _, m := range r.Metrics {
		if m.Name == metric {
			return m.Classification
		}
	}
	return "absent"
}
