package judge

import (
	"math"
	"slices"

	"github.com/verdict-ci/verdict/metrics"
)

// The judge decides what a side's charts draw, here and nowhere else: the
// renderers (report) draw Side.Points and Side.Distribution as they are.

// MaxChartPoints bounds a side's chart line (Side.Points): a longer line is
// reduced with LTTB, which keeps its spikes. The statistics always use
// every sample.
const MaxChartPoints = 300

// MaxDistributionPoints bounds the steps of a side's empirical CDF
// (Side.Distribution) besides its first point.
const MaxDistributionPoints = 200

// ECDFPoint is one point of an empirical CDF: the fraction F of a side's
// finite values that are at most V.
type ECDFPoint struct{ V, F float64 }

// SetChart decides the side's chart points from its fetched series:
// Points, LinePoints and Distribution (see Side). A single short series
// that is finite and in time order is shared, not copied; anything else is
// a bounded copy, so that the fetched series can be released once the
// metric is judged.
func (s *Side) SetChart(series []metrics.Series) {
	line := chartLine(series)
	s.LinePoints = len(line)
	s.Points = lttb(line, MaxChartPoints)
	var vals []float64
	for _, ser := range series {
		for _, p := range ser.Points {
			if isFinite(p.V) {
				vals = append(vals, p.V)
			}
		}
	}
	s.Distribution = ecdf(vals, MaxDistributionPoints)
}

// chartLine is a side's points as one line over time: the finite points in
// time order, with points that share a timestamp (one per series, when a
// query returned several) replaced by their mean, so pooled series draw as
// one line rather than a zigzag between them.
func chartLine(series []metrics.Series) []TimedValue {
	if len(series) == 1 && clean(series[0].Points) {
		return series[0].Points
	}
	var in []TimedValue
	for _, ser := range series {
		for _, p := range ser.Points {
			if isFinite(p.V) {
				in = append(in, p)
			}
		}
	}
	slices.SortStableFunc(in, func(a, b TimedValue) int { return a.T.Compare(b.T) })
	out := in[:0]
	for i := 0; i < len(in); {
		j, sum := i, 0.0
		for ; j < len(in) && in[j].T.Equal(in[i].T); j++ {
			sum += in[j].V
		}
		out = append(out, TimedValue{T: in[i].T, V: sum / float64(j-i)})
		i = j
	}
	return slices.Clip(out)
}

// clean reports whether pts are all finite and strictly increasing in time.
func clean(pts []TimedValue) bool {
	for i, p := range pts {
		if !isFinite(p.V) || i > 0 && !pts[i-1].T.Before(p.T) {
			return false
		}
	}
	return true
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// lttb downsamples a time-ordered series to at most n points with
// Largest-Triangle-Three-Buckets (Steinarsson 2013, "Downsampling Time Series
// for Visual Representation", §4.2), keeping the first and last points and,
// in each bucket, the point spanning the largest triangle with its neighbours.
// Series of n points or fewer, and n < 3, return pts unchanged (n < 3: the
// first and last points).
func lttb(pts []TimedValue, n int) []TimedValue {
	if n >= len(pts) || len(pts) < 3 {
		return pts
	}
	if n < 3 {
		return []TimedValue{pts[0], pts[len(pts)-1]}
	}
	x := func(i int) float64 { return float64(pts[i].T.Sub(pts[0].T)) }
	out := make([]TimedValue, 0, n)
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

// ecdf returns the empirical CDF of vs at most n+1 points: (smallest, 0),
// then the values at n evenly spaced ranks including the first and last,
// each with the fraction of values at or below its rank. vs is sorted in
// place; it returns nil when vs is empty.
func ecdf(vs []float64, n int) []ECDFPoint {
	slices.Sort(vs)
	m := len(vs)
	if m == 0 {
		return nil
	}
	k := min(max(n, 2), m)
	out := make([]ECDFPoint, 0, k+1)
	out = append(out, ECDFPoint{V: vs[0]})
	for i := 0; i < k; i++ {
		r := m - 1
		if k > 1 {
			r = int(math.Round(float64(i) * float64(m-1) / float64(k-1)))
		}
		out = append(out, ECDFPoint{V: vs[r], F: float64(r+1) / float64(m)})
	}
	return out
}
