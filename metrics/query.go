package metrics

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"text/template"
)

// Expand renders a metric's query template with the scope text as {{ .Scope }}.
// Any other template field is an error.
func Expand(query, scope string) (string, error) {
	t, err := template.New("query").Option("missingkey=error").Parse(query)
	if err != nil {
		return "", fmt.Errorf("query template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ Scope string }{scope}); err != nil {
		return "", fmt.Errorf("query template: %w", err)
	}
	return b.String(), nil
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
	if concurrency < 1 {
		concurrency = 1
	}
	out := make([]Outcome, len(queries))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, q := range queries {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(queries); j++ {
				out[j].Err = ctx.Err()
			}
			wg.Wait()
			return out
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := src.Fetch(ctx, q)
			out[i] = Outcome{Result: res, Err: err}
		}()
	}
	wg.Wait()
	return out
}
