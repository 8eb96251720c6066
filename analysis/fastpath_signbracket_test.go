package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// The bracket path (signbracket.go) against the full merge: inside small
// brackets of earlier evaluations, every statistic equal to the bit and
// the cache radius (down, up) never larger than the merge's.

// checkBracket evaluates lo and hi, then each d in ds, through one cache,
// comparing each answer with rankSample.at's; it returns how many
// evaluations the bracket answered.
func checkBracket(t *testing.T, x []float64, ds []float64) int {
	t.Helper()
	s := newRankSample(x, nil)
	c := &rankCache{s: s}
	for _, d := range ds {
		got, down, up := c.count(d)
		want, wDown, wUp := s.at(d)
		if got != want || down > wDown || up > wUp || math.IsNaN(down) || math.IsNaN(up) {
			t.Fatalf("x %v d %v: %+v down %v up %v, merge %+v down %v up %v", x, d, got, down, up, want, wDown, wUp)
		}
	}
	return c.listed
}

// bracketShifts are lo, hi a few Walsh averages apart (around one, or
// around a data value) and many d between them, with their one-ulp
// neighbours and the Walsh averages inside themselves.
func bracketShifts(r *rand.Rand, x []float64) []float64 {
	n := len(x)
	w := (x[r.IntN(n)] + x[r.IntN(n)]) / 2
	width := (x[n-1] - x[0]) * math.Pow(10, -1-3*r.Float64())
	lo, hi := w-width*r.Float64(), w+width*r.Float64()
	ds := []float64{lo, hi}
	for range 30 {
		d := lo + (hi-lo)*r.Float64()
		switch r.IntN(4) {
		case 0:
			d = math.Nextafter(d, math.Inf(1))
		case 1: // a Walsh average inside, or next to one
			d = (x[r.IntN(n)] + x[r.IntN(n)]) / 2
			if r.IntN(2) == 0 {
				d = math.Nextafter(d, math.Inf(-1))
			}
			if !(lo < d && d < hi) {
				d = w
			}
		case 2: // shrink the bracket as the solver does
			if r.IntN(2) == 0 {
				lo = d
			} else {
				hi = d
			}
		}
		ds = append(ds, d)
	}
	return ds
}

// bracketSample is fastSample's kinds, plus zeros and heavy repeats.
func bracketSample(r *rand.Rand, n, kind int) []float64 {
	switch kind {
	case 8: // few distinct values: every Walsh average repeated
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(r.IntN(9)-3) / 2
		}
		slices.Sort(x)
		return x
	case 9: // zeros among values one ulp apart
		x := fastSample(r, n, 7)
		for i := 0; i < n; i += 5 {
			x[i] = 0
		}
		slices.Sort(x)
		return x
	}
	return fastSample(r, n, kind)
}

// TestRankCacheBracketAgreesMerge runs the bracket path on every kind of
// sample at shifts inside small brackets and requires it to have answered
// a good share of them.
func TestRankCacheBracketAgreesMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	used, total := 0, 0
	for trial := range 600 {
		x := bracketSample(r, 20+r.IntN(400), trial%10)
		ds := bracketShifts(r, x)
		used += checkBracket(t, x, ds)
		total += len(ds)
	}
	t.Logf("the bracket answered %d of %d shifts", used, total)
	if used < total/10 {
		t.Fatalf("the bracket answered %d of %d shifts", used, total)
	}
	// and the whole interval, through R's solver, with the bracket and without
	listed := 0
	for trial := range 60 {
		x := bracketSample(r, 50+r.IntN(2000), trial%10)
		x = slices.DeleteFunc(x, func(v float64) bool { return v == 0 })
		if len(x) == 0 {
			continue
		}
		plain := asymptoticSignedRankCI(x, 0.95, (&rankCache{s: newRankSample(x, nil), plain: true}).at)
		c := &rankCache{s: newRankSample(x, nil)}
		fast := asymptoticSignedRankCI(x, 0.95, c.at)
		listed += c.listed
		if !sameInterval(fast, plain) {
			t.Fatalf("trial %d x %v:\nbracket %+v\nmerge   %+v", trial, x, fast, plain)
		}
	}
	if listed == 0 {
		t.Fatal("the bracket answered no step of R's solver")
	}
	t.Logf("the bracket answered %d of the solver's steps", listed)
}

// FuzzRankCacheBracket checks the bracket path against the merge on
// arbitrary samples (values in quarters, nudged one ulp, scaled) and
// shifts between two Walsh averages.
func FuzzRankCacheBracket(f *testing.F) {
	addQuarterSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, scaleByte uint8, seed uint64) {
		if len(data) > 800 {
			data = data[:800]
		}
		x := fuzzQuarters(data, fuzzScale(scaleByte))
		if len(x) < 2 {
			return
		}
		slices.Sort(x)
		if x[0] == x[len(x)-1] {
			return
		}
		checkBracket(t, x, bracketShifts(rand.New(rand.NewPCG(seed, 5)), x))
	})
}

// BenchmarkSignedRankCIBracket is the whole asymptotic interval with the
// bracket's lists (bracket) and with the merge at every evaluation the
// cache does not answer (merge), on recorded differences and on
// continuous ones.
func BenchmarkSignedRankCIBracket(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	cont := make([]float64, 5761)
	for i := range cont {
		cont[i] = r.NormFloat64() + 0.1
	}
	for _, tc := range []struct {
		name string
		x    []float64
	}{{"recorded5760", recordedDiffs(5760, 1)}, {"continuous" + strconv.Itoa(len(cont)), cont}} {
		x := slices.Clone(tc.x)
		slices.Sort(x)
		s := newRankSample(x, nil)
		for _, plain := range []bool{false, true} {
			name := tc.name + "/bracket"
			if plain {
				name = tc.name + "/merge"
			}
			b.Run(name, func(b *testing.B) {
				loopCPU(b, func() {
					c := &rankCache{s: s, plain: plain}
					asymptoticSignedRankCI(x, 0.98, c.at)
					c.release()
				})
			})
		}
	}
}
