package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// referenceRecording reads a recording the plain way — encoding/json with
// unknown fields refused — into the same Recording, and validates it as
// ReadRecording does. It is the codec's reference in FuzzDecodeRecording
// (BenchmarkRecordingCodec in fastpath_bench_test.go measures the two).
func referenceRecording(b []byte) (*Recording, error) {
	var top struct {
		Version int `json:"version"`
		Window  struct {
			Start          time.Time `json:"start"`
			End            time.Time `json:"end"`
			Step           string    `json:"step"`
			BaselineOffset *string   `json:"baselineOffset"`
		} `json:"window"`
		Metrics map[string]map[string]json.RawMessage `json:"metrics"`
	}
	if err := strictUnmarshal(b, &top); err != nil {
		return nil, err
	}
	rec := &Recording{Version: top.Version, Window: RecordedWindow{Start: top.Window.Start.UTC(), End: top.Window.End.UTC()}}
	step, err := time.ParseDuration(top.Window.Step)
	if err != nil {
		return nil, err
	}
	rec.Window.Step = Duration(step)
	if top.Window.BaselineOffset != nil {
		off, err := time.ParseDuration(*top.Window.BaselineOffset)
		if err != nil {
			return nil, err
		}
		rec.Window.BaselineOffset = Duration(off)
	}
	if top.Metrics != nil {
		rec.Metrics = map[string]*RecordedMetric{}
	}
	for name, entry := range top.Metrics {
		if entry == nil {
			rec.Metrics[name] = nil
			continue
		}
		m := &RecordedMetric{}
		rec.Metrics[name] = m
		for key, raw := range entry {
			switch key {
			case "baseline", "canary":
				if err := refSide(&m.RecordedSides, key, raw); err != nil {
					return nil, err
				}
				continue
			case "":
				return nil, errors.New("empty part name")
			}
			if m.Parts == nil {
				m.Parts = map[string]*RecordedSides{}
			}
			var sides map[string]json.RawMessage
			if err := strictUnmarshal(raw, &sides); err != nil {
				return nil, err
			}
			if sides == nil {
				m.Parts[key] = nil
				continue
			}
			ps := &RecordedSides{}
			m.Parts[key] = ps
			for side, raw := range sides {
				if side != "baseline" && side != "canary" {
					return nil, fmt.Errorf("unknown field %q", side)
				}
				if err := refSide(ps, side, raw); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := rec.validate(nil); err != nil {
		return nil, err
	}
	return rec, nil
}

func refSide(s *RecordedSides, side string, raw json.RawMessage) error {
	var q *struct {
		Query    string    `json:"query"`
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		Warnings []string  `json:"warnings"`
		Error    string    `json:"error"`
		Series   []struct {
			Labels map[string]string   `json:"labels"`
			Points [][]json.RawMessage `json:"points"`
		} `json:"series"`
	}
	if err := strictUnmarshal(raw, &q); err != nil {
		return err
	}
	var rq *RecordedQuery
	if q != nil {
		rq = &RecordedQuery{Query: q.Query, Start: q.Start.UTC(), End: q.End.UTC(), Warnings: q.Warnings, Error: q.Error}
		if q.Series != nil {
			rq.Series = []RecordedSeries{}
		}
		for _, ser := range q.Series {
			rs := RecordedSeries{Labels: ser.Labels}
			for _, p := range ser.Points {
				pt, err := refPoint(p)
				if err != nil {
					return err
				}
				rs.Points = append(rs.Points, pt)
			}
			rq.Series = append(rq.Series, rs)
		}
	}
	if side == "baseline" {
		s.Baseline = rq
	} else {
		s.Canary = rq
	}
	return nil
}

// refPoint reads [seconds, "value"] (or a bare number value) the plain way.
func refPoint(p []json.RawMessage) (Point, error) {
	if len(p) != 2 {
		return Point{}, errors.New("a point is [seconds, value]")
	}
	var sec json.Number
	if err := json.Unmarshal(p[0], &sec); err != nil {
		return Point{}, err
	}
	f, err := strconv.ParseFloat(string(sec), 64)
	if err != nil || math.Abs(f) > 1e11 {
		return Point{}, fmt.Errorf("timestamp %s", sec)
	}
	ms, ok := parseMillis([]byte(sec))
	if !ok {
		return Point{}, fmt.Errorf("timestamp %s", sec)
	}
	var v float64
	var s string
	if json.Unmarshal(p[1], &s) == nil {
		if v, err = strconv.ParseFloat(s, 64); err != nil {
			return Point{}, err
		}
	} else if err := json.Unmarshal(p[1], &v); err != nil {
		return Point{}, err
	}
	return Point{T: time.UnixMilli(ms).UTC(), V: v}, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the value")
	}
	return nil
}
