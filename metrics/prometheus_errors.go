package metrics

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// QueryError is a failed range query: which metric and side, the query, the
// kind of failure and the server's message. Callers branch on Kind with
// errors.As; Error() is one line.
type QueryError struct {
	Metric string
	Part   string // the metric's query part ("numerator", "denominator"); "" for a series metric
	Side   Side
	Query  string
	Server string // the API's base URL, without credentials
	// Kind is the failure's class: a Prometheus error type ("bad_data",
	// "execution", "timeout", "internal", "unavailable"), "http 502" and the
	// like for HTTP errors without a Prometheus body, "timeout" for no answer
	// within the timeout, "connection refused", "network", "tls",
	// "invalid response", "partial", "redirect" or "canceled".
	Kind     string
	Status   int    // HTTP status, 0 when no response arrived
	Msg      string // the server's message or the network error, credentials removed
	Attempts int    // how many times the query was sent
	Err      error  // the underlying error, when there is one worth unwrapping
}

// Error names the metric, the failure and the query on one line.
func (e *QueryError) Error() string {
	var b strings.Builder
	if e.Part != "" {
		fmt.Fprintf(&b, "metric %q %s (%s): ", e.Metric, e.Part, e.Side)
	} else {
		fmt.Fprintf(&b, "metric %q (%s): ", e.Metric, e.Side)
	}
	if e.Msg == "" || !strings.HasPrefix(e.Msg, e.Kind) {
		b.WriteString(e.Kind)
		if e.Msg != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Msg)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	fmt.Fprintf(&b, "; query: %s", OneLine(e.Query))
	return b.String()
}

// Unwrap returns the underlying error (context errors, network errors).
func (e *QueryError) Unwrap() error { return e.Err }

// Retryable reports whether the kind of failure is one that retrying may cure.
func (e *QueryError) Retryable() bool {
	switch e.Kind {
	case "timeout", "unavailable", "connection refused", "network":
		return true
	}
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func (p *Prometheus) queryError(q Query, kind, msg string, status, attempts int, err error) *QueryError {
	return &QueryError{
		Metric: q.Metric, Part: q.Part, Side: q.Side, Query: q.Expr, Server: p.server,
		Kind: kind, Status: status, Msg: truncateRunes(p.serverText(msg), maxMsgRunes), Attempts: attempts, Err: err,
	}
}

// failure is one failed attempt, classified.
type failure struct {
	kind       string
	msg        string
	status     int
	retry      bool
	retryAfter time.Duration
	err        error
	requeue    *grant // set when the response did not fit the byte budget beside others': send again after its wait
}

// classify turns a failed attempt into a failure: its kind, a message fit
// for one line, and whether to retry.
func (p *Prometheus) classify(err error, resp *response, actx context.Context) *failure {
	if errors.Is(err, context.DeadlineExceeded) || (actx.Err() == context.DeadlineExceeded) {
		return &failure{kind: "timeout", msg: fmt.Sprintf("no response within %s", p.timeout), retry: true, err: err}
	}
	if resp.status != 0 {
		return p.classifyResponse(err, resp)
	}
	return classifyNetwork(err)
}

// classifyResponse handles a failure that came with an HTTP response.
func (p *Prometheus) classifyResponse(err error, resp *response) *failure {
	f := &failure{status: resp.status, err: err}
	f.retry = resp.status == http.StatusTooManyRequests || resp.status >= 500
	if resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable {
		f.retryAfter = parseRetryAfter(resp.retryAfter, time.Now())
	}
	apiErr, isAPI := errAs[*v1.Error](err)
	// A Prometheus error body: {"status":"error","errorType":"bad_data","error":"..."}.
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal(resp.body, &body) == nil && body.Status == "error" {
		f.kind, f.msg = body.ErrorType, body.Error
		if code, err := strconv.Atoi(f.kind); err == nil || f.kind == "" {
			// VictoriaMetrics puts the HTTP status in errorType; map it as Prometheus does.
			switch {
			case code == http.StatusBadRequest:
				f.kind = "bad_data"
			case code == http.StatusUnprocessableEntity:
				f.kind = "execution"
			default:
				f.kind = "http " + strconv.Itoa(resp.status)
			}
		}
		switch f.kind {
		case "bad_data", "execution", "canceled":
			f.retry = false
		case "timeout", "unavailable":
			f.retry = true
		}
		return f
	}
	if isAPI && resp.status/100 == 2 && apiErr.Type != v1.ErrBadResponse {
		// An error the client found in a 2xx body (e.g. status "error" in a 200).
		f.kind, f.msg, f.retry = string(apiErr.Type), apiErr.Msg, false
		return f
	}
	mediaType, _, _ := mime.ParseMediaType(resp.contentType)
	if resp.status/100 == 2 {
		f.kind = "invalid response"
		switch {
		case mediaType != "" && mediaType != "application/json":
			f.msg = fmt.Sprintf("non-JSON response (HTTP %d, %s)", resp.status, mediaType)
		case errors.Is(err, io.ErrUnexpectedEOF):
			f.msg, f.retry = fmt.Sprintf("response cut short after %d bytes", len(resp.body)), true
		default:
			f.msg = fmt.Sprintf("malformed JSON response (HTTP %d, %d bytes)", resp.status, len(resp.body))
		}
		return f
	}
	f.kind = "http " + strconv.Itoa(resp.status)
	if mediaType == "" {
		mediaType = "no content type"
	}
	switch {
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		f.msg = fmt.Sprintf("%s (HTTP %d) — check the credentials (basic_auth, bearer_token_file/bearer_token_env, headers)",
			strings.ToLower(http.StatusText(resp.status)), resp.status)
	case mediaType == "application/json":
		f.msg = fmt.Sprintf("%s (HTTP %d)", strings.ToLower(http.StatusText(resp.status)), resp.status)
	default:
		f.msg = fmt.Sprintf("non-JSON response (HTTP %d, %s)", resp.status, mediaType)
	}
	if summary := p.summarize(resp.body, mediaType); summary != "" {
		f.msg += ": " + summary
	}
	return f
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// maxSummaryBytes is how much of an error body summarize reads.
const maxSummaryBytes = 64 << 10

// summarize returns a short, one-line gist of an error body: an HTML page's
// title, else its first text. Credentials are scrubbed from the body before
// anything else (before white space is folded, before it is cut to
// maxSummaryRunes), so that no cut or fold can leave part of one visible.
func (p *Prometheus) summarize(body []byte, mediaType string) string {
	var s string
	if len(body) > maxSummaryBytes {
		s = p.scrubCut(string(body[:maxSummaryBytes]))
	} else {
		s = p.scrub(string(body))
	}
	if strings.Contains(mediaType, "html") || strings.HasPrefix(strings.TrimSpace(s), "<") {
		if m := titleRE.FindStringSubmatch(s); m != nil {
			s = m[1]
		} else {
			s = tagRE.ReplaceAllString(s, " ")
		}
	}
	return truncateRunes(OneLine(s), maxSummaryRunes)
}

// classifyNetwork handles a failure without an HTTP response.
func classifyNetwork(err error) *failure {
	msg := err.Error()
	if ue, ok := errAs[*url.Error](err); ok {
		msg = ue.Err.Error() // the URL is in QueryError.Server; drop the method and URL
	}
	f := &failure{kind: "network", msg: msg, retry: true, err: err}
	var (
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalid    x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		verifyErr  *tls.CertificateVerificationError
		alertErr   tls.AlertError
		netTimeout net.Error
	)
	switch {
	case errors.Is(err, errRedirect):
		f.kind, f.retry = "redirect", false
	case errors.Is(err, syscall.ECONNREFUSED):
		f.kind = "connection refused"
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &recordErr), errors.As(err, &verifyErr), errors.As(err, &alertErr):
		f.kind, f.retry = "tls", false
	case strings.Contains(msg, "tls: "):
		f.kind, f.retry = "tls", false
	case errors.As(err, &netTimeout) && netTimeout.Timeout():
		f.kind = "timeout"
	}
	return f
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
