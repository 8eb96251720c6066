package main

// Fail-closed tests (issue 11, items 13–15 and 18) of a hostile server's
// text: a fake Prometheus on loopback that echoes the credentials it
// receives — in warnings, infos, label names and values and error pages —
// and embeds workflow commands and terminal escapes in them. The built
// binary must write no secret in any form, and no server text that can
// start a workflow command or reach a terminal raw.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/verdict-ci/verdict/judge"
)

// hostileServer answers every range query of the fail-closed config with
// a whole, valid matrix over its window whose warnings, infos and labels
// echo the request's Authorization header (and the base64 in it) between
// injected workflow commands and ANSI escapes. Queries of demo_constant get
// an HTML error page echoing the same, the password across the 160th
// character (where the summary of an error page is cut).
func hostileServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		auth := r.Header.Get("Authorization")
		b64 := strings.TrimPrefix(auth, "Basic ")
		pw := ""
		if raw, err := base64.StdEncoding.DecodeString(b64); err == nil {
			_, pw, _ = strings.Cut(string(raw), ":")
		}
		inject := "\n::error file=main.go,line=1::INJECTED\n::stop-commands::hostile\n\x1b[2J\x1b]0;title\x07\r"
		if strings.Contains(r.Form.Get("query"), "demo_constant") {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><body>%s password %s header %s%s</body></html>", strings.Repeat("padding ", 18), pw, auth, inject)
			return
		}
		var values []string
		for ts := int64(1704067200); ts <= 1704070800; ts += 15 {
			values = append(values, fmt.Sprintf(`[%d,"0.1"]`, ts))
		}
		q := jsonString
		body := fmt.Sprintf(`{"status":"success","warnings":[%s,%s],"infos":[%s],"data":{"resultType":"matrix","result":[{"metric":{"pod":%s,%s:"x"},"values":[%s]}]}}`,
			q("partial"+inject+" echo "+auth), q("b64 "+b64+inject), q("info "+pw+inject), q("pod "+pw+inject), q("lbl"+b64), strings.Join(values, ","))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// jsonString writes s as a JSON string, control characters escaped.
func jsonString(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkServerText fails the test for an output line that holds a secret
// in any form (outside the masks), a terminal escape or carriage return, or
// the injected commands at the start of a line.
func checkServerText(t *testing.T, where string, out []byte, forms []string, masks map[string]bool) {
	t.Helper()
	if bytes.ContainsAny(out, "\x1b\r\x07") {
		t.Errorf("%s: holds a terminal escape, bell or carriage return: %q", where, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if masks[line] {
			continue
		}
		for _, f := range forms {
			if strings.Contains(line, f) {
				t.Errorf("%s: secret form %q appears: %s", where, f, line)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(line), "::error file=main.go") || strings.HasPrefix(strings.TrimSpace(line), "::stop-commands::") {
			t.Errorf("%s: an injected workflow command starts a line: %s", where, line)
		}
	}
}

// TestFailClosedHostileServerText runs judge (every report), record, check
// --online and the GitHub Actions path of the built binary against
// hostileServer with a basic-auth password holding two spaces (so that
// folding white space before scrubbing would let it through) and greps
// every byte written.
func TestFailClosedHostileServerText(t *testing.T) {
	bin := buildVerdict(t)
	srv := hostileServer(t)
	s := newSecrets(t)
	pw := s.password + "  two  spaces"
	passFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passFile, []byte(pw), 0o600); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte("ci:" + pw))
	// Every form: as sent, folded, without the spaces, a fragment (what a cut
	// before scrubbing shows), the basic-auth header's base64 and a part of it.
	forms := []string{pw, strings.Join(strings.Fields(pw), " "), s.password, s.password[:7], b64, b64[:24]}
	cfg := fcConfig(t, srv.URL, promOpts{extra: fmt.Sprintf("basic_auth: {username: ci, password_file: %q}", passFile)})
	reports := func(dir string) []string {
		var args []string
		for _, f := range []string{"json", "markdown", "table", "junit", "html", "dotenv", "openmetrics"} {
			args = append(args, "--report", f+"="+filepath.Join(dir, "reports", "r."+f))
		}
		return args
	}
	scanAll := func(name string, r binRun, dir string) {
		t.Helper()
		checkServerText(t, name+" stdout", r.stdout, forms, nil)
		checkServerText(t, name+" stderr", r.stderr, forms, nil)
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				checkServerText(t, name+" "+filepath.Base(path), readFile(t, path), forms, nil)
			}
			return err
		})
	}

	dir := t.TempDir()
	for _, out := range []string{"table", "markdown", "json"} {
		r := runBin(t, bin, dir, binEnv(t), append([]string{"judge", "-v", "-c", cfg, "--output", out}, reports(dir)...)...)
		if r.code != judge.ExitError || !bytes.Contains(r.stderr, []byte("constant")) {
			t.Fatalf("judge --output %s: exit %d, want 4 (the constant metric's error page)\n%s", out, r.code, r.stderr)
		}
		if out == "json" && (!bytes.Contains(r.stdout, []byte("partial ::error file=main.go,line=1::INJECTED ::stop-commands::hostile [2J]0;title")) ||
			!bytes.Contains(r.stdout, []byte("<secret>"))) {
			t.Errorf("the JSON report lacks the server's warning, on one line and scrubbed:\n%s", r.stdout)
		}
		scanAll("judge --output "+out, r, dir)
	}
	rec := runBin(t, bin, dir, binEnv(t), "record", "-c", cfg, "-o", filepath.Join(dir, "rec.json"))
	if rec.code != judge.ExitError {
		t.Errorf("record: exit %d, want 4", rec.code)
	}
	if b := readFile(t, filepath.Join(dir, "rec.json")); !bytes.Contains(b, []byte(`"pod": "pod \u003csecret\u003e ::error file=main.go`)) {
		t.Errorf("the recording lacks the scrubbed, one-line label:\n%.2000s", b)
	}
	scanAll("record", rec, dir)
	chk := runBin(t, bin, dir, binEnv(t), "check", "--online", "-c", cfg)
	scanAll("check --online", chk, dir)

	ghDir := t.TempDir()
	env := binEnv(t, "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+ghDir,
		"GITHUB_OUTPUT="+filepath.Join(ghDir, "github_output"), "GITHUB_STEP_SUMMARY="+filepath.Join(ghDir, "step_summary"))
	gh := runBin(t, bin, ghDir, env, append([]string{"judge", "-c", cfg}, reports(ghDir)...)...)
	masks := map[string]bool{}
	for _, f := range []string{pw, b64, "Basic " + b64} {
		masks["::add-mask::"+f] = true
	}
	for m := range masks {
		if !bytes.Contains(gh.stderr, []byte(m+"\n")) && !bytes.Contains(gh.stdout, []byte(m+"\n")) {
			t.Errorf("GitHub Actions: no %q line", m)
		}
	}
	checkServerText(t, "github stdout", gh.stdout, forms, masks)
	checkServerText(t, "github stderr", gh.stderr, forms, masks)
	filepath.WalkDir(ghDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			checkServerText(t, "github "+filepath.Base(path), readFile(t, path), forms, nil)
		}
		return err
	})
}

// TestFailClosedRedirectToAnotherHost: the configured server redirects
// every query to another server on loopback (another port). The built
// binary refuses the redirect: exit 4 naming it, and the other server never
// sees a request, so neither X-Scope-OrgID nor the token reach it.
func TestFailClosedRedirectToAnotherHost(t *testing.T) {
	bin := buildVerdict(t)
	var got atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		http.Error(w, "should not be reached", http.StatusTeapot)
	}))
	t.Cleanup(other.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	cfg := fcConfig(t, redirecting.URL, promOpts{retries: 2, extra: "bearer_token_env: PROM_TOKEN, headers: {X-Scope-OrgID: tenant-secret-9}"})
	r := runBin(t, bin, t.TempDir(), binEnv(t, "PROM_TOKEN=tok-secret-9"), "judge", "-c", cfg, "--output", "json")
	if r.code != judge.ExitError || !bytes.Contains(r.stderr, []byte("redirect refused: "+redirecting.URL+" redirects to another server ("+other.URL+")")) {
		t.Fatalf("exit %d, want 4 naming the refused redirect\n%s", r.code, r.stderr)
	}
	if n := got.Load(); n != 0 {
		t.Fatalf("the other server received %d requests", n)
	}
}

// TestFailClosedResponseTooLarge: an answer larger than
// source.prometheus.max_buffered_bytes (here 64 KiB; the default is 256
// MiB) fails its metric as exactly that, not as malformed JSON, and the
// run exits 4. scripts/bench-bigbody.sh measures the peak memory on 300 MB answers.
func TestFailClosedResponseTooLarge(t *testing.T) {
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[`)
		for ts := 1704067200; ts < 1704067200+100000; ts++ { // far more than 64 KiB, streamed
			if ts > 1704067200 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `[%d,"1"]`, ts)
		}
		fmt.Fprint(w, `]}]}}`)
	}))
	t.Cleanup(big.Close)
	r := judgeWithReport(t, fcConfig(t, big.URL, promOpts{retries: 2, extra: "max_buffered_bytes: 65536"}))
	checkFailClosed(t, r, judge.ExitError, fcMetrics, "too large: response larger than 65536 bytes (source.prometheus.max_buffered_bytes)")
	if strings.Contains(r.stderr, "malformed") {
		t.Errorf("reported as malformed:\n%s", r.stderr)
	}
}
