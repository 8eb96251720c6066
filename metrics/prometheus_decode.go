package metrics

import (
	"bytes"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rangeBody is a decoded /api/v1/query_range response.
type rangeBody struct {
	status     string
	errorType  string
	errorMsg   string
	resultType string
	series     []decodedSeries
	warnings   []string
	infos      []string
	partial    bool // VictoriaMetrics' "isPartial": true
}

// decodedSeries is one series of a matrix, its points decoded straight into Points.
type decodedSeries struct {
	labels     map[string]string
	key        string // canonical label-set text, for stitching chunks
	points     []Point
	histograms int // native histogram samples, which verdict leaves out
}

// decodeRangeBody parses a query_range response in one pass with the strict
// scanner (jsonscan.go), writing the matrix's points straight into []Point.
// client_golang's decoder (encoding/json with its model) validates and
// re-parses the body several times and allocates per point:
// BenchmarkRangeDecode (fastpath_bench_test.go; docs/performance.md)
// measures this one 9.3× faster on a day at 15 s, and FuzzDecodeRangeBody
// checks it against that reading.
func decodeRangeBody(b []byte, scratch *[]Point) (*rangeBody, error) {
	p := &scanner{b: b}
	out := &rangeBody{}
	err := p.object(func(key string) error {
		switch foldKey(key, "status", "errortype", "error", "warnings", "infos", "ispartial", "data") {
		case "status":
			return p.strInto(&out.status)
		case "errortype":
			return p.strInto(&out.errorType)
		case "error":
			return p.strInto(&out.errorMsg)
		case "warnings":
			out.warnings = nil // a repeated key replaces, as in encoding/json
			return p.strings(&out.warnings)
		case "infos":
			out.infos = nil
			return p.strings(&out.infos)
		case "ispartial":
			return p.boolInto(&out.partial)
		case "data":
			if p.null() {
				return nil
			}
			return p.object(func(key string) error {
				switch foldKey(key, "resulttype", "result") {
				case "resulttype":
					return p.strInto(&out.resultType)
				case "result":
					out.series = nil
					if p.null() {
						return nil
					}
					return p.array(func() error { return p.series(out, scratch) })
				}
				return p.skip()
			})
		}
		return p.skip()
	})
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, p.errf("data after the JSON object")
	}
	return out, nil
}

func (p *scanner) series(out *rangeBody, scratch *[]Point) error {
	s := decodedSeries{labels: map[string]string{}}
	err := p.object(func(key string) error {
		switch foldKey(key, "metric", "values", "histograms") {
		case "metric":
			if p.null() {
				return nil
			}
			return p.object(func(name string) error {
				var v string
				if err := p.strInto(&v); err != nil {
					return err
				}
				s.labels[name] = v
				return nil
			})
		case "values":
			// Decode into a reused buffer, then copy at the exact size:
			// growing each series by appending would leave up to half its capacity unused.
			*scratch = (*scratch)[:0]
			if p.null() {
				s.points = nil
				return nil
			}
			err := p.array(func() error {
				pt, err := p.point()
				if err == nil {
					*scratch = append(*scratch, pt)
				}
				return err
			})
			s.points = append([]Point(nil), *scratch...)
			return err
		case "histograms":
			if p.null() {
				return nil
			}
			return p.array(func() error { s.histograms++; return p.skip() })
		}
		return p.skip()
	})
	if err != nil {
		return err
	}
	s.key = labelKey(s.labels)
	out.series = append(out.series, s)
	return nil
}

// point parses [1704067200.5, "0.21"].
func (p *scanner) point() (Point, error) {
	p.ws()
	if pt, next, ok := fastPoint(p.b, p.i); ok {
		p.i = next
		return pt, nil
	}
	if err := p.expect('['); err != nil {
		return Point{}, err
	}
	p.ws()
	tok, isNum := p.numberToken()
	ms, ok := parseMillis(tok)
	if !ok || !isNum {
		return Point{}, p.errf("timestamp is not a number")
	}
	if err := p.expect(','); err != nil {
		return Point{}, err
	}
	p.ws()
	start := p.i
	raw, err := p.rawString()
	if err != nil {
		return Point{}, err
	}
	if bytes.IndexByte(p.b[start:p.i], '\\') >= 0 {
		// client_golang parses the quoted text as it is, escapes and all
		return Point{}, p.errf("sample value %s has escapes", p.b[start:p.i])
	}
	v, err := parseSample(raw)
	if err != nil {
		return Point{}, p.errf("sample value %q is not a number", raw)
	}
	if err := p.expect(']'); err != nil {
		return Point{}, err
	}
	return Point{T: time.UnixMilli(ms).UTC(), V: v}, nil
}

// parseMillis reads API seconds ("1704067200", "1704067215.5") as
// milliseconds, from the digits, as prometheus/common's model.Time does:
// digits past the third decimal are dropped. Exponent forms, which servers
// do not send, go through float64 and are rounded.
func parseMillis(b []byte) (int64, bool) {
	if bytes.ContainsAny(b, "eE") {
		sec, err := strconv.ParseFloat(string(b), 64)
		if err != nil || math.IsInf(sec, 0) || math.Abs(sec) > 1e15 {
			return 0, false
		}
		return int64(math.Round(sec * 1e3)), true
	}
	base, frac, _ := bytes.Cut(b, []byte("."))
	v, err := strconv.ParseInt(string(base), 10, 64)
	if err != nil || v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
		return 0, false
	}
	var ms int64
	for i, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		if i < 3 {
			ms = ms*10 + int64(c-'0')
		}
	}
	for i := len(frac); i < 3; i++ {
		ms *= 10
	}
	if len(base) > 0 && base[0] == '-' {
		ms = -ms
	}
	return v*1000 + ms, true
}

// foldKey returns the name among names that key matches without regard to
// case — Unicode's simple folding, as encoding/json matches field names
// (so "ſtatus" is "status") — or "" when it matches none.
func foldKey(key string, names ...string) string {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return n
		}
	}
	return ""
}

// labelKey is a label set's canonical text: sorted name=value pairs.
func labelKey(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(0xff)
		b.WriteString(labels[k])
		b.WriteByte(0xfe)
	}
	return b.String()
}
