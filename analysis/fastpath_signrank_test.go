package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"
)

// The signed-rank fast path (signmerge.go: the cross-pair merge over the
// sample sorted once, the cache of answers R's solver asks for again)
// against the plain computation it replaces, R's own: for each d, x - d,
// the zeros dropped, rank(abs(x - d)) by sorting, V the sum of the positive
// differences' midranks. The differential tests and the fuzzer require the
// two to agree to the bit, on every statistic and on every interval;
// BenchmarkSignedRankEval and BenchmarkSignedRankCIPlain race them.

// plainSignedRanks is R's computation of the signed-rank statistics of
// x - d, as wilcox.test's W(d) spells it (any order of x).
func plainSignedRanks(x []float64, d float64) signedRanks {
	r := signedRanks{}
	xd := make([]float64, 0, len(x))
	for _, v := range x {
		if v-d == 0 {
			r.zeros = true
			continue
		}
		xd = append(xd, v-d)
	}
	r.n = len(xd)
	idx := make([]int, len(xd))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return math.Abs(xd[idx[i]]) < math.Abs(xd[idx[j]]) })
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && math.Abs(xd[idx[j]]) == math.Abs(xd[idx[i]]) {
			j++
		}
		mid := float64(i+1+j) / 2 // ranks i+1 .. j
		for _, k := range idx[i:j] {
			if xd[k] > 0 {
				r.v += mid
			}
		}
		if t := j - i; t > 1 {
			r.ties = true
			r.tieSum += cube(int64(t))
		}
		i = j
	}
	return r
}

// plainSignedRankCI is SignedRankCI's asymptotic branch with every W(d)
// from plainSignedRanks, for the ascending nonzero values x.
func plainSignedRankCI(x []float64, confidence float64) SignedRankInterval {
	return asymptoticSignedRankCI(x, confidence, func(d float64) signedRanks { return plainSignedRanks(x, d) })
}

// recordedDiffs are n differences of two 4-decimal gauges around 100 and
// 105, as examples/gen -bench records them: many exactly equal, many one
// or two ulps apart (21.066 and 21.066000000000003).
func recordedDiffs(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		b := math.Round(100*math.Exp(0.1*r.NormFloat64())*1e4) / 1e4
		c := math.Round(105*math.Exp(0.1*r.NormFloat64())*1e4) / 1e4
		x[i] = c - b
	}
	return x
}

// fastSample is testSample's kinds and two more: recorded differences (6)
// and values in pairs one ulp apart (7).
func fastSample(r *rand.Rand, n, kind int) []float64 {
	var x []float64
	switch kind {
	case 6:
		x = recordedDiffs(n, r.Uint64())
	case 7:
		x = make([]float64, n)
		for i := range x {
			v := math.Round(r.NormFloat64()*8) / 8
			if i%2 == 1 {
				v = math.Nextafter(x[i-1], math.Inf(1))
			}
			x[i] = v
		}
	default:
		return testSample(r, n, kind)
	}
	slices.Sort(x)
	return x
}

// shifts are the d a test evaluates at: the solver's kind (random within
// the range), data values (zeros), Walsh averages (cross ties), their
// neighbours one ulp away, and far outside.
func shifts(r *rand.Rand, x []float64) []float64 {
	n := len(x)
	lo, hi := x[0], x[n-1]
	ds := []float64{0, lo, hi, (lo + hi) / 2, 3e16, -1e300}
	for range 8 {
		w := (x[r.IntN(n)] + x[r.IntN(n)]) / 2
		ds = append(ds, lo+(hi-lo)*r.Float64(), x[r.IntN(n)], w,
			math.Nextafter(w, math.Inf(1)), math.Nextafter(w, math.Inf(-1)))
	}
	return ds
}

// TestRankSampleAgreesPlain checks rankSample.at against R's computation at
// the shifts that make zeros, ties and collisions, on every kind of sample.
func TestRankSampleAgreesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 800 {
		n := 1 + r.IntN(200)
		x := fastSample(r, n, trial%8)
		s := newRankSample(x, nil)
		for _, d := range shifts(r, x) {
			got, _, _ := s.at(d)
			if want := plainSignedRanks(x, d); got != want {
				t.Fatalf("trial %d (kind %d) x %v, d %v: %+v, want %+v", trial, trial%8, x, d, got, want)
			}
		}
	}
}

// TestSignedRankCIAgreesPlain checks the fast interval (merge and cache)
// against the plain one, every field to the bit: the same W at every point
// R's solver visits gives the same path and the same roots.
func TestSignedRankCIAgreesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	trials := 300
	if testing.Short() {
		trials = 100
	}
	for trial := range trials {
		n := 50 + r.IntN(400)
		x := fastSample(r, n, trial%8)
		if trial%5 == 0 {
			x = append(x, 0, 0) // zeros are dropped first
		}
		checkCIAgrees(t, x, []float64{0.5, 0.9, 0.98, 0.999}[trial%4])
	}
	checkCIAgrees(t, recordedDiffs(5760, 3), 0.98) // a day at 15 s, as judged
}

// checkCIAgrees compares SignedRankCI(x, conf) with the plain interval.
func checkCIAgrees(t *testing.T, x []float64, conf float64) {
	t.Helper()
	got, err := SignedRankCI(x, conf)
	if err != nil {
		t.Fatal(err)
	}
	nz := slices.DeleteFunc(slices.Clone(x), func(v float64) bool { return v == 0 })
	slices.Sort(nz)
	if got.Method != MethodAsymptotic {
		return // the exact branch has no W(d) to compare
	}
	if want := plainSignedRankCI(nz, conf); !sameInterval(got, want) {
		t.Fatalf("n %d conf %v x %v:\nfast  %+v\nplain %+v", len(x), conf, x, got, want)
	}
}

func sameInterval(a, b SignedRankInterval) bool {
	same := func(u, v float64) bool {
		return math.Float64bits(u) == math.Float64bits(v) || (math.IsNaN(u) && math.IsNaN(v))
	}
	return same(a.Estimate, b.Estimate) && same(a.Low, b.Low) && same(a.High, b.High) && a.Achieved == b.Achieved && a.Method == b.Method
}

// TestSignedRankSampleReuse checks that one SignedRankSample answers as
// the one-shot functions do, in any order of calls.
func TestSignedRankSampleReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for trial := range 100 {
		x := fastSample(r, 5+r.IntN(120), trial%8)
		s, err := NewSignedRankSample(x)
		if err != nil {
			t.Fatal(err)
		}
		for _, mu := range []float64{x[0], 0, 0, x[len(x)/2], x[len(x)/2], 0.5} {
			for _, alt := range []Alternative{Greater, Less, TwoSided} {
				got, err1 := s.Test(mu, alt)
				want, err2 := SignedRank(x, mu, alt)
				if got != want || err1 != err2 {
					t.Fatalf("trial %d mu %v alt %d: %+v %v, want %+v %v", trial, mu, alt, got, err1, want, err2)
				}
			}
			got, err1 := s.CI(0.95)
			want, err2 := SignedRankCI(x, 0.95)
			if !sameInterval(got, want) || err1 != err2 {
				t.Fatalf("trial %d: interval %+v %v, want %+v %v", trial, got, err1, want, err2)
			}
		}
	}
}

// FuzzSignedRankFast checks the fast path against the plain one on
// arbitrary samples: values in quarters, some nudged one ulp (collisions),
// scaled so that rounding x - d merges neighbours.
func FuzzSignedRankFast(f *testing.F) {
	f.Add([]byte{120, 0, 124, 1, 128, 2, 110, 0, 111, 1, 112, 0}, uint8(0), int8(3))
	f.Add([]byte{120, 0, 120, 0, 120, 1, 119, 2}, uint8(2), int8(-1))
	f.Add([]byte{200, 1, 10, 2, 130, 0, 131, 1, 90, 0, 90, 0, 91, 2}, uint8(3), int8(0))
	f.Fuzz(func(t *testing.T, data []byte, scaleByte uint8, shift int8) {
		if len(data) > 600 {
			data = data[:600]
		}
		scale := fuzzScale(scaleByte)
		x := fuzzQuarters(data, scale)
		if len(x) == 0 {
			return
		}
		slices.Sort(x)
		s := newRankSample(x, nil)
		mu := float64(shift) / 4 * scale
		for _, d := range []float64{mu, math.Nextafter(mu, 0), (x[0] + x[len(x)-1]) / 2} {
			if got, _, _ := s.at(d); got != plainSignedRanks(x, d) {
				t.Fatalf("x %v d %v: %+v, want %+v", x, d, got, plainSignedRanks(x, d))
			}
		}
		nz := slices.DeleteFunc(slices.Clone(x), func(v float64) bool { return v == 0 })
		if len(nz) == 0 {
			return
		}
		lo, hi := nz[0], nz[len(nz)-1]
		if math.IsInf(hi-lo, 0) || math.IsInf(lo+lo, 0) || math.IsInf(hi+hi, 0) {
			return
		}
		fast := asymptoticSignedRankCI(nz, 0.9, (&rankCache{s: newRankSample(nz, nil)}).at)
		if plain := plainSignedRankCI(nz, 0.9); !sameInterval(fast, plain) {
			t.Fatalf("x %v:\nfast  %+v\nplain %+v", nz, fast, plain)
		}
	})
}

// BenchmarkSignedRankEval is one evaluation of the statistics at a shift,
// the fast path's merge against R's sort of |x - d|, on recorded
// differences (ties and near-ties, as judged) at the shifts a root search
// visits.
func BenchmarkSignedRankEval(b *testing.B) {
	for _, n := range []int{240, 5760} {
		x := recordedDiffs(n, 1)
		slices.Sort(x)
		s := newRankSample(x, nil)
		b.Run(strconv.Itoa(n)+"/merge", func(b *testing.B) {
			i := 0
			loopCPU(b, func() {
				i++
				s.at(4 + float64(i%1021)/1021)
			})
		})
		b.Run(strconv.Itoa(n)+"/plain", func(b *testing.B) {
			i := 0
			loopCPU(b, func() {
				i++
				plainSignedRanks(x, 4+float64(i%1021)/1021)
			})
		})
	}
}

// BenchmarkSignedRankCIPlain is the whole asymptotic interval on a day of
// recorded differences (5,760, L = 1): SignedRankCI against the plain
// interval, whose every W(d) sorts.
func BenchmarkSignedRankCIPlain(b *testing.B) {
	x := recordedDiffs(5760, 1)
	nz := slices.Clone(x)
	slices.Sort(nz)
	b.Run("fast", func(b *testing.B) {
		loopCPU(b, func() {
			if _, err := SignedRankCI(x, 0.98); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("plain", func(b *testing.B) {
		loopCPU(b, func() { plainSignedRankCI(nz, 0.98) })
	})
}

// TestBlockMeansOfOne checks BlockMeans' L = 1 path against meanOf of each
// value, to the bit: -0, ±Inf, NaN and ordinary values.
func TestBlockMeansOfOne(t *testing.T) {
	x := []float64{math.Copysign(0, -1), 0, 1.5, -2.25e-310, math.Inf(1), math.Inf(-1), math.NaN(), 1e308, -7}
	got := BlockMeans(x, 1)
	for i, v := range x {
		want := meanOf([]float64{v})
		if math.Float64bits(got[i]) != math.Float64bits(want) && !(math.IsNaN(got[i]) && math.IsNaN(want)) {
			t.Errorf("BlockMeans(%v, 1)[%d] = %v (bits %x), meanOf %v (bits %x)", v, i, got[i], math.Float64bits(got[i]), want, math.Float64bits(want))
		}
	}
	if math.Signbit(got[0]) {
		t.Errorf("the mean of -0 is %v, want +0 as R's sum gives", got[0])
	}
}

// fuzzScale is the scale a fuzzer's byte picks: 1, 1e-3, 1e9 or 1e16 (the
// last so large that rounding x - d merges neighbours).
func fuzzScale(b uint8) float64 { return []float64{1, 1e-3, 1e9, 1e16}[b%4] }

// fuzzQuarters is a fuzzed sample: byte pairs (value, nudge), each value in
// quarters around 120 times scale, nudged one ulp up or down (collisions) or
// through a decimal's rounding by the second byte.
func fuzzQuarters(data []byte, scale float64) []float64 {
	var x []float64
	for i := 0; i+1 < len(data); i += 2 {
		v := float64(int(data[i])-120) / 4 * scale
		switch data[i+1] % 4 {
		case 1:
			v = math.Nextafter(v, math.Inf(1))
		case 2:
			v = math.Nextafter(v, math.Inf(-1))
		case 3:
			v = v + 0.1 - 0.1 // a decimal's rounding
		}
		x = append(x, v)
	}
	return x
}
