// Package promtest starts real Prometheus and VictoriaMetrics servers loaded
// with fixture data, for tests that query them through the HTTP API.
//
// Start backfills an OpenMetrics fixture with promtool and runs prometheus on
// a free loopback port; StartVM imports the same fixture into a single-node
// VictoriaMetrics. Both stop the server by PID when the test ends. Both are
// heavy (testenv.Heavy: skipped by `go test -short`), and missing binaries
// fail the test under CI, make test and root and skip it loudly elsewhere
// (testenv.Require).
package promtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/childproc"

	"github.com/prometheus/common/model"

	"github.com/verdict-ci/verdict/internal/testenv"
)

// StartTimeout bounds how long a server may take to become ready.
const StartTimeout = 60 * time.Second

// Server is a running Prometheus-compatible server.
type Server struct {
	// URL is the base URL of the HTTP API, e.g. http://127.0.0.1:41234.
	URL string
	// Kind is "prometheus" or "victoria-metrics".
	Kind string
	// PID is the server's process id.
	PID int

	// Set when the server was started WithBasicAuth.
	Username, Password string
	// Set when the server was started WithTLS: the CA that signed the
	// server's certificate (for 127.0.0.1 and localhost).
	CAFile string
	// Set when the server was started WithClientCert: a client certificate
	// and key the server accepts (signed by CAFile's CA).
	ClientCertFile, ClientKeyFile string

	// Dir is the server's private directory (data, config, certificates).
	Dir string

	cmd    *exec.Cmd
	exited chan struct{}
	log    *tailBuffer
	client *http.Client
	once   sync.Once
}

type options struct {
	user, password string
	tls            bool
	clientCert     bool
	extraArgs      []string
	scrape         *scrape
}

// Option configures a server.
type Option func(*options)

// WithBasicAuth protects the server's API with HTTP basic auth (a bcrypt
// hash in Prometheus' --web.config.file). Prometheus only.
func WithBasicAuth(user, password string) Option {
	return func(o *options) { o.user, o.password = user, password }
}

// WithTLS serves the API over HTTPS with a certificate generated for the
// test; Server.CAFile holds its CA. Prometheus only.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithClientCert serves HTTPS and requires a client certificate signed by
// the test CA (Server.ClientCertFile, ClientKeyFile). Prometheus only.
func WithClientCert() Option { return func(o *options) { o.tls, o.clientCert = true, true } }

// WithArgs adds command-line flags to the server.
func WithArgs(args ...string) Option {
	return func(o *options) { o.extraArgs = append(o.extraArgs, args...) }
}

// Target is a scrape target: its host:port and the labels Prometheus adds
// to every series scraped from it.
type Target struct {
	Addr   string
	Labels map[string]string
}

type scrape struct {
	job      string
	interval time.Duration
	targets  []Target
}

// WithScrape makes Prometheus scrape targets' /metrics every interval
// (timeout the same) as job, from static targets. Prometheus only; with an
// empty fixture (Start(t, "", …)) nothing is backfilled and the server holds
// only what it scrapes.
func WithScrape(job string, interval time.Duration, targets ...Target) Option {
	return func(o *options) { o.scrape = &scrape{job, interval, targets} }
}

// config returns prometheus.yml: no scraping, or the WithScrape job.
func (o options) config() string {
	cfg := "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n"
	if o.scrape == nil {
		return cfg
	}
	var b strings.Builder
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %q\n    scrape_interval: %s\n    scrape_timeout: %s\n    static_configs:\n",
		o.scrape.job, model.Duration(o.scrape.interval), model.Duration(o.scrape.interval))
	for _, t := range o.scrape.targets {
		fmt.Fprintf(&b, "      - targets: [%q]\n        labels: {", t.Addr)
		keys := make([]string, 0, len(t.Labels))
		for k := range t.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: %q", k, t.Labels[k])
		}
		b.WriteString("}\n")
	}
	return cfg + b.String()
}

// MissingError says that a server binary is not installed.
type MissingError struct{ Binary string }

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is not installed: run `make deps` as root (scripts/deps.sh installs it)", e.Binary)
}

// Start backfills openmetrics (OpenMetrics text ending in "# EOF", timestamps
// in seconds; or, if it has no newline, the path of such a file) into a fresh
// TSDB directory and starts Prometheus on it; an empty openmetrics backfills
// nothing (for WithScrape). The server stops when the test ends.
func Start(t testing.TB, openmetrics string, opts ...Option) *Server {
	t.Helper()
	testenv.Heavy(t, "starts Prometheus")
	testenv.Require(t, "prometheus", "promtool")
	return started(t, Launch, openmetrics, opts)
}

// StartVM starts a single-node VictoriaMetrics, imports openmetrics (text or
// path, as for Start) through /api/v1/import/prometheus and flushes it so
// queries see it. The server stops when the test ends.
func StartVM(t testing.TB, openmetrics string, opts ...Option) *Server {
	t.Helper()
	testenv.Heavy(t, "starts VictoriaMetrics")
	testenv.Require(t, "victoria-metrics")
	return started(t, LaunchVM, openmetrics, opts)
}

func started(t testing.TB, launch func(context.Context, string, string, ...Option) (*Server, error), openmetrics string, opts []Option) *Server {
	t.Helper()
	s, err := launch(context.Background(), t.TempDir(), openmetrics, opts...)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("promtest: %v", err)
		}
	})
	return s
}

// Launch is Start without a test: it uses dir (which must exist) for the
// server's files and leaves stopping the server to the caller.
func Launch(ctx context.Context, dir, openmetrics string, opts ...Option) (*Server, error) {
	for _, b := range []string{"prometheus", "promtool"} {
		if _, err := exec.LookPath(b); err != nil {
			return nil, &MissingError{Binary: b}
		}
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	data := filepath.Join(dir, "data")
	if openmetrics != "" {
		src, err := fixtureFile(dir, openmetrics)
		if err != nil {
			return nil, err
		}
		out, err := exec.CommandContext(ctx, "promtool", "tsdb", "create-blocks-from", "openmetrics", src, data).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("promtool backfill of %s: %v: %s", src, err, lastLines(out, 5))
		}
	}
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(o.config()), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Kind: "prometheus", Dir: dir}
	args := []string{
		"--config.file=" + cfgFile,
		"--storage.tsdb.path=" + data,
		"--storage.tsdb.retention.time=100y",
		"--log.level=warn",
	}
	scheme := "http"
	if o.user != "" || o.tls {
		webCfg, err := s.writeWebConfig(o)
		if err != nil {
			return nil, fmt.Errorf("web config: %w", err)
		}
		args = append(args, "--web.config.file="+webCfg)
		if o.tls {
			scheme = "https"
		}
	}
	args = append(args, o.extraArgs...)
	if err := s.startOnFreePort(ctx, "prometheus", scheme, args, func(addr string) []string {
		return []string{"--web.listen-address=" + addr}
	}, "/-/ready"); err != nil {
		return nil, err
	}
	return s, nil
}

// LaunchVM is StartVM without a test: it uses dir (which must exist) and
// leaves stopping the server to the caller.
func LaunchVM(ctx context.Context, dir, openmetrics string, opts ...Option) (*Server, error) {
	if _, err := exec.LookPath("victoria-metrics"); err != nil {
		return nil, &MissingError{Binary: "victoria-metrics"}
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.user != "" || o.tls || o.scrape != nil {
		return nil, errors.New("victoria-metrics: auth, TLS and scrape options are for Prometheus only")
	}
	src, err := fixtureFile(dir, openmetrics)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	prom, err := ToPrometheusText(string(text))
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", src, err)
	}
	s := &Server{Kind: "victoria-metrics", Dir: dir}
	args := append([]string{
		"-storageDataPath=" + filepath.Join(dir, "vmdata"),
		"-retentionPeriod=100y",
		"-search.disableCache",
		"-loggerLevel=ERROR",
	}, o.extraArgs...)
	if err := s.startOnFreePort(ctx, "victoria-metrics", "http", args, func(addr string) []string {
		return []string{"-httpListenAddr=" + addr}
	}, "/health"); err != nil {
		return nil, err
	}
	if err := s.post(ctx, "/api/v1/import/prometheus", prom); err != nil {
		s.Stop()
		return nil, fmt.Errorf("victoria-metrics import: %w", err)
	}
	if err := s.get(ctx, "/internal/force_flush"); err != nil {
		s.Stop()
		return nil, fmt.Errorf("victoria-metrics flush: %w", err)
	}
	return s, nil
}

// fixtureFile returns the path of the fixture, writing text fixtures to dir.
func fixtureFile(dir, openmetrics string) (string, error) {
	if !strings.Contains(openmetrics, "\n") {
		if _, err := os.Stat(openmetrics); err != nil {
			return "", fmt.Errorf("fixture: %w", err)
		}
		return openmetrics, nil
	}
	if !strings.HasSuffix(strings.TrimRight(openmetrics, "\n"), "# EOF") {
		return "", errors.New("fixture: OpenMetrics text must end with \"# EOF\"")
	}
	p := filepath.Join(dir, "fixture.om")
	return p, os.WriteFile(p, []byte(openmetrics), 0o644)
}

// startOnFreePort starts the binary on a free loopback port, retrying with
// another port if the chosen one was taken meanwhile, and waits for readyPath.
func (s *Server) startOnFreePort(ctx context.Context, bin, scheme string, args []string, listen func(addr string) []string, readyPath string) error {
	client, err := s.httpClient()
	if err != nil {
		return err
	}
	s.client = client
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		s.URL = scheme + "://" + addr
		s.log = &tailBuffer{max: 16 << 10}
		cmd := exec.Command(bin, append(listen(addr), args...)...)
		cmd.Dir = s.Dir
		cmd.Stdout, cmd.Stderr = s.log, s.log
		cmd.SysProcAttr = childproc.Attr()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", bin, err)
		}
		s.cmd, s.PID, s.exited = cmd, cmd.Process.Pid, make(chan struct{})
		s.once = sync.Once{}
		go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(cmd, s.exited)
		lastErr = s.waitReady(ctx, readyPath)
		if lastErr == nil {
			return nil
		}
		s.Stop()
		if !strings.Contains(s.log.String(), "address already in use") {
			break
		}
	}
	return fmt.Errorf("%s did not become ready: %v; last log lines:\n%s", bin, lastErr, lastLines([]byte(s.log.String()), 10))
}

func (s *Server) waitReady(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("exited early (%v)", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %v", StartTimeout, lastErr)
		case <-tick.C:
		}
		lastErr = s.get(ctx, path)
		if lastErr == nil {
			return nil
		}
	}
}

// Client returns an HTTP client that trusts the server's CA and presents
// the client certificate, when the server has them. It does not add basic auth.
func (s *Server) Client() *http.Client { return s.client }

func (s *Server) httpClient() (*http.Client, error) {
	tr := &http.Transport{}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		if s.ClientCertFile != "" {
			cert, err := tls.LoadX509KeyPair(s.ClientCertFile, s.ClientKeyFile)
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
		}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

func (s *Server) get(ctx context.Context, path string) error {
	return s.do(ctx, http.MethodGet, path, "")
}

func (s *Server) post(ctx context.Context, path, body string) error {
	return s.do(ctx, http.MethodPost, path, body)
}

func (s *Server) do(ctx context.Context, method, path, body string) error {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		return err
	}
	if s.Username != "" {
		req.SetBasicAuth(s.Username, s.Password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// Stop stops the server by its PID: SIGTERM, then SIGKILL after 10 s.
// Stopping a stopped server is a no-op.
func (s *Server) Stop() error {
	var err error
	s.once.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		select {
		case <-s.exited:
			return
		default:
		}
		if e := s.cmd.Process.Signal(syscall.SIGTERM); e != nil {
			err = fmt.Errorf("stop %s (pid %d): %w", s.Kind, s.PID, e)
			return
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
			err = fmt.Errorf("%s (pid %d) ignored SIGTERM for 10s; killed", s.Kind, s.PID)
		}
	})
	return err
}

// Log returns the last lines the server wrote to stdout and stderr.
func (s *Server) Log() string { return s.log.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append([]byte(nil), b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	if b == nil {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
