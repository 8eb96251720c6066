package faultproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// backend answers every query with its text, as JSON.
func backend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"success","query":"`+r.Form.Get("query")+`","path":"`+r.URL.Path+`"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func start(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// post sends a form query to the proxy and returns status and body.
func post(t *testing.T, ctx context.Context, base, query string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/query_range", strings.NewReader(url.Values{"query": {query}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestForwardsUnchanged(t *testing.T) {
	p := start(t, backend(t).URL)
	code, body, err := post(t, context.Background(), p.URL, "up")
	if err != nil || code != 200 || body != `{"status":"success","query":"up","path":"/api/v1/query_range"}` {
		t.Fatalf("code %d body %q err %v", code, body, err)
	}
	reqs := p.Requests()
	if len(reqs) != 1 || reqs[0].Query != "up" || reqs[0].Fault != "" || reqs[0].Status != 200 || reqs[0].Header.Get("Authorization") != "Bearer tok" {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestRespondTimesPerQuery(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Match: "a", Times: 2, Action: Respond, Status: 503, Header: map[string]string{"Retry-After": "1"}, Body: "busy"})
	for i, want := range []int{503, 503, 200} {
		code, _, err := post(t, context.Background(), p.URL, "a1")
		if err != nil || code != want {
			t.Fatalf("a1 request %d: %d %v, want %d", i, code, err, want)
		}
	}
	// Times counts per distinct query: another matching query gets its own two.
	if code, body, _ := post(t, context.Background(), p.URL, "a2"); code != 503 || body != "busy" {
		t.Fatalf("a2: %d %q", code, body)
	}
	if code, _, _ := post(t, context.Background(), p.URL, "b"); code != 200 {
		t.Fatalf("b (no match): %d", code)
	}
	if n := p.Count("a", "respond"); n != 3 {
		t.Errorf("Count(a, respond) = %d, want 3", n)
	}
}

func TestHangUntilClientGivesUp(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Hang})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := post(t, ctx, p.URL, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
}

func TestHangReleasedByClose(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Hang})
	errc := make(chan error, 1)
	go func() { _, _, err := post(t, context.Background(), p.URL, "x"); errc <- err }()
	for len(p.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	p.Close()
	if err := <-errc; err == nil {
		t.Fatal("a hanging request got an answer after Close")
	}
	if _, _, err := post(t, context.Background(), p.URL, "x"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("after Close: %v, want connection refused", err)
	}
}

func TestMaxInFlight(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Delay, Delay: 100 * time.Millisecond})
	done := make(chan struct{})
	for i := 0; i < 3; i++ {
		go func() { post(t, context.Background(), p.URL, "x"); done <- struct{}{} }()
	}
	for i := 0; i < 3; i++ {
		<-done
	}
	if n := p.MaxInFlight(); n != 3 {
		t.Fatalf("MaxInFlight %d, want 3", n)
	}
}

func TestDelay(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Delay, Delay: 50 * time.Millisecond})
	t0 := time.Now()
	code, _, err := post(t, context.Background(), p.URL, "x")
	if err != nil || code != 200 || time.Since(t0) < 50*time.Millisecond {
		t.Fatalf("code %d err %v after %s", code, err, time.Since(t0))
	}
}

func TestTruncate(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Truncate})
	code, body, err := post(t, context.Background(), p.URL, "abcdef")
	full := `{"status":"success","query":"abcdef","path":"/api/v1/query_range"}`
	if code != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || body != full[:len(full)/2] {
		t.Fatalf("code %d body %q err %v; want 200, half the body, unexpected EOF", code, body, err)
	}
}

func TestRewrite(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Match: "x", Action: Rewrite, Rewrite: func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"status":"success"`, `"status":"success","isPartial":true`, 1))
	}})
	code, body, err := post(t, context.Background(), p.URL, "x")
	if want := `{"status":"success","isPartial":true,"query":"x","path":"/api/v1/query_range"}`; err != nil || code != 200 || body != want {
		t.Fatalf("code %d body %q err %v; want 200 and %s", code, body, err, want)
	}
	if n := p.Count("x", "rewrite"); n != 1 {
		t.Fatalf("%d rewritten requests, want 1", n)
	}
}

func TestDrop(t *testing.T) {
	p := start(t, backend(t).URL)
	p.Inject(Fault{Action: Drop, Times: 1})
	if _, _, err := post(t, context.Background(), p.URL, "x"); err == nil {
		t.Fatal("dropped connection gave no error")
	}
	if code, _, err := post(t, context.Background(), p.URL, "x"); err != nil || code != 200 {
		t.Fatalf("second request: %d %v", code, err)
	}
}

func TestTargetDownIsBadGateway(t *testing.T) {
	srv := backend(t)
	p := start(t, srv.URL)
	srv.Close()
	code, body, err := post(t, context.Background(), p.URL, "x")
	if err != nil || code != 502 || body != BadGatewayPage {
		t.Fatalf("code %d body %q err %v", code, body, err)
	}
	if err := p.SetTarget(backend(t).URL); err != nil {
		t.Fatal(err)
	}
	if code, _, err := post(t, context.Background(), p.URL, "x"); err != nil || code != 200 {
		t.Fatalf("after SetTarget: %d %v", code, err)
	}
}

func TestOnRequest(t *testing.T) {
	p := start(t, backend(t).URL)
	var got []string
	p.OnRequest(func(n int, q string) { got = append(got, q) })
	post(t, context.Background(), p.URL, "one")
	post(t, context.Background(), p.URL, "two")
	if strings.Join(got, ",") != "one,two" {
		t.Fatalf("hook saw %q", got)
	}
}

func TestBadTarget(t *testing.T) {
	for _, target := range []string{"", "ftp://x", "127.0.0.1:9090", "http://"} {
		if _, err := New(target); err == nil || !strings.Contains(err.Error(), "want an http") {
			t.Errorf("New(%q): %v", target, err)
		}
	}
}
