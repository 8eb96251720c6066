package judge

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
)

func init() { register(config.KindSeries, seriesKind{}) }

// seriesKind is `kind: series`: one query returning a range of values per
// side, classified by one of mann-whitney, paired or blocked-mann-whitney.
type seriesKind struct{}

func (seriesKind) Parts(m config.Metric) []Part { return []Part{{Query: m.Query}} }

// Prepare pools every point of every series per side (NaN handling, ±Inf
// left out, outliers) for the descriptive statistics and the Mann–Whitney
// figures, places the points on the window's steps for coverage, and
// prepares the test m.Test asks for.
func (seriesKind) Prepare(m config.Metric, d Data, env Env) *Prepared {
	p := &Prepared{LevelName: "median", Release: func() {}}
	out := &p.Out
	wantMeans := m.Test != config.TestMannWhitney && m.Test != ""
	g := newGrid(env)
	bd, cd := readSides(m, d, env, g, wantMeans)
	defer func() { bd.release(); cd.release() }()
	out.Baseline, out.Canary = bd.out, cd.out
	b, c, bw, cw := bd.values, cd.values, bd.warns, cd.warns
	bInf, cInf := bd.infs, cd.infs
	keeps := outlierFences(m, b, c)
	if k := m.RemoveOutliers; k > 0 {
		b, bw = withoutOutliers(b, k, bw)
		c, cw = withoutOutliers(c, k, cw)
	}
	pair := describeSides(out, b, c, env.Charts)
	if pair != nil {
		p.Release = pair.Release
	}
	out.Warnings = sideWarnings(d, bw, cw)
	bm := out.Baseline.Median
	p.Margin = func(mg config.Margin) float64 { return mg.Of(bm) }
	if d.Baseline.Err != nil || d.Canary.Err != nil {
		return p
	}
	if env.Concurrent {
		if o := overlap(d.Baseline.Result, d.Canary.Result); o != "" {
			p.Problem = overlapReason(m.Name, o)
			return p
		}
	}
	placeSides(&bd, &cd, d, g, env.Offset, keeps, wantMeans) // the test keeps copies (seriesTest)
	bs, cs := bd.steps, cd.steps
	var pairs int
	p.Coverage, pairs = coverageOf(bs, cs, g)
	if bInf.usable > 0 && cInf.usable > 0 {
		p.Early = infDecision(m, bInf, cInf)
	}
	if len(c) > 0 {
		level := out.Canary.Median
		p.Level = &level
	}
	switch {
	case len(b) == 0 || len(c) == 0:
		p.NoData = noDataReason(m, len(b), len(c))
		return p
	case pair == nil:
		p.Problem = fmt.Sprintf("%s: statistics failed: no finite samples", m.Name)
		return p
	}
	cmp, err := pair.Compare(env.Confidence)
	if err != nil {
		p.Problem = fmt.Sprintf("%s: statistics failed: %v", m.Name, err)
		return p
	}
	out.MannWhitney = mannWhitney(cmp, env.Confidence)
	if ch := (out.Canary.Median - bm) / math.Abs(bm); bm != 0 && !math.IsInf(ch, 0) {
		p.Change = &ch // left out when it overflows (a baseline median near 0): JSON has no Inf
	}
	rel := relativeTo(bm)
	if !wantMeans {
		p.Test = &mannWhitneyTest{name: m.Name, pair: pair, mw: out.MannWhitney, nc: len(c), nb: len(b), env: env, rel: rel}
		return p
	}
	var buf *[]float64
	p.Test, p.Series, buf = seriesTest(m, bs, cs, pairs, env, rel)
	if buf != nil {
		release := p.Release
		p.Release = func() { release(); putValues(buf) }
	}
	return p
}

// seriesTest picks the paired or the blocked test (SPEC §4's table): paired
// when asked for, or (auto) when at least 90% of each side's timestamps
// have a value on both sides. The paired test's differences live in buf,
// from valuePool, until the caller puts it back (Prepared.Release).
func seriesTest(m config.Metric, bs, cs steps, pairs int, env Env, rel func(float64) (float64, bool)) (t Test, s *SeriesSamples, buf *[]float64) {
	nb, nc := bs.values, cs.values
	s = &SeriesSamples{Pairs: pairs, BlockLength: env.BlockLengths[m.Name]}
	s.Paired = m.Test == config.TestPaired || (float64(pairs) >= PairShare*float64(nb) && float64(pairs) >= PairShare*float64(nc))
	if s.Paired {
		var sp spread
		var negZero bool
		buf = getValues(pairs)
		s.Differences, sp, negZero = differences(bs, cs, (*buf)[:pairs])
		if s.BlockLength <= 0 {
			L := 1 // blockLengthOf, from the spread differences measured
			if sp.varies() {
				L = analysis.PairedBlockLength(s.Differences, func() ([]float64, []float64) { return pairedSides(bs, cs) })
			}
			s.BlockLength = min(L, maxBlockLength(len(s.Differences), env, pairedMinP))
		}
		L := s.BlockLength
		// Blocks of one are the differences themselves (BlockMeans adds each
		// to 0, which changes only -0): shared, not copied. Neither the test
		// nor its analysis.SignedRankSample changes them.
		dbar := s.Differences
		if L > 1 || negZero {
			dbar = analysis.BlockMeans(s.Differences, L)
		}
		return &pairedTest{name: m.Name, dbar: dbar, L: L, pairs: pairs, env: env, rel: rel}, s, buf
	}
	s.Baseline, s.BaselineSteps = bs.means()
	s.Canary, s.CanarySteps = cs.means()
	if s.BlockLength <= 0 {
		s.BlockLength = min(blockLengthOf(s.Baseline, s.Canary), maxBlockLength(min(len(s.Baseline), len(s.Canary)), env, unpairedMinP))
	}
	L := s.BlockLength
	return &blockedTest{name: m.Name, bbar: analysis.BlockMeans(s.Baseline, L), cbar: analysis.BlockMeans(s.Canary, L), L: L, env: env, rel: rel}, s, nil
}

// blockLengthOf is analysis.BlockLength, except that series constant up to
// floating-point rounding (a spread below 1e-9 of their magnitude, as the
// difference of two per-step means of identically shaped series is) have no
// variation to be autocorrelated: L = 1, where the rounding noise's own
// "autocorrelation" would cut them into a few long blocks.
func blockLengthOf(series ...[]float64) int {
	for _, x := range series {
		sp := newSpread()
		for _, v := range x {
			sp.add(v)
		}
		if sp.varies() {
			return analysis.BlockLength(series...)
		}
	}
	return 1
}

// spread is the range of a series' finite values, added one at a time:
// whether the series varies (blockLengthOf).
type spread struct{ lo, hi float64 }

func newSpread() spread { return spread{lo: math.Inf(1), hi: math.Inf(-1)} }

func (s *spread) add(v float64) {
	if v-v != 0 { // NaN or ±Inf
		return
	}
	s.lo, s.hi = minFinite(s.lo, v), maxFinite(s.hi, v)
}

// minFinite and maxFinite are comparisons, not the builtin min and max,
// whose handling of NaN and of -0 against +0 costs a dozen instructions a
// value; on finite values they differ only in the sign of a zero bound,
// which changes neither test in spread.varies.
func minFinite(lo, v float64) float64 {
	if v < lo {
		return v
	}
	return lo
}

func maxFinite(hi, v float64) float64 {
	if v > hi {
		return v
	}
	return hi
}

// varies reports whether the values added spread more than 1e-9 of their
// largest magnitude, which is that of the smallest or of the largest.
func (s spread) varies() bool {
	return s.hi > s.lo && s.hi-s.lo > 1e-9*max(math.Abs(s.lo), math.Abs(s.hi))
}

// maxBlockLength is the longest block length that leaves a series of n
// values enough blocks for the test's smallest reachable p-value to be
// below α / env.Tests, the level Holm's adjustment gives the smallest p of
// the run: with fewer, no change however large could ever be flagged (8
// blocks reach 2^-8 ≈ 0.004 one-sided, not the 0.01/8 of four metrics
// tested both ways). When even single points cannot reach it, the data
// decide nothing (nodata) whatever L is, and L is left to the data.
func maxBlockLength(n int, env Env, minP func(k int) float64) int {
	level := env.Alpha / float64(max(env.Tests, 1))
	for k := 1; k <= n; k++ {
		if minP(k) < level {
			return max(1, n/k)
		}
	}
	return n
}

func pairedMinP(k int) float64   { return analysis.MinSignedRankP(k) }
func unpairedMinP(k int) float64 { return analysis.MinPValue(k, k) }

// PairShare is the share of each side's timestamps that must have a value
// on both sides for test: auto to pair them.
const PairShare = 0.9

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// relativeTo shows values relative to |median(b)| when it is not 0.
func relativeTo(bm float64) func(float64) (float64, bool) {
	return func(v float64) (float64, bool) {
		if bm == 0 {
			return 0, false
		}
		return v / math.Abs(bm), true
	}
}

// fences are Tukey's fences [Q1 - k·IQR, Q3 + k·IQR] over x's finite
// values, as analysis.RemoveOutliersIQR draws them.
func fences(x []float64, k float64) (lo, hi float64) {
	s := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return math.Inf(-1), math.Inf(1)
	}
	slices.Sort(s)
	q1, q3 := analysis.Quantile(s, 0.25), analysis.Quantile(s, 0.75)
	return q1 - k*(q3-q1), q3 + k*(q3-q1)
}

// sideWarnings are the warnings of both sides and their queries, in order.
func sideWarnings(d Data, bw, cw []string) []string {
	var out []string
	for _, w := range bw {
		out = append(out, "baseline: "+w)
	}
	for _, w := range cw {
		out = append(out, "canary: "+w)
	}
	for _, w := range d.Baseline.Result.Warnings {
		out = append(out, "baseline query: "+w)
	}
	for _, w := range d.Canary.Result.Warnings {
		out = append(out, "canary query: "+w)
	}
	return out
}

// infDecision applies verdict's ±Inf rule: infinite samples are left out of
// the rank test, but a canary with a larger share of +Inf samples than the
// baseline (histogram_quantile's answer when requests fall beyond the largest
// bucket) is high when increases fail it, and likewise -Inf and low.
func infDecision(m config.Metric, b, c infs) *Decision {
	inc, dec := m.Directions()
	for _, t := range []struct {
		on    bool
		sign  int
		class Classification
		name  string
	}{{inc, 1, High, "+Inf"}, {dec, -1, Low, "-Inf"}} {
		if t.on && c.share(t.sign) > b.share(t.sign) {
			return &Decision{Class: t.class, Reason: fmt.Sprintf("%s: %s of the canary's samples are %s against %s of the baseline's (values beyond what the query can measure)",
				m.Name, pct(c.share(t.sign)), t.name, pct(b.share(t.sign)))}
		}
	}
	return nil
}

// infs counts one side's infinite samples among its usable (non-NaN) ones.
type infs struct{ pos, neg, usable int }

// share is the fraction of usable samples that are +Inf (sign > 0) or -Inf.
func (n infs) share(sign int) float64 {
	if n.usable == 0 {
		return 0
	}
	if sign > 0 {
		return float64(n.pos) / float64(n.usable)
	}
	return float64(n.neg) / float64(n.usable)
}

// sideData is what side reads from one side's points.
type sideData struct {
	out    Side      // the report entry, without statistics (see describe)
	values []float64 // the finite values to test (NaN as 0 with nan: zero)
	infs   infs
	warns  []string
	buf    *[]float64 // where values live, from valuePool
	steps  steps      // the points on the grid, when side placed them
}

// release puts back the values' and the steps' memory; d must not be used
// after. Nothing Prepare returns holds them: the pair, the outliers'
// removal, the charts' distributions and the tests copy them.
func (d *sideData) release() {
	putValues(d.buf)
	d.steps.release()
	*d = sideData{}
}

// onGrid asks side to place the points on the grid as it reads them
// (placed's work, with the means, in the same pass): for a side whose
// values count in the means exactly as they count in the test, with no
// outlier fences.
type onGrid struct {
	g     grid // with steps (n > 0)
	shift time.Duration
}

// readSides reads both sides' points (side), placing them on the grid in
// the same pass when that is placed's answer: means wanted, no outlier
// fences (which need the values first), a window with steps.
func readSides(m config.Metric, d Data, env Env, g grid, means bool) (bd, cd sideData) {
	nan := nanStrategy(m)
	var bAt, cAt *onGrid
	if means && m.RemoveOutliers <= 0 && g.n > 0 {
		bAt, cAt = &onGrid{g: g, shift: env.Offset}, &onGrid{g: g}
	}
	return side(d.Baseline, nan, env.Charts, bAt), side(d.Canary, nan, env.Charts, cAt)
}

// outlierFences are the rules for what counts in each side's per-step
// means (keepValue): NaN handling, ±Inf left out, and with remove_outliers
// the fences of the side's values to test b or c.
func outlierFences(m config.Metric, b, c []float64) [2]keepRule {
	nanZero := nanStrategy(m) == analysis.NaNZero
	keeps := [2]keepRule{keepValue(nanZero, math.Inf(-1), math.Inf(1)), keepValue(nanZero, math.Inf(-1), math.Inf(1))}
	if k := m.RemoveOutliers; k > 0 {
		for i, x := range [][]float64{b, c} {
			lo, hi := fences(x, k)
			keeps[i] = keepValue(nanZero, lo, hi)
		}
	}
	return keeps
}

// placeSides places both sides' points on the grid (placed) with keeps,
// unless readSides did; the baseline's shifted by offset.
func placeSides(bd, cd *sideData, d Data, g grid, offset time.Duration, keeps [2]keepRule, means bool) {
	if bd.steps.buf == nil {
		bd.steps = placed(d.Baseline, g, offset, keeps[0], means)
	}
	if cd.steps.buf == nil {
		cd.steps = placed(d.Canary, g, 0, keeps[1], means)
	}
}

// side turns one fetched side into its report entry and the finite values
// to test, in one pass over the points, and with at places them too.
func side(f Fetched, nan analysis.NaNStrategy, charts bool, at *onGrid) sideData {
	d := sideData{out: Side{Query: f.Query, Series: len(f.Result.Series)}}
	if f.Err != nil {
		d.out.Error = f.Err.Error()
		return d
	}
	total := 0
	for _, ser := range f.Result.Series {
		total += len(ser.Points)
	}
	d.buf = getValues(total)
	finite := (*d.buf)[:total]
	kept, nanZero := 0, nan == analysis.NaNZero
	var posInf, negInf int
	if at != nil {
		d.steps = newSteps(at.g.n, true)
		off := int64(at.shift) - at.g.start
		for _, ser := range f.Result.Series {
			var first int
			var inf infs
			kept, first, inf = placeCollect(ser.Points, off, at.g.step, d.steps.present, d.steps.sum, d.steps.cnt, nanZero, finite, kept)
			d.steps.values += first
			posInf, negInf = posInf+inf.pos, negInf+inf.neg
		}
	} else {
		for _, ser := range f.Result.Series {
			for _, p := range ser.Points {
				switch v := p.V; {
				case v-v == 0: // finite: v-v is NaN for NaN and ±Inf
					finite[kept] = v
					kept++
				case v != v:
					if nanZero {
						finite[kept] = 0
						kept++
					}
				case v > 0:
					posInf++
				default:
					negInf++
				}
			}
		}
	}
	d.values = finite[:kept:kept]
	if posInf+negInf > 0 {
		d.warns = append(d.warns, fmt.Sprintf("%d +Inf and %d -Inf samples left out of the test", posInf, negInf))
	}
	if charts {
		d.out.setLine(f.Result.Series) // Distribution: from the tested sample, in Prepare
	}
	d.infs = infs{posInf, negInf, kept + posInf + negInf}
	return d
}

// valuePool holds the buffers of side's values to test (*[]float64).
var valuePool sync.Pool

// getValues is a buffer of capacity at least n from valuePool.
func getValues(n int) *[]float64 {
	if b, ok := valuePool.Get().(*[]float64); ok && cap(*b) >= n {
		return b
	}
	b := make([]float64, n)
	return &b
}

// putValues returns side's buffer to valuePool; nil does nothing.
func putValues(b *[]float64) {
	if b != nil {
		valuePool.Put(b)
	}
}

// describeSides fills both sides' statistics (and, with charts, their
// distributions) from the values to test, and returns their Pair: nil when
// a side has none or the pair cannot be built.
func describeSides(out *Metric, b, c []float64, charts bool) *analysis.Pair {
	var pair *analysis.Pair
	if len(b) > 0 && len(c) > 0 {
		if pr, err := analysis.NewPair(c, b); err == nil {
			pair = pr
			cs, bs := pr.Sorted()
			out.Canary.describe(cs, true)
			out.Baseline.describe(bs, true)
		}
	}
	if pair == nil {
		out.Baseline.describe(b, false)
		out.Canary.describe(c, false)
	}
	if charts {
		chartDistributions(out, pair, b, c)
	}
	return pair
}

// chartDistributions sets each side's Distribution from the values the
// test compares: the pair's sorted samples, or sorted copies of b and c
// when there is no pair.
func chartDistributions(out *Metric, pair *analysis.Pair, b, c []float64) {
	if pair != nil {
		cs, bs := pair.Sorted()
		out.Canary.setDistribution(cs)
		out.Baseline.setDistribution(bs)
		return
	}
	for _, sd := range []struct {
		s    *Side
		vals []float64
	}{{&out.Baseline, b}, {&out.Canary, c}} {
		sorted := slices.Clone(sd.vals)
		slices.Sort(sorted)
		sd.s.setDistribution(sorted)
	}
}

// describe fills a side's statistics from its finite values, sorted
// ascending when sorted is true (a Pair's), else in any order.
func (s *Side) describe(vals []float64, sorted bool) {
	var sum analysis.Summary
	var err error
	if sorted {
		sum, err = analysis.DescribeSorted(vals)
	} else {
		sum, err = analysis.Describe(vals)
	}
	if err == nil {
		s.Count, s.Mean, s.Median, s.Min, s.Max = sum.Count, sum.Mean, sum.Median, sum.Min, sum.Max
		s.Stddev, s.P90, s.P95, s.P99 = sum.Stddev, sum.P90, sum.P95, sum.P99
	}
	s.sanitize()
}

func (s *Side) sanitize() {
	for _, p := range []*float64{&s.Mean, &s.Median, &s.Min, &s.Max, &s.Stddev, &s.P90, &s.P95, &s.P99} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = 0
		}
	}
}

func nanStrategy(m config.Metric) analysis.NaNStrategy {
	if m.NaN == analysis.NaNZero {
		return analysis.NaNZero
	}
	return analysis.NaNRemove
}

// withoutOutliers drops values outside [Q1 - k·IQR, Q3 + k·IQR] and says how many went.
func withoutOutliers(x []float64, k float64, warns []string) ([]float64, []string) {
	if len(x) == 0 {
		return x, warns
	}
	out, removed := analysis.RemoveOutliersIQR(x, k)
	if removed > 0 {
		warns = append(warns, fmt.Sprintf("%d outliers beyond %s×IQR left out (remove_outliers)", removed, num(k)))
	}
	return out, warns
}
