package examples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/internal/testenv"
	"github.com/verdict-ci/verdict/internal/traffic"
)

// httpSeries simulates the example's hour of HTTP traffic.
func httpSeries(seed uint64, names traffic.Names, pods []traffic.Pod) []promtest.Series {
	return traffic.HTTP(seed, fixtureStart, fixturePoints, scrape, names, pods)
}

// fixtureStart is when every example's backfilled data begins; it runs for an hour at a 15 s scrape.
var fixtureStart = time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)

const (
	fixturePoints = 241
	scrape        = 15 * time.Second
)

// fixtureEnd is the time of the last scrape.
func fixtureEnd() time.Time { return fixtureStart.Add((fixturePoints - 1) * scrape) }

// startPrometheus backfills series into a fresh Prometheus.
func startPrometheus(t *testing.T, series []promtest.Series) *promtest.Server {
	t.Helper()
	var om bytes.Buffer
	if err := promtest.WriteOpenMetrics(&om, series); err != nil {
		t.Fatal(err)
	}
	return promtest.Start(t, om.String())
}

func TestMain(m *testing.M) { testenv.Main(m) }

// buildVerdict returns the directory of the verdict binary, built once for
// the package's tests (testenv.GoBuild).
func buildVerdict(t *testing.T) string {
	t.Helper()
	return filepath.Dir(testenv.GoBuild(t, "../cmd/verdict"))
}

// shell runs a script with sh, the verdict binary first on PATH, and env.
func shell(t *testing.T, binDir, script string, env []string) (int, string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append([]string{"PATH=" + binDir + ":/usr/bin:/bin", "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("sh: %v", err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func labels(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
