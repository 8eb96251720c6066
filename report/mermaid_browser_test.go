package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/judge"
)

// mermaidCLIDir is where scripts/deps.sh installs @mermaid-js/mermaid-cli
// (from test/browser's lock file): $VERDICT_TOOLS/mermaid-cli, by default
// in the user's cache directory, outside the tree.
func mermaidCLIDir() (string, error) {
	base := os.Getenv("VERDICT_TOOLS")
	if base == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(cache, "verdict")
	}
	return filepath.Join(base, "mermaid-cli"), nil
}

// needMermaidCLI returns the mmdc binary scripts/deps.sh installed; the
// test never installs it. Missing, it fails under CI, make test and root
// (make test runs deps.sh first) and skips loudly otherwise (testenv).
func needMermaidCLI(t *testing.T) string {
	t.Helper()
	dir, err := mermaidCLIDir()
	if err != nil {
		t.Fatal(err)
	}
	mmdc := filepath.Join(dir, "node_modules", ".bin", "mmdc")
	if _, err := os.Stat(mmdc); err == nil {
		return mmdc
	}
	testenv.Missing(t, "mermaid-cli is not installed at %s: Mermaid charts are not render-tested (run scripts/deps.sh; make test does)", dir)
	return ""
}

// TestMermaidRendersInChromium turns every Mermaid block of a generated
// Markdown report into SVG with mermaid-cli driven against Debian's chromium.
func TestMermaidRendersInChromium(t *testing.T) {
	chromium := needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	mmdc := needMermaidCLI(t)
	dir := t.TempDir()

	// Few charts, as mmdc takes most of a second for each: a failing metric,
	// a one-sided one, and one with a hostile name, a before/after baseline
	// and tiny negative canary values.
	r := sampleReport(3, 1440)
	odd := r.Metrics[1]
	odd.Name = "lat\"ency\" [p99] {x} <script>alert(1)</script> `tick` #1; 50% & more\nnext"
	odd.Baseline = charted(odd.Baseline, shiftPoints(odd.Baseline.Points, -24*time.Hour))
	odd.Canary = charted(odd.Canary, scalePoints(odd.Canary.Points, -1e-7))
	var md strings.Builder
	md.WriteString("# verdict report\n\n")
	want := 0
	for _, m := range []judge.Metric{r.Metrics[0], r.Metrics[2], odd} {
		if c := MermaidXYChart(m, 60); c != "" {
			md.WriteString("## " + mermaidText(m.Name) + "\n\n" + c + "\n")
			want++
		}
	}
	if want != 3 {
		t.Fatalf("MermaidXYChart drew %d of 3 charts", want)
	}
	// The lead's Markdown renderer, when registered, embeds the same charts.
	if f, err := Lookup("markdown"); err == nil {
		var buf bytes.Buffer
		if err := f(&buf, r); err != nil {
			t.Fatalf("markdown renderer: %v", err)
		}
		md.WriteString("\n---\n\n")
		md.Write(buf.Bytes())
		want += strings.Count(buf.String(), "```mermaid")
	}
	in := filepath.Join(dir, "report.md")
	if err := os.WriteFile(in, []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(md.String(), "```mermaid"); got != want {
		t.Fatalf("generated %d mermaid blocks, expected %d", got, want)
	}

	cfg, err := json.Marshal(map[string]any{"executablePath": chromium, "args": append(chromiumFlags()[1:], "--user-data-dir="+filepath.Join(dir, "profile"))})
	if err != nil {
		t.Fatal(err)
	}
	pcfg := filepath.Join(dir, "puppeteer.json")
	if err := os.WriteFile(pcfg, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.md")
	cmd := exec.CommandContext(ctx, mmdc, "-q", "-i", in, "-o", out, "-p", pcfg)
	cmd.Env = append(os.Environ(), "PUPPETEER_SKIP_DOWNLOAD=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmdc failed: %v\n%s", err, b)
	}
	svgs, err := filepath.Glob(filepath.Join(dir, "out-*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(svgs) != want {
		t.Fatalf("mmdc wrote %d SVGs for %d mermaid blocks", len(svgs), want)
	}
	for _, p := range svgs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.Contains(s, "<svg") || strings.Contains(s, "Syntax error") || !strings.Contains(s, "baseline") {
			t.Errorf("%s: not a rendered baseline-vs-canary chart:\n%.400s", filepath.Base(p), s)
		}
		if strings.Contains(s, "<script") {
			t.Errorf("%s: a script made it into the chart", filepath.Base(p))
		}
	}
	converted, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(converted), "```mermaid") {
		t.Errorf("mmdc left mermaid blocks unconverted in %s", out)
	}
}

// shiftPoints returns pts moved by d in time.
func shiftPoints(pts []judge.TimedValue, d time.Duration) []judge.TimedValue {
	out := make([]judge.TimedValue, len(pts))
	for i, p := range pts {
		out[i] = judge.TimedValue{T: p.T.Add(d), V: p.V}
	}
	return out
}

// scalePoints returns pts with values multiplied by f.
func scalePoints(pts []judge.TimedValue, f float64) []judge.TimedValue {
	out := make([]judge.TimedValue, len(pts))
	for i, p := range pts {
		out[i] = judge.TimedValue{T: p.T, V: p.V * f}
	}
	return out
}
