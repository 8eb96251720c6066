package judge

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// The plain preparation of a series metric's samples, as the judge did it
// before its fast paths (side, placed, coverageOf and seriesTest in
// series.go and align.go): math.IsNaN and math.IsInf for every value, the
// grid's own rounding (grid.at) for every point, a pass of its own to count
// the pairs, a division at every step, a pass of its own for the spread of
// the differences and a copy of them as blocks of one. TestSeriesPrepAgrees
// and FuzzSeriesPrepAgrees hold the fast paths to its answers bit for bit;
// BenchmarkSeriesPrep races the two.

// plainSteps is one side's points on the grid, as steps holds them.
type plainSteps struct {
	present []bool
	sum     []float64
	cnt     []int32
}

func plainSide(f Fetched, nan analysis.NaNStrategy) (Side, []float64, infs, []string) {
	s := Side{Query: f.Query, Series: len(f.Result.Series)}
	if f.Err != nil {
		s.Error = f.Err.Error()
		return s, nil, infs{}, nil
	}
	total := 0
	for _, ser := range f.Result.Series {
		total += len(ser.Points)
	}
	finite := make([]float64, 0, total)
	var posInf, negInf int
	for _, ser := range f.Result.Series {
		for _, p := range ser.Points {
			switch v := p.V; {
			case math.IsNaN(v):
				if nan == analysis.NaNZero {
					finite = append(finite, 0)
				}
			case math.IsInf(v, 1):
				posInf++
			case math.IsInf(v, -1):
				negInf++
			default:
				finite = append(finite, v)
			}
		}
	}
	var warns []string
	if posInf+negInf > 0 {
		warns = append(warns, fmt.Sprintf("%d +Inf and %d -Inf samples left out of the test", posInf, negInf))
	}
	return s, finite, infs{posInf, negInf, len(finite) + posInf + negInf}, warns
}

func plainKeep(r keepRule, v float64) (float64, bool) {
	switch {
	case math.IsNaN(v):
		if !r.nanZero {
			return 0, false
		}
		v = 0
	case math.IsInf(v, 0):
		return 0, false
	}
	return v, v >= r.lo && v <= r.hi
}

func plainPlaced(f Fetched, g grid, shift time.Duration, keep keepRule, means bool) plainSteps {
	s := plainSteps{present: make([]bool, g.n)}
	if means {
		s.sum, s.cnt = make([]float64, g.n), make([]int32, g.n)
	}
	for _, ser := range f.Result.Series {
		for _, p := range ser.Points {
			k, ok := g.at(p.T, shift)
			if !ok {
				continue
			}
			s.present[k] = true
			if v, ok := plainKeep(keep, p.V); ok && means {
				s.sum[k] += v
				s.cnt[k]++
			}
		}
	}
	return s
}

// plainCoverage is coverageOf without the pairs (which plainSeriesTest
// counts), whose coverage is as it was.
func plainCoverage(b, c plainSteps, g grid) Coverage {
	cv, _ := coverageOf(steps{present: b.present}, steps{present: c.present}, g)
	return cv
}

func plainBlockLengthOf(series ...[]float64) int {
	for _, x := range series {
		lo, hi, big := math.Inf(1), math.Inf(-1), 0.0
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo, hi, big = min(lo, v), max(hi, v), max(big, math.Abs(v))
		}
		if hi > lo && hi-lo > 1e-9*big {
			return analysis.BlockLength(series...)
		}
	}
	return 1
}

func plainSeriesTest(m config.Metric, bs, cs plainSteps, env Env) (Test, *SeriesSamples) {
	nb, nc, pairs := 0, 0, 0
	for k := range bs.cnt {
		hb, hc := bs.cnt[k] > 0, cs.cnt[k] > 0
		nb += b2i(hb)
		nc += b2i(hc)
		pairs += b2i(hb && hc)
	}
	s := &SeriesSamples{Pairs: pairs, BlockLength: env.BlockLengths[m.Name]}
	s.Paired = m.Test == config.TestPaired || (float64(pairs) >= PairShare*float64(nb) && float64(pairs) >= PairShare*float64(nc))
	if s.Paired {
		s.Differences = make([]float64, 0, pairs)
		for k := range bs.cnt {
			if bs.cnt[k] > 0 && cs.cnt[k] > 0 {
				s.Differences = append(s.Differences, cs.sum[k]/float64(cs.cnt[k])-bs.sum[k]/float64(bs.cnt[k]))
			}
		}
		if s.BlockLength <= 0 {
			s.BlockLength = min(plainBlockLengthOf(s.Differences), maxBlockLength(len(s.Differences), env, pairedMinP))
		}
		L := s.BlockLength
		return &pairedTest{name: m.Name, dbar: analysis.BlockMeans(s.Differences, L), L: L, pairs: pairs, env: env}, s
	}
	means := func(ps plainSteps) (vals []float64, at []int) {
		vals, at = []float64{}, []int{}
		for k, n := range ps.cnt {
			if n > 0 {
				vals = append(vals, ps.sum[k]/float64(n))
				at = append(at, k)
			}
		}
		return vals, at
	}
	s.Baseline, s.BaselineSteps = means(bs)
	s.Canary, s.CanarySteps = means(cs)
	if s.BlockLength <= 0 {
		s.BlockLength = min(plainBlockLengthOf(s.Baseline, s.Canary), maxBlockLength(min(len(s.Baseline), len(s.Canary)), env, unpairedMinP))
	}
	L := s.BlockLength
	return &blockedTest{name: m.Name, bbar: analysis.BlockMeans(s.Baseline, L), cbar: analysis.BlockMeans(s.Canary, L), L: L, env: env}, s
}

// prepView is what the preparation of a series metric's samples gives the
// rest of Prepare, from either path: each side's report entry, values to
// test, infinities and warnings, its steps, the coverage, and the test.
type prepView struct {
	sides   [2]Side
	finite  [2][]float64
	infs    [2]infs
	warns   [2][]string
	steps   [2]plainSteps
	values  [2]int // steps with a kept value; -1 from the plain path
	cov     Coverage
	pairs   int // from coverageOf; -1 from the plain path
	test    Test
	samples *SeriesSamples
}

// prepSides runs Prepare's preparation in Prepare's order, with fences when
// m removes outliers, through the plain functions or the fast ones.
func prepSides(m config.Metric, d Data, env Env, plain bool) prepView {
	wantMeans := m.Test != config.TestMannWhitney && m.Test != ""
	g := newGrid(env)
	if plain {
		return plainPrep(m, d, env, g, wantMeans)
	}
	var v prepView
	bd, cd := readSides(m, d, env, g, wantMeans)
	keeps := outlierFences(m, bd.values, cd.values)
	placeSides(&bd, &cd, d, g, env.Offset, keeps, wantMeans)
	v.cov, v.pairs = coverageOf(bd.steps, cd.steps, g)
	if wantMeans {
		v.test, v.samples, _ = seriesTest(m, bd.steps, cd.steps, v.pairs, env, nil) // not put back: the view keeps them
	}
	// What the views keep outlives the pooled memory: copies.
	for i, sd := range []*sideData{&bd, &cd} {
		v.sides[i], v.infs[i], v.warns[i], v.values[i] = sd.out, sd.infs, sd.warns, sd.steps.values
		if sd.values != nil {
			v.finite[i] = append([]float64{}, sd.values...)
		}
		v.steps[i] = plainSteps{present: append([]bool{}, sd.steps.present...)}
		if wantMeans {
			v.steps[i].sum, v.steps[i].cnt = append([]float64{}, sd.steps.sum...), append([]int32{}, sd.steps.cnt...)
		}
		sd.release()
	}
	return v
}

// plainPrep is prepSides through the plain functions.
func plainPrep(m config.Metric, d Data, env Env, g grid, wantMeans bool) prepView {
	var v prepView
	nan := nanStrategy(m)
	fs := [2]Fetched{d.Baseline, d.Canary}
	shifts := [2]time.Duration{env.Offset, 0}
	for i, f := range fs {
		v.sides[i], v.finite[i], v.infs[i], v.warns[i] = plainSide(f, nan)
	}
	for i, f := range fs {
		lo, hi := math.Inf(-1), math.Inf(1)
		if k := m.RemoveOutliers; k > 0 {
			lo, hi = fences(v.finite[i], k)
		}
		v.steps[i] = plainPlaced(f, g, shifts[i], keepValue(nan == analysis.NaNZero, lo, hi), wantMeans)
		v.values[i] = -1
	}
	v.cov, v.pairs = plainCoverage(v.steps[0], v.steps[1], g), -1
	if wantMeans {
		v.test, v.samples = plainSeriesTest(m, v.steps[0], v.steps[1], env)
	}
	return v
}

// sameFloats reports whether a and b hold the same values bit for bit (any
// NaN matches any NaN), both nil or neither.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// prepDiff is where the fast path's view differs from the plain one's, or "".
func prepDiff(fast, plain prepView) string {
	for i := range 2 {
		fs, ps := fast.steps[i], plain.steps[i]
		switch {
		case fmt.Sprint(fast.sides[i]) != fmt.Sprint(plain.sides[i]):
			return fmt.Sprintf("side %d: %+v, plain %+v", i, fast.sides[i], plain.sides[i])
		case !sameFloats(fast.finite[i], plain.finite[i]) && len(fast.finite[i])+len(plain.finite[i]) > 0:
			return fmt.Sprintf("side %d: values to test %v, plain %v", i, fast.finite[i], plain.finite[i])
		case fast.infs[i] != plain.infs[i] || fmt.Sprint(fast.warns[i]) != fmt.Sprint(plain.warns[i]):
			return fmt.Sprintf("side %d: infinities %v %q, plain %v %q", i, fast.infs[i], fast.warns[i], plain.infs[i], plain.warns[i])
		case fmt.Sprint(fs.present) != fmt.Sprint(ps.present) || fmt.Sprint(fs.cnt) != fmt.Sprint(ps.cnt) || !sameFloats(fs.sum, ps.sum):
			return fmt.Sprintf("side %d: steps %v %v %v, plain %v %v %v", i, fs.present, fs.sum, fs.cnt, ps.present, ps.sum, ps.cnt)
		}
		if ps.cnt != nil {
			want := 0
			for _, n := range ps.cnt {
				want += b2i(n > 0)
			}
			if fast.values[i] != want {
				return fmt.Sprintf("side %d: %d steps with values, plain %d", i, fast.values[i], want)
			}
		}
	}
	if fast.cov != plain.cov {
		return fmt.Sprintf("coverage %+v, plain %+v", fast.cov, plain.cov)
	}
	if (fast.samples == nil) != (plain.samples == nil) {
		return fmt.Sprintf("samples %v, plain %v", fast.samples, plain.samples)
	}
	if plain.samples == nil {
		return ""
	}
	fsm, psm := fast.samples, plain.samples
	switch {
	case fast.pairs != psm.Pairs:
		return fmt.Sprintf("coverageOf's pairs %d, plain %d", fast.pairs, psm.Pairs)
	case fsm.Paired != psm.Paired || fsm.Pairs != psm.Pairs || fsm.BlockLength != psm.BlockLength:
		return fmt.Sprintf("samples paired %v, %d pairs, L %d; plain %v, %d, %d", fsm.Paired, fsm.Pairs, fsm.BlockLength, psm.Paired, psm.Pairs, psm.BlockLength)
	case !sameFloats(fsm.Differences, psm.Differences) || !sameFloats(fsm.Baseline, psm.Baseline) || !sameFloats(fsm.Canary, psm.Canary):
		return fmt.Sprintf("samples %v %v %v, plain %v %v %v", fsm.Differences, fsm.Baseline, fsm.Canary, psm.Differences, psm.Baseline, psm.Canary)
	case fmt.Sprint(fsm.BaselineSteps, fsm.CanarySteps) != fmt.Sprint(psm.BaselineSteps, psm.CanarySteps):
		return fmt.Sprintf("steps %v %v, plain %v %v", fsm.BaselineSteps, fsm.CanarySteps, psm.BaselineSteps, psm.CanarySteps)
	}
	switch pt := plain.test.(type) {
	case *pairedTest:
		ft, ok := fast.test.(*pairedTest)
		if !ok || !sameFloats(ft.dbar, pt.dbar) || ft.L != pt.L || ft.pairs != pt.pairs {
			return fmt.Sprintf("test %+v, plain %+v", fast.test, pt)
		}
	case *blockedTest:
		ft, ok := fast.test.(*blockedTest)
		if !ok || !sameFloats(ft.bbar, pt.bbar) || !sameFloats(ft.cbar, pt.cbar) || ft.L != pt.L {
			return fmt.Sprintf("test %+v, plain %+v", fast.test, pt)
		}
	default:
		return fmt.Sprintf("plain test %T", plain.test)
	}
	return ""
}

// prepCase builds a series metric, its window and its data from in: a
// header of flags (NaN handling, outliers, test, offset, fixed block
// length, series per side) and then, per point, a byte for its time (most
// often the next step; or a jitter, a repeat within the step, a gap, a jump
// back before the window's start, a new series) and its value (as
// decodeValue reads it). Every point a side has until its ends or 0xFD
// starts the canary.
func prepCase(in []byte) (config.Metric, Data, Env) {
	var hdr [4]byte
	copy(hdr[:], in)
	in = in[min(len(in), 4):]
	step := 15 * time.Second
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 8 + int(hdr[3])%64 // the window's steps
	m := config.Metric{Name: "m", Test: []string{config.TestAuto, config.TestPaired, config.TestMannWhitney, config.TestAuto}[hdr[0]&3]}
	if hdr[0]&4 != 0 {
		m.NaN = analysis.NaNZero
	}
	if hdr[0]&8 != 0 {
		m.RemoveOutliers = 1.5
	}
	env := Env{Start: start, End: start.Add(time.Duration(n-1) * step), Step: step, Confidence: 0.98, Alpha: 0.01, Tests: 1 + int(hdr[1]&3)}
	if hdr[0]&16 != 0 {
		env.Offset = 24 * time.Hour
	}
	if hdr[0]&32 != 0 {
		env.BlockLengths = map[string]int{"m": 1 + int(hdr[1]>>2)%4}
	}
	var d Data
	fs := [2]*Fetched{&d.Baseline, &d.Canary}
	sideOf, at := 0, [2]time.Time{start.Add(-env.Offset), start}
	newSeries := func() {
		f := fs[sideOf]
		f.Result.Series = append(f.Result.Series, metrics.Series{Labels: map[string]string{"pod": fmt.Sprint(len(f.Result.Series))}})
		first := start.Add(-time.Duration(hdr[2]&7) * step)
		if sideOf == 0 {
			first = first.Add(-env.Offset)
		}
		at[sideOf] = first
	}
	newSeries()
	for i := 0; i+1 < len(in); i += 2 {
		c := in[i]
		if c == 0xFD && sideOf == 0 {
			sideOf = 1
			newSeries()
			i--
			continue
		}
		switch {
		case c < 0xC0:
			at[sideOf] = at[sideOf].Add(step)
		case c < 0xD0:
			at[sideOf] = at[sideOf].Add(step + time.Duration(int(c&15)-8)*step/16) // unaligned
		case c < 0xE0:
			at[sideOf] = at[sideOf].Add(time.Duration(1+c&15) * time.Second) // another point within the step
		case c < 0xF0:
			at[sideOf] = at[sideOf].Add(time.Duration(2+c&15) * step) // a gap
		default:
			newSeries() // from a step before the window
		}
		v, used := decodeValue(in[i+1:])
		i += used - 1
		f := fs[sideOf]
		ser := &f.Result.Series[len(f.Result.Series)-1]
		if len(ser.Points) > 0 && !ser.Points[len(ser.Points)-1].T.Before(at[sideOf]) {
			continue // a series' points are in time order
		}
		ser.Points = append(ser.Points, metrics.Point{T: at[sideOf], V: v})
	}
	if sideOf == 0 {
		d.Canary = d.Baseline
		d.Canary.Result.Series = nil
		if env.Offset == 0 {
			d.Canary.Result.Series = append(d.Canary.Result.Series, d.Baseline.Result.Series...)
		}
	}
	return m, d, env
}

// decodeValue reads a point's value from in: a byte below 0x80 is that
// small integer (ties); 0x80 to 0x87 are NaN, +Inf, -Inf, -0, the smallest
// subnormal and its negation, MaxFloat64 and its negation (sums that
// overflow); 0x88 is followed by the 8 bytes of a float64's bits; any
// other byte is a value near 100 scaled by it. It says how many bytes it read.
func decodeValue(in []byte) (float64, int) {
	if len(in) == 0 {
		return 0, 1
	}
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64}
	switch c := in[0]; {
	case c < 0x80:
		return float64(c), 1
	case c < 0x88:
		return specials[c-0x80], 1
	case c == 0x88 && len(in) >= 9:
		return math.Float64frombits(binary.LittleEndian.Uint64(in[1:9])), 9
	default:
		return 100 + float64(c)/7, 1
	}
}

// prepSeeds are inputs that reach each rule: on the grid, unaligned,
// repeated within a step, gaps, several series, specials, an offset, the
// blocked test and fixed block lengths.
func prepSeeds() [][]byte {
	r := rand.New(rand.NewPCG(11, 12))
	var seeds [][]byte
	for i := range 64 {
		hdr := []byte{byte(i), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
		in := append([]byte{}, hdr...)
		for s := range 2 {
			for range 20 + r.IntN(80) {
				var t byte
				switch x := r.IntN(100); {
				case x < 70 || i%4 == 0:
					t = byte(r.IntN(0xC0))
				case x < 80:
					t = 0xC0 + byte(r.IntN(16))
				case x < 88:
					t = 0xD0 + byte(r.IntN(16))
				case x < 96:
					t = 0xE0 + byte(r.IntN(16))
				default:
					t = 0xF0
				}
				v := byte(0x90 + r.IntN(0x60))
				switch x := r.IntN(100); {
				case x < 8:
					v = 0x80 + byte(r.IntN(8))
				case x < 20:
					v = byte(r.IntN(5))
				}
				in = append(in, t, v)
			}
			if s == 0 {
				in = append(in, 0xFD)
			}
		}
		seeds = append(seeds, in)
	}
	// A -0 difference: the canary's mean at step 1 of the smallest negative
	// subnormal and 0 rounds to -0, the baseline's is 0 (BlockMeans of
	// blocks of one makes it +0).
	negZero := []byte{1, 0, 0, 0}
	for range 7 {
		negZero = append(negZero, 0, 0)
	}
	negZero = append(negZero, 0xFD, 0, 0x85, 0xF0, 0)
	for range 7 {
		negZero = append(negZero, 0, 0)
	}
	return append(seeds, negZero)
}

// TestSeriesPrepAgrees: the fast preparation gives the plain one's answers
// bit for bit on the seeds, and on a long clean day's data as the
// benchmarks use.
func TestSeriesPrepAgrees(t *testing.T) {
	for i, in := range prepSeeds() {
		m, d, env := prepCase(in)
		if diff := prepDiff(prepSides(m, d, env, false), prepSides(m, d, env, true)); diff != "" {
			t.Fatalf("seed %d (%s, nan %q, outliers %v, offset %v): %s", i, m.Test, m.NaN, m.RemoveOutliers, env.Offset, diff)
		}
	}
	cfg, d := pairedMetric()
	m, env := cfg.Metrics[0], NewEnv(cfg, false)
	if diff := prepDiff(prepSides(m, d, env, false), prepSides(m, d, env, true)); diff != "" {
		t.Fatalf("a day at 15 s: %s", diff)
	}
}

// FuzzSeriesPrepAgrees is TestSeriesPrepAgrees on any input prepCase reads.
func FuzzSeriesPrepAgrees(f *testing.F) {
	for _, in := range prepSeeds() {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, d, env := prepCase(in)
		if diff := prepDiff(prepSides(m, d, env, false), prepSides(m, d, env, true)); diff != "" {
			t.Fatalf("%s (nan %q, outliers %v, offset %v): %s", m.Test, m.NaN, m.RemoveOutliers, env.Offset, diff)
		}
	})
}

// plainLabelKey is labelKey as fmt writes it.
func plainLabelKey(l map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		fmt.Fprintf(&b, "%s=%q,", k, l[k])
	}
	return b.String()
}

// TestLabelKeyAgrees: labelKey writes what fmt's %q writes, for label
// values of every kind of character (quotes, backslashes, control and
// non-ASCII characters, invalid UTF-8) and names in any order.
func TestLabelKeyAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	alphabet := []string{"a", "Z", "_", "0", `"`, `\`, "\n", "\t", "\x00", "\x7f", "é", "日", "\xff", "\xc3", " ", "=", ",", "{", "}"}
	word := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 2000 {
		l := map[string]string{}
		for range r.IntN(5) {
			l[word()] = word()
		}
		if got, want := labelKey(l), plainLabelKey(l); got != want {
			t.Fatalf("labels %d %q: %q, fmt %q", i, l, got, want)
		}
	}
}
