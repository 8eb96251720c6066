package judge

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// grid is the window's steps: a step-aligned range query's timestamps. The
// baseline's points, Offset earlier, are placed after shifting them forward.
type grid struct {
	start, step int64 // Unix nanoseconds
	n           int
}

func newGrid(env Env) grid {
	g := grid{start: env.Start.UnixNano(), step: int64(env.Step)}
	if g.step > 0 && !env.End.Before(env.Start) {
		g.n = int(env.End.Sub(env.Start)/env.Step) + 1
	}
	return g
}

// at is the step of a point at t shifted by shift (to the nearest step), and
// whether it lies in the window.
func (g grid) at(t time.Time, shift time.Duration) (int, bool) {
	if g.n == 0 {
		return 0, false
	}
	d := t.UnixNano() + int64(shift) - g.start
	if d < -g.step/2 {
		return 0, false
	}
	k := int((d + g.step/2) / g.step)
	return k, k < g.n
}

func (g grid) time(k int) time.Time { return time.Unix(0, g.start+int64(k)*g.step).UTC() }

// steps is one side's points placed on the grid.
type steps struct {
	present []bool    // a point at the step, NaN included
	sum     []float64 // of the values kept for testing, when means are wanted
	cnt     []int32
	values  int      // steps with cnt > 0
	buf     *stepBuf // where the three live, from stepPool
}

// stepBuf is the memory of one side's steps. A judge places both sides of
// every metric on the window's grid; reused, the buffers spare the
// allocator zeroing fresh pages (and the process holding every metric's
// until the collector runs).
type stepBuf struct {
	present []bool
	sum     []float64
	cnt     []int32
}

var stepPool sync.Pool // *stepBuf

// release returns the steps' memory for reuse; s must not be used after.
func (s *steps) release() {
	if s.buf != nil {
		stepPool.Put(s.buf)
	}
	*s = steps{}
}

// placed puts a side's points on the grid. keep says which values count
// for the per-step means (NaN handling, ±Inf, outliers) and what they
// become; means false skips the means (coverage only). release frees the
// result's memory.
func placed(f Fetched, g grid, shift time.Duration, keep keepRule, means bool) steps {
	s := newSteps(g.n, means)
	if g.n == 0 {
		return s
	}
	off := int64(shift) - g.start
	for _, ser := range f.Result.Series {
		if means {
			s.values += placeMeans(ser.Points, off, g.step, s.present, s.sum, s.cnt, keep)
		} else {
			placePresent(ser.Points, off, g.step, s.present)
		}
	}
	return s
}

// newSteps is n empty steps from stepPool, with room for means or not.
func newSteps(n int, means bool) steps {
	b, _ := stepPool.Get().(*stepBuf)
	if b == nil {
		b = &stepBuf{}
	}
	if cap(b.present) < n {
		b.present = make([]bool, n)
	}
	s := steps{present: b.present[:n], buf: b}
	clear(s.present)
	if means {
		if cap(b.sum) < n {
			b.sum, b.cnt = make([]float64, n), make([]int32, n)
		}
		s.sum, s.cnt = b.sum[:n], b.cnt[:n]
		clear(s.sum)
		clear(s.cnt)
	}
	return s
}

// placeMeans is placed for one series' points: each point at t goes to the
// step nearest t + off - (the grid's start) when that is in the window
// (present), and its value, when keep keeps it, to the step's sum and
// count. Points a step apart, as range queries return them, are on
// consecutive steps: no division (grid.at) for them. The loop is its own
// function so that its dozen variables stay in registers. It returns how
// many steps got their first value.
func placeMeans(pts []TimedValue, off, step int64, present []bool, sum []float64, cnt []int32, keep keepRule) (first int) {
	n := len(present)
	sum, cnt = sum[:n], cnt[:n]         // one bounds check a point
	prev, pk := int64(math.MinInt64), 0 // the last offset placed and its step
	for i := range pts {
		var k int
		var in bool
		if k, prev, pk, in = stepOf(pts[i].T.UnixNano()+off, prev, pk, step, n); !in {
			continue
		}
		present[k] = true
		if v, ok := keep.keep(pts[i].V); ok {
			first += b2i(cnt[k] == 0)
			sum[k] += v
			cnt[k]++
		}
	}
	return first
}

// placeCollect is placeMeans and side's loop in one pass over pts, for a
// side without outlier fences, where a value counts in the means exactly
// when it is one to test: finite, or NaN (as 0) when nanZero. It writes the
// values to test to values from kept on and returns where they end, how
// many steps got their first value, and the ±Inf it skipped.
func placeCollect(pts []TimedValue, off, step int64, present []bool, sum []float64, cnt []int32, nanZero bool, values []float64, kept int) (int, int, infs) {
	n := len(present)
	sum, cnt = sum[:n], cnt[:n]
	values = values[:kept+len(pts)]
	var first int
	var inf infs
	prev, pk := int64(math.MinInt64), 0
	for i := range pts {
		v := pts[i].V
		ok := v-v == 0 // finite: v-v is NaN for NaN and ±Inf
		switch {
		case ok:
		case v != v:
			v, ok = 0, nanZero
		case v > 0:
			inf.pos++
		default:
			inf.neg++
		}
		if ok {
			values[kept] = v
			kept++
		}
		var k int
		var in bool
		if k, prev, pk, in = stepOf(pts[i].T.UnixNano()+off, prev, pk, step, n); !in {
			continue
		}
		present[k] = true
		if ok {
			first += b2i(cnt[k] == 0)
			sum[k] += v
			cnt[k]++
		}
	}
	return kept, first, inf
}

// placePresent is placeMeans without the means.
func placePresent(pts []TimedValue, off, step int64, present []bool) {
	n := len(present)
	prev, pk := int64(math.MinInt64), 0
	for i := range pts {
		var k int
		var in bool
		if k, prev, pk, in = stepOf(pts[i].T.UnixNano()+off, prev, pk, step, n); in {
			present[k] = true
		}
	}
}

// stepOf is the step nearest offset d from the grid's start (grid.at) and
// whether it is one of the window's n, with the offset and the step the
// series' next point is placed after: prev is the offset of the point
// placed before (math.MinInt64 for none) and pk its step, unchanged when d
// is more than half a step before the start.
func stepOf(d, prev int64, pk int, step int64, n int) (k int, nextPrev int64, nextPk int, in bool) {
	switch {
	case d < -(step / 2):
		return 0, prev, pk, false
	case prev != math.MinInt64 && d-prev == step:
		k = pk + 1
	default:
		k = int((d + step/2) / step)
	}
	return k, d, k, uint(k) < uint(n)
}

// coverageOf counts the baseline's steps and those the canary covers, and,
// when both sides have means, the steps with a value on both (pairs).
func coverageOf(b, c steps, g grid) (cv Coverage, pairs int) {
	means := b.cnt != nil && c.cnt != nil
	for k, has := range b.present {
		if !has {
			continue
		}
		cv.Baseline++
		if c.present[k] {
			cv.Covered++
			if means && b.cnt[k] > 0 && c.cnt[k] > 0 {
				pairs++
			}
		} else if cv.FirstGap.IsZero() {
			cv.FirstGap = g.time(k)
		}
	}
	return cv, pairs
}

// mean is the mean of the values kept at step k, which has some (cnt[k] >
// 0): sum/1 is sum itself, so one value a step (one series, points on the
// grid) needs no division.
func (s steps) mean(k int) float64 {
	v := s.sum[k]
	if n := s.cnt[k]; n != 1 {
		v /= float64(n)
	}
	return v
}

// means lists the per-step means of a side in time order, with their steps.
func (s steps) means() (vals []float64, at []int) {
	m := 0
	for _, n := range s.cnt {
		if n > 0 {
			m++
		}
	}
	vals, at = make([]float64, 0, m), make([]int, 0, m)
	for k, n := range s.cnt {
		if n > 0 {
			vals = append(vals, s.mean(k))
			at = append(at, k)
		}
	}
	return vals, at
}

// pairedSides are each side's per-step means over the steps with a value
// on both sides, in time order: the series differences takes apart, for
// analysis.PairedBlockLength.
func pairedSides(b, c steps) (bv, cv []float64) {
	for k := range b.cnt {
		if b.cnt[k] > 0 && c.cnt[k] > 0 {
			bv, cv = append(bv, b.mean(k)), append(cv, c.mean(k))
		}
	}
	return bv, cv
}

// differences are d_t = canary_t - baseline_t over the steps with a value
// on both sides, in time order, written to d (of room for every pair), with
// their spread (for blockLengthOf) and whether one is -0 (which
// analysis.BlockMeans of blocks of 1 makes +0).
func differences(b, c steps, d []float64) ([]float64, spread, bool) {
	lo, hi, negZero := math.Inf(1), math.Inf(-1), false // spread's, in registers
	n := len(b.cnt)
	bsum, bcnt, csum, ccnt := b.sum[:n], b.cnt[:n], c.sum[:n], c.cnt[:n]
	j := 0
	for k := range n {
		nb, nc := bcnt[k], ccnt[k]
		if nb <= 0 || nc <= 0 {
			continue
		}
		bv, cv := bsum[k], csum[k] // steps.mean, by hand: its two slices a side cost registers the loop needs
		if nb != 1 {
			bv /= float64(nb)
		}
		if nc != 1 {
			cv /= float64(nc)
		}
		v := cv - bv
		d[j] = v
		j++
		if v-v == 0 { // spread.add
			lo, hi = minFinite(lo, v), maxFinite(hi, v)
		}
		negZero = negZero || v == 0 && math.Signbit(v)
	}
	return d[:j], spread{lo, hi}, negZero
}

// labelKey is a series' labels as one comparable text: name=%q, for each
// label in name order (strconv.AppendQuote is what fmt's %q of a string
// writes, without fmt's boxing of every argument).
func labelKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	n := 0
	for k, v := range l {
		keys = append(keys, k)
		n += len(k) + len(v) + 4
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	for _, k := range keys {
		b = append(b, k...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, l[k])
		b = append(b, ',')
	}
	return string(b)
}

// overlap names a labelled series both sides returned, or "". Series
// without labels (a query aggregating them all away) cannot tell the sides
// apart and are not compared.
func overlap(b, c metrics.Result) string {
	seen := map[string]bool{}
	for _, s := range b.Series {
		if len(s.Labels) > 0 {
			seen[labelKey(s.Labels)] = true
		}
	}
	for _, s := range c.Series {
		if len(s.Labels) > 0 && seen[labelKey(s.Labels)] {
			return "{" + strings.TrimSuffix(oneLine(labelKey(s.Labels)), ",") + "}"
		}
	}
	return ""
}

// keepValue is the per-point rule matching side's pooled values: NaN
// removed or zero, ±Inf left out, values outside [lo, hi] (outliers) left out.
func keepValue(nanZero bool, lo, hi float64) keepRule { return keepRule{nanZero, lo, hi} }

// keepRule is keepValue's rule: a value, not a closure, so that placed's
// loop over every point inlines it.
type keepRule struct {
	nanZero bool
	lo, hi  float64
}

// keep is what v counts as in the per-step means, and whether it counts.
func (r keepRule) keep(v float64) (float64, bool) {
	if v-v == 0 { // finite: v-v is NaN for NaN and ±Inf
		return v, v >= r.lo && v <= r.hi
	}
	if v != v && r.nanZero {
		return 0, 0 >= r.lo && 0 <= r.hi
	}
	return 0, false
}
