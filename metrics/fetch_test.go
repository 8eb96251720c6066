package metrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// gateSource blocks each Fetch until released and records the peak number in flight.
type gateSource struct {
	inFlight, peak atomic.Int32
	release        chan struct{}
}

func (g *gateSource) Fetch(ctx context.Context, q Query) (Result, error) {
	n := g.inFlight.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer g.inFlight.Add(-1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if q.Expr == "fail" {
		return Result{}, errors.New("boom")
	}
	return Result{Series: []Series{{Labels: map[string]string{"q": q.Expr}}}}, nil
}

func TestFetchAllKeepsOrderAndBound(t *testing.T) {
	src := &gateSource{release: make(chan struct{})}
	var queries []Query
	for i := 0; i < 20; i++ {
		expr := fmt.Sprint(i)
		if i == 7 {
			expr = "fail"
		}
		queries = append(queries, Query{Expr: expr})
	}
	go func() {
		for range queries {
			src.release <- struct{}{}
		}
	}()
	out := FetchAll(context.Background(), src, queries, 3)
	if p := src.peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak in flight %d, want 1..3", p)
	}
	for i, o := range out {
		if i == 7 {
			if o.Err == nil {
				t.Fatal("query 7: no error")
			}
			continue
		}
		if o.Err != nil || o.Result.Series[0].Labels["q"] != fmt.Sprint(i) {
			t.Fatalf("outcome %d: %+v", i, o)
		}
	}
}

func TestFetchEachCallsDoneOnceWithoutHoldingASlot(t *testing.T) {
	src := &gateSource{release: make(chan struct{}, 100)}
	for i := 0; i < 100; i++ {
		src.release <- struct{}{}
	}
	queries := make([]Query, 10)
	var mu sync.Mutex
	calls := map[int]int{}
	firstDone := make(chan struct{})
	var once sync.Once
	FetchEach(context.Background(), src, queries, 1, func(i int, o Outcome) {
		mu.Lock()
		calls[i]++
		mu.Unlock()
		if i == 0 {
			// With one slot, later queries can only finish if this done does
			// not hold the slot; wait for the next one to prove it.
			once.Do(func() { <-firstDone })
			return
		}
		if i == 1 {
			close(firstDone)
		}
	})
	for i := range queries {
		if calls[i] != 1 {
			t.Fatalf("done called %d times for query %d", calls[i], i)
		}
	}
}

func TestFetchAllCancelled(t *testing.T) {
	src := &gateSource{release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := FetchAll(ctx, src, make([]Query, 5), 2)
	for i, o := range out {
		if !errors.Is(o.Err, context.Canceled) {
			t.Fatalf("outcome %d: %v, want context.Canceled", i, o.Err)
		}
	}
}
