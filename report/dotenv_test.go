package report

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/verdict-ci/verdict/judge"
)

// gitlabDotenvKey is the variable name rule of GitLab's dotenv artifact parser.
var gitlabDotenvKey = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

// parseGitLabDotenv reads a dotenv report by GitLab's rules for
// artifacts:reports:dotenv: at most 5 KiB, UTF-8, one KEY=value per line, no
// empty lines or comments, keys of ASCII letters, digits and _, values taken
// literally (quotes kept, no escapes, no multi-line values) and stripped.
func parseGitLabDotenv(data []byte) (map[string]string, error) {
	if len(data) > 5*1024 {
		return nil, fmt.Errorf("dotenv is %d bytes, GitLab's limit is 5 KiB", len(data))
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("dotenv is not UTF-8")
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			return nil, fmt.Errorf("line %d: empty lines and comments are not allowed", n)
		}
		if strings.ContainsAny(line, "\r") {
			return nil, fmt.Errorf("line %d: carriage return", n)
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: no '='", n)
		}
		key = strings.TrimSpace(key)
		if !gitlabDotenvKey.MatchString(key) {
			return nil, fmt.Errorf("line %d: invalid key %q", n, key)
		}
		if _, dup := vars[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", n, key)
		}
		vars[key] = strings.TrimSpace(value)
	}
	if len(vars) > 20 {
		return nil, fmt.Errorf("%d variables, GitLab's default limit is 20", len(vars))
	}
	return vars, nil
}

func renderDotenv(t *testing.T, r *judge.Report) []byte { t.Helper(); return render(t, "dotenv", r) }

func TestDotenvParsesByGitLabRules(t *testing.T) {
	out := renderDotenv(t, ciReport())
	vars, err := parseGitLabDotenv(out)
	if err != nil {
		t.Fatalf("GitLab would reject the dotenv report: %v\n%s", err, out)
	}
	want := map[string]string{
		"VERDICT":           "abort",
		"VERDICT_SCORE":     "62.5",
		"VERDICT_REASON":    "latency_p99 is higher in the canary (+12.4%, critical) second line",
		"VERDICT_EXIT_CODE": "1",
	}
	if len(vars) != len(want) {
		t.Errorf("variables = %v, want %v", vars, want)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
	if !bytes.HasSuffix(out, []byte("\n")) || bytes.Count(out, []byte("\n")) != 4 {
		t.Errorf("want exactly 4 newline-terminated lines:\n%q", out)
	}
}

func TestDotenvFlattensHostileReasons(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6000 bytes, 2-byte runes: the cut must fall on a rune boundary
	for name, reason := range map[string]string{
		"newlines and tabs":   "a\nb\r\nc\td",
		"control characters":  "a\x00b\x1bc\x7fd\u2028e",
		"invalid UTF-8":       "a\xffb",
		"quotes and dollars":  `say "hi" it's $HOME`,
		"very long":           long,
		"only white space":    " \n\t ",
		"leading equals sign": "=x=y",
	} {
		t.Run(name, func(t *testing.T) {
			r := ciReport()
			r.Reason = reason
			out := renderDotenv(t, r)
			vars, err := parseGitLabDotenv(out)
			if err != nil {
				t.Fatalf("GitLab would reject it: %v\n%q", err, out)
			}
			got := vars["VERDICT_REASON"]
			if len(got) > DotenvMaxValue || strings.ContainsAny(got, "\x00\x1b\x7f\u2028\t") {
				t.Errorf("VERDICT_REASON = %q (%d bytes)", got, len(got))
			}
			if vars["VERDICT"] != "abort" {
				t.Errorf("a hostile reason broke VERDICT: %v", vars)
			}
		})
	}
	r := ciReport()
	r.Reason = `say "hi" it's $HOME`
	vars, _ := parseGitLabDotenv(renderDotenv(t, r))
	if vars["VERDICT_REASON"] != r.Reason {
		t.Errorf("quotes were not kept literally: %q", vars["VERDICT_REASON"])
	}
	r.Reason = long
	vars, _ = parseGitLabDotenv(renderDotenv(t, r))
	if !strings.HasSuffix(vars["VERDICT_REASON"], "…") || !utf8.ValidString(vars["VERDICT_REASON"]) {
		t.Errorf("a long reason is not cut cleanly: ...%q", vars["VERDICT_REASON"][len(vars["VERDICT_REASON"])-10:])
	}
}

func TestDotenvEveryVerdict(t *testing.T) {
	for _, v := range []judge.Verdict{judge.Promote, judge.Inconclusive, judge.Abort, judge.Error} {
		r := ciReport()
		r.Verdict = v
		vars, err := parseGitLabDotenv(renderDotenv(t, r))
		if err != nil {
			t.Fatal(err)
		}
		if vars["VERDICT"] != string(v) || vars["VERDICT_EXIT_CODE"] != fmt.Sprint(v.ExitCode()) {
			t.Errorf("%s: VERDICT=%q VERDICT_EXIT_CODE=%q", v, vars["VERDICT"], vars["VERDICT_EXIT_CODE"])
		}
	}
}

// TestDotenvShellRead (issue 11 item 19): the dotenv report cannot be made
// safe to source (GitLab keeps quotes, so values stay unquoted), and
// docs/ci.md says so and shows a read loop instead. That loop, run by sh on
// a report whose reason carries $(…), backticks, ';', '&&', a newline and
// quotes, runs nothing and reads every value back as written; the file
// stays a valid GitLab dotenv report.
func TestDotenvShellRead(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("no sh on PATH")
	}
	doc, err := os.ReadFile("../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	loop := regexp.MustCompile("(?m)^ *(while IFS='=' read -r k v; do export \"\\$k=\\$v\"; done) < verdict-report/verdict.env$").FindSubmatch(doc)
	if loop == nil {
		t.Fatal("docs/ci.md shows no read loop for verdict.env")
	}
	if bytes.Contains(doc, []byte(". ./verdict.env`)")) && !bytes.Contains(doc, []byte("Do not source")) {
		t.Error("docs/ci.md recommends sourcing verdict.env")
	}
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	score := 12.5
	r := &judge.Report{Verdict: judge.Abort, Score: &score,
		Reason: "a $(touch " + pwned + ") b `touch " + pwned + "` c; touch " + pwned + " && touch " + pwned + "\ntouch " + pwned + " 'q' \"d\" $HOME"}
	var b bytes.Buffer
	if err := Dotenv(&b, r); err != nil {
		t.Fatal(err)
	}
	vars, err := parseGitLabDotenv(b.Bytes())
	if err != nil {
		t.Fatalf("not a GitLab dotenv report: %v\n%s", err, b.String())
	}
	file := filepath.Join(dir, "verdict.env")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := string(loop[1]) + ` < "$1"; printf '%s\n' "$VERDICT" "$VERDICT_SCORE" "$VERDICT_REASON" "$VERDICT_EXIT_CODE"`
	cmd := exec.Command(sh, "-c", script, "sh", file)
	cmd.Dir, cmd.Env = dir, []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent-home"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("reading the dotenv report ran a command from the reason")
	}
	want := vars["VERDICT"] + "\n" + vars["VERDICT_SCORE"] + "\n" + vars["VERDICT_REASON"] + "\n" + vars["VERDICT_EXIT_CODE"] + "\n"
	if string(out) != want {
		t.Errorf("sh read:\n%s\nwant (as GitLab reads it):\n%s", out, want)
	}
	if !strings.Contains(vars["VERDICT_REASON"], "$(touch") || !strings.Contains(vars["VERDICT_REASON"], "$HOME") {
		t.Errorf("the reason was changed: %q", vars["VERDICT_REASON"])
	}
}
