package judge

import (
	"fmt"
	"maps"
	"math"
	"slices"
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
	b, _ := stepPool.Get().(*stepBuf)
	if b == nil {
		b = &stepBuf{}
	}
	if cap(b.present) < g.n {
		b.present = make([]bool, g.n)
	}
	s := steps{present: b.present[:g.n], buf: b}
	clear(s.present)
	if means {
		if cap(b.sum) < g.n {
			b.sum, b.cnt = make([]float64, g.n), make([]int32, g.n)
		}
		s.sum, s.cnt = b.sum[:g.n], b.cnt[:g.n]
		clear(s.sum)
		clear(s.cnt)
	}
	if len(f.Result.Series) == 0 {
		return s
	}
	half := g.step / 2
	for _, ser := range f.Result.Series {
		prev, pk := int64(math.MinInt64), 0 // the last offset placed and its step
		for _, p := range ser.Points {
			// Points a step apart, as range queries return them, are on
			// consecutive steps: no division (grid.at) for them.
			d := p.T.UnixNano() + int64(shift) - g.start
			var k int
			switch {
			case g.n == 0 || d < -half:
				continue
			case prev != math.MinInt64 && d-prev == g.step:
				k = pk + 1
			default:
				k = int((d + half) / g.step)
			}
			prev, pk = d, k
			if k >= g.n {
				continue
			}
			s.present[k] = true
			if !means {
				continue
			}
			if v, ok := keep.keep(p.V); ok {
				s.sum[k] += v
				s.cnt[k]++
			}
		}
	}
	return s
}

// coverageOf counts the baseline's steps and those the canary covers.
func coverageOf(b, c steps, g grid) Coverage {
	var cv Coverage
	for k, has := range b.present {
		if !has {
			continue
		}
		cv.Baseline++
		if c.present[k] {
			cv.Covered++
		} else if cv.FirstGap.IsZero() {
			cv.FirstGap = g.time(k)
		}
	}
	return cv
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
			vals = append(vals, s.sum[k]/float64(n))
			at = append(at, k)
		}
	}
	return vals, at
}

// differences are d_t = canary_t - baseline_t over the steps with a value
// on both sides, in time order.
func differences(b, c steps, pairs int) []float64 {
	d := make([]float64, 0, pairs)
	for k := range b.cnt {
		if b.cnt[k] > 0 && c.cnt[k] > 0 {
			d = append(d, c.sum[k]/float64(c.cnt[k])-b.sum[k]/float64(b.cnt[k]))
		}
	}
	return d
}

// labelKey is a series' labels as one comparable text.
func labelKey(l map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		fmt.Fprintf(&b, "%s=%q,", k, l[k])
	}
	return b.String()
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
