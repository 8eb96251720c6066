package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
)

// matrixOf is a query_range answer with the given series objects and extra top-level members.
func matrixOf(top string, series ...string) string {
	return `{"status":"success",` + top + `"data":{"resultType":"matrix","result":[` + strings.Join(series, ",") + `]}}`
}

// TestPrometheusPartialAndMalformedAnswers: an answer the server marks
// partial, or whose data breaks the matrix rules (order, one series per
// label set, within the requested range), fails the query with a
// distinguishable error instead of being counted.
func TestPrometheusPartialAndMalformedAnswers(t *testing.T) {
	// testWindow: 1704067200 to 1704067260 at 60 s.
	ok := `{"metric":{"pod":"a"},"values":[[1704067200,"1"],[1704067260,"2"]]}`
	cases := []struct {
		name, body string
		sentinel   error
		want       string
	}{
		{"Thanos partial response warning", matrixOf(`"warnings":["partial response: store 10.0.0.1:10901 unavailable"],`, ok),
			ErrPartial, "partial response: server warning: partial response: store 10.0.0.1:10901 unavailable"},
		{"partial response warning in other case", matrixOf(`"warnings":["Receive: Partial Response from 1 of 3 stores"],`, ok),
			ErrPartial, "Partial Response from 1 of 3 stores"},
		{"VictoriaMetrics isPartial", matrixOf(`"isPartial":true,`, ok), ErrPartial, "marked its answer isPartial"},
		{"repeated timestamps", matrixOf("", `{"metric":{"pod":"a"},"values":[[1704067200,"1"],[1704067200,"1"],[1704067200,"1"]]}`),
			ErrMalformed, `malformed data: series {pod="a"}: timestamp 2024-01-01T00:00:00Z repeated at point 1`},
		{"timestamps out of order", matrixOf("", `{"metric":{"pod":"a"},"values":[[1704067260,"1"],[1704067200,"1"]]}`),
			ErrMalformed, "timestamp 2024-01-01T00:00:00Z out of order at point 1"},
		{"two series with the same labels", matrixOf("", ok, `{"metric":{"pod":"a"},"values":[[1704067200,"5"]]}`),
			ErrMalformed, `two series with the same labels {pod="a"}`},
		{"a point from 1999", matrixOf("", `{"metric":{"pod":"a"},"values":[[915148800,"1"],[1704067200,"1"]]}`),
			ErrMalformed, "point at 1999-01-01T00:00:00Z outside the requested range 2024-01-01T00:00:00Z to 2024-01-01T00:01:00Z"},
		{"a point past the end", matrixOf("", `{"metric":{"pod":"a"},"values":[[1704067200,"1"],[1704070800,"1"]]}`),
			ErrMalformed, "point at 2024-01-01T01:00:00Z outside the requested range"},
		{"a point exactly one step early", matrixOf("", `{"metric":{"pod":"a"},"values":[[1704067140,"1"]]}`),
			ErrMalformed, "outside the requested range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _ := fakeSource(t, config.Prometheus{}, reply(200, "application/json", c.body))
			res, err := p.Fetch(context.Background(), testWindow)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			qe := queryErr(t, err)
			if !errors.Is(err, c.sentinel) || !strings.Contains(qe.Msg, c.want) {
				t.Fatalf("error %q (errors.Is %v: %v), want %q", err, c.sentinel, errors.Is(err, c.sentinel), c.want)
			}
			other := ErrMalformed
			if c.sentinel == ErrMalformed {
				other = ErrPartial
			}
			if errors.Is(err, other) {
				t.Errorf("error is also %v", other)
			}
		})
	}
}

// TestPrometheusPartialIsRetried: a partial answer is retried (the store
// that did not answer may be back), and a whole answer after it is used.
func TestPrometheusPartialIsRetried(t *testing.T) {
	p, f := fakeSource(t, config.Prometheus{Retries: 1},
		reply(200, "application/json", matrixOf(`"isPartial":true,`)), reply(200, "application/json", okMatrix))
	res, err := p.Fetch(context.Background(), testWindow)
	if err != nil || len(res.Series) != 1 || f.calls.Load() != 2 {
		t.Fatalf("result %+v, error %v, %d calls; want the second answer", res, err, f.calls.Load())
	}
}

// TestPrometheusGridAlignedAnswer: a query frontend that aligns the range
// to its step grid (Thanos, Mimir) answers up to a step outside an
// unaligned range; that is not an error, and the
// points outside the window are left out.
func TestPrometheusGridAlignedAnswer(t *testing.T) {
	q := testWindow
	q.Start, q.End = time.Unix(1704067230, 0), time.Unix(1704067290, 0) // 30 s off the minute grid
	body := matrixOf("", `{"metric":{"pod":"a"},"values":[[1704067200,"1"],[1704067260,"2"],[1704067320,"3"]]}`)
	p, _ := fakeSource(t, config.Prometheus{}, reply(200, "application/json", body))
	res, err := p.Fetch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series) != 1 || len(res.Series[0].Points) != 1 || res.Series[0].Points[0].V != 2 {
		t.Fatalf("result %+v, want the one point within the window", res.Series)
	}
}
