package judge

import (
	"cmp"
	"math"
	"slices"
	"time"

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
// Points, LinePoints and Distribution (see Side), the distribution of
// every finite point. A single short series that is finite and in time
// order is shared, not copied; anything else is a bounded copy, so that
// the fetched series can be released once the metric is judged.
func (s *Side) SetChart(series []metrics.Series) {
	s.setLine(series)
	var vals []float64
	for _, ser := range series {
		for _, p := range ser.Points {
			if isFinite(p.V) {
				vals = append(vals, p.V)
			}
		}
	}
	slices.Sort(vals)
	s.setDistribution(vals)
}

// setLine sets Points and LinePoints from the side's series.
func (s *Side) setLine(series []metrics.Series) {
	line := chartLine(series)
	s.LinePoints = len(line)
	s.Points = lttb(line, MaxChartPoints)
}

// setDistribution sets Distribution from the side's values, sorted
// ascending (a series metric's tested sample, whose Pair has them sorted).
func (s *Side) setDistribution(sorted []float64) {
	s.Distribution = ecdf(sorted, MaxDistributionPoints)
}

// chartLine is a side's points as one line over time: the finite points in
// time order, with points that share a timestamp (one per series, when a
// query returned several) replaced by their mean, so pooled series draw as
// one line rather than a zigzag between them.
func chartLine(series []metrics.Series) []TimedValue {
	if len(series) == 1 && clean(series[0].Points) {
		return series[0].Points
	}
	if len(series) <= maxMergeSeries && allOrdered(series) {
		return mergedLine(series)
	}
	return mappedLine(series)
}

// mappedLine is chartLine for any series: one sum per distinct time, keyed
// by Unix nanoseconds (time.Time sorts and compares slower), added in
// series order.
func mappedLine(series []metrics.Series) []TimedValue {
	type acc struct {
		ns  int64
		t   time.Time
		sum float64
		n   int
	}
	var accs []acc
	at := map[int64]int{}
	for _, ser := range series {
		for _, p := range ser.Points {
			if !isFinite(p.V) {
				continue
			}
			ns := p.T.UnixNano()
			i, ok := at[ns]
			if !ok {
				i = len(accs)
				at[ns] = i
				accs = append(accs, acc{ns: ns, t: p.T})
			}
			accs[i].sum += p.V
			accs[i].n++
		}
	}
	slices.SortFunc(accs, func(a, b acc) int { return cmp.Compare(a.ns, b.ns) })
	out := make([]TimedValue, len(accs))
	for i, a := range accs {
		out[i] = TimedValue{T: a.t, V: a.sum / float64(a.n)}
	}
	return out
}

// maxMergeSeries is the most series mergedLine walks side by side (it
// looks at every series' next point for each time); more go through a map.
const maxMergeSeries = 16

// allOrdered reports whether every series is strictly increasing in time.
func allOrdered(series []metrics.Series) bool {
	for _, ser := range series {
		for i := 1; i < len(ser.Points); i++ {
			if !ser.Points[i-1].T.Before(ser.Points[i].T) {
				return false
			}
		}
	}
	return true
}

// mergedLine is chartLine for series that are each in time order: it walks
// them side by side, the sum at each time added in series order.
func mergedLine(series []metrics.Series) []TimedValue {
	next := make([]int, len(series))
	n := 0
	for _, ser := range series {
		n = max(n, len(ser.Points))
	}
	out := make([]TimedValue, 0, n)
	for {
		first := -1
		var at int64
		for k, ser := range series {
			if next[k] < len(ser.Points) {
				if ns := ser.Points[next[k]].T.UnixNano(); first < 0 || ns < at {
					first, at = k, ns
				}
			}
		}
		if first < 0 {
			return slices.Clip(out)
		}
		sum, cnt := 0.0, 0
		for k, ser := range series {
			if next[k] < len(ser.Points) && ser.Points[next[k]].T.UnixNano() == at {
				if v := ser.Points[next[k]].V; isFinite(v) {
					sum += v
					cnt++
				}
				next[k]++
			}
		}
		if cnt > 0 {
			out = append(out, TimedValue{T: series[first].Points[next[first]-1].T, V: sum / float64(cnt)})
		}
	}
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
	t0 := pts[0].T.UnixNano()
	x := func(i int) float64 { return float64(pts[i].T.UnixNano() - t0) }
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

// ecdf returns the empirical CDF of vs (sorted ascending) at most n+1
// points: (smallest, 0), then the values at n evenly spaced ranks including
// the first and last, each with the fraction of values at or below its
// rank; nil when vs is empty.
func ecdf(vs []float64, n int) []ECDFPoint {
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
