// Package metrics fetches the baseline and canary samples a judge compares,
// from a Prometheus-compatible HTTP API or from a recording on disk.
package metrics

import (
	"context"
	"errors"
	"time"
)

// Side names which deployment a query is for.
type Side string

const (
	Baseline Side = "baseline"
	Canary   Side = "canary"
)

// Query is one range query for one metric and one side.
type Query struct {
	Metric string // metric name from the config
	// Part names which of a metric's queries this is: "" for the one query
	// of a series metric; "numerator" or "denominator" for a `kind: ratio`
	// metric. Other kinds may add parts (a histogram kind is planned).
	Part  string
	Side  Side          // baseline or canary
	Expr  string        // the PromQL with {{ .Scope }} already expanded
	Start time.Time     // inclusive
	End   time.Time     // inclusive
	Step  time.Duration // resolution of the step-aligned range query
}

// Point is one sample: a timestamp and a value (which may be NaN or ±Inf).
type Point struct {
	T time.Time
	V float64
}

// Series is one returned time series with its labels.
type Series struct {
	Labels map[string]string
	Points []Point
}

// Result is what a source returned for one Query.
type Result struct {
	Series   []Series
	Warnings []string // server warnings and infos, for the report
}

// Source fetches the samples of a query. Implementations must be safe for
// concurrent use. An empty result is not an error: it is Result{} and nil.
type Source interface {
	Fetch(ctx context.Context, q Query) (Result, error)
}

// ErrNotRecorded is returned by a recording that holds no entry for a query.
var ErrNotRecorded = errors.New("not in the recording")

// Values pools the values of every point of every series, in series then time order.
func (r Result) Values() []float64 {
	n := 0
	for _, s := range r.Series {
		n += len(s.Points)
	}
	out := make([]float64, 0, n)
	for _, s := range r.Series {
		for _, p := range s.Points {
			out = append(out, p.V)
		}
	}
	return out
}
