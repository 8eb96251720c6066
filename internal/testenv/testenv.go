// Package testenv holds the two rules every test that needs more than Go
// follows: heavy integration tests are skipped by `go test -short`, and a
// missing tool skips a test loudly on a laptop but fails it under CI.
//
// Heavy means the test starts a server (Prometheus, VictoriaMetrics), a
// browser (Chromium), R, or backfills a TSDB with promtool. `make test`
// runs without -short, so it runs them all. A missing tool fails the test
// when Strict: the environment sets CI (any CI system), `make test` sets
// VERDICT_TEST_STRICT=1, or the tests run as root (where `make deps`
// installs every tool first); anywhere else it is a skip whose message says
// in capitals what was NOT tested.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// StrictEnv is the variable `make test` sets so that a missing tool fails.
const StrictEnv = "VERDICT_TEST_STRICT"

// Heavy skips t under `go test -short`; what names the heavy part, for the
// skip message ("starts Prometheus").
func Heavy(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: this test %s (make test runs it)", what)
	}
}

// Strict reports whether a missing tool must fail a test rather than skip
// it: under CI, under make test, or as root.
func Strict() bool { return strict(os.Getenv, os.Geteuid()) }

func strict(getenv func(string) string, euid int) bool {
	return getenv("CI") != "" || getenv(StrictEnv) != "" || euid == 0
}

// Missing stops t because something it needs is not installed: a failure
// when Strict, a loud skip otherwise. The message should say what is
// missing and how to install it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	missing(t, Strict(), fmt.Sprintf(format, args...))
}

func missing(t testing.TB, strict bool, msg string) {
	t.Helper()
	if strict {
		t.Fatalf("%s (a missing tool fails the test under CI, make test and root)", msg)
		return
	}
	t.Skipf("SKIPPED — NOT TESTED: %s", msg)
}

// Require checks that each binary is on PATH (or, for a path, exists),
// calling Missing for the first that is not.
func Require(t testing.TB, binaries ...string) {
	t.Helper()
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			Missing(t, "%s is not installed: run `make deps` as root (scripts/deps.sh installs it)", b)
		}
	}
}

// LookPath returns the path of the first of names found on PATH, calling
// Missing when none is (for tools installed under several names).
func LookPath(t testing.TB, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "none of %q is installed: run `make deps` as root (scripts/deps.sh installs it)", names)
	return ""
}

// PythonModule checks that Debian's python3 imports module, which the
// Debian package pkg provides, calling Missing when it does not.
func PythonModule(t testing.TB, module, pkg string) {
	t.Helper()
	Require(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import "+module).Run(); err != nil {
		Missing(t, "python3 cannot import %s: install %s (`make deps` as root does)", module, pkg)
	}
}
