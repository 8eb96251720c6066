package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The hand-written fast paths of this package, each benchmarked against the
// plain version it replaces, side by side in one run (make bench-fastpaths;
// figures in docs/performance.md).

// benchValues are sample values as exporters write them: latencies with a
// few decimals, byte counts, counters, now and then a zero or an exponent.
func benchValues(n int) [][]byte {
	r := rand.New(rand.NewPCG(11, 12))
	out := make([][]byte, n)
	for i := range out {
		var v float64
		switch i % 8 {
		case 0, 1, 2, 3:
			v = math.Round(0.4*math.Exp(0.3*r.NormFloat64())*1e6) / 1e6
		case 4:
			v = float64(int64(512<<20) + r.Int64N(1<<20))
		case 5:
			v = float64(r.Int64N(1e9))
		case 6:
			v = 0
		default:
			v = 1e-9 * r.Float64()
		}
		out[i] = []byte(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return out
}

// BenchmarkParseSample is parseSample against strconv.ParseFloat (with the
// string conversion ParseFloat needs from a body's bytes) over 4,096 values.
func BenchmarkParseSample(b *testing.B) {
	vals := benchValues(4096)
	for _, v := range vals { // the two agree, so they race over the same work
		got, err := parseSample(v)
		want, werr := strconv.ParseFloat(string(v), 64)
		if err != nil || werr != nil || math.Float64bits(got) != math.Float64bits(want) {
			b.Fatalf("%s: parseSample %v (%v), ParseFloat %v (%v)", v, got, err, want, werr)
		}
	}
	runValues(b, "parseSample", len(vals), func() error {
		for _, v := range vals {
			if _, err := parseSample(v); err != nil {
				return err
			}
		}
		return nil
	})
	runValues(b, "strconv.ParseFloat", len(vals), func() error {
		for _, v := range vals {
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				return err
			}
		}
		return nil
	})
}

// runValues runs f, which parses n values, as sub-benchmark name.
func runValues(b *testing.B, name string, n int, f func() error) {
	b.Run(name, func(b *testing.B) {
		cpu0 := processCPU()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
		if cpu := processCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/value")
		}
	})
}

// rangeBenchBody is a query_range response of four series (pods) over a day
// at 15 s: 4 × 5,761 points.
func rangeBenchBody() []byte {
	vals := benchValues(4 * 5761)
	var sb strings.Builder
	sb.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for s := 0; s < 4; s++ {
		if s > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"metric":{"__name__":"http_request_duration_seconds","pod":"checkout-%d","version":"v1"},"values":[`, s)
		for i := 0; i < 5761; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `[%d,"%s"]`, 1703980800+15*i, vals[s*5761+i])
		}
		sb.WriteString(`]}`)
	}
	sb.WriteString(`]}}`)
	return []byte(sb.String())
}

// bodyClient is an api.Client that answers every request with one body, so
// client_golang's QueryRange runs its decoding without a network.
type bodyClient struct{ body []byte }

func (c bodyClient) URL(ep string, _ map[string]string) *url.URL {
	return &url.URL{Scheme: "http", Host: "prometheus", Path: ep}
}

func (c bodyClient) Do(_ context.Context, req *http.Request) (*http.Response, []byte, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req}, c.body, nil
}

// matrixSeries converts client_golang's matrix to verdict's series, the
// step a judge over QueryRange's result needs.
func matrixSeries(m model.Matrix) []Series {
	out := make([]Series, len(m))
	for i, ss := range m {
		labels := make(map[string]string, len(ss.Metric))
		for k, v := range ss.Metric {
			labels[string(k)] = string(v)
		}
		pts := make([]Point, len(ss.Values))
		for j, p := range ss.Values {
			pts[j] = Point{T: p.Timestamp.Time().UTC(), V: float64(p.Value)}
		}
		out[i] = Series{Labels: labels, Points: pts}
	}
	return out
}

// BenchmarkRangeDecode is decodeRangeBody against client_golang's
// v1.API.QueryRange decoding the same body (from an in-memory client, with
// its result converted to []Series), both ending with the series' points.
func BenchmarkRangeDecode(b *testing.B) {
	body := rangeBenchBody()
	start := time.Unix(1703980800, 0)
	r := v1.Range{Start: start, End: start.Add(24 * time.Hour), Step: 15 * time.Second}
	cg := v1.NewAPI(api.Client(bodyClient{body}))
	got, err := decodeRangeBody(body, new([]Point))
	if err != nil {
		b.Fatal(err)
	}
	val, _, _, err := cg.QueryRange(context.Background(), "q", r)
	if err != nil {
		b.Fatal(err)
	}
	want := matrixSeries(val.(model.Matrix))
	if len(got.series) != len(want) || len(got.series[3].points) != len(want[3].Points) ||
		got.series[3].points[5000] != want[3].Points[5000] {
		b.Fatal("the two decoders disagree on the benchmark's body")
	}
	scratch := new([]Point) // pooled per source in Fetch
	runBytes(b, "verdict", len(body), func() error {
		_, err := decodeRangeBody(body, scratch)
		return err
	})
	runBytes(b, "client_golang-QueryRange", len(body), func() error {
		val, _, _, err := cg.QueryRange(context.Background(), "q", r)
		if err == nil {
			matrixSeries(val.(model.Matrix))
		}
		return err
	})
}

// runBytes runs f as sub-benchmark name over size bytes of input.
func runBytes(b *testing.B, name string, size int, f func() error) {
	b.Run(name, func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		cpu0 := processCPU()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		if cpu := processCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

// plainRecording is the recording format (docs/recording.md) as
// encoding/json reads and writes it, points as [seconds, "value"] pairs.
type plainRecording struct {
	Version int `json:"version"`
	Window  struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Step  string    `json:"step"`
	} `json:"window"`
	Metrics map[string]*struct {
		Baseline *plainQuery `json:"baseline"`
		Canary   *plainQuery `json:"canary"`
	} `json:"metrics"`
}

type plainQuery struct {
	Query  string    `json:"query"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Series []struct {
		Labels map[string]string `json:"labels"`
		Points [][2]any          `json:"points"`
	} `json:"series"`
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// plainPoints converts decoded pairs to points, as a reader over
// encoding/json must: seconds to time, value text to float.
func plainPoints(pairs [][2]any) ([]Point, error) {
	pts := make([]Point, len(pairs))
	for i, p := range pairs {
		sec, ok := p[0].(float64)
		s, ok2 := p[1].(string)
		if !ok || !ok2 {
			return nil, fmt.Errorf("point %d: %v", i, p)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		pts[i] = Point{T: time.UnixMilli(int64(math.Round(sec * 1000))).UTC(), V: v}
	}
	return pts, nil
}

// plainDecode reads a recording with encoding/json, its points included.
func plainDecode(b []byte) (int, error) {
	var r plainRecording
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range r.Metrics {
		for _, q := range []*plainQuery{m.Baseline, m.Canary} {
			for _, s := range q.Series {
				pts, err := plainPoints(s.Points)
				if err != nil {
					return 0, err
				}
				n += len(pts)
			}
		}
	}
	return n, nil
}

// plainEncode writes the same recording's structure with encoding/json.
func plainEncode(rec *plainRecording) ([]byte, error) { return json.Marshal(rec) }

// recordingBench is a recording of 20 metrics, two pods a side, 6 h at 15 s.
func recordingBench(tb testing.TB) (*Recording, []byte) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	step, n := 15*time.Second, 1441
	rec := &Recording{Version: RecordingVersion, Window: RecordedWindow{Start: start, End: start.Add(time.Duration(n-1) * step), Step: Duration(step)}}
	vals := benchValues(20 * 4 * n)
	k := 0
	for m := 0; m < 20; m++ {
		for _, side := range []Side{Baseline, Canary} {
			var res Result
			for pod := 0; pod < 2; pod++ {
				s := Series{Labels: map[string]string{"pod": fmt.Sprintf("%s-%d", side, pod)}}
				for i := 0; i < n; i++ {
					v, _ := strconv.ParseFloat(string(vals[k]), 64)
					k++
					s.Points = append(s.Points, Point{T: start.Add(time.Duration(i) * step), V: v})
				}
				res.Series = append(res.Series, s)
			}
			rec.Put(Query{Metric: fmt.Sprintf("m%02d", m), Side: side, Expr: fmt.Sprintf("m%02d{side=%q}", m, side), Start: rec.Window.Start, End: rec.Window.End, Step: step}, res, nil)
		}
	}
	var buf bytes.Buffer
	if err := rec.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return rec, buf.Bytes()
}

// BenchmarkRecordingCodec is the recording codec against encoding/json, both
// ways: decoding (points parsed to []Point; verdict's also validates) and
// encoding (from verdict's types, and from encoding/json's own mirror types).
func BenchmarkRecordingCodec(b *testing.B) {
	rec, body := recordingBench(b)
	var plain plainRecording
	if err := json.Unmarshal(body, &plain); err != nil {
		b.Fatalf("encoding/json cannot read the codec's output: %v", err)
	}
	if n, err := plainDecode(body); err != nil || n != 20*4*1441 {
		b.Fatalf("plain decode: %d points, %v", n, err)
	}
	runBytes(b, "decode/verdict", len(body), func() error {
		_, err := DecodeRecording(bytes.NewReader(body))
		return err
	})
	runBytes(b, "decode/encoding-json", len(body), func() error {
		_, err := plainDecode(body)
		return err
	})
	var buf bytes.Buffer
	runBytes(b, "encode/verdict", len(body), func() error {
		buf.Reset()
		return rec.Write(&buf)
	})
	runBytes(b, "encode/encoding-json", len(body), func() error {
		_, err := plainEncode(&plain)
		return err
	})
}

// BenchmarkSkipPoints is the structure pass's skip of one points array as
// verdict writes it (a day at 15 s, 5,760 points, one line): skipPoints'
// search for the first "]]" against skipArray's walk over every byte, which
// it falls back to (TestSkipPointsGuessesChecked, FuzzDecodeRecording).
func BenchmarkSkipPoints(b *testing.B) {
	vals := benchValues(5760)
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "[%d,\"%s\"]", 1704067215+15*i, v)
	}
	buf.WriteString("]},\n")
	body := buf.Bytes()
	for _, guess := range []bool{true, false} {
		name := "skipPoints"
		if !guess {
			name = "skipArray"
		}
		runBytes(b, name, len(body), func() error {
			d := &decoder{scanner: scanner{b: body}, guess: guess}
			_, err := d.skipPoints()
			if err == nil && d.i != len(body)-3 {
				err = fmt.Errorf("skipped to %d of %d", d.i, len(body))
			}
			return err
		})
	}
}

// BenchmarkFastPoint is fastPoint, which reads a timestamp's first eight
// digits at once (eightDigits) and a plain decimal value in the pass that
// finds its end (plainDecimal), against its way before them: a digit at a
// time, then a scan to the value's end and parseSample. Inputs: a day at
// 15 s of [seconds,"value"] points, the values 4-decimal gauges as in the
// judge benchmark's recording, or BenchmarkParseSample's exporter mix
// (⅛ with exponents, which both parse with strconv.ParseFloat).
func BenchmarkFastPoint(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	gauges := make([][]byte, 5760)
	for i := range gauges {
		gauges[i] = []byte(strconv.FormatFloat(math.Round((100+15*r.NormFloat64())*1e4)/1e4, 'f', -1, 64))
	}
	for _, in := range []struct {
		name string
		vals [][]byte
	}{{"gauges", gauges}, {"exporters", benchValues(5760)}} {
		var body []byte
		for i, v := range in.vals {
			body = fmt.Appendf(body, "[%d,\"%s\"]", 1704067215+15*i, v)
		}
		for _, fused := range []bool{true, false} {
			name := in.name + "/fused"
			if !fused {
				name = in.name + "/digit-by-digit,scan-then-parseSample"
			}
			runValues(b, name, len(in.vals), func() error {
				for i := 0; i < len(body); {
					_, next, ok := scanPoint(body, i, fused)
					if !ok {
						return fmt.Errorf("fastPoint refused %.30s", body[i:])
					}
					i = next
				}
				return nil
			})
		}
	}
}
