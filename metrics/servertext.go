package metrics

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// OneLine reduces text to one line that is safe to print and to store:
// valid UTF-8, every run of white space (line breaks included) one space,
// no leading or trailing space, and no control characters — no ANSI escape
// (ESC), no carriage return, no bidirectional override — so that text a
// server sent can neither start a CI workflow command (`::error::` at the
// start of a line), nor move the cursor, clear the terminal or reorder what
// a reader sees. Every string a source takes from a server goes through it
// (after its credentials are scrubbed, so that folding white space cannot
// break a secret apart before it is found).
func OneLine(s string) string {
	if plainLine(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r) || isBidiControl(r):
			// dropped
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plainLine reports whether s is printable ASCII already in OneLine's form,
// the common case, which OneLine returns without copying.
func plainLine(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// isBidiControl reports the characters that reorder displayed text
// (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C).
func isBidiControl(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// truncateRunes cuts s to at most n runes, marking a cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i < len(s) && k < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return s[:i] + "…"
}

// maxMsgRunes bounds a QueryError's message; maxSummaryRunes the part of
// it that summarises an error page.
const (
	maxMsgRunes     = 1000
	maxSummaryRunes = 160
)

// scrub replaces every credential in s by "<secret>".
func (p *Prometheus) scrub(s string) string {
	for _, sec := range p.secrets {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, "<secret>")
		}
	}
	return s
}

// serverText is what the source stores of a string a server sent (a
// warning, a label, an error message): credentials scrubbed first, then
// reduced to one line by OneLine.
func (p *Prometheus) serverText(s string) string { return OneLine(p.scrub(s)) }

// scrubCut scrubs s, the first bytes of a longer text, and also hides a
// credential that the cut split: a tail of s that begins a secret.
func (p *Prometheus) scrubCut(s string) string {
	s = p.scrub(s)
	for _, sec := range p.secrets {
		for n := min(len(sec)-1, len(s)); n >= 3; n-- {
			if strings.HasSuffix(s, sec[:n]) {
				return s[:len(s)-n] + "<secret>"
			}
		}
	}
	return s
}
