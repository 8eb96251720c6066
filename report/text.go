package report

import (
	"strings"

	"github.com/verdict-ci/verdict/judge"
)

// Text shared by the renderers that write Markdown (markdown, the GitHub step
// summary) and the icons every renderer shows for verdicts and classifications.

// mdEscape makes text safe in a Markdown table cell or paragraph: one line
// (white space and control characters folded to single spaces), pipes
// escaped, HTML and backticks neutralised.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range OneLine(s) {
		switch r {
		case '|':
			b.WriteString(`\|`)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '`':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// OneLine reduces s to one line of printable text: invalid UTF-8 is replaced,
// control characters (newlines, CR, ESC, the C1 range and the Unicode line and
// paragraph separators) become spaces, and runs of white space one space.
// Every string that came from a config or a server goes through it before a
// plain-text, Markdown or CI-log printer writes it, so data cannot start a line
// of its own (a "::" workflow command), move the cursor or clear a terminal.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// clipUTF8 cuts s to at most n bytes at a rune boundary, marking a cut with "…".
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	if n < len(more) {
		return ""
	}
	cut := n - len(more)
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + more
}

// VerdictIcon is the emoji a Markdown surface shows before a verdict.
func VerdictIcon(v judge.Verdict) string {
	switch v {
	case judge.Promote:
		return "✅"
	case judge.Inconclusive:
		return "⚠️"
	case judge.Abort:
		return "❌"
	}
	return "🛑"
}

// classIcon is the emoji a Markdown surface shows before a metric's
// classification: it marks what counts against the canary (Failing).
func classIcon(m judge.Metric) string {
	switch {
	case m.Classification == judge.Pass:
		return "✅"
	case m.Classification == judge.Failed:
		return "🛑"
	case m.Failing():
		return "❌"
	}
	return "➖"
}

// classLabel is a classification with its symbol, as the HTML page's badges
// show it (text symbols: they take the badge's colour).
func classLabel(c judge.Classification) string {
	switch c {
	case judge.Failed:
		return "✖ error"
	case judge.High:
		return "▲ high"
	case judge.Low:
		return "▼ low"
	case judge.NoData:
		return "∅ no data"
	case judge.Missing:
		return "⊘ missing"
	case judge.MetricInconclusive:
		return "? inconclusive"
	case judge.Pass:
		return "✔ pass"
	default:
		return string(c)
	}
}

// ScoreText is the report's score as every renderer shows it, or "—" when
// there is none: with verdict error no output carries a score (SPEC §2).
func ScoreText(r *judge.Report) string {
	v, ok := Score(r)
	if !ok {
		return "—"
	}
	return judge.Num(v)
}

// Score is the report's score, and false when it carries none: with verdict
// error no output carries a score (SPEC §2).
func Score(r *judge.Report) (float64, bool) {
	if r.Verdict == judge.Error || r.Score == nil {
		return 0, false
	}
	return *r.Score, true
}
