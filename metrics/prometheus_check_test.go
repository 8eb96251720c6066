package metrics

import (
	"context"
	"errors"
	"math/rand/v2"
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

// plainInOrderWithin is the per-point test inOrderWithin replaces: each time
// after the one before it, after lo and before hi, by time.Time's methods.
func plainInOrderWithin(pts []Point, lo, hi time.Time) bool {
	for j, pt := range pts {
		if j > 0 && !pt.T.After(pts[j-1].T) || !pt.T.After(lo) || !pt.T.Before(hi) {
			return false
		}
	}
	return true
}

// TestInOrderWithinAgrees checks inOrderWithin against time.Time's After and
// Before on points in and out of order, repeated, at and beyond the bounds
// (to the nanosecond), before 1970, and with bounds carrying a monotonic
// clock reading as time.Now's do.
func TestInOrderWithinAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	base := time.Unix(1704067200, 0)
	now := time.Now() // a monotonic reading
	disagree := 0
	for iter := range 20000 {
		start := base
		switch iter % 4 {
		case 1:
			start = time.Unix(-86400*400, 0) // before 1970: negative seconds
		case 2:
			start = now
		}
		n := r.IntN(6)
		pts := make([]Point, n)
		at := start
		for k := range pts {
			switch r.IntN(8) {
			case 0: // repeated
			case 1: // a nanosecond back
				at = at.Add(-time.Nanosecond)
			case 2:
				at = at.Add(time.Nanosecond)
			default:
				at = at.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
			}
			pts[k] = Point{T: at.Round(0)} // as decoded: no monotonic reading
		}
		lo := start.Add(time.Duration(r.IntN(5)-3) * time.Millisecond).Add(time.Duration(r.IntN(3)-1) * time.Nanosecond)
		hi := at.Add(time.Duration(r.IntN(5)-1) * time.Millisecond).Add(time.Duration(r.IntN(3)-1) * time.Nanosecond)
		if iter%4 == 3 {
			lo, hi = now.Add(-time.Hour), now.Add(time.Hour) // monotonic bounds around wall times
			for k := range pts {
				pts[k].T = now.Add(time.Duration(k-2) * time.Minute).Round(0)
			}
		}
		if got, want := inOrderWithin(pts, lo, hi), plainInOrderWithin(pts, lo, hi); got != want {
			disagree++
			if disagree < 5 {
				t.Errorf("points %v, lo %v, hi %v: inOrderWithin %v, After/Before %v", pts, lo, hi, got, want)
			}
		}
	}
	if disagree > 0 {
		t.Errorf("%d of 20000 disagree", disagree)
	}
}

// BenchmarkCheckBody is inOrderWithin against the per-point After and Before
// it replaces, on a day of 15 s points.
func BenchmarkCheckBody(b *testing.B) {
	start := time.Unix(1704067200, 0).UTC()
	pts := make([]Point, 5761)
	for i := range pts {
		pts[i] = Point{T: start.Add(time.Duration(i) * 15 * time.Second), V: float64(i)}
	}
	lo, hi := start.Add(-15*time.Second), pts[len(pts)-1].T.Add(15*time.Second)
	for _, way := range []struct {
		name string
		f    func([]Point, time.Time, time.Time) bool
	}{{"integers", inOrderWithin}, {"After-Before", plainInOrderWithin}} {
		b.Run(way.name, func(b *testing.B) {
			for b.Loop() {
				if !way.f(pts, lo, hi) {
					b.Fatal("refused ordered points")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pts)), "ns/point")
		})
	}
}
