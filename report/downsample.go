package report

import (
	"math"
	"slices"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// displayPoints returns the finite points of a side sorted by time, for
// drawing only: statistics come precomputed in the report and never see this.
func displayPoints(pts []judge.TimedValue) []judge.TimedValue {
	out := make([]judge.TimedValue, 0, len(pts))
	for _, p := range pts {
		if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b judge.TimedValue) int { return a.T.Compare(b.T) })
	return out
}

// lineOf is a side's points as one line over time: the finite points in time
// order, with points that share a timestamp (one per series, when a query
// returned several) replaced by their mean, so pooled series draw as one
// line rather than a zigzag between them.
func lineOf(pts []judge.TimedValue) []judge.TimedValue {
	in := displayPoints(pts)
	out := in[:0]
	for i := 0; i < len(in); {
		j, sum := i, 0.0
		for ; j < len(in) && in[j].T.Equal(in[i].T); j++ {
			sum += in[j].V
		}
		out = append(out, judge.TimedValue{T: in[i].T, V: sum / float64(j-i)})
		i = j
	}
	return out
}

// lttb downsamples a time-ordered series to at most n points with
// Largest-Triangle-Three-Buckets (Steinarsson 2013, "Downsampling Time Series
// for Visual Representation", §4.2), keeping the first and last points and,
// in each bucket, the point spanning the largest triangle with its neighbours.
// Series of n points or fewer, and n < 3, return pts unchanged (n < 3: the
// first and last points).
func lttb(pts []judge.TimedValue, n int) []judge.TimedValue {
	if n >= len(pts) || len(pts) < 3 {
		return pts
	}
	if n < 3 {
		return []judge.TimedValue{pts[0], pts[len(pts)-1]}
	}
	x := func(i int) float64 { return float64(pts[i].T.Sub(pts[0].T)) }
	out := make([]judge.TimedValue, 0, n)
	out = append(out, pts[0])
	every := float64(len(pts)-2) / float64(n-2)
	a := 0
	for i := 0; i < n-2; i++ {
		lo := int(float64(i)*every) + 1
		hi := int(float64(i+1)*every) + 1
		// The next bucket's average is the third corner of the triangle.
		nlo, nhi := hi, min(int(float64(i+2)*every)+1, len(pts))
		if i == n-3 {
			nlo, nhi = len(pts)-1, len(pts)
		}
		var avgX, avgY float64
		for j := nlo; j < nhi; j++ {
			avgX += x(j)
			avgY += pts[j].V
		}
		cnt := float64(nhi - nlo)
		avgX /= cnt
		avgY /= cnt
		ax, ay := x(a), pts[a].V
		best, bestArea := lo, -1.0
		for j := lo; j < hi; j++ {
			area := math.Abs((ax-avgX)*(pts[j].V-ay) - (ax-x(j))*(avgY-ay))
			if area > bestArea {
				best, bestArea = j, area
			}
		}
		out = append(out, pts[best])
		a = best
	}
	return append(out, pts[len(pts)-1])
}

// ecdfPoints returns at most n points (value, cumulative fraction) of the
// empirical CDF of vs, taken at evenly spaced ranks including the first and
// last; vs is sorted in place.
func ecdfPoints(vs []float64, n int) (xs, ys []float64) {
	slices.Sort(vs)
	m := len(vs)
	if m == 0 {
		return nil, nil
	}
	if n < 2 {
		n = 2
	}
	k := min(n, m)
	xs = make([]float64, 0, k+1)
	ys = make([]float64, 0, k+1)
	xs, ys = append(xs, vs[0]), append(ys, 0)
	for i := 0; i < k; i++ {
		r := m - 1
		if k > 1 {
			r = int(math.Round(float64(i) * float64(m-1) / float64(k-1)))
		}
		xs = append(xs, vs[r])
		ys = append(ys, float64(r+1)/float64(m))
	}
	return xs, ys
}

// baselineShift returns how far to move the baseline's points in time to
// draw them over the canary's: zero when the two sides' time ranges overlap
// (same window), else the gap between their first points (a before/after
// comparison whose baseline points carry their own, earlier, timestamps).
func baselineShift(base, can []judge.TimedValue) time.Duration {
	if len(base) == 0 || len(can) == 0 {
		return 0
	}
	b0, b1 := base[0].T, base[len(base)-1].T
	c0, c1 := can[0].T, can[len(can)-1].T
	if !b1.Before(c0) && !c1.Before(b0) {
		return 0
	}
	return c0.Sub(b0)
}

// bucketMeans averages pts into n equal time buckets over [start, end] and
// fills empty buckets by linear interpolation between their neighbours (or
// the nearest bucket at the ends). It returns nil when pts is empty.
func bucketMeans(pts []judge.TimedValue, start, end time.Time, n int) []float64 {
	if len(pts) == 0 || n < 1 {
		return nil
	}
	span := end.Sub(start)
	sum := make([]float64, n)
	cnt := make([]int, n)
	for _, p := range pts {
		i := 0
		if span > 0 {
			i = int(float64(p.T.Sub(start)) / float64(span) * float64(n))
		}
		i = max(0, min(i, n-1))
		sum[i] += p.V
		cnt[i]++
	}
	out := make([]float64, n)
	prev := -1
	for i := range n {
		if cnt[i] == 0 {
			continue
		}
		out[i] = sum[i] / float64(cnt[i])
		switch {
		case prev < 0:
			for j := 0; j < i; j++ {
				out[j] = out[i]
			}
		case prev < i-1:
			for j := prev + 1; j < i; j++ {
				f := float64(j-prev) / float64(i-prev)
				out[j] = out[prev] + f*(out[i]-out[prev])
			}
		}
		prev = i
	}
	for j := prev + 1; j < n; j++ {
		out[j] = out[prev]
	}
	return out
}
