package metrics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/verdict-ci/verdict/config"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain text": "plain text",
		"":           "",
		"partial\n::error file=a.go,line=1::INJECTED\n::stop-commands::x": "partial ::error file=a.go,line=1::INJECTED ::stop-commands::x",
		"\x1b[2J\x1b[31mred\x1b[0m":                                       "[2J[31mred[0m",
		"a\r\nb\tc  d \u2028e\u0085f":                                     "a b c d e f",
		"  lead and trail  ":                                              "lead and trail",
		"rtl \u202egnp.exe\u202c":                                         "rtl gnp.exe",
		"nul\x00 bel\x07 del\x7f c1\u009b":                                "nul bel del c1",
		"bad utf-8 \xff\xfe":                                              "bad utf-8 \uFFFD",
		"ünïcödé ✓":                                                       "ünïcödé ✓",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzOneLine: OneLine's output is one line of valid UTF-8 without control
// characters or leading, trailing or repeated spaces, and OneLine keeps it as it is.
func FuzzOneLine(f *testing.F) {
	f.Add("partial\n::error::x\x1b[2J\r\u202e")
	f.Add("  a  b  ")
	f.Fuzz(func(t *testing.T, s string) {
		got := OneLine(s)
		if !utf8.ValidString(got) || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("OneLine(%q) = %q", s, got)
		}
		for _, r := range got {
			if r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r) || isBidiControl(r)) {
				t.Fatalf("OneLine(%q) = %q holds %U", s, got, r)
			}
		}
		if again := OneLine(got); again != got {
			t.Fatalf("OneLine is not idempotent: %q then %q", got, again)
		}
	})
}

// TestPrometheusServerTextIsScrubbedAndOneLine: every string a server sends
// (warnings, infos, label names and values, error bodies) is stored with the
// credentials scrubbed, scrubbed before it is folded or cut, and on one line
// without control characters.
func TestPrometheusServerTextIsScrubbedAndOneLine(t *testing.T) {
	const pw = "pa  ss\tword-7f3a9c" // white space inside: folding first would hide it from the scrubber
	cfg := config.Prometheus{BasicAuth: &config.BasicAuth{Username: "ci", Password: pw}, Headers: map[string]string{"X-Scope-OrgID": "tenant-42x"}}
	inject := `partial\n::error file=x::INJECTED\n::stop-commands::x\u001b[2J`
	var auth atomic.Value
	echoAll := func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		auth.Store(a)
		b64 := strings.TrimPrefix(a, "Basic ")
		esc := func(s string) string { return strings.ReplaceAll(s, "\t", `\t`) }
		body := fmt.Sprintf(`{"status":"success","warnings":["%s %s","header %s"],"infos":["org %s %s"],"data":{"resultType":"matrix","result":[`+
			`{"metric":{"tok%s":"v %s\n%s","org":"%s"},"values":[[1704067200,"1"]]}]}}`,
			inject, esc(pw), a, r.Header.Get("X-Scope-OrgID"), b64, b64, esc(pw), b64, r.Header.Get("X-Scope-OrgID"))
		reply(200, "application/json", body)(w, r)
	}
	p, _ := fakeSource(t, cfg, echoAll)
	res, err := p.Fetch(context.Background(), testWindow)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := auth.Load().(string)
	secrets := append(p.Secrets(), "pa ss word-7f3a9c", "7f3a9c") // the folded form, and a fragment
	var stored []string
	stored = append(stored, res.Warnings...)
	for _, s := range res.Series {
		for k, v := range s.Labels {
			stored = append(stored, k, v)
		}
	}
	if len(stored) != 7 {
		t.Fatalf("stored %q, want 3 warnings and 2 labels", stored)
	}
	for _, s := range stored {
		for _, sec := range append(secrets, a, strings.TrimPrefix(a, "Basic ")) {
			if strings.Contains(s, sec) {
				t.Errorf("stored %q holds the secret %q", s, sec)
			}
		}
		if strings.ContainsAny(s, "\n\r\x1b\t") || s != "org" && !strings.Contains(s, "<secret>") {
			t.Errorf("stored %q: want one line, no control characters, <secret> in place of the credentials", s)
		}
	}
	if want := "partial ::error file=x::INJECTED ::stop-commands::x[2J <secret>"; res.Warnings[0] != want {
		t.Errorf("warning %q, want %q", res.Warnings[0], want)
	}

	// An error page that echoes the credentials past the summary's cut.
	page := func(w http.ResponseWriter, r *http.Request) {
		reply(502, "text/plain", strings.Repeat("padding ", 18)+"pw "+pw+" auth "+r.Header.Get("Authorization")+
			" org "+r.Header.Get("X-Scope-OrgID")+"\n::error::INJECTED")(w, r)
	}
	p, _ = fakeSource(t, cfg, page)
	_, err = p.Fetch(context.Background(), testWindow)
	msg := queryErr(t, err).Error()
	for _, sec := range append(secrets, a) {
		if strings.Contains(msg, sec) {
			t.Errorf("error %q holds the secret %q", msg, sec)
		}
	}
	if !strings.Contains(msg, "padding pw <secret>") || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want the page's text, the password scrubbed before it was cut, on one line", msg)
	}
}

// TestScrubCutHidesASplitSecret: the first bytes of a long body are
// scrubbed, and a secret the cut split is hidden too.
func TestScrubCutHidesASplitSecret(t *testing.T) {
	p := &Prometheus{secrets: dedupSecrets([]string{"s3cr3t-value"})}
	if got := p.scrubCut("text s3cr3t-value more s3cr3t-v"); got != "text <secret> more <secret>" {
		t.Errorf("scrubCut = %q", got)
	}
	if got := p.scrubCut("ends with s3"); got != "ends with s3" {
		t.Errorf("scrubCut of a two-byte tail = %q, want it left (too short to be told from text)", got)
	}
}

// TestPrometheusRefusesRedirectsToAnotherServer: a redirect to another
// host or port, or from https to http, is refused before anything reaches
// the other server; a redirect on the same server is followed.
func TestPrometheusRefusesRedirectsToAnotherServer(t *testing.T) {
	var other atomic.Int32
	var otherHeaders atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		otherHeaders.Store(r.Header.Clone())
		reply(200, "application/json", okMatrix)(w, r)
	}))
	t.Cleanup(elsewhere.Close)
	cfg := config.Prometheus{Headers: map[string]string{"X-Scope-OrgID": "team-secret-org"}, BearerTokenEnv: "VERDICT_TEST_PROM_TOKEN"}

	t.Run("to another port", func(t *testing.T) {
		p, f := fakeSource(t, cfg, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
		})
		_, err := p.Fetch(context.Background(), testWindow)
		qe := queryErr(t, err)
		if qe.Kind != "redirect" || !strings.Contains(qe.Msg, "redirects to another server (http://"+strings.TrimPrefix(elsewhere.URL, "http://")+")") || f.calls.Load() != 1 {
			t.Fatalf("error %v after %d requests; want one unretried redirect error naming the other server", err, f.calls.Load())
		}
		if n := other.Load(); n != 0 {
			h, _ := otherHeaders.Load().(http.Header)
			t.Fatalf("the other server got %d requests (X-Scope-OrgID %q)", n, h.Get("X-Scope-OrgID"))
		}
	})
	t.Run("on the same server", func(t *testing.T) {
		p, f := fakeSource(t, cfg, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/prefix"+r.URL.Path, http.StatusTemporaryRedirect)
		}, reply(200, "application/json", okMatrix))
		if res, err := p.Fetch(context.Background(), testWindow); err != nil || len(res.Series) != 1 || f.calls.Load() != 2 {
			t.Fatalf("result %+v, error %v, %d requests; want the redirect followed", res, err, f.calls.Load())
		}
	})
	t.Run("from https to http", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+r.URL.Path, http.StatusTemporaryRedirect)
		}))
		t.Cleanup(tlsSrv.Close)
		c := cfg
		c.URL, c.TLS = tlsSrv.URL, &config.TLS{InsecureSkipVerify: true}
		p, err := NewPrometheus(c, WithGetenv(testGetenv))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Fetch(context.Background(), testWindow)
		if qe := queryErr(t, err); qe.Kind != "redirect" || !strings.Contains(qe.Msg, "from https to plain http") {
			t.Fatalf("error %v; want a refused downgrade", err)
		}
	})
}
