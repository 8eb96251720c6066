package report

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/internal/testenv"
)

// This file drives a headless Debian chromium through the DevTools protocol
// over a minimal WebSocket client (RFC 6455, client side: masked text frames
// out, unmasked frames in), so the browser tests need no dependency.

// chromiumFlags returns the launch flags of every browser test: headless, no
// sandbox (containers), nothing phoning home, networking refused.
func chromiumFlags() []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
		"--disable-default-apps", "--mute-audio", "--hide-scrollbars",
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
	}
}

// needChromium returns chromium's path. Browser tests are heavy (skipped
// by -short); a missing chromium fails them under CI and make test and
// skips them loudly elsewhere (testenv).
func needChromium(t *testing.T) string {
	t.Helper()
	testenv.Heavy(t, "drives Chromium")
	return testenv.LookPath(t, "chromium", "chromium-browser")
}

// browser is one headless chromium with a DevTools connection to its page.
type browser struct {
	t      *testing.T
	cmd    *exec.Cmd
	done   chan struct{} // closed when chromium's stderr is drained
	ws     *wsConn
	nextID int
	events []cdpMessage
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startBrowser launches chromium on about:blank and connects to its page.
func startBrowser(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	bin := needChromium(t)
	args := chromiumFlags()
	args = append(args, "--user-data-dir="+t.TempDir(), "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "about:blank")
	cmd := exec.CommandContext(ctx, bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	b := &browser{t: t, cmd: cmd, done: make(chan struct{})}
	t.Cleanup(b.close)

	found := make(chan string, 1)
	devtoolsRE := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	var browserURL string
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("chromium exited without a DevTools endpoint")
		}
		browserURL = u
	case <-time.After(2 * time.Minute): // a failsafe for a hung chromium, generous for a loaded machine
		t.Fatal("chromium printed no DevTools endpoint in 2 minutes")
	}
	u, err := url.Parse(browserURL)
	if err != nil {
		t.Fatal(err)
	}
	pageURL, err := pageTarget(ctx, u.Host)
	if err != nil {
		t.Fatal(err)
	}
	if b.ws, err = dialWS(ctx, pageURL); err != nil {
		t.Fatalf("connecting to the page: %v", err)
	}
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		b.call(m, nil, nil)
	}
	return b
}

// pageTarget returns the WebSocket URL of the browser's first page.
func pageTarget(ctx context.Context, host string) (string, error) {
	for ctx.Err() == nil { // until the test's deadline, not a count of tries that a loaded machine could exhaust
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/json/list", nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			decErr := json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			if decErr != nil {
				targets = nil // not ready yet: ask again
			}
			for _, tg := range targets {
				if tg.Type == "page" && tg.WebSocketDebuggerURL != "" {
					return tg.WebSocketDebuggerURL, nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.New("chromium lists no page target")
}

func (b *browser) close() {
	if b.ws != nil {
		b.ws.conn.Close()
	}
	if b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		<-b.done
		_ = b.cmd.Wait()
	}
}

// call sends a DevTools command and decodes its result into out (if not nil),
// keeping the events that arrive meanwhile.
func (b *browser) call(method string, params any, out any) {
	b.t.Helper()
	b.nextID++
	id := b.nextID
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.ws.writeText(msg); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	for {
		m := b.read(method)
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			b.t.Fatalf("%s: DevTools error %d: %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s: decoding result: %v", method, err)
			}
		}
		return
	}
}

// read returns the next message, recording events.
func (b *browser) read(waitingFor string) cdpMessage {
	b.t.Helper()
	data, err := b.ws.readMessage()
	if err != nil {
		b.t.Fatalf("waiting for %s: %v", waitingFor, err)
	}
	var m cdpMessage
	if err := json.Unmarshal(data, &m); err != nil {
		b.t.Fatalf("waiting for %s: bad DevTools message: %v", waitingFor, err)
	}
	if m.Method != "" {
		b.events = append(b.events, m)
	}
	return m
}

// waitEvent returns once an event named method has arrived after the
// index-th recorded event.
func (b *browser) waitEvent(method string, index int) {
	b.t.Helper()
	for i := index; ; i++ {
		for i >= len(b.events) {
			b.read(method)
		}
		if b.events[i].Method == method {
			return
		}
	}
}

// navigate loads url and waits for its load event.
func (b *browser) navigate(u string) {
	b.t.Helper()
	mark := len(b.events)
	var res struct{ ErrorText string }
	b.call("Page.navigate", map[string]any{"url": u}, &res)
	if res.ErrorText != "" {
		b.t.Fatalf("navigating to %s: %s", u, res.ErrorText)
	}
	b.waitEvent("Page.loadEventFired", mark)
}

// eval evaluates a JavaScript expression in the page (from the test, not
// the report: the page itself runs no script) and decodes its JSON value.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("evaluating %q: %s", expr, res.ExceptionDetails.Text)
	}
	if err := json.Unmarshal(res.Result.Value, out); err != nil {
		b.t.Fatalf("evaluating %q: %v", expr, err)
	}
}

// problems returns the console errors and warnings, uncaught exceptions and
// browser log errors (failed loads, CSP violations) recorded so far.
func (b *browser) problems() []string {
	var out []string
	for _, e := range b.events {
		switch e.Method {
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string
				Args []struct {
					Value       any
					Description string
				}
			}
			_ = json.Unmarshal(e.Params, &p)
			if p.Type == "error" || p.Type == "warning" || p.Type == "assert" {
				var parts []string
				for _, a := range p.Args {
					parts = append(parts, fmt.Sprint(a.Value, a.Description))
				}
				out = append(out, "console."+p.Type+": "+strings.Join(parts, " "))
			}
		case "Runtime.exceptionThrown":
			out = append(out, "exception: "+string(e.Params))
		case "Log.entryAdded":
			var p struct {
				Entry struct{ Level, Source, Text, URL string }
			}
			_ = json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				out = append(out, fmt.Sprintf("log %s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL))
			}
		}
	}
	return out
}

// screenshot captures the viewport of width×height CSS pixels as PNG.
func (b *browser) screenshot(width, height int) []byte {
	b.t.Helper()
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	var res struct{ Data string }
	b.call("Page.captureScreenshot", map[string]any{"format": "png"}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// wsConn is a client WebSocket connection.
type wsConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialWS opens a WebSocket to a ws:// URL.
func dialWS(ctx context.Context, raw string) (*wsConn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		u.RequestURI(), u.Host, base64.StdEncoding.EncodeToString(key))
	r := bufio.NewReaderSize(conn, 1<<16)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	return &wsConn{conn: conn, r: r}, nil
}

// writeText sends one masked text frame.
func (c *wsConn) writeText(p []byte) error { return c.writeFrame(0x1, p) }

func (c *wsConn) writeFrame(op byte, p []byte) error {
	hdr := []byte{0x80 | op}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := make([]byte, 4)
	_, _ = rand.Read(mask)
	hdr = append(hdr, mask...)
	body := make([]byte, len(p))
	for i := range p {
		body[i] = p[i] ^ mask[i%4]
	}
	_, err := c.conn.Write(append(hdr, body...))
	return err
}

// readMessage returns the next text or binary message, answering pings.
func (c *wsConn) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(c.r, e[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		var mask []byte
		if h[1]&0x80 != 0 {
			mask = make([]byte, 4)
			if _, err := io.ReadFull(c.r, mask); err != nil {
				return nil, err
			}
		}
		if n > 256<<20 {
			return nil, fmt.Errorf("websocket frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.r, p); err != nil {
			return nil, err
		}
		if mask != nil {
			for i := range p {
				p[i] ^= mask[i%4]
			}
		}
		switch op {
		case 0x8:
			return nil, errors.New("websocket closed by the browser")
		case 0x9:
			if err := c.writeFrame(0xA, p); err != nil {
				return nil, err
			}
			continue
		case 0xA:
			continue
		}
		msg = append(msg, p...)
		if fin {
			return msg, nil
		}
	}
}
