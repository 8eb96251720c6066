package main

// The attack battery of issue 11 ("Done when"): one table of hostile
// servers, configs, recordings and CI inputs, each run through the built
// binary — `verdict judge` with every report format, `verdict
// github-action` with the runner's files, and `check --online` or `record`
// where the attack is about them — and every run held to the same rules:
// the exit code is the one SPEC §2 names (never 0 on bad data), no byte
// written anywhere holds a credential in any form, no line of stdout or
// stderr starts a workflow command verdict did not write itself or holds
// an escape or carriage return, and every output says error, with no
// score, when the exit code is 4. Independent of the per-item tests: its
// own fake server and configs.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// batteryStart is the battery window's start; it ends 18 steps of 60 s
// later, so each side has 19 points.
const batteryStart = 1704067200

// side is which scope a query is for.
func side(query string) string {
	switch {
	case strings.Contains(query, `version="v1"`):
		return "baseline"
	case strings.Contains(query, `version="v2"`):
		return "canary"
	}
	return "other"
}

// bseries is one series of an answer.
type bseries struct {
	labels string // JSON object
	ts     []int64
	vals   []float64
}

func (s bseries) json() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"metric":%s,"values":[`, s.labels)
	for i, t := range s.ts {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `[%d,"%s"]`, t, strconv.FormatFloat(s.vals[i], 'g', -1, 64))
	}
	b.WriteString("]}")
	return b.String()
}

// healthySeries is a side's series of a metric over the whole window: 19 values
// of a seeded generator around level, the same distribution on both sides.
func healthySeries(metric, sd string, level float64) bseries {
	seed := uint64(len(metric)*7919 + len(sd))
	s := bseries{labels: fmt.Sprintf(`{"__name__":%q,"version":%q,"pod":"p1"}`, metric, map[string]string{"baseline": "v1", "canary": "v2"}[sd])}
	for i := 0; i < 19; i++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		u := float64(seed>>11) / (1 << 53)
		s.ts = append(s.ts, batteryStart+60*int64(i))
		s.vals = append(s.vals, level*(1+0.1*(u-0.5)))
	}
	return s
}

// answer is a success body with extra top-level members (`"warnings":[…],`).
func answer(extra string, series ...bseries) string {
	var parts []string
	for _, s := range series {
		parts = append(parts, s.json())
	}
	return `{"status":"success",` + extra + `"data":{"resultType":"matrix","result":[` + strings.Join(parts, ",") + `]}}`
}

// metricOf is the metric a query is for.
func metricOf(query string) string {
	if strings.Contains(query, "errors_ratio") {
		return "errors_ratio"
	}
	return "latency_seconds"
}

// attackReq is what the battery's server knows of a request.
type attackReq struct {
	side, metric string
	auth         string // the Authorization header
	password     string // decoded from a basic-auth header
	r            *http.Request
}

// serveFunc answers one range query: status, body (HTML when it starts with <).
type serveFunc func(q attackReq) (int, string)

// serveHealthy answers both sides with healthy series.
func serveHealthy(q attackReq) (int, string) {
	return 200, answer("", healthySeries(q.metric, q.side, 0.2))
}

// batteryServer serves f; it counts requests, and those that carried the
// battery's credentials (so that a clean scan means something).
func batteryServer(t *testing.T, f serveFunc) (*httptest.Server, *atomic.Int32) {
	srv, n, _ := batteryServerCreds(t, f, batteryCreds{})
	return srv, n
}

func batteryServerCreds(t *testing.T, f serveFunc, c batteryCreds) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var n, withCreds atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		r.ParseForm()
		q := attackReq{side: side(r.Form.Get("query")), metric: metricOf(r.Form.Get("query")), auth: r.Header.Get("Authorization"), r: r}
		if raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(q.auth, "Basic ")); err == nil {
			_, q.password, _ = strings.Cut(string(raw), ":")
		}
		if c.password != "" && q.password == c.password && r.Header.Get("X-Scope-OrgID") == c.header {
			withCreds.Add(1)
		}
		if f == nil {
			f = serveHealthy
		}
		status, body := f(q)
		if strings.HasPrefix(body, "<") {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &withCreds
}

// batteryCreds are the credentials every battery config sends: a basic-auth
// password with two inner double spaces (so folding white space before
// scrubbing shows) and a custom header value.
type batteryCreds struct {
	password, header, token, passFile string
}

// forms are every form of the credentials that must never be written.
func (c batteryCreds) forms() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte("ci:" + c.password))
	core, _, _ := strings.Cut(c.password, " ")
	return []string{c.password, strings.Join(strings.Fields(c.password), " "), core, core[:10],
		b64, b64[:24], "Basic " + b64, c.header, c.token, "Bearer " + c.token}
}

// batteryConfig is the battery's config for url; auth replaces the basic
// auth; groups, scopes and extra keys vary by attack.
type batteryConfig struct {
	auth, prom, window, canaryScope, groups, extraMetric string
}

func (b batteryConfig) write(t *testing.T, dir, url string, c batteryCreds) string {
	t.Helper()
	if b.auth == "" {
		b.auth = fmt.Sprintf("basic_auth: {username: ci, password_file: %q}", c.passFile)
	}
	if b.window == "" {
		b.window = "{end: 2024-01-01T00:18:00Z, duration: 18m, step: 60s}"
	}
	if b.canaryScope == "" {
		b.canaryScope = `version="v2"`
	}
	if b.groups == "" {
		b.groups = "{latency: {weight: 60}, errors: {weight: 40}}"
	}
	src := fmt.Sprintf("prometheus: {url: %q, timeout: 5s, retries: 0, %s, headers: {X-Scope-OrgID: %q}%s}", url, b.auth, c.header, b.prom)
	if strings.HasPrefix(url, "recording:") {
		src = "recording: " + strings.TrimPrefix(url, "recording:")
	}
	cfg := fmt.Sprintf(`version: 1
source:
  %s
window: %s
baseline: {scope: 'version="v1"'}
canary:   {scope: '%s'}
metrics:
  - name: latency
    query: 'latency_seconds{ {{ .Scope }} }'
    group: latency
    fail_on: increase
    critical: true
  - name: errors
    query: 'errors_ratio{ {{ .Scope }} }'
    group: errors
    fail_on: increase
%sgroups: %s
`, src, b.window, b.canaryScope, b.extraMetric, b.groups)
	p := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// injection is server text that would start workflow commands, stop
// verdict's own, and drive a terminal, were it printed raw.
const injection = "note\n::error file=injected.go,line=1::INJECTED\n::stop-commands::battery\n\x1b[2J\x1b]0;title\x07\r::warning::INJECTED"

// ownCommands are the workflow commands verdict itself writes (through
// go-githubactions: AddMask, Group, EndGroup, Errorf, Warningf, Noticef).
var ownCommands = []string{"::add-mask::", "::group::", "::endgroup::", "::error::", "::error ", "::warning::", "::warning ", "::notice::", "::notice ", "::debug::"}

// attack is one row of the battery.
type attack struct {
	item  int    // issue 11's item
	name  string // what the attack does
	serve serveFunc
	cfg   batteryConfig
	env   []string // extra environment for every run
	// cmd is what runs: "judge" (judge and github-action), "check" (check
	// --online), "recording" (record healthy data, judge it for other scopes)
	// or "redirect".
	cmd  string
	want int // the exit code SPEC §2 names
	// bad says the data is bad: the exit must not be 0.
	bad bool
	// stderr is text stderr of the judge must hold.
	stderr string
	// after checks more of a judge run: its directory and result.
	after func(t *testing.T, dir string, r binRun)
}

// dropAfter keeps the canary's first n points (it crashed).
func dropAfter(n int) serveFunc {
	return func(q attackReq) (int, string) {
		s := healthySeries(q.metric, q.side, 0.2)
		if q.side == "canary" {
			s.ts, s.vals = s.ts[:n], s.vals[:n]
		}
		return 200, answer("", s)
	}
}

// threePoints is a side's first 3 healthy points.
func threePoints(q attackReq) bseries {
	s := healthySeries(q.metric, q.side, 0.2)
	s.ts, s.vals = s.ts[:3], s.vals[:3]
	return s
}

func batteryAttacks(c batteryCreds) []attack {
	echo := func(q attackReq) string {
		return fmt.Sprintf("auth %s password %s org %s", q.auth, q.password, q.r.Header.Get("X-Scope-OrgID"))
	}
	return []attack{
		{item: 0, name: "control: healthy data promotes", cmd: "judge", want: judge.ExitPromote},
		{item: 1, name: "Thanos partial response warning", cmd: "judge", want: judge.ExitError, bad: true, stderr: "partial response",
			serve: func(q attackReq) (int, string) {
				return 200, answer(`"warnings":["partial response: store 10.0.0.3:10901 unavailable"],`, healthySeries(q.metric, q.side, 0.2))
			}},
		{item: 1, name: "VictoriaMetrics isPartial", cmd: "judge", want: judge.ExitError, bad: true, stderr: "isPartial",
			serve: func(q attackReq) (int, string) {
				return 200, answer(`"isPartial":true,`, healthySeries(q.metric, q.side, 0.2))
			}},
		{item: 1, name: "check --online on a partial answer", cmd: "check", want: judge.ExitError, bad: true, stderr: "partial",
			serve: func(q attackReq) (int, string) {
				return 200, answer(`"isPartial":true,`, healthySeries(q.metric, q.side, 0.2))
			}},
		{item: 2, name: "window ending in the future", cmd: "judge", want: judge.ExitUsage, bad: true, stderr: "future",
			cfg: batteryConfig{window: fmt.Sprintf("{end: %s, duration: 18m, step: 60s}", time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))}},
		{item: 3, name: "crashed canary: 11 of 19 points", cmd: "judge", want: judge.ExitAbort, bad: true, stderr: "missing", serve: dropAfter(11)},
		{item: 3, name: "canary stops in the last fifth: 16 of 19 points", cmd: "judge", want: judge.ExitAbort, bad: true, serve: dropAfter(16)},
		{item: 3, name: "check --online on a crashed canary", cmd: "check", want: judge.ExitInconclusive, bad: true, serve: dropAfter(11)},
		{item: 4, name: "canary without data, baseline with data", cmd: "judge", want: judge.ExitAbort, bad: true,
			serve: func(q attackReq) (int, string) {
				if q.side == "canary" {
					return 200, answer("")
				}
				return serveHealthy(q)
			}},
		{item: 4, name: "no data on both sides with must_have_data never aborts", cmd: "judge", want: judge.ExitInconclusive, bad: true,
			cfg:   batteryConfig{extraMetric: "    must_have_data: true\n"},
			serve: func(q attackReq) (int, string) { return 200, answer("") }},
		{item: 5, name: "repeated timestamps: 3 points x 100 copies", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				s := threePoints(q)
				if q.side == "canary" {
					var d bseries
					d.labels = s.labels
					for i := range s.ts {
						for k := 0; k < 100; k++ {
							d.ts, d.vals = append(d.ts, s.ts[i]), append(d.vals, s.vals[i])
						}
					}
					s = d
				}
				return 200, answer("", s)
			}},
		{item: 5, name: "the same label set 100 times", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				s := threePoints(q)
				if q.side != "canary" {
					return 200, answer("", s)
				}
				var copies []bseries
				for k := 0; k < 100; k++ {
					copies = append(copies, s)
				}
				return 200, answer("", copies...)
			}},
		{item: 6, name: "timestamps from 1999", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				s := healthySeries(q.metric, q.side, 0.2)
				if q.side == "canary" {
					for i := range s.ts {
						s.ts[i] -= batteryStart - 915148800
					}
				}
				return 200, answer("", s)
			}},
		{item: 7, name: "overlapping scopes: the canary query returns the baseline's series", cmd: "judge", want: judge.ExitError, bad: true,
			cfg: batteryConfig{canaryScope: `version=~"v1|v2"`},
			serve: func(q attackReq) (int, string) {
				return 200, answer("", healthySeries(q.metric, "baseline", 0.2))
			}},
		{item: 8, name: "a recording made for other scopes", cmd: "recording", want: judge.ExitError, bad: true},
		{item: 9, name: "group weights 1e307", cmd: "judge", want: judge.ExitAbort,
			cfg: batteryConfig{groups: "{latency: {weight: 1e307}, errors: {weight: 1e307}}"},
			serve: func(q attackReq) (int, string) {
				if q.metric == "errors_ratio" && q.side == "canary" {
					return 200, answer("", healthySeries(q.metric, q.side, 0.4)) // twice the baseline's: errors is high
				}
				return serveHealthy(q)
			},
			after: func(t *testing.T, dir string, r binRun) {
				var rep struct{ Score *float64 }
				if err := json.Unmarshal(readFile(t, filepath.Join(dir, "reports", "r.json")), &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Score == nil || math.IsInf(*rep.Score, 0) || math.IsNaN(*rep.Score) || math.Abs(*rep.Score-50) > 1e-9 {
					t.Errorf("score %v, want 50 (weights normalised by their sum)", rep.Score)
				}
			}},
		{item: 10, name: "a report that cannot be written", cmd: "judge", want: judge.ExitError, stderr: "blocker/r.html",
			env: []string{"VERDICT_BATTERY_UNWRITABLE=1"}},
		{item: 11, name: "VERDICT_SCORING_PASS=0 is named", cmd: "judge", want: judge.ExitPromote, stderr: "VERDICT_SCORING_PASS",
			env: []string{"VERDICT_SCORING_PASS=0", "VERDICT_SCORING_MARGINAL=0"},
			after: func(t *testing.T, dir string, r binRun) {
				b := readFile(t, filepath.Join(dir, "reports", "r.json"))
				var rep struct{ Overrides []any }
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatal(err)
				}
				o, _ := json.Marshal(rep.Overrides)
				if !bytes.Contains(o, []byte("scoring.pass")) || !bytes.Contains(o, []byte("VERDICT_SCORING_PASS")) {
					t.Errorf("JSON overrides %s do not name scoring.pass from VERDICT_SCORING_PASS", o)
				}
			}},
		{item: 12, name: "check --online: the canary scope matches no series", cmd: "check", want: judge.ExitInconclusive, bad: true, stderr: "matches no series",
			serve: func(q attackReq) (int, string) {
				if q.side == "canary" {
					return 200, answer("")
				}
				return serveHealthy(q)
			}},
		{item: 13, name: "basic auth echoed in an error body", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				return 500, `{"status":"error","errorType":"internal","error":"rejected ` + echo(q) + `"}`
			}},
		{item: 14, name: "secrets in warnings, infos and label values", cmd: "judge", want: judge.ExitPromote,
			serve: func(q attackReq) (int, string) {
				s := healthySeries(q.metric, q.side, 0.2)
				s.labels = fmt.Sprintf(`{"version":%q,"pod":%s,"b64":%s}`, map[string]string{"baseline": "v1", "canary": "v2"}[q.side],
					jsonString("pod "+q.password), jsonString(strings.TrimPrefix(q.auth, "Basic ")))
				return 200, answer(fmt.Sprintf(`"warnings":[%s],"infos":[%s],`, jsonString("note "+echo(q)), jsonString("info "+q.password)), s)
			}},
		{item: 15, name: "a secret after 160 characters of an HTML error page", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				return 502, "<html><body>" + strings.Repeat("padding ", 21) + echo(q) + "</body></html>"
			}},
		{item: 16, name: "a redirect to another host with X-Scope-OrgID", cmd: "redirect", want: judge.ExitError, bad: true, stderr: "redirect refused"},
		{item: 17, name: "a password in the action's prometheus-url", cmd: "urlpassword", want: judge.ExitPromote},
		{item: 18, name: "workflow commands and escapes in a warning", cmd: "judge", want: judge.ExitPromote,
			after: func(t *testing.T, dir string, r binRun) {
				if !bytes.Contains(r.stdout, []byte("::error file=injected.go,line=1::INJECTED")) {
					t.Errorf("the server's warning does not reach the JSON, so the test means nothing:\n%.2000s", r.stdout)
				}
			},
			serve: func(q attackReq) (int, string) {
				return 200, answer(`"warnings":[`+jsonString(injection)+`],"infos":[`+jsonString(injection)+`],`, healthySeries(q.metric, q.side, 0.2))
			}},
		{item: 18, name: "workflow commands and escapes in a partial warning", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				return 200, answer(`"warnings":[`+jsonString("partial response: "+injection)+`],`, healthySeries(q.metric, q.side, 0.2))
			}},
		{item: 18, name: "workflow commands in an error page", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) { return 503, "<html>" + injection + "</html>" }},
		{item: 19, name: "shell in the dotenv's reason", cmd: "judge", want: judge.ExitError, bad: true,
			serve: func(q attackReq) (int, string) {
				return 500, `{"status":"error","errorType":"internal","error":"x $(touch pwned1) ; touch pwned2 ` + "`touch pwned3`" + ` ' \" \\"}`
			},
			after: checkDotenvReadLoop},
		{item: 20, name: "an answer larger than max_buffered_bytes", cmd: "judge", want: judge.ExitError, bad: true, stderr: "response larger than 65536 bytes",
			cfg: batteryConfig{prom: ", max_buffered_bytes: 65536"},
			serve: func(q attackReq) (int, string) {
				s := healthySeries(q.metric, q.side, 0.2)
				s.labels = fmt.Sprintf(`{"version":%q,"pad":%q}`, q.side, strings.Repeat("x", 100000))
				return 200, answer("", s)
			}},
	}
}

// checkDotenvReadLoop reads the dotenv report with the loop docs/ci.md
// recommends, in sh, in the report's directory: nothing in it runs.
func checkDotenvReadLoop(t *testing.T, dir string, r binRun) {
	t.Helper()
	doc := string(readFile(t, "../../docs/ci.md"))
	const loop = `while IFS='=' read -r k v; do export "$k=$v"; done < verdict-report/verdict.env`
	if !strings.Contains(doc, loop) {
		t.Fatalf("docs/ci.md no longer shows the read loop %q", loop)
	}
	env := readFile(t, filepath.Join(dir, "reports", "r.dotenv"))
	if !bytes.Contains(env, []byte("touch pwned1")) {
		t.Fatalf("the dotenv does not carry the server's text, so the test means nothing:\n%s", env)
	}
	work := t.TempDir()
	os.MkdirAll(filepath.Join(work, "verdict-report"), 0o755)
	os.WriteFile(filepath.Join(work, "verdict-report", "verdict.env"), env, 0o644)
	cmd := exec.Command("sh", "-c", loop+`; printf '%s|%s' "$VERDICT" "$VERDICT_EXIT_CODE"`)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "error|4" {
		t.Errorf("the read loop: %v, printed %q, want error|4", err, out)
	}
	for _, f := range []string{"pwned1", "pwned2", "pwned3"} {
		if _, err := os.Stat(filepath.Join(work, f)); err == nil {
			t.Errorf("reading the dotenv ran the server's command (%s exists)", f)
		}
	}
}

var batteryFormats = []string{"json", "markdown", "table", "junit", "html", "dotenv", "openmetrics"}

// TestAttackBattery runs every attack of batteryAttacks.
func TestAttackBattery(t *testing.T) {
	bin := buildVerdict(t)
	s := newSecrets(t)
	creds := batteryCreds{password: s.password + "  two  spaces", header: s.header, token: s.token}
	creds.passFile = filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(creds.passFile, []byte(creds.password), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, a := range batteryAttacks(creds) {
		t.Run(fmt.Sprintf("item %d %s", a.item, a.name), func(t *testing.T) {
			srv, n, withCreds := batteryServerCreds(t, a.serve, creds)
			t.Cleanup(func() {
				if a.cmd != "redirect" && a.cmd != "urlpassword" && n.Load() > 0 && withCreds.Load() != n.Load() {
					t.Errorf("%d of %d requests carried the basic-auth password and X-Scope-OrgID", withCreds.Load(), n.Load())
				}
			})
			dir := t.TempDir()
			cfg := a.cfg.write(t, dir, srv.URL, creds)
			switch a.cmd {
			case "check":
				r := runBin(t, bin, dir, binEnv(t, a.env...), "check", "--online", "-c", cfg)
				a.checkRun(t, "check --online", r, nil, creds)
				return
			case "recording":
				r := runBin(t, bin, dir, binEnv(t), "record", "-c", cfg, "-o", filepath.Join(dir, "old.json"))
				if r.code != 0 {
					t.Fatalf("record: exit %d\n%s", r.code, r.stderr)
				}
				scanAllOut(t, "record", r, dir, creds, nil)
				// The same recording, judged for other scopes: by the config's
				// source.recording, by --recording and by VERDICT_RECORDING.
				other := batteryConfig{canaryScope: `version="v3"`}
				cfg = other.write(t, t.TempDir(), "recording:"+filepath.Join(dir, "old.json"), creds)
				a.judgeAll(t, bin, cfg, nil, creds)
				cfg2 := other.write(t, t.TempDir(), srv.URL, creds)
				a.judgeAll(t, bin, cfg2, []string{"--recording", filepath.Join(dir, "old.json")}, creds)
				a.env = append(a.env, "VERDICT_RECORDING="+filepath.Join(dir, "old.json"))
				a.judgeAll(t, bin, cfg2, nil, creds)
				return
			case "redirect":
				other, n := batteryServer(t, func(q attackReq) (int, string) {
					if q.r.Header.Get("X-Scope-OrgID") != "" || q.auth != "" {
						t.Errorf("the other host received X-Scope-OrgID %q, Authorization %q", q.r.Header.Get("X-Scope-OrgID"), q.auth)
					}
					return serveHealthy(q)
				})
				redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
				}))
				t.Cleanup(redirecting.Close)
				for _, auth := range []string{"", "bearer_token_env: PROM_TOKEN"} {
					c := batteryConfig{auth: auth}
					cfg := c.write(t, t.TempDir(), redirecting.URL, creds)
					a.env = []string{"PROM_TOKEN=" + creds.token}
					a.judgeAll(t, bin, cfg, nil, creds)
				}
				if got := n.Load(); got != 0 {
					t.Errorf("the other host received %d requests", got)
				}
				return
			case "urlpassword":
				a.urlPassword(t, bin, srv.URL, creds)
				return
			}
			a.judgeAll(t, bin, cfg, nil, creds)
		})
	}
}

// judgeAll runs judge with every report and github-action on cfg.
func (a attack) judgeAll(t *testing.T, bin, cfg string, extra []string, c batteryCreds) {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"judge", "-c", cfg, "--output", "json"}, extra...)
	for _, f := range batteryFormats {
		args = append(args, "--report", f+"="+filepath.Join(dir, "reports", "r."+f))
	}
	env := a.env
	if len(env) > 0 && env[0] == "VERDICT_BATTERY_UNWRITABLE=1" {
		os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644)
		args = append(args, "--report", "html=blocker/r.html")
		env = env[1:]
	}
	r := runBin(t, bin, dir, binEnv(t, env...), args...)
	a.checkRun(t, "judge", r, nil, c)
	scanAllOut(t, "judge", r, dir, c, nil)
	// Under GitHub Actions (GITHUB_ACTIONS=true and the runner's files).
	gh := newGHRunner(t)
	ghr := runBin(t, bin, dir, gh.env(t, env...), args...)
	a.checkRun(t, "judge under GitHub Actions", ghr, maskLines(c), c)
	scanAllOut(t, "judge under GitHub Actions", ghr, dir, c, maskLines(c))
	scanAllOut(t, "judge (runner files)", binRun{}, gh.dir, c, nil)
	a.checkVerdictOutputs(t, "judge", ghr.code, filepath.Join(dir, "reports", "r.json"), filepath.Join(dir, "reports", "r.dotenv"), gh)
	if a.after != nil {
		a.after(t, dir, r)
	}
	if a.want == judge.ExitUsage {
		return // nothing was judged; the action's path is the same config error
	}
	// The same config through the action: reports in the workspace's verdict-report/.
	ws := t.TempDir()
	if a.item == 10 { // the action's html report cannot be written: a directory is in its way
		os.MkdirAll(filepath.Join(ws, "verdict-report", "report.html"), 0o755)
	}
	gh2 := newGHRunner(t)
	actArgs := []string{"github-action"}
	actEnv := gh2.env(t, append(env, "INPUT_CONFIG="+cfg, "INPUT_REPORT-FORMATS=junit,html,markdown,dotenv,openmetrics,table",
		"INPUT_FAIL-ON-INCONCLUSIVE=true")...)
	for i, kv := range actEnv {
		if strings.HasPrefix(kv, "GITHUB_WORKSPACE=") {
			actEnv[i] = "GITHUB_WORKSPACE=" + ws
		}
	}
	if len(extra) > 0 { // the action has no --recording input; use its variable
		actEnv = append(actEnv, "VERDICT_RECORDING="+extra[len(extra)-1])
	}
	ar := runBin(t, bin, ws, actEnv, actArgs...)
	masks := maskLines(c)
	a.checkRun(t, "github-action", ar, masks, c)
	scanAllOut(t, "github-action", ar, ws, c, masks)
	scanAllOut(t, "github-action (runner files)", binRun{}, gh2.dir, c, nil)
	a.checkVerdictOutputs(t, "github-action", ar.code, filepath.Join(ws, "verdict-report", "report.json"), filepath.Join(ws, "verdict-report", "verdict.env"), gh2)
}

// maskLines are the ::add-mask:: lines that may hold a credential.
func maskLines(c batteryCreds) map[string]bool {
	b64 := base64.StdEncoding.EncodeToString([]byte("ci:" + c.password))
	m := map[string]bool{}
	for _, v := range []string{c.password, b64, "Basic " + b64, c.header, c.token, "Bearer " + c.token} {
		m["::add-mask::"+v] = true
	}
	return m
}

// checkRun holds one run's exit code and streams to the battery's rules.
func (a attack) checkRun(t *testing.T, name string, r binRun, masks map[string]bool, c batteryCreds) {
	t.Helper()
	if r.code != a.want {
		t.Errorf("%s: exit %d, want %d\nstderr:\n%s", name, r.code, a.want, r.stderr)
	}
	if a.bad && r.code == judge.ExitPromote {
		t.Errorf("%s: PROMOTED on bad data", name)
	}
	if a.stderr != "" && name == "judge" && !bytes.Contains(append(r.stderr, r.stdout...), []byte(a.stderr)) {
		t.Errorf("%s: neither stderr nor stdout says %q:\n%s", name, a.stderr, r.stderr)
	}
	for stream, b := range map[string][]byte{"stdout": r.stdout, "stderr": r.stderr} {
		if bytes.ContainsAny(b, "\x1b\r\x07") {
			t.Errorf("%s %s: holds an escape, bell or carriage return: %q", name, stream, b)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "::") {
				continue
			}
			own := false
			for _, p := range ownCommands {
				own = own || (masks != nil && strings.HasPrefix(line, p))
			}
			if !own || strings.HasPrefix(line, "::error file=injected.go") || strings.HasPrefix(line, "::warning::INJECTED") {
				t.Errorf("%s %s: a workflow command verdict did not write: %s", name, stream, line)
			}
		}
	}
}

// scanAllOut fails the test for a credential in any form in a run's
// streams or any file under dir, outside the mask lines, and for a raw
// escape, bell or carriage return in a file.
func scanAllOut(t *testing.T, name string, r binRun, dir string, c batteryCreds, masks map[string]bool) {
	t.Helper()
	scan := func(where string, b []byte, masks map[string]bool) {
		for _, line := range strings.Split(string(b), "\n") {
			if masks[line] {
				continue
			}
			for _, f := range c.forms() {
				if strings.Contains(line, f) {
					t.Errorf("%s %s: credential form %q appears: %.300s", name, where, f, line)
				}
			}
		}
	}
	scan("stdout", r.stdout, masks)
	scan("stderr", r.stderr, masks)
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(path) != "password" && filepath.Base(path) != "canary.yaml" {
			b := readFile(t, path)
			scan(path, b, nil)
			if bytes.ContainsAny(b, "\x1b\r\x07") {
				t.Errorf("%s %s: holds an escape, bell or carriage return", name, path)
			}
		}
		return err
	})
}

// checkVerdictOutputs: with exit 4 every verdict-carrying output says error
// with no score; with another non-zero exit none says promote.
func (a attack) checkVerdictOutputs(t *testing.T, name string, code int, jsonPath, dotenvPath string, gh ghRunner) {
	t.Helper()
	var rep struct {
		Verdict string
		Score   *float64
	}
	if b, err := os.ReadFile(jsonPath); err == nil {
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Errorf("%s: %s: %v", name, jsonPath, err)
		}
	} else if code != judge.ExitUsage {
		t.Errorf("%s: no JSON report: %v", name, err)
	}
	var dot map[string]string
	if b, err := os.ReadFile(dotenvPath); err == nil {
		dot = dotenvVars(t, b)
	}
	out := parseGitHubOutput(t, readFile(t, gh.output))
	summary := string(readFile(t, gh.summary))
	switch code {
	case judge.ExitError:
		if rep.Verdict != "error" || rep.Score != nil {
			t.Errorf("%s: JSON verdict %q score %v, want error and null", name, rep.Verdict, rep.Score)
		}
		if dot != nil && (dot["VERDICT"] != "error" || dot["VERDICT_SCORE"] != "") {
			t.Errorf("%s: dotenv %v, want VERDICT=error and no score", name, dot)
		}
		if _, ok := out["score"]; out["verdict"] != "error" || ok {
			t.Errorf("%s: GITHUB_OUTPUT %v, want verdict=error and no score", name, out)
		}
		if !strings.Contains(summary, "**error**") {
			t.Errorf("%s: the step summary does not say error:\n%.500s", name, summary)
		}
	case judge.ExitPromote, judge.ExitUsage:
	default:
		if rep.Verdict == "promote" || dot["VERDICT"] == "promote" || out["verdict"] == "promote" {
			t.Errorf("%s: exit %d but an output says promote (JSON %q, dotenv %q, GITHUB_OUTPUT %q)", name, code, rep.Verdict, dot["VERDICT"], out["verdict"])
		}
	}
}

// urlPassword runs the action with a password in its prometheus-url
// input: the password is masked before anything else is printed and
// appears nowhere else; the command echo shows the URL redacted.
func (a attack) urlPassword(t *testing.T, bin, srvURL string, c batteryCreds) {
	t.Helper()
	u, _ := url.Parse(srvURL)
	u.User = url.UserPassword("ci", c.password)
	conf := batteryConfig{auth: "tls: {insecure_skip_verify: false}"}
	cfg := conf.write(t, t.TempDir(), "http://unused.invalid", batteryCreds{header: c.header, passFile: c.passFile})
	ws := t.TempDir()
	gh := newGHRunner(t)
	env := gh.env(t, "INPUT_CONFIG="+cfg, "INPUT_PROMETHEUS-URL="+u.String(), "INPUT_REPORT-FORMATS=junit,html,markdown,dotenv,openmetrics,table")
	for i, kv := range env {
		if strings.HasPrefix(kv, "GITHUB_WORKSPACE=") {
			env[i] = "GITHUB_WORKSPACE=" + ws
		}
	}
	r := runBin(t, bin, ws, env, "github-action")
	masks := maskLines(c)
	a.checkRun(t, "github-action", r, masks, c)
	scanAllOut(t, "github-action", r, ws, c, masks)
	scanAllOut(t, "github-action (runner files)", binRun{}, gh.dir, c, nil)
	lines := strings.Split(string(r.stderr), "\n")
	if len(lines) == 0 || lines[0] != "::add-mask::"+c.password {
		t.Errorf("the URL's password is not masked first; stderr begins:\n%.300s", r.stderr)
	}
	if !bytes.Contains(r.stderr, []byte("ci:xxxxx@")) {
		t.Errorf("the command echo does not show the URL redacted:\n%s", r.stderr)
	}
}
