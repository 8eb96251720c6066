package metrics

import (
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// ErrPartial marks a query whose answer the server said was partial: a
// Thanos-style "partial response" warning or VictoriaMetrics' "isPartial":
// true. Some of the data is missing, so the metric is `error` (SPEC §4);
// callers find it with errors.Is.
var ErrPartial = errors.New("partial response")

// ErrMalformed marks a query whose answer parsed but breaks the rules every
// matrix keeps: timestamps in increasing order within a series, one series
// per label set, and points within the requested range. Such data would be
// counted wrongly, so the metric is `error`; callers find it with errors.Is.
var ErrMalformed = errors.New("malformed data")

// checkBody returns the failure of a decoded answer to range r that is
// partial or malformed, or nil when it is whole and well formed.
//
// A point may lie less than one step outside r: query frontends that align
// a range to their step grid for caching (Thanos' align-range-with-step,
// Mimir's align_queries_with_step) answer on that grid, so a range whose
// start is not a multiple of the step comes back shifted by less than a step. For
// the same reason the points are not required to lie on r's step grid.
// Anything farther out is not an answer to the query that was sent.
func checkBody(body *rangeBody, r v1.Range) *failure {
	if body.partial {
		return &failure{kind: "partial", err: ErrPartial, retry: true,
			msg: "partial response: the server marked its answer isPartial (some of its storage did not answer)"}
	}
	for _, w := range body.warnings {
		if isPartialWarning(w) {
			return &failure{kind: "partial", err: ErrPartial, retry: true, msg: "partial response: server warning: " + w}
		}
	}
	lo, hi := r.Start.Add(-r.Step), r.End.Add(r.Step)
	seen := make(map[string]bool, len(body.series))
	for _, s := range body.series {
		if seen[s.key] {
			return malformed("two series with the same labels %s", LabelString(s.labels))
		}
		seen[s.key] = true
		if inOrderWithin(s.points, lo, hi) {
			continue
		}
		for j, pt := range s.points { // find the first point at fault, to name it
			if j > 0 && !pt.T.After(s.points[j-1].T) {
				what := "out of order"
				if pt.T.Equal(s.points[j-1].T) {
					what = "repeated"
				}
				return malformed("series %s: timestamp %s %s at point %d", LabelString(s.labels), fmtTime(pt.T), what, j)
			}
			if !pt.T.After(lo) || !pt.T.Before(hi) {
				return malformed("series %s: point at %s outside the requested range %s to %s", LabelString(s.labels),
					fmtTime(pt.T), fmtTime(r.Start), fmtTime(r.End))
			}
		}
	}
	return nil
}

// inOrderWithin reports whether the points' times increase and lie strictly
// between lo and hi, as checkBody's per-point test with time.Time's After and
// Before: the same comparisons of whole Unix seconds, then nanoseconds, made
// on integers without a call per point (BenchmarkCheckBody). It agrees with
// After and Before because a decoded point carries no monotonic clock
// reading (those two compare monotonic readings only when both times have one).
func inOrderWithin(pts []Point, lo, hi time.Time) bool {
	if len(pts) == 0 {
		return true
	}
	loS, loN := lo.Unix(), lo.Nanosecond()
	hiS, hiN := hi.Unix(), hi.Nanosecond()
	first, last := pts[0].T, pts[len(pts)-1].T
	if fs, fn := first.Unix(), first.Nanosecond(); fs < loS || fs == loS && fn <= loN {
		return false // not after lo
	}
	if ls, ln := last.Unix(), last.Nanosecond(); ls > hiS || ls == hiS && ln >= hiN {
		return false // not before hi
	}
	// Increasing from the first, whose time is after lo, to the last, whose
	// time is before hi: every time lies between them.
	ps, pn := first.Unix(), first.Nanosecond()
	for _, pt := range pts[1:] {
		s, n := pt.T.Unix(), pt.T.Nanosecond()
		if s < ps || s == ps && n <= pn {
			return false
		}
		ps, pn = s, n
	}
	return true
}

// isPartialWarning reports whether a server warning says data is missing:
// Thanos (with partial responses enabled) and others phrase it "partial response".
func isPartialWarning(w string) bool {
	return strings.Contains(strings.ToLower(w), "partial response")
}

func malformed(format string, args ...any) *failure {
	return &failure{kind: "invalid response", err: ErrMalformed, msg: "malformed data: " + fmt.Sprintf(format, args...)}
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999Z07:00") }
