package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The recording codec is hand-written: a recording of 100 metrics × 2 sides ×
// 5,760 points is a million [seconds, "value"] pairs. BenchmarkRecordingCodec
// (fastpath_bench_test.go; figures in docs/performance.md) measures it
// against encoding/json side by side: 3.8× faster to decode, 2.1× to
// encode. It reads with the strict scanner of jsonscan.go; unknown fields
// are errors, as with DisallowUnknownFields, and FuzzDecodeRecording checks
// it against encoding/json (recording_ref_test.go).

// encodeRecording writes r with an indented structure and one line per series.
func encodeRecording(w io.Writer, r *Recording) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "{\n  \"version\": %d,\n  \"window\": ", r.Version)
	writeWindow(bw, r.Window)
	bw.WriteString(",\n  \"metrics\": {")
	names := r.metricNames()
	for i, name := range names {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		writeJSONString(bw, name)
		bw.WriteString(": {")
		m := r.Metrics[name]
		if m == nil {
			bw.WriteString("}")
			continue
		}
		first := writeSides(bw, &m.RecordedSides, "\n      ", true)
		for _, part := range m.partNames() {
			if !first {
				bw.WriteByte(',')
			}
			first = false
			bw.WriteString("\n      ")
			writeJSONString(bw, part)
			bw.WriteString(": {")
			if ps := m.Parts[part]; ps != nil {
				writeSides(bw, ps, "\n        ", true)
			}
			bw.WriteString("\n      }")
		}
		bw.WriteString("\n    }")
	}
	if len(names) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("}\n}\n")
	return bw.Flush()
}

// writeWindow writes the window object on one line.
func writeWindow(bw *bufio.Writer, w RecordedWindow) {
	fmt.Fprintf(bw, "{\"start\":%q,\"end\":%q,\"step\":%q", w.Start.UTC().Format(time.RFC3339Nano),
		w.End.UTC().Format(time.RFC3339Nano), time.Duration(w.Step).String())
	if w.BaselineOffset != 0 {
		fmt.Fprintf(bw, ",\"baselineOffset\":%q", time.Duration(w.BaselineOffset).String())
	}
	bw.WriteByte('}')
}

// writeSides writes the baseline and canary members of an object, each on a
// line of its own after indent; it returns whether it wrote none (first stays true).
func writeSides(bw *bufio.Writer, s *RecordedSides, indent string, first bool) bool {
	for _, side := range s.sides() {
		if side.q == nil {
			continue
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		fmt.Fprintf(bw, "%s%q: ", indent, side.key)
		writeQuery(bw, side.q, indent)
	}
	return first
}

func writeQuery(bw *bufio.Writer, q *RecordedQuery, indent string) {
	bw.WriteString("{\"query\": ")
	writeJSONString(bw, q.Query)
	fmt.Fprintf(bw, ", \"start\": %q, \"end\": %q", q.Start.UTC().Format(time.RFC3339Nano), q.End.UTC().Format(time.RFC3339Nano))
	if len(q.Warnings) > 0 {
		bw.WriteString(", \"warnings\": [")
		for i, w := range q.Warnings {
			if i > 0 {
				bw.WriteString(", ")
			}
			writeJSONString(bw, w)
		}
		bw.WriteByte(']')
	}
	if q.Error != "" {
		bw.WriteString(", \"error\": ")
		writeJSONString(bw, q.Error)
	}
	bw.WriteString(", \"series\": [")
	var buf []byte
	for i, s := range q.Series {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(indent + "  {\"labels\": {")
		keys := make([]string, 0, len(s.Labels))
		for k := range s.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for j, k := range keys {
			if j > 0 {
				bw.WriteString(", ")
			}
			writeJSONString(bw, k)
			bw.WriteString(": ")
			writeJSONString(bw, s.Labels[k])
		}
		bw.WriteString("}, \"points\": [")
		for j, p := range s.Points {
			buf = buf[:0]
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = strconv.AppendFloat(buf, float64(p.T.UnixMilli())/1e3, 'f', -1, 64)
			buf = append(buf, ',', '"')
			buf = append(buf, FormatValue(p.V)...)
			buf = append(buf, '"', ']')
			bw.Write(buf)
		}
		bw.WriteString("]}")
	}
	if len(q.Series) > 0 {
		bw.WriteString(indent)
	}
	bw.WriteString("]}")
}

func writeJSONString(bw *bufio.Writer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	bw.Write(b)
}

// decoder reads a recording: the shared strict scanner plus what the
// recording's structure pass needs.
type decoder struct {
	scanner
	err   error       // set by query, which returns its value rather than an error
	hint  int         // expected points per series, from the window
	tasks []pointTask // points arrays found by the structure pass, decoded after it in parallel
	guess bool        // skip points arrays to their first "]]" (skipPoints), checked after decoding
}

// pointTask is one series' points array, to decode after the structure.
type pointTask struct {
	q     *RecordedQuery
	idx   int // index of the series in q.Series
	start int // offset of the array's '['
	end   int // offset just past it as skipPoints guessed it, 0 when skipArray found it
}

// errGuess is a points array that did not end where skipPoints guessed.
var errGuess = errors.New("a points array does not end at its first \"]]\"")

// decodeRecording decodes b with the structure pass guessing where each
// points array ends (skipPoints) and, when any guess or anything else
// fails, again with every array skipped exactly: the same recording, or
// the same first error, as the exact pass alone gives.
//
// It also returns the series whose timestamps it saw increase while
// decoding (plainPoints), which validate need not check again.
func decodeRecording(b []byte) (*Recording, map[*RecordedSeries]bool, error) {
	if rec, ordered, err := decodeRecordingWith(b, true); err == nil {
		return rec, ordered, nil
	}
	return decodeRecordingWith(b, false)
}

func decodeRecordingWith(b []byte, guess bool) (*Recording, map[*RecordedSeries]bool, error) {
	d := &decoder{scanner: scanner{b: b}, guess: guess}
	rec := &Recording{}
	err := d.object(func(key string) error {
		switch key {
		case "version":
			d.ws()
			start := d.i
			v, err := d.number()
			if err != nil {
				return err
			}
			if bytes.ContainsAny(d.b[start:d.i], ".eE") || math.Abs(v) > 1e6 {
				return d.errf("version must be a whole number")
			}
			rec.Version = int(v)
		case "window":
			if err := d.window(&rec.Window); err != nil {
				return err
			}
			if st := time.Duration(rec.Window.Step); st > 0 {
				if n := rec.Window.End.Sub(rec.Window.Start) / st; n >= 0 && n < 1<<20 {
					d.hint = int(n) + 1
				}
			}
		case "metrics":
			if d.null() {
				return nil
			}
			if rec.Metrics == nil { // a repeated key adds to the map, as in encoding/json
				rec.Metrics = map[string]*RecordedMetric{}
			}
			return d.object(func(name string) error {
				if d.null() {
					rec.Metrics[name] = nil
					return nil
				}
				m := &RecordedMetric{}
				rec.Metrics[name] = m
				return d.metric(m)
			})
		default:
			return d.errf("unknown field %q", key)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, nil, d.errf("unexpected data after the recording")
	}
	ordered, err := d.decodePoints()
	if err != nil {
		return nil, nil, err
	}
	return rec, ordered, nil
}

// decodePoints decodes the points arrays the structure pass skipped, on every
// core; the first error in file order is returned, else the series seen
// to have increasing timestamps.
func (d *decoder) decodePoints() (map[*RecordedSeries]bool, error) {
	errs := make([]error, len(d.tasks))
	inc := make([]bool, len(d.tasks))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(d.tasks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(d.tasks) {
					return
				}
				t := d.tasks[k]
				sub := &decoder{scanner: scanner{b: d.b, i: t.start}, hint: d.hint}
				t.q.Series[t.idx].Points, inc[k], errs[k] = sub.points()
				if errs[k] == nil && t.end != 0 && sub.i != t.end {
					errs[k] = errGuess
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ordered := make(map[*RecordedSeries]bool, len(d.tasks))
	for k, t := range d.tasks {
		if inc[k] {
			ordered[&t.q.Series[t.idx]] = true
		}
	}
	return ordered, nil
}

// metric decodes one metric's entry: baseline and canary, or named parts
// each holding a baseline and a canary.
func (d *decoder) metric(m *RecordedMetric) error {
	return d.object(func(key string) error {
		switch key {
		case "baseline", "canary":
			return d.sides(&m.RecordedSides, key)
		case "":
			return d.errf("a part name must not be empty")
		}
		if m.Parts == nil {
			m.Parts = map[string]*RecordedSides{}
		}
		if d.null() {
			m.Parts[key] = nil
			return nil
		}
		ps := &RecordedSides{}
		m.Parts[key] = ps
		return d.object(func(side string) error {
			if side != "baseline" && side != "canary" {
				return d.errf("unknown field %q in part %q (want baseline or canary)", side, key)
			}
			return d.sides(ps, side)
		})
	})
}

// sides decodes the query of one side into s.
func (d *decoder) sides(s *RecordedSides, side string) error {
	if side == "baseline" {
		s.Baseline = d.query()
	} else {
		s.Canary = d.query()
	}
	return d.err
}

// skipPoints moves past the points array at d.i without decoding it and
// returns where it ends when it guessed that (0 when it did not). verdict
// writes each series on a line of its own with no space in its points
// array, so the array [[t,"v"],...,[t,"v"]] ends at the last "]]" before
// the next newline, which bytes.IndexByte finds several times faster than
// skipArray's walk over every byte (a tenth of the judge benchmark's CPU
// time, on the one core the structure pass runs on; BenchmarkSkipPoints).
// decodePoints checks every guess: the array decoded from its '[' must
// end there, where skipArray would have found it too (a valid array ends
// at its matching bracket, whichever way it is found); otherwise the
// whole decode is redone with skipArray.
func (d *decoder) skipPoints() (int, error) {
	d.ws()
	if d.guess && d.i+1 < len(d.b) && d.b[d.i] == '[' && d.b[d.i+1] == '[' {
		line := d.b[d.i:]
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		if k := bytes.LastIndex(line, []byte("]]")); k > 0 {
			d.i += k + 2
			return d.i, nil
		}
	}
	return 0, d.skipArray()
}

// skipArray moves past the array at d.i without decoding it.
func (d *decoder) skipArray() error {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '[' {
		return d.expect('[')
	}
	depth := 0
	for i := d.i; i < len(d.b); i++ {
		switch d.b[i] {
		case '"':
			for i++; i < len(d.b) && d.b[i] != '"'; i++ {
				if d.b[i] == '\\' {
					i++
				}
			}
		case '[':
			depth++
		case ']':
			if depth--; depth == 0 {
				d.i = i + 1
				return nil
			}
		}
	}
	d.i = len(d.b)
	return d.errf("unexpected end of file in an array")
}

func (d *decoder) window(w *RecordedWindow) error {
	return d.object(func(key string) error {
		switch key {
		case "start":
			return d.time(&w.Start)
		case "end":
			return d.time(&w.End)
		case "step":
			return d.duration(&w.Step)
		case "baselineOffset":
			return d.duration(&w.BaselineOffset)
		}
		return d.errf("unknown field %q", key)
	})
}

// query decodes one side; errors are left in d.err so object callbacks stay short.
func (d *decoder) query() *RecordedQuery {
	if d.null() {
		return nil
	}
	q := &RecordedQuery{}
	d.err = d.object(func(key string) error {
		switch key {
		case "query":
			return d.strInto(&q.Query)
		case "start":
			return d.time(&q.Start)
		case "end":
			return d.time(&q.End)
		case "error":
			return d.strInto(&q.Error)
		case "warnings":
			q.Warnings = nil // a repeated key replaces, as in encoding/json
			return d.array(func() error {
				s, err := d.str()
				q.Warnings = append(q.Warnings, s)
				return err
			})
		case "series":
			// A repeated key replaces, as in encoding/json: forget the points
			// arrays of the series it replaces (the last tasks found).
			for n := len(d.tasks); n > 0 && d.tasks[n-1].q == q; n-- {
				d.tasks = d.tasks[:n-1]
			}
			q.Series = []RecordedSeries{}
			return d.array(func() error {
				var s RecordedSeries
				err := d.object(func(key string) error {
					switch key {
					case "labels":
						if s.Labels == nil { // a repeated key adds to the map, as in encoding/json
							s.Labels = map[string]string{}
						}
						return d.object(func(k string) error {
							v, err := d.str()
							s.Labels[k] = v
							return err
						})
					case "points":
						d.ws()
						t := pointTask{q: q, idx: len(q.Series), start: d.i}
						end, err := d.skipPoints()
						t.end = end
						if n := len(d.tasks); n > 0 && d.tasks[n-1].q == q && d.tasks[n-1].idx == t.idx {
							d.tasks[n-1] = t // a repeated key replaces, as in encoding/json
						} else {
							d.tasks = append(d.tasks, t)
						}
						return err
					}
					return d.errf("unknown field %q", key)
				})
				q.Series = append(q.Series, s)
				return err
			})
		}
		return d.errf("unknown field %q", key)
	})
	return q
}

// points decodes [[seconds, "value"], ...] on a fast path, sized by the
// window's step count when the window came first.
// increasing reports whether plainPoints read them and saw each timestamp
// later than the one before.
func (d *decoder) points() (pts []Point, increasing bool, err error) {
	if d.null() {
		return nil, false, nil
	}
	out := make([]Point, 0, d.hint)
	if pts, ok, increasing := d.plainPoints(out); ok {
		return pts, increasing, nil
	}
	pts, err = d.pointsInto(out)
	return pts, false, err
}

// plainPoints reads a points array as verdict writes it, [[t,"v"],...]
// with no space and every point in fastPoint's shape, in one loop (no
// callback, no white space to skip per point), into out. On anything else
// it returns ok false with d where it was, for pointsInto's general way,
// which reads the same text to the same points. increasing is whether each
// point's time is after the one before (validate's check, on milliseconds).
func (d *decoder) plainPoints(out []Point) (pts []Point, ok, increasing bool) {
	b := d.b
	i := d.i
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	if i+1 >= len(b) || b[i] != '[' || b[i+1] != '[' {
		return out, false, false
	}
	i++
	increasing = true
	prev := int64(math.MinInt64)
	for {
		pt, next, ok := fastPoint(b, i)
		ms := pt.T.UnixMilli()
		if !ok || ms > 1e14 || next >= len(b) {
			return out[:0], false, false
		}
		increasing = increasing && ms > prev
		prev = ms
		out = append(out, pt)
		switch b[next] {
		case ',':
			i = next + 1
		case ']':
			d.i = next + 1
			return out, true, increasing
		default:
			return out[:0], false, false
		}
	}
}

func (d *decoder) pointsInto(out []Point) ([]Point, error) {
	err := d.array(func() error {
		d.ws()
		if pt, next, ok := fastPoint(d.b, d.i); ok && pt.T.UnixMilli() <= 1e14 {
			d.i = next
			out = append(out, pt)
			return nil
		}
		if err := d.expect('['); err != nil {
			return err
		}
		d.ws()
		start := d.i
		tok, isNum := d.numberToken()
		ms, ok := parseMillis(tok)
		if !ok || !isNum {
			if start == d.i { // not a number at all, e.g. "NaN" or null: name what is there
				end := d.i
				for end < len(d.b) && end-d.i < 32 && d.b[end] != ',' && d.b[end] != ']' {
					end++
				}
				return d.errf("timestamp %s is not a number of seconds", d.b[d.i:end])
			}
			return d.errf("timestamp %q is not a finite number of seconds", d.b[start:d.i])
		}
		if ms < -1e14 || ms > 1e14 {
			return d.errf("timestamp %q out of range", d.b[start:d.i])
		}
		if err := d.expect(','); err != nil {
			return err
		}
		d.ws()
		var v float64
		var err error
		if d.i < len(d.b) && d.b[d.i] == '"' {
			raw, err := d.rawString()
			if err != nil {
				return err
			}
			if v, err = parseSample(raw); err != nil {
				return d.errf("%v", err)
			}
		} else if v, err = d.number(); err != nil {
			return err
		}
		if err := d.expect(']'); err != nil {
			return err
		}
		out = append(out, Point{T: time.UnixMilli(ms).UTC(), V: v})
		return nil
	})
	return out, err
}

func (d *decoder) time(t *time.Time) error {
	s, err := d.str()
	if err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return d.errf("time %q is not RFC 3339", s)
	}
	*t = v.UTC()
	return nil
}

func (d *decoder) duration(p *Duration) error {
	s, err := d.str()
	if err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return d.errf("duration %q: want text such as \"30s\"", s)
	}
	*p = Duration(v)
	return nil
}
