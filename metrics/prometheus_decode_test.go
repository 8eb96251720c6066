package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
)

func decode(b []byte) (*rangeBody, error) { return decodeRangeBody(b, new([]Point)) }

// referenceDecode decodes a query_range body with encoding/json and
// prometheus/common's model, the slow, trusted way.
func referenceDecode(b []byte) (status string, m model.Matrix, warnings []string, err error) {
	var body struct {
		Status   string   `json:"status"`
		Warnings []string `json:"warnings"`
		Data     *struct {
			ResultType string       `json:"resultType"`
			Result     model.Matrix `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return "", nil, nil, err
	}
	if body.Data != nil {
		m = body.Data.Result
	}
	return body.Status, m, body.Warnings, nil
}

// sameAsReference reports how decodeRangeBody's result differs from the reference ("" if not).
func sameAsReference(got *rangeBody, status string, m model.Matrix, warnings []string) string {
	if got.status != status {
		return fmt.Sprintf("status %q vs %q", got.status, status)
	}
	if strings.Join(got.warnings, "\x00") != strings.Join(warnings, "\x00") {
		return fmt.Sprintf("warnings %q vs %q", got.warnings, warnings)
	}
	if len(got.series) != len(m) {
		return fmt.Sprintf("%d series vs %d", len(got.series), len(m))
	}
	for i, ss := range m {
		g := got.series[i]
		if len(g.labels) != len(ss.Metric) {
			return fmt.Sprintf("series %d: labels %v vs %v", i, g.labels, ss.Metric)
		}
		for k, v := range ss.Metric {
			if g.labels[string(k)] != string(v) {
				return fmt.Sprintf("series %d: label %s=%q vs %q", i, k, g.labels[string(k)], v)
			}
		}
		if len(g.points) != len(ss.Values) {
			return fmt.Sprintf("series %d: %d points vs %d", i, len(g.points), len(ss.Values))
		}
		for j, v := range ss.Values {
			if g.points[j].T.UnixMilli() != int64(v.Timestamp) || !sameFloat(g.points[j].V, float64(v.Value)) {
				return fmt.Sprintf("series %d point %d: %v vs %v", i, j, g.points[j], v)
			}
		}
	}
	return ""
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

var decodeCases = map[string]string{
	"typical": `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"__name__":"up","job":"api"},"values":[[1704067200,"1"],[1704067215.5,"0.25"],[1704067230.001,"NaN"],[1704067245,"+Inf"],[1704067260,"-Inf"]]},
		{"metric":{},"values":[[1704067260,"1e-3"]]}]}}`,
	"escapes and unicode in labels": `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"path":"/a\"b\\c\n\u00e9\ud83d\ude00","ünï":"ok"},"values":[[1704067200,"2"]]}]}}`,
	"whitespace, unknown fields, warnings and infos": ` { "status" : "success" , "warnings" : [ "w1" , "w\u0032" ] , "infos":["i"], "data" : {
		"stats": {"timings": {"evalTotalTime": 0.1, "nested": [1, true, null, {"x": [ ]}]}},
		"resultType" : "matrix" , "result" : [ { "metric" : { "a" : "b" } , "values" : [ [ 1704067200 , "3" ] ] , "extra": false } ] } } `,
	"empty result":         `{"status":"success","data":{"resultType":"matrix","result":[]}}`,
	"null data and result": `{"status":"success","data":{"resultType":"matrix","result":null}}`,
	"error body":           `{"status":"error","errorType":"bad_data","error":"parse error at char 5: unexpected \"}\""}`,
	"native histograms": `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"a":"b"},"histograms":[[1704067200,{"count":"2","sum":"1","buckets":[[0,"0","1","2"]]}]]}]}}`,
}

func TestDecodeRangeBodyMatchesReference(t *testing.T) {
	for name, body := range decodeCases {
		t.Run(name, func(t *testing.T) {
			got, err := decode([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			status, m, warnings, err := referenceDecode([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if d := sameAsReference(got, status, m, warnings); d != "" {
				t.Fatal(d)
			}
		})
	}
	got, _ := decode([]byte(decodeCases["native histograms"]))
	if got.series[0].histograms != 1 {
		t.Errorf("histogram samples: %d, want 1", got.series[0].histograms)
	}
	got, _ = decode([]byte(decodeCases["error body"]))
	if got.errorType != "bad_data" || got.errorMsg != `parse error at char 5: unexpected "}"` {
		t.Errorf("error body: %q %q", got.errorType, got.errorMsg)
	}
	// model.Time misreads exponents; servers do not send them, but they are valid JSON.
	got, err := decode([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.70406726e9,"1"]]}]}}`))
	if err != nil || !got.series[0].points[0].T.Equal(time.Unix(1704067260, 0)) {
		t.Errorf("exponent timestamp: %v, %v", got, err)
	}
	got, _ = decode([]byte(decodeCases["typical"]))
	if pt := got.series[0].points[2]; !pt.T.Equal(time.UnixMilli(1704067230001)) || pt.T.Location() != time.UTC {
		t.Errorf("millisecond timestamp: %v", pt.T)
	}
}

func TestDecodeRangeBodyRejectsMalformed(t *testing.T) {
	for _, body := range []string{
		``, `{`, `[]`, `{"status":"success"`, `{"status":"success"} x`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,1]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["t","1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,"one"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e999,"1"]]}]}}`,
		`{"status":"succ` + "\x01" + `ess"}`,
		`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
		// Not JSON numbers, in a timestamp and in an unknown field.
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[+1704067200,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[01704067200,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200.,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[.5,"1"]]}]}}`,
		`{"status":"success","stats":+1,"data":{"resultType":"matrix","result":[]}}`,
		`{"status":"success","stats":01,"data":{"resultType":"matrix","result":[]}}`,
	} {
		if _, err := decode([]byte(body)); err == nil {
			t.Errorf("%.60q: no error", body)
		}
	}
}

// expTimestamp finds a number with an exponent, which model.Time misreads;
// histogramsKey a histograms member, whose samples the fast decoder counts
// without reading them.
var (
	expTimestamp  = regexp.MustCompile(`[0-9.][eE][-+0-9]`)
	histogramsKey = regexp.MustCompile(`(?i)histograms`)
)

// FuzzDecodeRangeBody is differential: the fast decoder must reject every
// body that the plain reading (encoding/json with client_golang's model)
// rejects, and where both accept, they must agree on every series, label,
// timestamp and value. It may reject more: it is stricter where the model
// is loose — a sample pair of other than two elements, null where a string
// belongs, escapes in a sample value, a malformed isPartial — and those
// are errors of the server. Left out: bodies with invalid UTF-8
// (encoding/json replaces it), with exponents (model.Time misreads them)
// and with native histograms (counted, not read: verdict leaves them out).
func FuzzDecodeRangeBody(f *testing.F) {
	for _, body := range decodeCases {
		f.Add([]byte(body))
	}
	for _, body := range []string{
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[+1704067200,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[01704067200,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200.,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,"\u0031"]]}]}}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decode(b) // must not panic
		status, m, warnings, refErr := referenceDecode(b)
		if !utf8.Valid(b) || expTimestamp.Match(b) || histogramsKey.Match(b) {
			return
		}
		if err == nil && refErr != nil {
			t.Fatalf("accepts what encoding/json and client_golang reject (%v)", refErr)
		}
		if err != nil || refErr != nil {
			return
		}
		if d := sameAsReference(got, status, m, warnings); d != "" {
			t.Fatalf("differs from encoding/json: %s", d)
		}
	})
}

// BenchmarkDecodeRangeBody decodes a day at 15 s (5,761 points), against client_golang's way.
func BenchmarkDecodeRangeBody(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"bench_metric_001","version":"v1"},"values":[`)
	for i := 0; i < 5761; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `[%d,"%g"]`, 1703980800+15*i, 100+float64(i%997)/997)
	}
	sb.WriteString(`]}]}}`)
	body := []byte(sb.String())
	b.Run("verdict", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		scratch := new([]Point) // pooled per source in Fetch
		for b.Loop() {
			if _, err := decodeRangeBody(body, scratch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-model", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := referenceDecode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
