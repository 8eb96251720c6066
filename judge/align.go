package judge

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
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
}

// placed puts a side's points on the grid. keep says which values count
// for the per-step means (NaN handling, ±Inf, outliers) and what they
// become; means false skips the means (coverage only).
func placed(f Fetched, g grid, shift time.Duration, keep func(float64) (float64, bool), means bool) steps {
	s := steps{present: make([]bool, g.n)}
	if means {
		s.sum, s.cnt = make([]float64, g.n), make([]int32, g.n)
	}
	if len(f.Result.Series) == 0 {
		return s
	}
	for _, ser := range f.Result.Series {
		for _, p := range ser.Points {
			k, ok := g.at(p.T, shift)
			if !ok {
				continue
			}
			s.present[k] = true
			if !means {
				continue
			}
			if v, ok := keep(p.V); ok {
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
func keepValue(nanZero bool, lo, hi float64) func(float64) (float64, bool) {
	return func(v float64) (float64, bool) {
		switch {
		case math.IsNaN(v):
			if !nanZero {
				return 0, false
			}
			v = 0
		case math.IsInf(v, 0):
			return 0, false
		}
		return v, v >= lo && v <= hi
	}
}
