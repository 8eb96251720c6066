package main

import (
	"testing"

	"github.com/verdict-ci/verdict/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// buildVerdict returns the real binary, built once for the package's tests
// (testenv.GoBuild); a test that must change the binary builds its own.
func buildVerdict(t *testing.T) string {
	t.Helper()
	return testenv.GoBuild(t, ".")
}
