package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/traffic"
	"github.com/verdict-ci/verdict/judge"
)

const kayentaFixtures = "../../testdata/kayenta/"

// TestImportKayentaBinary converts every fixture with the built binary and
// checks each output with `verdict check`.
func TestImportKayentaBinary(t *testing.T) {
	bin := buildVerdict(t)
	dir := t.TempDir()
	env := binEnv(t)
	cases := []struct {
		file  string
		args  []string
		notes []string // stderr must name these paths
	}{
		{"every-style.json", []string{"--baseline-scope", "payments-v41", "--canary-scope", "payments-v42", "--var", "cluster=prod-1"}, []string{"metrics[1].query.labelBindings[0]"}},
		{"multi-region.json", []string{"--baseline-scope", "v1", "--canary-scope", "v2", "--location", "eu-west-1"}, nil},
		{"unsupported.json", []string{"--baseline-scope", "v1", "--canary-scope", "v2"}, []string{
			"metrics[1].query.type: a datadog query", "metrics[2].analysisConfigurations.canary.effectSize.measure: cles",
			"metrics[3].analysisConfigurations.canary.muted", "metrics[0].analysisConfigurations.canary.effectSize.criticalDecrease"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			out := filepath.Join(dir, strings.TrimSuffix(c.file, ".json")+".yaml")
			r := runBin(t, bin, dir, env, append([]string{"import", "kayenta", filepath.Join(mustAbs(t, kayentaFixtures), c.file), "-o", out}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
			}
			for _, n := range c.notes {
				if !bytes.Contains(r.stderr, []byte(n)) {
					t.Errorf("stderr does not name %s:\n%s", n, r.stderr)
				}
			}
			if c.notes == nil && bytes.Count(r.stderr, []byte("\n")) != 1 {
				t.Errorf("stderr has more than the summary line:\n%s", r.stderr)
			}
			chk := runBin(t, bin, dir, env, "check", "-c", out)
			if chk.code != 0 {
				t.Errorf("verdict check on the converted config: exit %d\n%s%s\n%s", chk.code, chk.stdout, chk.stderr, readFile(t, out))
			}
			// Without -o the config goes to stdout and only notes to stderr.
			r2 := runBin(t, bin, dir, env, append([]string{"import", "kayenta", filepath.Join(mustAbs(t, kayentaFixtures), c.file)}, c.args...)...)
			if r2.code != 0 || !bytes.Equal(r2.stdout, readFile(t, out)) {
				t.Errorf("stdout (exit %d) differs from the -o file", r2.code)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestImportKayentaUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"metrics": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	scopes := []string{"--baseline-scope", "v1", "--canary-scope", "v2"}
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"nothing convertible", append([]string{"import", "kayenta", kayentaFixtures + "datadog-only.json"}, scopes...), "no metric could be converted"},
		{"no scopes", []string{"import", "kayenta", kayentaFixtures + "multi-region.json"}, "--baseline-scope and --canary-scope are required"},
		{"no file", append([]string{"import", "kayenta"}, scopes...), "give one Kayenta config file"},
		{"missing file", append([]string{"import", "kayenta", "nope.json"}, scopes...), "nope.json"},
		{"not JSON", append([]string{"import", "kayenta", bad}, scopes...), "not JSON"},
		{"bad var", append([]string{"import", "kayenta", kayentaFixtures + "multi-region.json", "--var", "novalue"}, scopes...), `--var "novalue": want name=value`},
		{"no format", []string{"import"}, "name the format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, nil, c.args...)
			if code != judge.ExitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout not empty: %s", out)
			}
			if !strings.Contains(stderr, c.msg) {
				t.Errorf("stderr lacks %q:\n%s", c.msg, stderr)
			}
		})
	}
}

// kayentaData is two hours of the checkout service in two regions, two
// versions, two instances each (and a decoy app), scraped every 15 s:
// in us-east-1 v2's latency is doubled; in eu-west-1 v2 fails a tenth of
// its requests. Everything else is alike on both sides.
func kayentaData(start time.Time) []promtest.Series {
	var pods []traffic.Pod
	var gauges []map[string]string
	for _, app := range []string{"checkout", "cart"} {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for _, version := range []string{"v1", "v2"} {
				for _, n := range []string{"a", "b"} {
					l := map[string]string{"app": app, "region": region, "version": version, "instance": app + "-" + region + "-" + version + "-" + n}
					p := traffic.Pod{Labels: l, Latency: 0.1, Errors: 0.01}
					if version == "v2" && (app == "cart" || region == "us-east-1") {
						p.Latency = 0.2
					}
					if version == "v2" && (app == "cart" || region == "eu-west-1") {
						p.Errors = 0.1
					}
					pods = append(pods, p)
					gauges = append(gauges, l)
				}
			}
		}
	}
	const points, step = 481, 15 * time.Second
	out := traffic.HTTP(16, start, points, step, traffic.ClientGolang, pods)
	cpu := traffic.Gauge(17, start, points, step, "process_cpu_usage", gauges, 0.3, 0.05)
	for _, s := range cpu {
		s.Labels["job"] = s.Labels["app"]
	}
	return slices.Concat(out, cpu, traffic.Gauge(18, start, points, step, "process_resident_memory_bytes", gauges, 2e8, 1e7))
}

// TestImportKayentaJudgesLikeKayenta converts the multi-region config for
// each region and judges it against a real Prometheus: each region's
// verdict comes from its own regressed metric only, over the series
// Kayenta would have selected (that region's instances, one series each).
func TestImportKayentaJudgesLikeKayenta(t *testing.T) {
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var om bytes.Buffer
	if err := promtest.WriteOpenMetrics(&om, kayentaData(start)); err != nil {
		t.Fatal(err)
	}
	srv := promtest.Start(t, om.String())
	end := start.Add(2 * time.Hour).Format(time.RFC3339)
	cases := []struct {
		region, verdict, regressed, class string
		code                              int
	}{
		// p99 latency is critical: Kayenta fails the canary outright.
		{"us-east-1", "abort", "p99 latency", "high", judge.ExitAbort},
		// error ratio fails, the rest pass: Kayenta's score is 100 − 30 = 70, marginal at thresholds 90/70.
		{"eu-west-1", "inconclusive", "error ratio", "high", judge.ExitInconclusive},
	}
	for _, c := range cases {
		t.Run(c.region, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "canary.yaml")
			code, _, stderr := runCLI(t, nil, "import", "kayenta", kayentaFixtures+"multi-region.json",
				"--baseline-scope", "v1", "--canary-scope", "v2", "--location", c.region, "--prometheus-url", srv.URL, "-o", cfg)
			if code != 0 {
				t.Fatalf("import: exit %d: %s", code, stderr)
			}
			// Kayenta's execution request gives the interval: two hours here.
			code, out, stderr := runCLI(t, nil, "judge", "-c", cfg, "--end", end, "--duration", "2h", "--output", "json")
			var rep struct {
				Verdict string
				Metrics []struct {
					Name, Classification string
					Baseline, Canary     struct {
						Series int
						Query  string
					}
				}
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("judge: exit %d, %v\n%s\n%s", code, err, out, stderr)
			}
			if code != c.code || rep.Verdict != c.verdict {
				t.Errorf("judge: exit %d, verdict %s; want %d, %s\n%s", code, rep.Verdict, c.code, c.verdict, out)
			}
			if len(rep.Metrics) != 4 {
				t.Fatalf("%d metrics judged, want 4", len(rep.Metrics))
			}
			for _, m := range rep.Metrics {
				regressed := m.Name == c.regressed
				if regressed && m.Classification != c.class {
					t.Errorf("%s: %s, want %s", m.Name, m.Classification, c.class)
				}
				if !regressed && (m.Classification == "high" || m.Classification == "low") {
					t.Errorf("%s: %s, but only %s regressed in %s", m.Name, m.Classification, c.regressed, c.region)
				}
				// Kayenta's avg(...) by (instance) gives one series per instance of the region.
				want := 1
				if strings.HasSuffix(m.Name, "per instance") || m.Name == "resident memory" {
					want = 2
				}
				if m.Baseline.Series != want || m.Canary.Series != want {
					t.Errorf("%s: %d baseline and %d canary series, want %d each", m.Name, m.Baseline.Series, m.Canary.Series, want)
				}
				if !strings.Contains(m.Canary.Query, `region="`+c.region+`"`) || !strings.Contains(m.Canary.Query, `version="v2"`) {
					t.Errorf("%s: canary query %s does not select v2 in %s", m.Name, m.Canary.Query, c.region)
				}
			}
		})
	}
}

// TestImportKayentaBindsOptions: the command only binds its flags and argument.
func TestImportKayentaBindsOptions(t *testing.T) {
	e, _ := newEnv(&bytes.Buffer{}, &bytes.Buffer{}, nil)
	var got *ImportKayentaOptions
	cmd := NewCmdImport(e, func(_ context.Context, o *ImportKayentaOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"kayenta", "k.json", "--baseline-scope", "a", "--canary-scope", "b", "--location", "eu",
		"--var", "x=1", "--var", "y=2", "--canary-var", "z=3", "-o", "c.yaml"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Env != e || got.File != "k.json" || got.BaselineScope != "a" || got.CanaryScope != "b" || got.Location != "eu" ||
		!slices.Equal(got.Vars, []string{"x=1", "y=2"}) || !slices.Equal(got.CanaryVars, []string{"z=3"}) || got.Out != "c.yaml" || got.ScopeLabel != "instance" {
		t.Fatalf("options %+v", got)
	}
}
