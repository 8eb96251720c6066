package main

// Fail-closed tests of the built binary: signals, determinism across
// GOMAXPROCS, and secrets in every byte the process writes.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/faultproxy"
	"github.com/verdict-ci/verdict/internal/promtest"
	"github.com/verdict-ci/verdict/judge"
)

// binEnv is a clean environment for the binary (nothing from a CI runner
// the tests may run in) plus extra.
func binEnv(t *testing.T, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
}

// binRun is one finished run of the binary.
type binRun struct {
	code           int
	stdout, stderr []byte
}

// runBin runs the binary in dir and waits for it.
func runBin(t *testing.T, bin, dir string, env []string, args ...string) binRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %s: %v", bin, err)
	}
	return binRun{code: cmd.ProcessState.ExitCode(), stdout: out.Bytes(), stderr: errb.Bytes()}
}

// waitFor polls cond until it holds or 2 minutes pass: a failsafe against a
// hung test, not a speed check (cond holds within milliseconds normally, and
// minutes leave room for any load the machine is under).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestFailClosedSignals cancels a running judge the way a cancelled CI job
// does. Whether its queries hang in flight or wait between retries, the
// process stops them and exits with 4, its JSON on stdout and in the report
// saying error (cancelled), never promote. What shows that the signal was
// honoured is what the process says, not how fast it says it: a run that
// ignored the signal would end by a query timeout (10 minutes) or by
// running out of retries, and say so. The test waits for the exit at most
// 2 minutes, a failsafe against a hung test, not a speed check: an honoured
// signal ends the run in well under a second even on a loaded machine
// (the time is logged).
func TestFailClosedSignals(t *testing.T) {
	bin := buildVerdict(t)
	srv := promtest.Start(t, fixture)
	cases := []struct {
		name    string
		sig     syscall.Signal
		fault   faultproxy.Fault
		retries int
		ready   func(p *faultproxy.Proxy) bool
	}{
		{"SIGINT while every query hangs", syscall.SIGINT, faultproxy.Fault{Action: faultproxy.Hang}, 3,
			func(p *faultproxy.Proxy) bool { return len(p.Requests()) == 2*len(fcMetrics) }},
		{"SIGTERM while every query hangs", syscall.SIGTERM, faultproxy.Fault{Action: faultproxy.Hang}, 3,
			func(p *faultproxy.Proxy) bool { return len(p.Requests()) == 2*len(fcMetrics) }},
		{"SIGTERM between retries", syscall.SIGTERM, faultproxy.Fault{Action: faultproxy.Respond, Status: 503, Body: "busy"}, 20,
			func(p *faultproxy.Proxy) bool { return len(p.Requests()) >= 3*2*len(fcMetrics) }},
		{"SIGINT while some queries hang and others are done", syscall.SIGINT, faultproxy.Fault{Match: matchConstant, Action: faultproxy.Hang}, 3,
			func(p *faultproxy.Proxy) bool { return len(p.Requests()) == 2*len(fcMetrics) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := fcProxy(t, srv.URL)
			p.Inject(c.fault)
			dir := t.TempDir()
			cfg := fcConfig(t, p.URL, promOpts{timeout: "10m", retries: c.retries})
			cmd := exec.Command(bin, "judge", "-c", cfg, "--output", "json", "--report", "json=report.json")
			cmd.Dir, cmd.Env = dir, binEnv(t)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			waitFor(t, "the queries to be in flight", func() bool { return c.ready(p) })
			sent := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 2 minutes after %s\nstderr:\n%s", c.sig, errb.String())
			}
			t.Logf("exited %s after %s", time.Since(sent).Round(time.Millisecond), c.sig)
			if code := cmd.ProcessState.ExitCode(); code != judge.ExitError {
				t.Errorf("exit %d, want 4\nstderr:\n%s", code, errb.String())
			}
			for name, b := range map[string][]byte{"stdout": out.Bytes(), "report.json": readFile(t, filepath.Join(dir, "report.json"))} {
				var rep fcReport
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, b)
				}
				if rep.Verdict != "error" || !strings.Contains(rep.Reason, "cancel") {
					t.Errorf("%s: verdict %q, reason %q; want error, cancelled", name, rep.Verdict, rep.Reason)
				}
			}
			if !strings.Contains(errb.String(), "canceled") {
				t.Errorf("stderr does not say the queries were cancelled:\n%s", errb.String())
			}
		})
	}
}

// TestFailClosedDeterminism judges the checkout recording 20 times at each
// of GOMAXPROCS 1, 2 and 8 in separate processes: the JSON is the golden
// file byte for byte every time, and so is every other report format
// (compared with the first run's).
func TestFailClosedDeterminism(t *testing.T) {
	bin := buildVerdict(t)
	golden := readFile(t, filepath.Join("testdata", "checkout.golden.json"))
	cfg, err := filepath.Abs(checkout)
	if err != nil {
		t.Fatal(err)
	}
	formats := []string{"markdown", "table", "junit", "html", "dotenv", "openmetrics"}
	type result struct {
		procs string
		run   int
		files map[string][]byte
		code  int
		err   string
	}
	var jobs []result
	for _, procs := range []string{"1", "2", "8"} {
		for i := 0; i < 20; i++ {
			jobs = append(jobs, result{procs: procs, run: i})
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for j := range jobs {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := t.TempDir()
			args := []string{"judge", "-c", cfg, "--output", "json"}
			if r.run < 2 { // every format, twice per GOMAXPROCS
				for _, f := range formats {
					args = append(args, "--report", f+"="+f)
				}
			}
			res := runBin(t, bin, dir, binEnv(t, "GOMAXPROCS="+r.procs), args...)
			r.code, r.err = res.code, string(res.stderr)
			r.files = map[string][]byte{"json": res.stdout}
			if r.run < 2 {
				for _, f := range formats {
					b, err := os.ReadFile(filepath.Join(dir, f))
					if err != nil {
						r.err += err.Error()
					}
					r.files[f] = b
				}
			}
		}(&jobs[j])
	}
	wg.Wait()
	first := jobs[0].files
	for _, r := range jobs {
		if r.code != judge.ExitAbort || r.err != "" {
			t.Fatalf("GOMAXPROCS=%s run %d: exit %d: %s", r.procs, r.run, r.code, r.err)
		}
		if !bytes.Equal(r.files["json"], golden) {
			t.Errorf("GOMAXPROCS=%s run %d: JSON differs from testdata/checkout.golden.json", r.procs, r.run)
		}
		for f, b := range r.files {
			if f != "json" && !bytes.Equal(b, first[f]) {
				t.Errorf("GOMAXPROCS=%s run %d: the %s report differs from the first run's", r.procs, r.run, f)
			}
		}
	}
}

// secretSet is one test's credentials, random so that no other text holds them.
type secretSet struct {
	token, password, header, urlPassword string
}

func newSecrets(t *testing.T) secretSet {
	t.Helper()
	r := func(prefix string) string {
		b := make([]byte, 8)
		rand.Read(b)
		return prefix + hex.EncodeToString(b)
	}
	return secretSet{token: r("tok-"), password: r("pw-"), header: r("hdr-"), urlPassword: r("urlpw-")}
}

// forbidden is every form of the secrets that must never be written: the
// values and the base64 of a basic-auth header holding one.
func forbidden(secrets []string) []string {
	var out []string
	for _, v := range secrets {
		out = append(out, v, base64.StdEncoding.EncodeToString([]byte("ci:"+v)))
	}
	return out
}

// scanSecrets fails the test for every secret in out, except in the
// ::add-mask:: lines in masks.
func scanSecrets(t *testing.T, where string, out []byte, secrets []string, masks map[string]bool) {
	t.Helper()
	for _, line := range strings.Split(string(out), "\n") {
		if masks[line] {
			continue
		}
		for _, v := range forbidden(secrets) {
			if strings.Contains(line, v) {
				t.Errorf("%s: secret %s appears: %s", where, v, line)
			}
		}
	}
}

// scanDir scans every file under dir.
func scanDir(t *testing.T, dir string, s []string, masks map[string]bool) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		scanSecrets(t, path, readFile(t, path), s, masks)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailClosedSecrets sets a bearer token, a basic-auth password, a
// header value and a password in the URL, checks that they reach the server
// (so the test means something), then runs the binary's every path — a
// promote, a failure whose server errors echo the secrets, record, check
// --online, GitHub Actions publishing, and a goroutine dump (SIGQUIT, as a
// crash would print) — and greps every byte written: stdout, stderr, every
// report format, the recording and the runner's files. Under GitHub Actions
// the masks come first and are the only place a secret appears.
func TestFailClosedSecrets(t *testing.T) {
	bin := buildVerdict(t)
	srv := promtest.Start(t, fixture)
	s := newSecrets(t)
	secretDir := t.TempDir()
	tokenFile := filepath.Join(secretDir, "token")
	passFile := filepath.Join(secretDir, "password")
	if err := os.WriteFile(tokenFile, []byte(s.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passFile, []byte(s.password), 0o600); err != nil {
		t.Fatal(err)
	}
	echo := fmt.Sprintf("token %s password %s org %s url %s rejected", s.token, s.password, s.header, s.urlPassword)
	echoFaults := []faultproxy.Fault{
		{Match: matchConstant, Action: faultproxy.Respond, Status: 500, Header: jsonHeader(),
			Body: `{"status":"error","errorType":"internal","error":"` + echo + `"}`},
		{Match: matchLatencyCanary, Action: faultproxy.Respond, Status: 401, Header: map[string]string{"Content-Type": "text/html"},
			Body: "<html><head><title>401 " + echo + "</title></head></html>"},
	}
	allReports := func(dir string) []string {
		var args []string
		for _, f := range []string{"json", "markdown", "table", "junit", "html", "dotenv", "openmetrics"} {
			args = append(args, "--report", f+"="+filepath.Join(dir, "reports", "r."+f))
		}
		return args
	}
	configs := []struct {
		name    string
		extra   string
		url     func(p *faultproxy.Proxy) string
		env     []string
		secrets []string // the ones this config uses
		// sent checks the request headers the server received.
		sent func(r faultproxy.Request) bool
	}{
		{"bearer token file and header", fmt.Sprintf("bearer_token_file: %q, headers: {X-Scope-OrgID: %q}", tokenFile, s.header), nil, nil, []string{s.token, s.header},
			func(r faultproxy.Request) bool {
				return r.Header.Get("Authorization") == "Bearer "+s.token && r.Header.Get("X-Scope-OrgID") == s.header
			}},
		{"bearer token variable", "bearer_token_env: PROM_TOKEN", nil, []string{"PROM_TOKEN=" + s.token}, []string{s.token},
			func(r faultproxy.Request) bool { return r.Header.Get("Authorization") == "Bearer "+s.token }},
		{"basic auth password file and header", fmt.Sprintf("basic_auth: {username: ci, password_file: %q}, headers: {X-Scope-OrgID: %q}", passFile, s.header), nil, nil, []string{s.password, s.header},
			func(r faultproxy.Request) bool {
				return r.Header.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+s.password)) && r.Header.Get("X-Scope-OrgID") == s.header
			}},
		{"basic auth password inline", fmt.Sprintf("basic_auth: {username: ci, password: %q}", s.password), nil, nil, []string{s.password},
			func(r faultproxy.Request) bool {
				return r.Header.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+s.password))
			}},
		{"password in the URL", "", func(p *faultproxy.Proxy) string {
			return strings.Replace(p.URL, "http://", "http://ci:"+s.urlPassword+"@", 1)
		}, nil, []string{s.urlPassword},
			func(r faultproxy.Request) bool {
				return r.Header.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+s.urlPassword))
			}},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			p := fcProxy(t, srv.URL)
			url := p.URL
			if c.url != nil {
				url = c.url(p)
			}
			cfg := fcConfig(t, url, promOpts{retries: 1, extra: c.extra})
			env := binEnv(t, c.env...)
			// scan checks one run's streams and files.
			scan := func(name string, r binRun, dir string, masks map[string]bool) {
				t.Helper()
				scanSecrets(t, name+" stdout", r.stdout, c.secrets, masks)
				scanSecrets(t, name+" stderr", r.stderr, c.secrets, masks)
				scanDir(t, dir, c.secrets, masks)
			}

			t.Run("promote with every report", func(t *testing.T) {
				dir := t.TempDir()
				for _, out := range []string{"table", "markdown", "json"} {
					r := runBin(t, bin, dir, env, append([]string{"judge", "-c", cfg, "--output", out}, allReports(dir)...)...)
					if r.code != judge.ExitPromote {
						t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
					}
					scan("judge --output "+out, r, dir, nil)
				}
				if n := scanDir(t, dir, c.secrets, nil); n != 7 {
					t.Errorf("%d report files, want 7", n)
				}
			})
			t.Run("server errors that echo the secrets", func(t *testing.T) {
				p.Clear()
				p.Inject(echoFaults...)
				dir := t.TempDir()
				r := runBin(t, bin, dir, env, append([]string{"judge", "-v", "-c", cfg, "--output", "markdown"}, allReports(dir)...)...)
				if r.code != judge.ExitError {
					t.Fatalf("exit %d, want 4\n%s", r.code, r.stderr)
				}
				if !bytes.Contains(r.stderr, []byte("<secret>")) || !bytes.Contains(r.stderr, []byte(`level=INFO msg="prometheus query failed, retrying"`)) {
					t.Errorf("stderr shows neither a scrubbed echo nor a retry warning:\n%s", r.stderr)
				}
				scan("judge", r, dir, nil)
				rec := runBin(t, bin, dir, env, "record", "-v", "-c", cfg, "-o", filepath.Join(dir, "rec.json"))
				if rec.code != judge.ExitError {
					t.Errorf("record: exit %d, want 4", rec.code)
				}
				scan("record", rec, dir, nil)
				chk := runBin(t, bin, dir, env, "check", "-v", "--online", "-c", cfg)
				if chk.code != judge.ExitError {
					t.Errorf("check --online: exit %d, want 4", chk.code)
				}
				scan("check --online", chk, dir, nil)
			})
			t.Run("github actions", func(t *testing.T) {
				p.Clear()
				p.Inject(echoFaults...)
				dir := t.TempDir()
				ghEnv := append(env, "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+dir,
					"GITHUB_OUTPUT="+filepath.Join(dir, "github_output"), "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "step_summary"))
				cmd := exec.Command(bin, append([]string{"judge", "-v", "-c", cfg}, allReports(dir)...)...)
				cmd.Dir, cmd.Env = dir, ghEnv
				var log bytes.Buffer
				cmd.Stdout, cmd.Stderr = &log, &log // one stream, in the order written, as a runner's log
				cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != judge.ExitError {
					t.Fatalf("exit %d, want 4\n%s", code, log.String())
				}
				// Each secret and the header values it is sent as (Bearer, Basic
				// and its base64) may be masked; every secret must be, first.
				masks := map[string]bool{}
				for _, v := range c.secrets {
					b64 := base64.StdEncoding.EncodeToString([]byte("ci:" + v))
					for _, f := range []string{v, "Bearer " + v, b64, "Basic " + b64} {
						masks["::add-mask::"+f] = true
					}
				}
				lines := strings.Split(log.String(), "\n")
				n := 0
				for n < len(lines) && strings.HasPrefix(lines[n], "::add-mask::") {
					if !masks[lines[n]] {
						t.Errorf("line %d of the log masks something else: %q", n+1, lines[n])
					}
					n++
				}
				for _, v := range c.secrets {
					if !slices.Contains(lines[:n], "::add-mask::"+v) {
						t.Fatalf("the %d secrets must be masked before anything else is printed; the log begins:\n%s", len(c.secrets), strings.Join(lines[:min(n+1, len(lines))], "\n"))
					}
				}
				scanSecrets(t, "runner log", log.Bytes(), c.secrets, masks)
				if n := scanDir(t, dir, c.secrets, nil); n != 9 {
					t.Errorf("%d files (7 reports, GITHUB_OUTPUT, step summary), want 9", n)
				}
			})
			t.Run("goroutine dump", func(t *testing.T) {
				p.Clear()
				p.Inject(faultproxy.Fault{Action: faultproxy.Hang})
				cmd := exec.Command(bin, "judge", "-c", cfg)
				cmd.Env = append(env, "GOTRACEBACK=all")
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				before := len(p.Requests())
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the queries to hang", func() bool { return len(p.Requests())-before >= 2*len(fcMetrics) })
				cmd.Process.Signal(syscall.SIGQUIT)
				cmd.Wait()
				if !strings.Contains(errb.String(), "goroutine ") || !strings.Contains(errb.String(), "SIGQUIT") {
					t.Fatalf("no goroutine dump on stderr:\n%s", errb.String())
				}
				scanSecrets(t, "goroutine dump", errb.Bytes(), c.secrets, nil)
				scanSecrets(t, "stdout", out.Bytes(), c.secrets, nil)
			})
			reqs := p.Requests()
			if len(reqs) == 0 || !c.sent(reqs[0]) {
				t.Errorf("the server did not receive the credentials: %v", reqs[0].Header)
			}
		})
	}
}
