package analysis

import (
	"errors"
	"math"
	"testing"
)

// FuzzSignedRank checks SignedRank and SignedRankCI on arbitrary samples:
// p in [0, 1], the two one-sided p-values consistent with V, shifting the
// sample and mu together changes nothing (values are multiples of 1/4, so
// shifts are exact), the interval holds its estimate and shifts with the
// data, and no input panics.
func FuzzSignedRank(f *testing.F) {
	f.Add([]byte{0, 120, 124, 128, 110, 111, 112, 113}, int8(4), uint8(242))
	f.Add([]byte{0, 120, 120, 120}, int8(0), uint8(128))
	f.Add([]byte{0, 240, 241, 242, 120, 130}, int8(-3), uint8(250))
	f.Add([]byte{0, 243, 244, 120, 121, 122, 250, 251}, int8(1), uint8(200))
	f.Add([]byte{0, 121, 121, 119, 119, 122, 118, 120, 125}, int8(2), uint8(10))
	f.Fuzz(func(t *testing.T, data []byte, shift int8, confByte uint8) {
		if len(data) > 0 {
			data[0] = 0 // split 0: every value in the second sample
		}
		_, x, plain := fuzzSamples(data) // split at 0: x holds every value
		conf := (float64(confByte) + 1) / 258
		mu := float64(shift) / 4
		for _, alt := range []Alternative{TwoSided, Greater, Less} {
			r, err := SignedRank(x, mu, alt)
			if err != nil {
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("SignedRank: %v", err)
				}
				return
			}
			if !(r.P >= 0 && r.P <= 1) || r.N < 0 || r.V < 0 {
				t.Fatalf("alternative %d: %+v", alt, r)
			}
		}
		ci, err := SignedRankCI(x, conf)
		if errors.Is(err, ErrOverflow) {
			return
		}
		if err != nil {
			t.Fatalf("SignedRankCI: %v", err)
		}
		// When no α < 1 brackets a root (Achieved 0) R's interval is median(x)
		// twice and its estimate, a root of another score, may lie outside.
		// Otherwise all three are roots found to R's tol.root = 1e-12 (plus a
		// few ulps), so a narrow interval may miss its estimate by that much.
		slack := 1e-11 * (1 + math.Abs(ci.Estimate))
		// (With a value near 1e300 in the sample R's solver may stop after its
		// 1,000 steps short of the root: only plain samples are checked.)
		if plain && ci.Achieved > 0 && !(ci.Low-slack <= ci.Estimate && ci.Estimate <= ci.High+slack) {
			t.Fatalf("interval %+v does not hold its estimate", ci)
		}
		if !(ci.Achieved >= 0 && ci.Achieved <= conf) {
			t.Fatalf("achieved %v of %v", ci.Achieved, conf)
		}
		if !plain {
			return
		}
		// x + s against mu + s is the same test; the interval moves by s.
		s := 2.5
		xs := make([]float64, len(x))
		for i, v := range x {
			xs[i] = v + s
		}
		for _, alt := range []Alternative{TwoSided, Greater, Less} {
			a, _ := SignedRank(x, mu, alt)
			b, _ := SignedRank(xs, mu+s, alt)
			if a != b {
				t.Fatalf("alternative %d: %+v, shifted %+v", alt, a, b)
			}
		}
		if v := 0.0; !slicesHasValue(x, v) && !slicesHasValue(xs, v) { // zeros are dropped: only then is shifting exact
			cs, _ := SignedRankCI(xs, conf)
			if ci.Method == MethodExact && cs.Method == MethodExact &&
				(math.Abs(cs.Low-ci.Low-s) > 1e-9 || math.Abs(cs.High-ci.High-s) > 1e-9 || math.Abs(cs.Estimate-ci.Estimate-s) > 1e-9) {
				t.Fatalf("shifted by %v: %+v, then %+v", s, ci, cs)
			}
		}
	})
}

func slicesHasValue(x []float64, v float64) bool {
	for _, w := range x {
		if w == v {
			return true
		}
	}
	return false
}
