package metrics

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestParseSampleMatchesParseFloat(t *testing.T) {
	for _, s := range []string{"0", "-0", "+0", "0.4191", "-12", "536870912", "1.", ".5", "-.5", "0.1", "0.3",
		"123456789012345.6", "9007199254740993", "9007199254740992", "0.0000000000000000000001", "1e3", "NaN", "+Inf", "-Inf",
		"98.9778", "1234567.891", "0.30000000000000004", "00012.50", "1_000", "", ".", "-", "1.2.3", "abc"} {
		want, werr := strconv.ParseFloat(s, 64)
		got, err := parseSample([]byte(s))
		if (err != nil) != (werr != nil) {
			t.Errorf("%q: error %v, ParseFloat's %v", s, err, werr)
			continue
		}
		if err == nil && !sameBits(got, want) {
			t.Errorf("%q = %v (%x), ParseFloat %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}

// FuzzParseSample: the fast path returns exactly ParseFloat's value and error status.
func FuzzParseSample(f *testing.F) {
	for _, s := range []string{"0.4191", "-12.5", "1e-3", "NaN", "123456789012345678", "0.000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := strconv.ParseFloat(s, 64)
		got, err := parseSample([]byte(s))
		if (err != nil) != (werr != nil) || err == nil && !sameBits(got, want) {
			t.Fatalf("%q: got %v, %v; ParseFloat %v, %v", s, got, err, want, werr)
		}
	})
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// FuzzFastPoint: whatever the fast path accepts, the JSON reading of the same
// point (seconds as parseMillis reads them, the value as ParseFloat) agrees.
func FuzzFastPoint(f *testing.F) {
	for _, s := range []string{`[1704067215,"0.42"]`, `[1704067215.25,"NaN"]`, `[1704067215.1239,"+Inf"]`, `[0,"-1e-3"]`, `[1,"1"],`} {
		f.Add(s)
	}
	f.Add(`[1704067215,"98.9778"]`)
	f.Add(`[1704067215,"9007199254740993"]`)
	f.Add(`[1704067215,"1.2.3"]`)
	f.Add(`[1704:67215,"1"]`)
	f.Add(`[99999999,"1"]`)
	f.Add(`[012345678,"1"]`)
	f.Add(`[1234567890123456789,"1"]`)
	f.Fuzz(func(t *testing.T, s string) {
		p, next, ok := fastPoint([]byte(s), 0)
		// plainDecimal's value is the one the scan and parseSample give.
		if q, qnext, qok := scanPoint([]byte(s), 0, false); ok != qok || next != qnext || p.T != q.T || !sameBits(p.V, q.V) {
			t.Fatalf("%q: fused %v %v %v, scan then parseSample %v %v %v", s, p, next, ok, q, qnext, qok)
		}
		if !ok {
			return
		}
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(s[:next]), &raw); err != nil || len(raw) != 2 {
			return // lenient where JSON is strict (e.g. "1." or leading zeros): nothing to compare
		}
		ms, okMs := parseMillis(raw[0])
		var vs string
		if json.Unmarshal(raw[1], &vs) != nil || !okMs {
			t.Fatalf("%q: fast path accepted what the general path rejects", s)
		}
		v, err := strconv.ParseFloat(vs, 64)
		if err != nil || p.T.UnixMilli() != ms || !sameBits(p.V, v) {
			t.Fatalf("%q: fast %v %v, general %v %v (%v)", s, p.T.UnixMilli(), p.V, ms, v, err)
		}
	})
}
