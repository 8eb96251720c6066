package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/verdict-ci/verdict/judge"
)

// DotenvMaxValue bounds each dotenv value in bytes, keeping the file far below
// GitLab's 5 KiB dotenv limit.
const DotenvMaxValue = 1024

// Dotenv writes the verdict as a dotenv file that GitLab's `artifacts:reports:dotenv`
// accepts and later jobs read as variables: VERDICT, VERDICT_SCORE,
// VERDICT_REASON and VERDICT_EXIT_CODE, one KEY=value line each (no
// VERDICT_SCORE with verdict error). GitLab keeps quotes literally and
// rejects multi-line values, so values are flattened to one line of
// printable text, unquoted, at most DotenvMaxValue bytes. Unquoted values
// make the file unsafe to source in a shell: docs/ci.md shows a read loop
// that evaluates nothing instead (TestDotenvShellRead).
func Dotenv(w io.Writer, r *judge.Report) error {
	vars := [][2]string{{"VERDICT", string(r.Verdict)}}
	if score, ok := Score(r); ok { // an error carries no score
		vars = append(vars, [2]string{"VERDICT_SCORE", judge.Num(score)})
	}
	vars = append(vars, [2]string{"VERDICT_REASON", r.Reason}, [2]string{"VERDICT_EXIT_CODE", strconv.Itoa(r.Verdict.ExitCode())})
	var b strings.Builder
	for _, kv := range vars {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], dotenvValue(kv[1]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dotenvValue flattens s to one line: control characters (newlines included)
// become spaces, runs of white space one space, invalid UTF-8 is replaced, and
// the result is cut at a rune boundary to DotenvMaxValue bytes ("…" marks a cut).
func dotenvValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= DotenvMaxValue {
		return s
	}
	const ellipsis = "…"
	cut := DotenvMaxValue - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ") + ellipsis
}
