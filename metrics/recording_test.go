package metrics

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func sampleRecording() *Recording {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := &Recording{Version: 1, Window: RecordedWindow{Start: t0, End: t0.Add(time.Hour), Step: Duration(30 * time.Second)}}
	pts := []Point{{t0, 1.5}, {t0.Add(30 * time.Second), math.NaN()}, {t0.Add(60 * time.Second), math.Inf(1)}, {t0.Add(90*time.Second + 500*time.Millisecond), -2e-9}}
	q := Query{Metric: `lat"ency`, Side: Baseline, Expr: "m{v=\"1\"} <script>\n", Start: t0, End: t0.Add(time.Hour)}
	rec.Put(q, Result{Series: []Series{{Labels: map[string]string{"pod": "a\\b", "z": "ü"}, Points: pts}}, Warnings: []string{"w1"}}, nil)
	q.Side = Canary
	rec.Put(q, Result{}, errors.New("bad_data: parse error"))
	// A ratio metric: two parts, each with both sides.
	for _, part := range []string{"numerator", "denominator"} {
		for _, side := range []Side{Baseline, Canary} {
			rq := Query{Metric: "errors", Part: part, Side: side, Expr: part + "{" + string(side) + "}", Start: t0, End: t0.Add(time.Hour)}
			v := 3.0
			if part == "denominator" {
				v = 100
			}
			rec.Put(rq, Result{Series: []Series{{Labels: map[string]string{"side": string(side)}, Points: []Point{{t0, 0}, {t0.Add(time.Hour), v}}}}}, nil)
		}
	}
	return rec
}

func TestRecordingRoundTrip(t *testing.T) {
	rec := sampleRecording()
	var buf bytes.Buffer
	if err := rec.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecording(&buf)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, buf.String())
	}
	if got.Window != rec.Window {
		t.Errorf("window %+v, want %+v", got.Window, rec.Window)
	}
	g, w := got.Metrics[`lat"ency`], rec.Metrics[`lat"ency`]
	if g.Baseline.Query != w.Baseline.Query || !reflect.DeepEqual(g.Baseline.Warnings, w.Baseline.Warnings) || g.Canary.Error != w.Canary.Error {
		t.Errorf("query fields differ: %+v vs %+v", g.Baseline, w.Baseline)
	}
	gs, ws := g.Baseline.Series[0], w.Baseline.Series[0]
	if !reflect.DeepEqual(gs.Labels, ws.Labels) || len(gs.Points) != len(ws.Points) {
		t.Fatalf("series differ: %+v vs %+v", gs, ws)
	}
	for i := range gs.Points {
		a, b := gs.Points[i], ws.Points[i]
		if !a.T.Equal(b.T) || !(a.V == b.V || math.IsNaN(a.V) && math.IsNaN(b.V)) {
			t.Errorf("point %d: %v vs %v", i, a, b)
		}
	}
	ge, we := got.Metrics["errors"], rec.Metrics["errors"]
	if ge.Baseline != nil || ge.Canary != nil || len(ge.Parts) != 2 {
		t.Fatalf("ratio metric decoded as %+v", ge)
	}
	for _, part := range []string{"numerator", "denominator"} {
		for _, side := range []Side{Baseline, Canary} {
			g, w := ge.Lookup(part, side), we.Lookup(part, side)
			if g == nil || g.Query != w.Query || !reflect.DeepEqual(g.Series, w.Series) {
				t.Errorf("%s %s: got %+v, want %+v", part, side, g, w)
			}
		}
	}
	// Writing what was read gives the same bytes.
	var again bytes.Buffer
	if err := got.Write(&again); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	rec.Write(&first)
	if again.String() != first.String() {
		t.Errorf("re-encoding differs:\n%s\nvs\n%s", again.String(), first.String())
	}
}

func TestRecordingSourceFetch(t *testing.T) {
	rec := sampleRecording()
	src := RecordingSource{Rec: rec}
	t0 := rec.Window.Start
	res, err := src.Fetch(context.Background(), Query{Metric: `lat"ency`, Side: Baseline, Start: t0.Add(30 * time.Second), End: t0.Add(60 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series) != 1 || len(res.Series[0].Points) != 2 || !math.IsNaN(res.Series[0].Points[0].V) {
		t.Fatalf("window slice: %+v", res.Series)
	}
	if _, err := src.Fetch(context.Background(), Query{Metric: `lat"ency`, Side: Canary}); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Errorf("recorded failure: %v", err)
	}
	if _, err := src.Fetch(context.Background(), Query{Metric: "other", Side: Canary}); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("missing metric: %v", err)
	}
	res, err = src.Fetch(context.Background(), Query{Metric: "errors", Part: "denominator", Side: Canary, Start: t0, End: t0.Add(time.Hour)})
	if err != nil || len(res.Series) != 1 || res.Series[0].Labels["side"] != "canary" || res.Series[0].Points[1].V != 100 {
		t.Errorf("ratio part: %+v, %v", res, err)
	}
	for _, q := range []Query{
		{Metric: "errors", Part: "histogram", Side: Canary},   // a part the recording lacks
		{Metric: "errors", Side: Canary},                      // a ratio metric asked as a series
		{Metric: `lat"ency`, Part: "numerator", Side: Canary}, // a series metric asked for a part
	} {
		if _, err := src.Fetch(context.Background(), q); !errors.Is(err, ErrNotRecorded) {
			t.Errorf("%+v: %v, want ErrNotRecorded", q, err)
		}
	}
}

// TestRecordingSourceMismatch: a recording that holds another query than
// the config sends (other scopes), another step, or a window that does not
// cover the one asked for is an error naming both, never judged.
func TestRecordingSourceMismatch(t *testing.T) {
	rec := sampleRecording()
	src := RecordingSource{Rec: rec}
	t0 := rec.Window.Start
	recorded := rec.Metrics[`lat"ency`].Baseline.Query
	ok := Query{Metric: `lat"ency`, Side: Baseline, Expr: recorded, Start: t0, End: t0.Add(time.Hour), Step: 30 * time.Second}
	if res, err := src.Fetch(context.Background(), ok); err != nil || len(res.Series) != 1 {
		t.Fatalf("the recorded query, step and window: %+v, %v", res, err)
	}
	for _, c := range []struct {
		name string
		edit func(q *Query)
		want string
	}{
		{"other scopes", func(q *Query) { q.Expr = `m{v="2"}` }, `metric "lat\"ency" (baseline): the recording does not match the config: it recorded the query m{v="1"} <script>, the config sends m{v="2"}`},
		{"another step", func(q *Query) { q.Step = time.Minute }, "it was recorded at step 30s, the config asks for 1m0s"},
		{"a window ending later", func(q *Query) { q.End = q.End.Add(time.Minute) }, "it covers 2024-01-01T00:00:00Z to 2024-01-01T01:00:00Z, the config asks for 2024-01-01T00:00:00Z to 2024-01-01T01:01:00Z"},
		{"a window starting earlier", func(q *Query) { q.Start = q.Start.Add(-time.Minute) }, "the config asks for 2023-12-31T23:59:00Z to"},
		{"a part's other query", func(q *Query) { q.Metric, q.Part, q.Expr = "errors", "numerator", "x" }, `metric "errors" numerator (baseline): the recording does not match the config: it recorded the query numerator{baseline}, the config sends x`},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := ok
			c.edit(&q)
			_, err := src.Fetch(context.Background(), q)
			if !errors.Is(err, ErrRecordingMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrRecordingMismatch with %q", err, c.want)
			}
		})
	}
	// A window the recording does not reach at all gives no data (nodata).
	q := ok
	q.Start, q.End = t0.Add(-48*time.Hour), t0.Add(-47*time.Hour)
	if res, err := src.Fetch(context.Background(), q); err != nil || len(res.Series) != 0 {
		t.Fatalf("a window outside the recording: %+v, %v; want no data", res, err)
	}
	// A window within the recording's is judged from its part.
	q = ok
	q.Start = t0.Add(30 * time.Second)
	if res, err := src.Fetch(context.Background(), q); err != nil || len(res.Series[0].Points) != 3 {
		t.Fatalf("a window within the recording: %+v, %v", res, err)
	}
}

// TestRecordingSourceTextIsOneLine: warnings and errors a recording holds
// (hand-written, say) come out as one line without control characters.
func TestRecordingSourceTextIsOneLine(t *testing.T) {
	rec := sampleRecording()
	m := rec.Metrics[`lat"ency`]
	m.Baseline.Warnings = []string{"w\n::error::INJECTED\x1b[2J"}
	m.Canary.Error = "bad\r\n::stop-commands::x"
	src := RecordingSource{Rec: rec}
	res, err := src.Fetch(context.Background(), Query{Metric: `lat"ency`, Side: Baseline})
	if err != nil || len(res.Warnings) != 1 || res.Warnings[0] != "w ::error::INJECTED[2J" {
		t.Errorf("warnings %q, %v", res.Warnings, err)
	}
	_, err = src.Fetch(context.Background(), Query{Metric: `lat"ency`, Side: Canary})
	if err == nil || err.Error() != "recorded failure: bad ::stop-commands::x" {
		t.Errorf("error %q", err)
	}
}

func TestDecodeRecordingErrors(t *testing.T) {
	head := `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":`
	tests := []struct{ name, in, want string }{
		{"empty", "  \n", "empty file"},
		{"not json", "hello", "want '{'"},
		{"unknown top field", `{"version":1,"extra":2}`, `unknown field "extra"`},
		{"wrong version", `{"version":2,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"}}`, "version 2"},
		{"bad step", `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"soon"}}`, `duration "soon"`},
		{"end before start", `{"version":1,"window":{"start":"2024-01-01T02:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"}}`, "after window.start"},
		{"truncated", head + `{"m":{"baseline":{"query":"q","series":[{"labels":{},"points":[[1,"1"],[2,`, "unexpected end"},
		{"bad value", head + `{"m":{"baseline":{"series":[{"points":[[1,"fast"]]}]}}}}`, `"fast" is not a number`},
		{"infinite timestamp", head + `{"m":{"baseline":{"series":[{"points":[[1e300,"1"]]}]}}}}`, `timestamp "1e300"`},
		{"timestamps not increasing", head + `{"m":{"baseline":{"series":[{"points":[[2,"1"],[2,"1"]]}]}}}}`, "timestamps not increasing"},
		{"unknown side in a part", head + `{"m":{"numerator":{"both":null}}}}`, `unknown field "both" in part "numerator"`},
		{"empty part name", head + `{"m":{"":{"baseline":null}}}}`, "part name must not be empty"},
		{"null part", head + `{"m":{"numerator":null}}}`, "metrics.m.numerator: empty entry"},
		{"null metric", head + `{"m":null}}`, "metrics.m: empty entry"},
		{"sides and parts", head + `{"m":{"baseline":{"series":[]},"numerator":{"canary":{"series":[]}}}}}`, "both baseline/canary and parts (numerator)"},
		{"part timestamps not increasing", head + `{"m":{"denominator":{"canary":{"series":[{"points":[[2,"1"],[1,"1"]]}]}}}}}`, "metrics.m.denominator.canary.series[0]: timestamps not increasing"},
		{"trailing data", head + `{}} x`, "after the recording"},
		{"version +1 (not JSON)", `{"version":+1}`, `bad number "+1"`},
		{"version 01 (not JSON)", `{"version":01}`, `bad number "01"`},
		{"version 1.0", `{"version":1.0}`, "version must be a whole number"},
		{"bare value +3 (not JSON)", head + `{"m":{"baseline":{"series":[{"points":[[1,+3]]}]}}}}`, `bad number "+3"`},
		{"timestamp 01 (not JSON)", head + `{"m":{"baseline":{"series":[{"points":[[01,"3"]]}]}}}}`, `timestamp "01" is not a finite number`},
		{"timestamp 1. (not JSON)", head + `{"m":{"baseline":{"series":[{"points":[[1.,"3"]]}]}}}}`, `timestamp "1." is not a finite number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRecording(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// sameAsExactSkip fails unless decoding in with every points array skipped
// exactly (skipArray, no "]]" guesses) gives what DecodeRecording gave: the
// same error text, or a recording that encodes to the same bytes.
func sameAsExactSkip(t *testing.T, in []byte, rec *Recording, err error) {
	t.Helper()
	if len(in) > MaxRecordingSize || len(bytes.TrimSpace(in)) == 0 {
		return // refused before decoding
	}
	exact, _, exactErr := decodeRecordingWith(in, false)
	if exactErr == nil {
		exactErr = exact.validate(nil) // every series checked
	}
	switch {
	case (err == nil) != (exactErr == nil):
		t.Fatalf("guessed skips: error %v; exact skips: error %v", err, exactErr)
	case err != nil:
		if !strings.HasSuffix(err.Error(), exactErr.Error()) {
			t.Fatalf("guessed skips: error %q; exact skips: %q", err, exactErr)
		}
	default:
		var a, b bytes.Buffer
		rec.Write(&a)
		exact.Write(&b)
		if a.String() != b.String() {
			t.Fatalf("guessed skips:\n%s\nexact skips:\n%s", a.String(), b.String())
		}
	}
}

// TestSkipPointsGuessesChecked: points arrays that do not end at their first
// "]]" (spaces inside, a "]]" in a value, an empty array, null) decode as
// the exact skip decodes them, and a recording as verdict writes it takes
// the guess for every array.
func TestSkipPointsGuessesChecked(t *testing.T) {
	head := `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{"m":{"baseline":{"series":[`
	for _, body := range []string{
		`{"labels":{},"points":[[1,"1"],[2,"2"]]},{"labels":{},"points":[[3,"3"]]}`,
		`{"labels":{},"points":[[1,"1"],[2,"2"] ]},{"labels":{},"points":[[3,"3"]]}`,
		`{"labels":{},"points":[[1,"1"],[2,"2"]` + "\n" + `]},{"labels":{},"points":[[3,"3"]]}`,
		`{"labels":{},"points":[ [1,"1"]]},{"labels":{},"points":[]}`,
		`{"labels":{},"points":[[1,"]]"]]}`,
		`{"labels":{},"points":[[1,"1"]]]},{"labels":{},"points":[[3,"3"]]}`,
		`{"labels":{},"points":null}`,
		`{"labels":{},"points":[[1,"1"],[2,"2"]]},{"labels":{},"points":[[1,"1"],[2,"2"]]`,
	} {
		in := []byte(head + body + `]}}}}`)
		rec, err := DecodeRecording(bytes.NewReader(in))
		sameAsExactSkip(t, in, rec, err)
	}
	var buf bytes.Buffer
	if err := sampleRecording().Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, _, err := decodeRecordingWith(buf.Bytes(), true); err != nil {
		t.Fatalf("the guessed skips fail on what verdict writes: %v", err)
	}
	b, key, arrays := buf.Bytes(), []byte(`"points": `), 0
	for at := bytes.Index(b, key); at >= 0; at = bytes.Index(b, key) {
		b = b[at+len(key):]
		d := &decoder{scanner: scanner{b: b}, guess: true}
		if end, err := d.skipPoints(); err != nil || end == 0 || b[end-1] != ']' {
			t.Fatalf("skipPoints did not guess the end of %.40s (end %d, %v)", b, end, err)
		}
		arrays++
	}
	if arrays != 5 {
		t.Fatalf("%d points arrays, want 5", arrays)
	}
}

func TestDecodeBareNumbersAndFractions(t *testing.T) {
	in := `{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{"m":{"canary":{"query":"q","start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","series":[{"labels":{},"points":[[1704067200.25, 3], [1704067201,"-Inf"]]}]}}}}`
	rec, err := DecodeRecording(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	p := rec.Metrics["m"].Canary.Series[0].Points
	if p[0].V != 3 || p[0].T.UnixMilli() != 1704067200250 || !math.IsInf(p[1].V, -1) {
		t.Fatalf("points %+v", p)
	}
}

// FuzzDecodeRecording is differential: the codec must reject every input
// that encoding/json (referenceRecording: unknown fields refused, the same
// validation) rejects, and where both accept they must hold the same
// recording (compared as the bytes they encode to); what the codec accepts
// also re-encodes and decodes to the same bytes. The codec may reject more:
// it matches field names exactly (encoding/json ignores their case), wants
// a string where encoding/json takes null, and refuses "1.0" as a version.
// Invalid UTF-8 is left out of the comparison (both replace it, the codec
// only inside strings).
func FuzzDecodeRecording(f *testing.F) {
	var buf bytes.Buffer
	sampleRecording().Write(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{"m":{"baseline":null}}}`))
	f.Add([]byte(`{"version":1,"metrics":{"\u00e9\"":{"canary":{"series":[{"labels":{"a":"\n"},"points":[[0,0]]}]}}}}`))
	f.Add([]byte(`{"version":+1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"}}`))
	f.Add([]byte(`{"version":1,"window":{"start":"2024-01-01T00:00:00Z","end":"2024-01-01T01:00:00Z","step":"30s"},"metrics":{"m":{"numerator":{"canary":{"series":[{"labels":{},"points":[[01,"1"]]}]}}}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := DecodeRecording(bytes.NewReader(in))
		sameAsExactSkip(t, in, rec, err)
		ref, refErr := referenceRecording(in)
		if err == nil && refErr != nil && utf8.Valid(in) {
			t.Fatalf("accepts what encoding/json rejects (%v)", refErr)
		}
		if err != nil {
			return
		}
		var a, b bytes.Buffer
		if err := rec.Write(&a); err != nil {
			t.Fatal(err)
		}
		if refErr == nil && utf8.Valid(in) {
			var r bytes.Buffer
			ref.Write(&r)
			if r.String() != a.String() {
				t.Fatalf("differs from encoding/json:\n%s\n%s", a.String(), r.String())
			}
		}
		rec2, err := DecodeRecording(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, a.String())
		}
		rec2.Write(&b)
		if a.String() != b.String() {
			t.Fatalf("not stable:\n%s\n%s", a.String(), b.String())
		}
	})
}

// TestReadRecordingFile: a recording read from a file (outside the Go heap
// on Linux, the bytes unmapped once decoded) is the one decoded from the
// same bytes in memory, and an empty or unreadable file is one clear error.
func TestReadRecordingFile(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleRecording().Write(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := dir + "/recording.json"
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := ReadRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	rec.Write(&got)
	if got.String() != buf.String() {
		t.Fatalf("read from the file:\n%s\nwritten:\n%s", got.String(), buf.String())
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRecording(path); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	if _, err := ReadRecording(dir); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a directory: %v", err)
	}
}
