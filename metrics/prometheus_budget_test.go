package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
)

// bigMatrix is a valid answer for testWindow padded with a label value to about n bytes.
func bigMatrix(n int) string {
	return strings.Replace(okMatrix, `"job":"a"`, `"job":"`+strings.Repeat("x", max(n-len(okMatrix), 1))+`"`, 1)
}

// TestPrometheusResponseTooLarge: a body larger than max_buffered_bytes
// fails as exactly that — not as malformed JSON — and is not retried,
// whether the server announces its length or streams it.
func TestPrometheusResponseTooLarge(t *testing.T) {
	body := bigMatrix(5000)
	for name, h := range map[string]func(http.ResponseWriter, *http.Request){
		"with Content-Length": reply(200, "application/json", body),
		"streamed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(body); i += 512 {
				fmt.Fprint(w, body[i:min(i+512, len(body))])
				w.(http.Flusher).Flush() // chunked: no Content-Length
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			p, f := fakeSource(t, config.Prometheus{MaxBufferedBytes: 1000, Retries: 3}, h)
			_, err := p.Fetch(context.Background(), testWindow)
			qe := queryErr(t, err)
			if qe.Kind != "too large" || !strings.Contains(qe.Msg, "response larger than 1000 bytes (source.prometheus.max_buffered_bytes)") || f.calls.Load() != 1 {
				t.Fatalf("error %v after %d requests; want one unretried \"response larger than 1000 bytes\"", err, f.calls.Load())
			}
			if p.budget.used != 0 {
				t.Errorf("%d bytes still held after the query", p.budget.used)
			}
		})
	}
	// A body of exactly the limit fits.
	exact := bigMatrix(3000)
	p, _ := fakeSource(t, config.Prometheus{MaxBufferedBytes: len(exact)}, reply(200, "application/json", exact))
	if _, err := p.Fetch(context.Background(), testWindow); err != nil {
		t.Fatalf("a body of exactly max_buffered_bytes: %v", err)
	}
}

// TestPrometheusBudgetBoundsResponsesInFlight: 16 queries, 8 in flight,
// each answer 300 KB streamed slowly, under a 1 MiB budget: at most 1 MiB
// is held at once, every query still succeeds (the ones that did not fit
// are sent again, not counted as attempts), and nothing is held after.
func TestPrometheusBudgetBoundsResponsesInFlight(t *testing.T) {
	body := bigMatrix(300 << 10)
	slow := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < len(body); i += 32 << 10 {
			fmt.Fprint(w, body[i:min(i+32<<10, len(body))])
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	}
	p, _ := fakeSource(t, config.Prometheus{MaxBufferedBytes: 1 << 20, Concurrency: 8}, slow)
	qs := make([]Query, 16)
	for i := range qs {
		qs[i] = testWindow
		qs[i].Metric = fmt.Sprintf("m%d", i)
	}
	for i, o := range FetchAll(context.Background(), p, qs, p.Concurrency()) {
		if o.Err != nil || len(o.Result.Series) != 1 {
			t.Fatalf("query %d: %v", i, o.Err)
		}
	}
	if p.budget.maxUsed > 1<<20 || p.budget.maxUsed < 300<<10 || p.budget.used != 0 {
		t.Fatalf("held at most %d bytes (budget %d), %d after; want the bound kept and everything given back", p.budget.maxUsed, 1<<20, p.budget.used)
	}
}

// TestGrantTakeGive: the budget's arithmetic.
func TestGrantTakeGive(t *testing.T) {
	b := newByteBudget(100)
	g1, g2 := &grant{b: b}, &grant{b: b}
	if err := g1.take(60); err != nil {
		t.Fatal(err)
	}
	if err := g2.take(101); err != errTooLarge {
		t.Fatalf("take more than the budget: %v, want errTooLarge", err)
	}
	if err := g2.take(30); err != nil {
		t.Fatal(err)
	}
	if err := g2.take(20); err != errBudgetBusy || g2.held != 0 || b.used != 60 {
		t.Fatalf("take beyond what is left: %v, held %d, used %d; want errBudgetBusy with the grant given back", err, g2.held, b.used)
	}
	wait := g2.wait
	select {
	case <-wait:
		t.Fatal("the wait is over before anything was given back")
	default:
	}
	g1.done()
	select {
	case <-wait:
	default:
		t.Fatal("the wait is not over after bytes were given back")
	}
	if b.used != 0 || b.maxUsed != 90 {
		t.Fatalf("used %d, maxUsed %d; want 0 and 90", b.used, b.maxUsed)
	}
}
