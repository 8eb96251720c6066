package testenv

import (
	"fmt"
	"strings"
	"testing"
)

func TestStrict(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		name   string
		getenv func(string) string
		euid   int
		want   bool
	}{
		{"laptop", env(), 1000, false},
		{"CI set", env("CI", "true"), 1000, true},
		{"make test", env(StrictEnv, "1"), 1000, true},
		{"root", env(), 0, true},
		{"CI empty", env("CI", ""), 1000, false},
	} {
		if got := strict(c.getenv, c.euid); got != c.want {
			t.Errorf("%s: strict = %v, want %v", c.name, got, c.want)
		}
	}
}

// recorder is a testing.TB that records how the test was stopped.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }
func (r *recorder) Skipf(f string, args ...any)  { r.skip = fmt.Sprintf(f, args...) }

func TestMissingFailsWhenStrictAndSkipsLoudlyOtherwise(t *testing.T) {
	var r recorder
	missing(&r, true, "xmllint is not installed")
	if !strings.Contains(r.fatal, "xmllint is not installed") || r.skip != "" {
		t.Errorf("strict: fatal %q, skip %q; want a failure naming the tool", r.fatal, r.skip)
	}
	r = recorder{}
	missing(&r, false, "xmllint is not installed")
	if !strings.HasPrefix(r.skip, "SKIPPED — NOT TESTED: xmllint") || r.fatal != "" {
		t.Errorf("not strict: fatal %q, skip %q; want a loud skip", r.fatal, r.skip)
	}
}

func TestLookPathFindsTheFirstInstalledName(t *testing.T) {
	var r recorder
	r.TB = t
	if p := LookPath(&r, "verdict-no-such-tool", "sh"); !strings.HasSuffix(p, "/sh") || r.fatal != "" || r.skip != "" {
		t.Errorf("LookPath = %q (fatal %q, skip %q), want sh's path", p, r.fatal, r.skip)
	}
	r = recorder{TB: t}
	LookPath(&r, "verdict-no-such-tool")
	if r.fatal == "" && r.skip == "" || !strings.Contains(r.fatal+r.skip, "verdict-no-such-tool") {
		t.Errorf("a missing tool: fatal %q, skip %q; want one naming it", r.fatal, r.skip)
	}
}

func TestGoBuildBuildsOnce(t *testing.T) {
	a := GoBuild(t, "../../cmd/verdict")
	b := GoBuild(t, "../../cmd/verdict")
	if a != b || !strings.HasSuffix(a, "/verdict") {
		t.Fatalf("GoBuild gave %q then %q; want one binary named verdict", a, b)
	}
}

func TestMain(m *testing.M) { Main(m) }
