package metrics

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Expand renders a metric's query template with the scope text as
// {{ .Scope }} and the step as {{ .Step }}, a PromQL duration ("60s"; see
// PromDuration). Any other template field is an error.
func Expand(query, scope string, step time.Duration) (string, error) {
	t, err := template.New("query").Option("missingkey=error").Parse(query)
	if err != nil {
		return "", fmt.Errorf("query template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ Scope, Step string }{scope, PromDuration(step)}); err != nil {
		return "", fmt.Errorf("query template: %w", err)
	}
	return b.String(), nil
}

// PromDuration writes d as a PromQL duration: whole seconds as "60s", else
// milliseconds ("1500ms"), PromQL's finest unit (finer parts are dropped).
func PromDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
}

// Outcome is the result of one query of a batch.
type Outcome struct {
	Result Result
	Err    error
}

// FetchAll runs the queries against src with at most concurrency in flight
// and returns their outcomes in the order of queries. It stops starting new
// queries once ctx is done; those not started fail with ctx's error.
func FetchAll(ctx context.Context, src Source, queries []Query, concurrency int) []Outcome {
	out := make([]Outcome, len(queries))
	FetchEach(ctx, src, queries, concurrency, func(i int, o Outcome) { out[i] = o })
	return out
}

// FetchEach runs the queries as FetchAll does and calls done(i, outcome) for
// each query i as soon as it finishes, so that a caller can work on early
// results (judge a metric once both its sides are in) while later queries
// are still running. done is called exactly once per query, possibly from
// several goroutines at once, after the query's slot is freed: a slow done
// does not hold back fetching. FetchEach returns when every done has returned.
func FetchEach(ctx context.Context, src Source, queries []Query, concurrency int, done func(i int, o Outcome)) {
	if concurrency < 1 {
		concurrency = 1
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, q := range queries {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(queries); j++ {
				done(j, Outcome{Err: ctx.Err()})
			}
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := src.Fetch(ctx, q)
			<-sem
			done(i, Outcome{Result: res, Err: err})
		}()
	}
	wg.Wait()
}
