package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/ctxsleep"
)

// Defaults for a Prometheus source whose config leaves them zero: config's.
const (
	DefaultTimeout     = config.DefaultTimeout
	DefaultConcurrency = config.DefaultConcurrency
)

// MaxPointsPerQuery is the most points per series one range query may ask
// for: Prometheus refuses more than 11,000. Longer windows are split.
const MaxPointsPerQuery = 11000

// maxPooledBuf is the largest response buffer kept for reuse.
const maxPooledBuf = 16 << 20

// MaxRetryAfter is the longest Retry-After a source waits for; a server
// asking for more fails the query at once.
const MaxRetryAfter = time.Minute

// Prometheus is a Source that runs range queries against a
// Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, Cortex,
// VictoriaMetrics). It is safe for concurrent use.
type Prometheus struct {
	http        *http.Client // with verdict's round trippers (auth, TLS, headers)
	client      api.Client   // client_golang's client over http, for its URL handling
	api         v1.API       // client_golang's API over client, for the label-values call
	bufs        sync.Pool    // *[]byte for response bodies, at most maxPooledBuf
	budget      *byteBudget  // bounds the response bytes held across the queries in flight
	scratch     sync.Pool    // *[]Point for decoding a series before it is copied at its size
	server      string       // the URL, without credentials, for messages
	timeout     time.Duration
	retries     int
	concurrency int
	secrets     []string
	log         *slog.Logger

	// Tunables, fixed by NewPrometheus; tests shorten them.
	maxPoints   int
	backoffBase time.Duration
	backoffMax  time.Duration
	sleep       func(context.Context, time.Duration) error // waits between attempts
}

// Option tunes NewPrometheus.
type Option func(*options)

type options struct {
	getenv func(string) string
	sleep  func(context.Context, time.Duration) error
}

// WithGetenv gives the source the environment to read bearer_token_env
// from (os.Getenv, or a test's map). The metrics package reads no
// environment of its own: without this option bearer_token_env is an error.
func WithGetenv(getenv func(string) string) Option {
	return func(o *options) { o.getenv = getenv }
}

// WithSleep replaces how the source waits between attempts (a backoff or
// the server's Retry-After): sleep must wait d or until ctx is done, then
// return ctx's error if it is done. Without it the source sleeps on a
// timer; tests pass one that records d and returns at once.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) { o.sleep = sleep }
}

// NewPrometheus builds a source from the config: the URL, timeout, retries,
// headers, bearer token, basic auth and TLS. Credential files and the
// token's environment variable are checked now, so a missing one is a
// config error rather than a failed query.
func NewPrometheus(cfg config.Prometheus, opts ...Option) (*Prometheus, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus.url %q: want an http:// or https:// URL with a host", redactURL(cfg.URL))
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("prometheus.timeout %s: must not be negative", cfg.Timeout)
	}
	if cfg.Retries < 0 {
		return nil, fmt.Errorf("prometheus.retries %d: must not be negative", cfg.Retries)
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("prometheus.concurrency %d: must not be negative", cfg.Concurrency)
	}
	if cfg.MaxBufferedBytes < 0 {
		return nil, fmt.Errorf("prometheus.max_buffered_bytes %d: must not be negative", cfg.MaxBufferedBytes)
	}
	httpCfg, secrets, err := httpClientConfig(cfg, o.getenv)
	if err != nil {
		return nil, err
	}
	if pw, ok := u.User.Password(); ok {
		// Go sends a URL's user:password as basic auth.
		secrets = append(secrets, basicSecrets(u.User.Username(), pw)...)
	}
	rt, err := newRoundTripper(httpCfg)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: rt, CheckRedirect: sameServerRedirects}
	client, err := api.NewClient(api.Config{Address: cfg.URL, Client: hc})
	if err != nil {
		return nil, fmt.Errorf("prometheus.url: %w", err)
	}
	p := &Prometheus{
		http:        hc,
		client:      client,
		api:         v1.NewAPI(capturingClient{client}),
		server:      u.Redacted(),
		timeout:     cfg.Timeout,
		retries:     cfg.Retries,
		concurrency: cfg.Concurrency,
		secrets:     dedupSecrets(secrets),
		log:         slog.Default(),
		maxPoints:   MaxPointsPerQuery,
		backoffBase: 250 * time.Millisecond,
		backoffMax:  10 * time.Second,
		sleep:       ctxsleep.Sleep,
	}
	if o.sleep != nil {
		p.sleep = o.sleep
	}
	if p.timeout == 0 {
		p.timeout = DefaultTimeout
	}
	if p.concurrency == 0 {
		p.concurrency = DefaultConcurrency
	}
	maxBuf := int64(cfg.MaxBufferedBytes)
	if maxBuf == 0 {
		maxBuf = config.DefaultMaxBufferedBytes
	}
	p.budget = newByteBudget(maxBuf)
	return p, nil
}

// SetLogger sends the source's retry warnings to l instead of slog's default.
func (p *Prometheus) SetLogger(l *slog.Logger) {
	if l != nil {
		p.log = l
	}
}

// Concurrency is how many queries the config allows in flight (default 8),
// the value to pass to FetchAll.
func (p *Prometheus) Concurrency() int { return p.concurrency }

// Secrets returns the credentials the source sends (bearer token, basic-auth
// password, header values, a password in the URL) so that CI output can mask
// them. The source itself never writes them into errors or logs.
func (p *Prometheus) Secrets() []string { return append([]string(nil), p.secrets...) }

// Fetch runs q as a range query (split into chunks of at most
// MaxPointsPerQuery steps and stitched back together), retrying retryable
// failures. Failures are *QueryError. An empty result is Result{} and nil.
func (p *Prometheus) Fetch(ctx context.Context, q Query) (Result, error) {
	ranges, err := splitRange(q.Start, q.End, q.Step, p.maxPoints)
	if err != nil {
		return Result{}, p.queryError(q, "bad_data", err.Error(), 0, 1, nil)
	}
	st := stitcher{start: q.Start, end: q.End, clean: p.serverText}
	for _, r := range ranges {
		if err := p.fetchRange(ctx, q, r, &st); err != nil {
			return Result{}, err
		}
	}
	return st.result(), nil
}

// fetchRange runs one chunk of q with retries and adds it to st.
func (p *Prometheus) fetchRange(ctx context.Context, q Query, r v1.Range, st *stitcher) error {
	for attempt := 1; ; attempt++ {
		body, f := p.attempt(ctx, q.Expr, r)
		if f == nil {
			st.add(body)
			return nil
		}
		if f.requeue != nil && ctx.Err() == nil {
			// Other responses held the buffer budget: send again, not as a
			// new attempt, once one of them has given bytes back.
			if err := f.requeue.awaitFree(ctx); err == nil {
				attempt--
				continue
			}
		}
		if ctx.Err() != nil {
			return p.queryError(q, "canceled", ctx.Err().Error(), f.status, attempt, ctx.Err())
		}
		if !f.retry || attempt > p.retries {
			return p.queryError(q, f.kind, f.msg, f.status, attempt, f.err)
		}
		wait := p.backoff(attempt)
		if f.retryAfter > 0 {
			if f.retryAfter > MaxRetryAfter {
				return p.queryError(q, f.kind, fmt.Sprintf("%s (server asks to retry after %s, longer than %s)", f.msg, f.retryAfter, MaxRetryAfter), f.status, attempt, f.err)
			}
			wait = f.retryAfter
		}
		p.log.Info("prometheus query failed, retrying", "metric", q.Metric, "side", string(q.Side),
			"kind", f.kind, "error", truncateRunes(p.serverText(f.msg), maxMsgRunes), "attempt", attempt, "wait", wait.Round(time.Millisecond))
		if err := p.sleep(ctx, wait); err != nil {
			return p.queryError(q, "canceled", err.Error(), f.status, attempt, err)
		}
	}
}

// attempt sends one range query under the per-query timeout and decodes its answer.
func (p *Prometheus) attempt(ctx context.Context, expr string, r v1.Range) (*rangeBody, *failure) {
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	args := url.Values{
		"query":   {expr},
		"start":   {formatTime(r.Start)},
		"end":     {formatTime(r.End)},
		"step":    {strconv.FormatFloat(r.Step.Seconds(), 'f', -1, 64)},
		"timeout": {strconv.FormatFloat(p.timeout.Seconds(), 'f', -1, 64)},
	}
	resp, err := p.post(actx, "/api/v1/query_range", args)
	defer p.release(resp)
	switch {
	case errors.Is(err, errBudgetBusy):
		return nil, &failure{kind: "busy", msg: err.Error(), status: resp.status, requeue: resp.grant}
	case errors.Is(err, errTooLarge):
		return nil, &failure{kind: "too large", msg: tooLargeMsg(p.budget.max), status: resp.status, err: err}
	case err != nil || resp.status/100 != 2:
		return nil, p.classify(err, resp, actx)
	}
	if mt, _, _ := mime.ParseMediaType(resp.contentType); mt != "" && mt != "application/json" {
		return nil, &failure{kind: "invalid response", status: resp.status, msg: fmt.Sprintf("non-JSON response (HTTP %d, %s)", resp.status, mt)}
	}
	scratch, _ := p.scratch.Get().(*[]Point)
	if scratch == nil {
		scratch = new([]Point)
	}
	body, err := decodeRangeBody(resp.body, scratch)
	p.scratch.Put(scratch)
	switch {
	case err != nil:
		return nil, &failure{kind: "invalid response", status: resp.status, err: err,
			msg: fmt.Sprintf("malformed JSON response (HTTP %d, %d bytes): %v", resp.status, len(resp.body), err)}
	case body.status != "success":
		kind := body.errorType
		if kind == "" {
			kind = "invalid response"
		}
		return nil, &failure{kind: kind, status: resp.status, msg: body.errorMsg}
	case body.resultType != "" && body.resultType != "matrix":
		return nil, &failure{kind: "invalid response", status: resp.status, msg: fmt.Sprintf("range query returned a %s, not a matrix", body.resultType)}
	}
	if f := checkBody(body, r); f != nil {
		f.status = resp.status
		return nil, f
	}
	return body, nil
}

// post sends the form to the API endpoint, falling back to GET when the
// server (or a proxy) does not allow POST, as client_golang does. The
// response body is in a pooled buffer: release it with p.release.
func (p *Prometheus) post(ctx context.Context, endpoint string, args url.Values) (*response, error) {
	u := p.client.URL(endpoint, nil)
	form := args.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form))
	if err != nil {
		return &response{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil // lets the transport retry a POST on a dropped keep-alive connection
	resp, err := p.send(req)
	if resp.status == http.StatusMethodNotAllowed || resp.status == http.StatusNotImplemented {
		p.release(resp)
		u.RawQuery = form
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil); err != nil {
			return &response{}, err
		}
		resp, err = p.send(req)
	}
	return resp, err
}

// send does one HTTP request and reads the whole body into a (pooled)
// buffer charged to the source's byte budget: errTooLarge for a body
// larger than the budget, errBudgetBusy when other responses hold it.
func (p *Prometheus) send(req *http.Request) (*response, error) {
	hr, err := p.http.Do(req)
	if err != nil {
		return &response{}, err
	}
	defer hr.Body.Close()
	resp := &response{
		status:      hr.StatusCode,
		contentType: hr.Header.Get("Content-Type"),
		retryAfter:  hr.Header.Get("Retry-After"),
		grant:       &grant{b: p.budget},
	}
	var pooled []byte
	if bp, _ := p.bufs.Get().(*[]byte); bp != nil {
		if resp.grant.take(int64(cap(*bp))) == nil {
			pooled = *bp
		}
	}
	resp.body, err = readBody(hr.Body, hr.ContentLength, resp.grant, pooled)
	return resp, err
}

// release returns a response's body buffer to the pool and its bytes to the
// budget; the body must not be used after.
func (p *Prometheus) release(r *response) {
	if r.body != nil && cap(r.body) <= maxPooledBuf {
		b := r.body[:0]
		p.bufs.Put(&b)
	}
	if r.grant != nil {
		r.grant.done()
	}
	r.body = nil
}

// formatTime writes t as Prometheus API seconds, as client_golang does.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.Unix())+float64(t.Nanosecond())/1e9, 'f', -1, 64)
}

// backoff is the wait before retry number attempt (1-based): exponential
// from backoffBase, capped at backoffMax, with full jitter in its upper half.
func (p *Prometheus) backoff(attempt int) time.Duration {
	d := p.backoffBase << min(attempt-1, 20)
	if d > p.backoffMax || d <= 0 {
		d = p.backoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// splitRange cuts [start, end] at step into ranges of at most maxPoints
// points each. Every range starts on the step grid of start, so no point is
// fetched twice and none is missed.
func splitRange(start, end time.Time, step time.Duration, maxPoints int) ([]v1.Range, error) {
	if step <= 0 {
		return nil, fmt.Errorf("step %s: must be positive", step)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("window end %s is before its start %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	points := int64(end.Sub(start)/step) + 1
	chunk := time.Duration(maxPoints) * step
	out := make([]v1.Range, 0, (points+int64(maxPoints)-1)/int64(maxPoints))
	for s := start; !s.After(end); s = s.Add(chunk) {
		e := s.Add(chunk - step)
		if e.After(end) {
			e = end
		}
		out = append(out, v1.Range{Start: s, End: e, Step: step})
	}
	return out, nil
}

// stitcher joins the matrices of consecutive chunks, series by label set,
// keeping the points within [start, end].
type stitcher struct {
	clean    func(string) string // what is kept of a server's string (serverText)
	start    time.Time
	end      time.Time
	index    map[string]int
	series   []Series
	keys     []string
	warnings []string
	seen     map[string]bool
}

func (st *stitcher) add(body *rangeBody) {
	for _, w := range body.warnings {
		st.warn(st.clean(w))
	}
	for _, i := range body.infos {
		st.warn("info: " + st.clean(i))
	}
	if st.index == nil {
		st.index = map[string]int{}
	}
	for _, ds := range body.series {
		if ds.histograms > 0 {
			st.warn(st.clean(fmt.Sprintf("series %s has native histogram samples, which verdict does not compare; they were left out", LabelString(ds.labels))))
		}
		// A frontend aligning the range to its step grid answers up to a step
		// outside it (checkBody allows that); those points are not the window's.
		for len(ds.points) > 0 && ds.points[0].T.Before(st.start) {
			ds.points = ds.points[1:]
		}
		for n := len(ds.points); n > 0 && ds.points[n-1].T.After(st.end); n-- {
			ds.points = ds.points[:n-1]
		}
		if len(ds.points) == 0 {
			continue
		}
		i, ok := st.index[ds.key]
		if !ok {
			st.index[ds.key] = len(st.series)
			labels := make(map[string]string, len(ds.labels))
			for k, v := range ds.labels {
				labels[st.clean(k)] = st.clean(v)
			}
			st.series = append(st.series, Series{Labels: labels, Points: ds.points})
			st.keys = append(st.keys, ds.key)
			continue
		}
		pts := st.series[i].Points
		for _, pt := range ds.points {
			if n := len(pts); n > 0 && !pt.T.After(pts[n-1].T) {
				continue // a grid-aligning server answers a boundary point in both chunks: keep the first
			}
			pts = append(pts, pt)
		}
		st.series[i].Points = pts
	}
}

func (st *stitcher) warn(w string) {
	if st.seen == nil {
		st.seen = map[string]bool{}
	}
	if !st.seen[w] {
		st.seen[w] = true
		st.warnings = append(st.warnings, w)
	}
}

// result returns the stitched series, sorted by label set so that every
// backend gives the same order.
func (st *stitcher) result() Result {
	if len(st.series) == 0 {
		return Result{Warnings: st.warnings}
	}
	order := make([]int, len(st.series))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return st.keys[order[a]] < st.keys[order[b]] })
	out := make([]Series, len(order))
	for i, j := range order {
		out[i] = st.series[j]
	}
	return Result{Series: out, Warnings: st.warnings}
}

// responseKey carries a *response through a request's context.
type responseKey struct{}

// response is what the last HTTP response of an attempt looked like, for
// error messages and Retry-After (client_golang's API returns neither).
type response struct {
	status      int
	contentType string
	retryAfter  string
	body        []byte
	grant       *grant // the body's share of the byte budget
}

// capturingClient records each response's status, headers and body in the
// *response found in the request's context.
type capturingClient struct{ api.Client }

func (c capturingClient) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := c.Client.Do(ctx, req)
	if r, ok := ctx.Value(responseKey{}).(*response); ok && resp != nil {
		r.status = resp.StatusCode
		r.contentType = resp.Header.Get("Content-Type")
		r.retryAfter = resp.Header.Get("Retry-After")
		r.body = body
	}
	return resp, body, err
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

var _ Source = (*Prometheus)(nil)

// errAs is errors.As for a target type, returning the match.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
