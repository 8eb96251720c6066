package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// What a package's tests share for the whole test binary: Go binaries
// built once, and what Main tears down after the last test. A package that
// uses GoBuild or AtExit has `func TestMain(m *testing.M) { testenv.Main(m) }`.

var (
	exitMu    sync.Mutex
	exitFuncs []func()

	buildMu sync.Mutex
	builds  = map[string]*build{}
)

type build struct {
	once sync.Once
	path string
	err  string
}

// AtExit registers f to run, last registered first, once every test of
// the package has run.
func AtExit(f func()) {
	exitMu.Lock()
	defer exitMu.Unlock()
	exitFuncs = append(exitFuncs, f)
}

// Main runs the tests, then the AtExit functions, and exits with the
// tests' code.
func Main(m *testing.M) {
	code := m.Run()
	exitMu.Lock()
	for i := len(exitFuncs) - 1; i >= 0; i-- {
		exitFuncs[i]()
	}
	exitMu.Unlock()
	os.Exit(code)
}

// GoBuild returns the binary of the Go main package pkg (a directory
// relative to the test's, e.g. "../cmd/verdict"), built with
// CGO_ENABLED=0 once per test binary into a directory of its own that Main
// removes. Tests only run it: a test that must change the binary builds its own.
func GoBuild(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	b := builds[pkg]
	if b == nil {
		b = &build{}
		builds[pkg] = b
	}
	buildMu.Unlock()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "verdict-test-bin")
		if err != nil {
			b.err = err.Error()
			return
		}
		AtExit(func() { _ = os.RemoveAll(dir) })
		abs, err := filepath.Abs(pkg)
		if err != nil {
			b.err = err.Error()
			return
		}
		bin := filepath.Join(dir, filepath.Base(abs)) // named as go build names it
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = "go build " + pkg + ": " + err.Error() + "\n" + string(out)
			return
		}
		b.path = bin
	})
	if b.err != "" {
		t.Fatal(b.err)
	}
	return b.path
}
