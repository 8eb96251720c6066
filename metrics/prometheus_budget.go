package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// errTooLarge marks a response larger than the whole budget.
var errTooLarge = errors.New("response too large")

// errBudgetBusy marks a response that did not fit beside the ones other
// queries hold: it is sent again once one of them is done.
var errBudgetBusy = errors.New("response buffer budget taken by other queries")

// byteBudget bounds the bytes of response bodies held at once across the
// queries in flight. A response takes what it reads as it reads it; one
// that would take more than is left while others hold the rest gives all
// it holds back and is sent again after one of them is done, so no two
// responses can wait on each other; one larger than the whole budget fails.
type byteBudget struct {
	max int64

	mu      sync.Mutex
	used    int64
	freed   chan struct{} // closed, and replaced, whenever a response gives its bytes back
	maxUsed int64         // the most ever held at once, for tests
}

func newByteBudget(max int64) *byteBudget {
	return &byteBudget{max: max, freed: make(chan struct{})}
}

// grant is the part of the budget one response holds.
type grant struct {
	b    *byteBudget
	held int64
	wait <-chan struct{} // after errBudgetBusy: closed when others have given bytes back
}

// take adds n bytes to the grant: errTooLarge when the grant would hold more
// than the whole budget, errBudgetBusy (the grant given back) when the
// others hold too much for n more now.
func (g *grant) take(n int64) error {
	b := g.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if g.held+n > b.max {
		return errTooLarge
	}
	if b.used+n > b.max {
		b.giveLocked(g)
		g.wait = b.freed
		return errBudgetBusy
	}
	b.used += n
	g.held += n
	b.maxUsed = max(b.maxUsed, b.used)
	return nil
}

// give returns n of the grant's bytes (all of them when n is more): the
// old buffer of one that grew. It does not wake the responses waiting to be
// sent again, as the grant has just taken more than it gives.
func (g *grant) give(n int64) {
	g.b.mu.Lock()
	defer g.b.mu.Unlock()
	n = min(n, g.held)
	g.b.used -= n
	g.held -= n
}

// done returns everything the grant holds.
func (g *grant) done() {
	g.b.mu.Lock()
	defer g.b.mu.Unlock()
	g.b.giveLocked(g)
}

func (b *byteBudget) giveLocked(g *grant) {
	if g.held > 0 {
		b.used -= g.held
		g.held = 0
		b.signalLocked()
	}
}

func (b *byteBudget) signalLocked() {
	close(b.freed)
	b.freed = make(chan struct{})
}

// awaitFree waits until, after an errBudgetBusy, another response has given its bytes back.
func (g *grant) awaitFree(ctx context.Context) error {
	select {
	case <-g.wait:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readBody reads r to its end into a buffer charged to g, starting from
// pooled (whose capacity g already holds) and sized from the Content-Length
// when the server sent one. The buffer grows by doubling up to the budget;
// g holds its capacity (and, while it grows, briefly the old one too).
func readBody(r io.Reader, contentLength int64, g *grant, pooled []byte) ([]byte, error) {
	buf := pooled[:0]
	limit := g.b.max
	if contentLength > limit {
		return buf, errTooLarge
	}
	if want := contentLength + 1; contentLength >= 0 && int64(cap(buf)) < want { // +1 to read the EOF without growing
		want = min(want, limit)
		if err := g.take(want); err != nil {
			return buf, err
		}
		g.give(int64(cap(buf)))
		buf = make([]byte, 0, want)
	}
	for {
		if len(buf) == cap(buf) {
			if int64(cap(buf)) >= limit {
				var probe [1]byte
				if n, _ := io.ReadFull(r, probe[:]); n > 0 {
					return buf, errTooLarge
				}
				return buf, nil
			}
			newCap := min(max(2*int64(cap(buf)), 64<<10), limit)
			if err := g.take(newCap); err != nil {
				return buf, err
			}
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			g.give(int64(cap(buf)))
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// tooLargeMsg is the message of a response larger than the budget.
func tooLargeMsg(max int64) string {
	return fmt.Sprintf("response larger than %d bytes (source.prometheus.max_buffered_bytes); narrow the query or raise the limit", max)
}
