package analysis

import (
	"errors"
	"math"
	"testing"
)

// fuzzSamples decodes fuzz bytes into two samples. Most bytes become
// multiples of 1/4 in [-30, 30), exact in float64 so that shifted and
// swapped samples have exactly shifted and mirrored differences; a few
// codes are special values. plain reports whether no special value occurs.
func fuzzSamples(data []byte) (x, y []float64, plain bool) {
	if len(data) > 400 {
		data = data[:400]
	}
	if len(data) == 0 {
		return nil, nil, true
	}
	split := int(data[0]) % len(data)
	vals := make([]float64, 0, len(data)-1)
	plain = true
	for _, b := range data[1:] {
		v := float64(int(b)-120) / 4
		if b >= 240 {
			plain = false
			v = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
				5e-324, 1e300, math.Copysign(0, -1), 1e-300, -1e150, 1e150, 0.1, 0.2, 0.3, 1e16, 1}[b-240]
		}
		vals = append(vals, v)
	}
	split = min(split, len(vals))
	return vals[:split], vals[split:], plain
}

func FuzzCompare(f *testing.F) {
	f.Add([]byte{3, 120, 124, 128, 110, 111, 112, 113}, int8(4), uint8(242))
	f.Add([]byte{5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, int8(0), uint8(128))
	f.Add([]byte{2, 240, 241, 242, 120, 130}, int8(-3), uint8(250))
	f.Add([]byte{4, 243, 244, 120, 121, 122}, int8(1), uint8(200))
	f.Add([]byte{0}, int8(1), uint8(1))
	f.Add([]byte{60, 120, 120, 120, 121, 121, 122, 119, 119, 118, 120, 120, 120, 121, 121, 122, 119, 119, 118,
		120, 120, 120, 121, 121, 122, 119, 119, 118, 120, 120, 120, 121, 121, 122, 119, 119, 118,
		120, 120, 120, 121, 121, 122, 119, 119, 118, 120, 120, 120, 121, 121, 122, 119, 119, 118,
		120, 120, 120, 121, 121, 122, 119, 119, 118, 124, 125, 126, 127}, int8(2), uint8(230))
	f.Fuzz(func(t *testing.T, data []byte, shift int8, confByte uint8) {
		x, y, plain := fuzzSamples(data)
		conf := (float64(confByte) + 1) / 258
		c, err := Compare(x, y, conf)
		for _, alt := range []Alternative{TwoSided, Greater, Less} {
			u, uerr := MannWhitneyUTest(x, y, alt)
			if (uerr != nil) != (err != nil && !errors.Is(err, ErrOverflow)) {
				t.Fatalf("MannWhitneyUTest error %v, Compare error %v", uerr, err)
			}
			if uerr == nil && !(u.P >= 0 && u.P <= 1) {
				t.Fatalf("alternative %d: p = %v", alt, u.P)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		mn := float64(c.N1) * float64(c.N2)
		switch {
		case !(c.P >= 0 && c.P <= 1):
			t.Fatalf("p = %v", c.P)
		case !(c.U >= 0 && c.U <= mn):
			t.Fatalf("U = %v with m·n = %v", c.U, mn)
		case !(c.CILow <= c.Estimate && c.Estimate <= c.CIHigh):
			t.Fatalf("interval [%v, %v] does not hold estimate %v (%s)", c.CILow, c.CIHigh, c.Estimate, c.Method)
		}
		if e, err := Effects(x, y); err != nil || e.CLES != c.U/mn {
			t.Fatalf("CLES %v, U/mn %v, err %v", e.CLES, c.U/mn, err)
		}
		// swapping the sides mirrors everything
		s, err := Compare(y, x, conf)
		if err != nil {
			t.Fatalf("swapped: %v", err)
		}
		if s.U != mn-c.U || !relClose(s.P, c.P, 1e-12) {
			t.Fatalf("swapped: U %v p %v; original U %v p %v, m·n %v", s.U, s.P, c.U, c.P, mn)
		}
		if plain && (s.Estimate != -c.Estimate || s.CILow != -c.CIHigh || s.CIHigh != -c.CILow) {
			t.Fatalf("swapped: %v [%v, %v]; original %v [%v, %v]", s.Estimate, s.CILow, s.CIHigh, c.Estimate, c.CILow, c.CIHigh)
		}
		// adding a constant to x shifts the estimate and the interval
		if !plain || shift == 0 {
			return
		}
		d := float64(shift) / 4
		xs := make([]float64, len(x))
		for i, v := range x {
			xs[i] = v + d
		}
		sh, err := Compare(xs, y, conf)
		if err != nil {
			t.Fatalf("shifted: %v", err)
		}
		if sh.Method == c.Method && !c.isAllEqual() && !sh.isAllEqual() &&
			(sh.Estimate != c.Estimate+d || sh.CILow != c.CILow+d || sh.CIHigh != c.CIHigh+d) {
			t.Fatalf("shifted by %v: %v [%v, %v]; original %v [%v, %v] (%s)", d, sh.Estimate, sh.CILow, sh.CIHigh, c.Estimate, c.CILow, c.CIHigh, c.Method)
		}
	})
}

// isAllEqual reports the SPEC's all-equal answer, which does not shift.
func (c Comparison) isAllEqual() bool {
	return c.P == 1 && c.Estimate == 0 && c.CILow == 0 && c.CIHigh == 0
}

func FuzzDescribe(f *testing.F) {
	f.Add([]byte{3, 120, 124, 128, 110}, uint8(6))
	f.Add([]byte{0, 240, 241, 242, 243, 244}, uint8(0))
	f.Add([]byte{}, uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		x, _, _ := fuzzSamples(append([]byte{255}, data...))
		s, err := Describe(x)
		if err == nil {
			if !(s.Min <= s.P50 && s.P50 <= s.P90 && s.P90 <= s.P95 && s.P95 <= s.P99 && s.P99 <= s.Max) {
				t.Fatalf("quantiles out of order: %+v", s)
			}
			if s.Median != s.P50 || s.Count == 0 || s.Stddev < 0 {
				t.Fatalf("summary %+v", s)
			}
		} else if !errors.Is(err, ErrEmpty) {
			t.Fatal(err)
		}
		for _, strategy := range []NaNStrategy{NaNRemove, NaNZero, "bogus"} {
			out, n := ApplyNaN(x, strategy)
			for _, v := range out {
				if math.IsNaN(v) {
					t.Fatalf("%s left NaN in %v", strategy, out)
				}
			}
			if len(out)+n != len(x) && strategy != NaNZero || strategy == NaNZero && len(out) != len(x) {
				t.Fatalf("%s: %d values, %d changed, from %d", strategy, len(out), n, len(x))
			}
		}
		out, n := RemoveOutliersIQR(x, float64(k)/8)
		if len(out)+n != len(x) {
			t.Fatalf("outliers: kept %d + removed %d != %d", len(out), n, len(x))
		}
	})
}
