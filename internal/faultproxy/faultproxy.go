// Package faultproxy is an HTTP proxy for tests that sits in front of a real
// Prometheus-compatible server and injects faults into chosen requests:
// hangs, delays, error statuses and pages, malformed or truncated bodies and
// dropped connections, while recording every request it saw.
//
// A Fault applies to the requests whose PromQL query contains its Match
// text, for the first Times requests of each distinct query (0: all of
// them); other requests are forwarded unchanged. When the target is down the
// proxy answers 502 with an HTML page, as nginx or a cloud load balancer would.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Action is what a fault does to a request.
type Action int

const (
	// Delay waits Fault.Delay, then forwards the request.
	Delay Action = iota + 1
	// Hang holds the request without answering until the client gives up
	// or the proxy closes.
	Hang
	// Respond answers Fault.Status, Fault.Header and Fault.Body without
	// forwarding.
	Respond
	// Truncate forwards the request, then sends the target's headers with
	// the full Content-Length but only the first half of the body, and
	// drops the connection.
	Truncate
	// Drop closes the connection without any response.
	Drop
	// Rewrite forwards the request and passes the target's answer through
	// Fault.Rewrite before sending it (with its new Content-Length): real
	// data with one thing changed, such as a warning added.
	Rewrite
)

func (a Action) String() string {
	switch a {
	case Delay:
		return "delay"
	case Hang:
		return "hang"
	case Respond:
		return "respond"
	case Truncate:
		return "truncate"
	case Drop:
		return "drop"
	case Rewrite:
		return "rewrite"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Fault is one injected failure.
type Fault struct {
	// Match selects requests whose PromQL query contains it; "" matches all.
	Match string
	// Times is how many requests of each distinct query get the fault
	// (0: every one); later ones pass through.
	Times int
	// Action is what happens to a selected request.
	Action Action
	// Delay is Delay's wait.
	Delay time.Duration
	// Status, Header and Body are Respond's answer (Status 0 means 200).
	Status int
	Header map[string]string
	Body   string
	// Rewrite is Rewrite's edit of the target's body.
	Rewrite func(body []byte) []byte
}

// Request is one request the proxy received.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Query  string      // the PromQL query (form value "query")
	Header http.Header // as received
	Fault  string      // the action applied, "" when forwarded unchanged
	Status int         // the status sent, 0 when none was

	// Start and End are a range query's form values "start" and "end", as sent.
	Start, End string
}

// Proxy is a running fault-injecting proxy. Its methods are safe for
// concurrent use.
type Proxy struct {
	// URL is the proxy's base URL, to use as the server's URL.
	URL string

	srv    *httptest.Server
	client *http.Client
	closed chan struct{}

	mu        sync.Mutex
	inFlight  int
	maxFlight int
	target    *url.URL
	faults    []Fault
	seen      map[seenKey]int // requests per fault and query
	requests  []Request
	onRequest func(n int, query string)
}

type seenKey struct {
	fault int
	query string
}

// BadGatewayPage is the body of the 502 the proxy sends when the target
// cannot be reached.
const BadGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>faultproxy</center>\r\n</body>\r\n</html>\r\n"

// New starts a proxy on a free loopback port that forwards to target (a
// base URL such as http://127.0.0.1:9090). Close stops it.
func New(target string) (*Proxy, error) {
	u, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		target: u,
		closed: make(chan struct{}),
		seen:   map[seenKey]int{},
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	return p, nil
}

// Close stops the proxy: hanging requests are released and every
// connection is closed. After Close, connecting to URL is refused.
func (p *Proxy) Close() {
	p.mu.Lock()
	select {
	case <-p.closed:
		p.mu.Unlock()
		return
	default:
		close(p.closed)
	}
	p.mu.Unlock()
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.client.CloseIdleConnections()
}

// SetTarget points the proxy at another server, e.g. a restarted one.
func (p *Proxy) SetTarget(target string) error {
	u, err := parseTarget(target)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.target = u
	p.mu.Unlock()
	p.client.CloseIdleConnections()
	return nil
}

// Inject adds faults; for each request the first fault that matches and
// has not been used up applies.
func (p *Proxy) Inject(faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, faults...)
}

// Clear removes every fault: later requests are forwarded unchanged.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
	p.seen = map[seenKey]int{}
}

// OnRequest sets a function called with the 1-based number and the query of
// each request before the proxy handles it; the request waits for it.
func (p *Proxy) OnRequest(f func(n int, query string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onRequest = f
}

// Requests returns the requests received so far, in arrival order.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Count returns how many requests had a query containing match and got
// the action act ("" for forwarded unchanged).
func (p *Proxy) Count(match, act string) int {
	n := 0
	for _, r := range p.Requests() {
		if strings.Contains(r.Query, match) && r.Fault == act {
			n++
		}
	}
	return n
}

func parseTarget(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("faultproxy: target %q: want an http:// or https:// base URL", target)
	}
	return u, nil
}

// MaxInFlight returns the most requests the proxy has held at once.
func (p *Proxy) MaxInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxFlight
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.inFlight++
	p.maxFlight = max(p.maxFlight, p.inFlight)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	params := requestParams(r, body)
	query := params.Get("query")

	p.mu.Lock()
	idx := len(p.requests)
	fault, ok := p.pick(query)
	req := Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Query: query, Header: r.Header.Clone(), Start: params.Get("start"), End: params.Get("end")}
	if ok {
		req.Fault = fault.Action.String()
	}
	p.requests = append(p.requests, req)
	hook := p.onRequest
	target := *p.target
	p.mu.Unlock()

	if hook != nil {
		hook(idx+1, query)
	}
	// sent records the status of the answer before it is written, so that
	// Requests is complete by the time the client has it.
	sent := func(status int) {
		p.mu.Lock()
		p.requests[idx].Status = status
		p.mu.Unlock()
	}
	if !ok {
		p.forward(w, r, &target, body, sent, nil, nil)
		return
	}
	p.inject(w, r, fault, &target, body, sent)
}

// requestParams are a query API request's parameters: its URL's, or a
// POST's form when it carries the query.
func requestParams(r *http.Request, body []byte) url.Values {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		if form, err := url.ParseQuery(string(body)); err == nil && form.Has("query") {
			params = form
		}
	}
	return params
}

// inject answers a request the way fault says, forwarding it to target
// when the fault lets it through; sent records the status answered.
func (p *Proxy) inject(w http.ResponseWriter, r *http.Request, fault Fault, target *url.URL, body []byte, sent func(int)) {
	switch fault.Action {
	case Delay:
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		case <-p.closed:
			drop(w, true)
			return
		}
		p.forward(w, r, target, body, sent, nil, nil)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closed:
			drop(w, true)
		}
	case Respond:
		status := fault.Status
		if status == 0 {
			status = http.StatusOK
		}
		for k, v := range fault.Header {
			w.Header().Set(k, v)
		}
		sent(status)
		w.WriteHeader(status)
		io.WriteString(w, fault.Body)
	case Truncate:
		p.forward(w, r, target, body, sent, nil, func(b []byte) []byte { return b[:len(b)/2] })
	case Drop:
		drop(w, true)
	case Rewrite:
		p.forward(w, r, target, body, sent, fault.Rewrite, nil)
	default:
		http.Error(w, "faultproxy: unknown action "+fault.Action.String(), http.StatusInternalServerError)
	}
}

// pick returns the fault for a request and counts it; p.mu is held.
func (p *Proxy) pick(query string) (Fault, bool) {
	for i, f := range p.faults {
		if !strings.Contains(query, f.Match) {
			continue
		}
		k := seenKey{i, query}
		if f.Times > 0 && p.seen[k] >= f.Times {
			continue
		}
		p.seen[k]++
		return f, true
	}
	return Fault{}, false
}

// forward sends the request to target and writes the answer, calling sent
// with its status first. The answer's body is passed through rewrite when
// that is set (the Content-Length follows), then through cut when cut is set
// (the Content-Length stays the full length, so the client sees the body end early).
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, target *url.URL, body []byte, sent func(int), rewrite, cut func([]byte) []byte) {
	u := *target
	u.Path = strings.TrimSuffix(u.Path, "/") + r.URL.Path
	u.RawQuery = r.URL.RawQuery
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-p.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		badGateway(w, sent)
		return
	}
	out.Header = r.Header.Clone()
	out.Header.Del("Accept-Encoding") // keep bodies plain, so Truncate cuts bytes the client reads
	resp, err := p.client.Do(out)
	if err != nil {
		badGateway(w, sent)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		badGateway(w, sent)
		return
	}
	if rewrite != nil {
		data = rewrite(data)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	sent(resp.StatusCode)
	w.WriteHeader(resp.StatusCode)
	if cut == nil {
		w.Write(data)
		return
	}
	w.Write(cut(data))
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	drop(w, false)
}

func badGateway(w http.ResponseWriter, sent func(int)) {
	w.Header().Set("Content-Type", "text/html")
	sent(http.StatusBadGateway)
	w.WriteHeader(http.StatusBadGateway)
	io.WriteString(w, BadGatewayPage)
}

// drop closes the request's connection at once: with a TCP reset when
// reset is set, else in order (the client reads what was sent, then EOF).
func drop(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		tc.SetLinger(0)
	}
	conn.Close()
}
