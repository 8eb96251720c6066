package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RecordingVersion is the version of the recording format this build writes and reads.
const RecordingVersion = 1

// MaxRecordingSize bounds the size of a recording file read from disk.
const MaxRecordingSize = 512 << 20

// Recording is a saved set of query results: per metric, part and side, the
// query that ran and the series it returned. Its JSON form is documented in
// docs/recording.md and written by a hand-written codec (recording_json.go),
// so these types carry no json tags. Judging a recording needs no network.
type Recording struct {
	Version int
	Window  RecordedWindow
	Metrics map[string]*RecordedMetric
}

// RecordedWindow is the window the recording was taken over.
type RecordedWindow struct {
	Start time.Time
	End   time.Time
	Step  Duration
	// BaselineOffset is the baseline's shift back in time, when one was used.
	BaselineOffset Duration
}

// RecordedSides holds both sides of one query of a metric.
type RecordedSides struct {
	Baseline *RecordedQuery
	Canary   *RecordedQuery
}

// RecordedMetric holds one metric: its sides directly for a series metric
// (Query.Part ""), or per part for a metric of several queries (a ratio's
// "numerator" and "denominator"). A metric holds one form, not both.
type RecordedMetric struct {
	RecordedSides
	Parts map[string]*RecordedSides
}

// Lookup returns the recorded query of a part and side, or nil.
func (m *RecordedMetric) Lookup(part string, side Side) *RecordedQuery {
	if m == nil {
		return nil
	}
	s := &m.RecordedSides
	if part != "" {
		if s = m.Parts[part]; s == nil {
			return nil
		}
	}
	if side == Baseline {
		return s.Baseline
	}
	return s.Canary
}

// partNames returns the metric's part names, sorted; none for a series metric.
func (m *RecordedMetric) partNames() []string { return slices.Sorted(maps.Keys(m.Parts)) }

// sideQuery is one side's recorded query, with the side's JSON key.
type sideQuery struct {
	key string
	q   *RecordedQuery
}

// sides lists the baseline's and canary's queries, in that order (either may be nil).
func (s *RecordedSides) sides() []sideQuery {
	return []sideQuery{{"baseline", s.Baseline}, {"canary", s.Canary}}
}

// RecordedQuery is one query and what it returned (or the error it failed with).
type RecordedQuery struct {
	Query    string
	Start    time.Time
	End      time.Time
	Series   []RecordedSeries
	Warnings []string
	Error    string
}

// RecordedSeries is one series: labels and its points, written as
// [unix seconds, "value"] pairs, the shape of Prometheus' matrix result
// (values are strings so NaN and ±Inf survive).
type RecordedSeries struct {
	Labels map[string]string
	Points []Point
}

// ParseValue parses a Prometheus sample value: a float, "NaN", "+Inf" or "-Inf".
func ParseValue(s string) (float64, error) { return parseSample([]byte(s)) }

// FormatValue writes a sample value as Prometheus does.
func FormatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// Duration is a time.Duration written as Go duration text ("30s").
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads duration text such as "30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want text such as \"30s\"", truncate(b))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// ReadRecording reads and validates a recording file.
func ReadRecording(path string) (*Recording, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if st.Size() > MaxRecordingSize {
		return nil, fmt.Errorf("recording %s: larger than %d MiB", path, MaxRecordingSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	b, release, err := readOutsideHeap(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	rec, err := decodeBytes(b)
	release()
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	return rec, nil
}

// readInHeap reads all of f (about size bytes) into the Go heap; its
// release collects the bytes once decoded, before judging doubles the heap
// again (the judge then reuses that memory).
func readInHeap(f *os.File, size int64) ([]byte, func(), error) {
	b, err := io.ReadAll(io.LimitReader(f, MaxRecordingSize+1))
	if err != nil {
		return nil, nil, err
	}
	return b, runtime.GC, nil
}

// DecodeRecording decodes and validates a recording.
func DecodeRecording(r io.Reader) (*Recording, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRecordingSize+1))
	if err != nil {
		return nil, err
	}
	return decodeBytes(b)
}

func decodeBytes(b []byte) (*Recording, error) {
	if len(b) > MaxRecordingSize {
		return nil, fmt.Errorf("larger than %d MiB", MaxRecordingSize>>20)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty file")
	}
	rec, ordered, err := decodeRecording(b)
	if err != nil {
		return nil, fmt.Errorf("not a valid recording: %w", err)
	}
	if err := rec.validate(ordered); err != nil {
		return nil, err
	}
	return rec, nil
}

// validate checks the recording; the series in ordered were seen to have
// increasing timestamps as they were decoded.
func (r *Recording) validate(ordered map[*RecordedSeries]bool) error {
	if r.Version != RecordingVersion {
		return fmt.Errorf("version %d: this build reads version %d", r.Version, RecordingVersion)
	}
	if r.Window.Step <= 0 {
		return errors.New("window.step must be positive")
	}
	if !r.Window.End.After(r.Window.Start) {
		return errors.New("window.end must be after window.start")
	}
	for _, name := range r.metricNames() {
		m := r.Metrics[name]
		if m == nil {
			return fmt.Errorf("metrics.%s: empty entry", name)
		}
		if len(m.Parts) > 0 && (m.Baseline != nil || m.Canary != nil) {
			return fmt.Errorf("metrics.%s: holds both baseline/canary and parts (%s); a metric is one or the other", name, strings.Join(m.partNames(), ", "))
		}
		if err := m.RecordedSides.validate("metrics."+name, ordered); err != nil {
			return err
		}
		for _, part := range m.partNames() {
			ps := m.Parts[part]
			if ps == nil {
				return fmt.Errorf("metrics.%s.%s: empty entry", name, part)
			}
			if err := ps.validate("metrics."+name+"."+part, ordered); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks that every series' timestamps increase, but those in ordered.
func (s *RecordedSides) validate(path string, ordered map[*RecordedSeries]bool) error {
	for _, side := range s.sides() {
		if side.q == nil {
			continue
		}
		for i := range side.q.Series {
			s := &side.q.Series[i]
			if ordered[s] {
				continue
			}
			for j := 1; j < len(s.Points); j++ {
				if !s.Points[j].T.After(s.Points[j-1].T) {
					return fmt.Errorf("%s.%s.series[%d]: timestamps not increasing at point %d", path, side.key, i, j)
				}
			}
		}
	}
	return nil
}

func (r *Recording) metricNames() []string { return slices.Sorted(maps.Keys(r.Metrics)) }

// Put stores the result (or failure) of q in the recording, under its
// metric, part and side.
func (r *Recording) Put(q Query, res Result, err error) {
	if r.Metrics == nil {
		r.Metrics = map[string]*RecordedMetric{}
	}
	m := r.Metrics[q.Metric]
	if m == nil {
		m = &RecordedMetric{}
		r.Metrics[q.Metric] = m
	}
	sides := &m.RecordedSides
	if q.Part != "" {
		if m.Parts == nil {
			m.Parts = map[string]*RecordedSides{}
		}
		if sides = m.Parts[q.Part]; sides == nil {
			sides = &RecordedSides{}
			m.Parts[q.Part] = sides
		}
	}
	rq := &RecordedQuery{Query: q.Expr, Start: q.Start.UTC(), End: q.End.UTC(), Warnings: res.Warnings, Series: []RecordedSeries{}}
	if err != nil {
		rq.Error = err.Error()
	}
	for _, s := range res.Series {
		pts := make([]Point, len(s.Points))
		for i, p := range s.Points {
			pts[i] = Point{T: p.T.UTC(), V: p.V}
		}
		rq.Series = append(rq.Series, RecordedSeries{Labels: s.Labels, Points: pts})
	}
	if q.Side == Baseline {
		sides.Baseline = rq
	} else {
		sides.Canary = rq
	}
}

// Write encodes the recording as JSON: indented structure, one line per series.
func (r *Recording) Write(w io.Writer) error {
	return encodeRecording(w, r)
}

// ErrRecordingMismatch marks a query the recording cannot answer as the
// config asks: it recorded another query (other scopes, say), another
// step, or a window that covers only part of the one asked for. Judging such a
// recording would judge other data than the config describes, so the
// metric is `error`; callers find it with errors.Is.
var ErrRecordingMismatch = errors.New("the recording does not match the config")

// RecordingSource serves queries from a recording.
type RecordingSource struct {
	Rec *Recording
}

// Fetch returns the recorded series of q's metric, part and side, limited to
// q's window. A metric, part or side missing from the recording is
// ErrNotRecorded; a recorded failure is returned as an error; a recorded
// query other than q's, another step, or a window that covers only part of
// q's is ErrRecordingMismatch. A q without Expr (or Step) is not checked for it.
func (s RecordingSource) Fetch(ctx context.Context, q Query) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	rq := s.Rec.Metrics[q.Metric].Lookup(q.Part, q.Side)
	if rq == nil {
		if q.Part != "" {
			return Result{}, fmt.Errorf("metric %q %s %s: %w", q.Metric, q.Part, q.Side, ErrNotRecorded)
		}
		return Result{}, fmt.Errorf("metric %q %s: %w", q.Metric, q.Side, ErrNotRecorded)
	}
	if rq.Error != "" {
		return Result{}, fmt.Errorf("recorded failure: %s", OneLine(rq.Error))
	}
	if err := s.matches(q, rq); err != nil {
		return Result{}, err
	}
	res := Result{}
	for _, w := range rq.Warnings {
		res.Warnings = append(res.Warnings, OneLine(w))
	}
	for _, rs := range rq.Series {
		// Points are in time order (validated): take the window's part without copying.
		lo := sort.Search(len(rs.Points), func(i int) bool { return !rs.Points[i].T.Before(q.Start) })
		hi := sort.Search(len(rs.Points), func(i int) bool { return rs.Points[i].T.After(q.End) })
		if lo < hi {
			res.Series = append(res.Series, Series{Labels: rs.Labels, Points: rs.Points[lo:hi:hi]})
		}
	}
	return res, nil
}

// matches checks that rq answers q: the same query text, the same step, and
// a recorded range that covers q's.
func (s RecordingSource) matches(q Query, rq *RecordedQuery) error {
	name := fmt.Sprintf("metric %q", q.Metric)
	if q.Part != "" {
		name += " " + q.Part
	}
	name += " (" + string(q.Side) + ")"
	if q.Expr != "" && rq.Query != q.Expr {
		return fmt.Errorf("%s: %w: it recorded the query %s, the config sends %s", name, ErrRecordingMismatch, OneLine(rq.Query), OneLine(q.Expr))
	}
	if step := time.Duration(s.Rec.Window.Step); q.Step != 0 && step != q.Step {
		return fmt.Errorf("%s: %w: it was recorded at step %s, the config asks for %s", name, ErrRecordingMismatch, step, q.Step)
	}
	start, end := rq.Start, rq.End
	if start.IsZero() || end.IsZero() { // a hand-written recording: its window, shifted for the baseline
		start, end = s.Rec.Window.Start, s.Rec.Window.End
		if q.Side == Baseline {
			off := time.Duration(s.Rec.Window.BaselineOffset)
			start, end = start.Add(-off), end.Add(-off)
		}
	}
	// A window the recording covers only in part would be judged on part of
	// its data; one it does not reach at all gives no data (nodata), which
	// never promotes.
	overlaps := !q.Start.After(end) && !q.End.Before(start)
	if !q.Start.IsZero() && overlaps && (q.Start.Before(start) || q.End.After(end)) {
		return fmt.Errorf("%s: %w: it covers %s to %s, the config asks for %s to %s", name, ErrRecordingMismatch,
			fmtTime(start), fmtTime(end), fmtTime(q.Start), fmtTime(q.End))
	}
	return nil
}
