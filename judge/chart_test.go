package judge

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

var chartStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// minutes returns one-minute points with the given values.
func minutes(vs ...float64) []TimedValue {
	pts := make([]TimedValue, len(vs))
	for i, v := range vs {
		pts[i] = TimedValue{T: chartStart.Add(time.Duration(i) * time.Minute), V: v}
	}
	return pts
}

func TestSetChart(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	long := metrics.Series{}
	for i := 0; i < 5761; i++ {
		v := 1 + 0.01*float64(i%7)
		switch i {
		case 4321:
			v = 99 // a spike the chart must keep
		case 17:
			v = -5
		case 18:
			v = math.NaN()
		}
		long.Points = append(long.Points, metrics.Point{T: t0.Add(time.Duration(i) * 15 * time.Second), V: v})
	}
	var s Side
	s.SetChart([]metrics.Series{long})
	if len(s.Points) != MaxChartPoints || s.LinePoints != 5760 {
		t.Fatalf("%d points of a %d-point line, want %d of 5760 (the NaN left out)", len(s.Points), s.LinePoints, MaxChartPoints)
	}
	var hasSpike, hasLow bool
	for i, p := range s.Points {
		if i > 0 && !p.T.After(s.Points[i-1].T) {
			t.Fatalf("point %d out of time order", i)
		}
		if math.IsNaN(p.V) {
			t.Fatal("NaN kept")
		}
		hasSpike = hasSpike || p.V == 99
		hasLow = hasLow || p.V == -5
	}
	if !hasSpike || !hasLow {
		t.Errorf("extremes lost: spike %v low %v", hasSpike, hasLow)
	}
	if d := s.Distribution; len(d) != MaxDistributionPoints+1 || d[0] != (ECDFPoint{V: -5}) || d[len(d)-1] != (ECDFPoint{V: 99, F: 1}) {
		t.Errorf("distribution of %d points from %v to %v, want %d from (-5, 0) to (99, 1)", len(d), d[0], d[len(d)-1], MaxDistributionPoints+1)
	}

	short := metrics.Series{Points: long.Points[:17]}
	s.SetChart([]metrics.Series{short})
	if &s.Points[0] != &short.Points[0] || s.LinePoints != 17 {
		t.Error("a short, finite single series should be shared, not copied")
	}
	// Two series at the same times pool into one line of their means.
	other := metrics.Series{Points: make([]metrics.Point, len(short.Points))}
	for i, p := range short.Points {
		other.Points[i] = metrics.Point{T: p.T, V: p.V + 2}
	}
	s.SetChart([]metrics.Series{short, other})
	if len(s.Points) != 17 || s.Points[3].V != short.Points[3].V+1 || len(s.Distribution) != 35 {
		t.Errorf("two series pooled into %d points (the fourth %v) and %d ECDF points; want 17 means and 34+1 steps",
			len(s.Points), s.Points[3], len(s.Distribution))
	}
}

func TestLTTB(t *testing.T) {
	vs := make([]float64, 1440)
	for i := range vs {
		vs[i] = math.Sin(float64(i) / 50)
	}
	vs[700] = 40 // a spike must survive downsampling
	pts := minutes(vs...)
	for _, n := range []int{3, 10, 60, 300} {
		got := lttb(pts, n)
		if len(got) != n {
			t.Errorf("n=%d: %d points", n, len(got))
		}
		if got[0] != pts[0] || got[len(got)-1] != pts[len(pts)-1] {
			t.Errorf("n=%d: first or last point lost", n)
		}
		if !slices.IsSortedFunc(got, func(a, b TimedValue) int { return a.T.Compare(b.T) }) {
			t.Errorf("n=%d: points out of time order", n)
		}
		if !slices.ContainsFunc(got, func(p TimedValue) bool { return p.V == 40 }) {
			t.Errorf("n=%d: the spike was dropped", n)
		}
	}
	if got := lttb(pts[:50], 300); len(got) != 50 {
		t.Errorf("a short series should be kept whole, got %d of 50", len(got))
	}
	if got := lttb(pts, 1); len(got) != 2 {
		t.Errorf("n < 3 should keep first and last, got %d", len(got))
	}
}

func TestChartLine(t *testing.T) {
	// Two pods, each out of order and with a NaN or an Inf: one line of
	// their means, finite, in time order.
	a := metrics.Series{Points: []TimedValue{
		{T: chartStart.Add(time.Minute), V: 3}, {T: chartStart, V: 1}, {T: chartStart.Add(3 * time.Minute), V: math.Inf(1)},
	}}
	b := metrics.Series{Points: []TimedValue{
		{T: chartStart, V: 3}, {T: chartStart.Add(time.Minute), V: math.NaN()}, {T: chartStart.Add(2 * time.Minute), V: 8},
	}}
	got := chartLine([]metrics.Series{a, b})
	want := []float64{2, 3, 8}
	if len(got) != len(want) {
		t.Fatalf("got %v, want values %v", got, want)
	}
	for i, w := range want {
		if got[i].V != w || !got[i].T.Equal(chartStart.Add(time.Duration(i)*time.Minute)) {
			t.Errorf("point %d = %v, want %v at +%dm", i, got[i], w, i)
		}
	}
	if a.Points[0].V != 3 || b.Points[1].V == b.Points[1].V {
		t.Error("chartLine changed its input")
	}
	// One series out of time order is copied and sorted, not shared.
	if got := chartLine([]metrics.Series{a}); len(got) != 2 || got[0].V != 1 || &got[0] == &a.Points[0] {
		t.Errorf("one unordered series: %v, want its finite points in time order", got)
	}
}

// TestMergedLineIsMappedLine: walking ordered series side by side gives
// the line the general way gives, to the bit.
func TestMergedLineIsMappedLine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var series []metrics.Series
	for range 5 {
		var s metrics.Series
		for i := range 500 {
			if r.IntN(3) == 0 {
				continue // a gap: the series' times differ
			}
			v := r.NormFloat64()
			if r.IntN(20) == 0 {
				v = math.NaN()
			}
			s.Points = append(s.Points, TimedValue{T: chartStart.Add(time.Duration(i) * 15 * time.Second), V: v})
		}
		series = append(series, s)
	}
	merged, mapped := mergedLine(series), mappedLine(series)
	if len(merged) != len(mapped) || len(merged) < 400 {
		t.Fatalf("%d merged points, %d mapped", len(merged), len(mapped))
	}
	for i := range merged {
		if !merged[i].T.Equal(mapped[i].T) || math.Float64bits(merged[i].V) != math.Float64bits(mapped[i].V) {
			t.Fatalf("point %d: merged %v, mapped %v", i, merged[i], mapped[i])
		}
	}
}

func TestECDF(t *testing.T) {
	vs := make([]float64, 1000)
	for i := range vs {
		vs[i] = float64(999 - i)
	}
	slices.Sort(vs)
	got := ecdf(vs, 200)
	if len(got) != 201 {
		t.Fatalf("got %d points, want 200 and the start", len(got))
	}
	if got[0] != (ECDFPoint{0, 0}) || got[200] != (ECDFPoint{999, 1}) {
		t.Errorf("ends: %v … %v", got[0], got[200])
	}
	for i := 1; i < len(got); i++ {
		if got[i].V < got[i-1].V || got[i].F < got[i-1].F {
			t.Fatalf("ECDF decreases at %d: %v after %v", i, got[i], got[i-1])
		}
	}
	if got := ecdf([]float64{1, 3, 5}, 200); !slices.Equal(got, []ECDFPoint{{1, 0}, {1, 1.0 / 3}, {3, 2.0 / 3}, {5, 1}}) {
		t.Errorf("a short sample keeps every value: %v", got)
	}
	if got := ecdf(nil, 10); got != nil {
		t.Errorf("empty sample: %v, want nothing", got)
	}
}

// BenchmarkChartLine decides the chart line of one side of a day at 15 s
// (5,760 points), one series and two pods.
func BenchmarkChartLine(b *testing.B) {
	pod := func(seed float64) metrics.Series {
		s := metrics.Series{Points: make([]TimedValue, 5760)}
		for i := range s.Points {
			s.Points[i] = TimedValue{T: chartStart.Add(time.Duration(i) * 15 * time.Second), V: 100 + 10*math.Sin(seed+float64(i)/40)}
		}
		return s
	}
	for _, c := range []struct {
		name   string
		series []metrics.Series
	}{{"one-series", []metrics.Series{pod(1)}}, {"two-pods", []metrics.Series{pod(1), pod(2)}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var s Side
			for b.Loop() {
				s.setLine(c.series) // the judge's cost: the distribution comes from the test's sorted sample
			}
		})
	}
}
