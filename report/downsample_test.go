package report

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

// series returns one-minute points with the given values.
func series(vs ...float64) []judge.TimedValue {
	pts := make([]judge.TimedValue, len(vs))
	for i, v := range vs {
		pts[i] = judge.TimedValue{T: sampleStart.Add(time.Duration(i) * time.Minute), V: v}
	}
	return pts
}

func TestLTTB(t *testing.T) {
	vs := make([]float64, 1440)
	for i := range vs {
		vs[i] = math.Sin(float64(i) / 50)
	}
	vs[700] = 40 // a spike must survive downsampling
	pts := series(vs...)
	for _, n := range []int{3, 10, 60, 300} {
		got := lttb(pts, n)
		if len(got) != n {
			t.Errorf("n=%d: %d points", n, len(got))
		}
		if got[0] != pts[0] || got[len(got)-1] != pts[len(pts)-1] {
			t.Errorf("n=%d: first or last point lost", n)
		}
		if !slices.IsSortedFunc(got, func(a, b judge.TimedValue) int { return a.T.Compare(b.T) }) {
			t.Errorf("n=%d: points out of time order", n)
		}
		if !slices.ContainsFunc(got, func(p judge.TimedValue) bool { return p.V == 40 }) {
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

func TestDisplayPoints(t *testing.T) {
	pts := []judge.TimedValue{
		{T: sampleStart.Add(2 * time.Minute), V: 3},
		{T: sampleStart, V: math.NaN()},
		{T: sampleStart.Add(time.Minute), V: math.Inf(1)},
		{T: sampleStart, V: 1},
	}
	got := displayPoints(pts)
	if len(got) != 2 || got[0].V != 1 || got[1].V != 3 {
		t.Errorf("got %v, want the finite points in time order", got)
	}
	if pts[0].V != 3 {
		t.Error("displayPoints changed its input")
	}
}

func TestLineOfAveragesSeries(t *testing.T) {
	// Two pods pooled: series a then series b, as the judge pools them.
	pts := []judge.TimedValue{
		{T: sampleStart, V: 1}, {T: sampleStart.Add(time.Minute), V: 3},
		{T: sampleStart, V: 3}, {T: sampleStart.Add(time.Minute), V: math.NaN()}, {T: sampleStart.Add(2 * time.Minute), V: 8},
	}
	got := lineOf(pts)
	want := []float64{2, 3, 8}
	if len(got) != len(want) {
		t.Fatalf("got %v, want values %v", got, want)
	}
	for i, w := range want {
		if got[i].V != w || !got[i].T.Equal(sampleStart.Add(time.Duration(i)*time.Minute)) {
			t.Errorf("point %d = %v, want %v at +%dm", i, got[i], w, i)
		}
	}
}

func TestECDFPoints(t *testing.T) {
	vs := make([]float64, 1000)
	for i := range vs {
		vs[i] = float64(999 - i)
	}
	xs, ys := ecdfPoints(vs, 200)
	if len(xs) != 201 || len(ys) != 201 {
		t.Fatalf("got %d points, want 200 and the start", len(xs))
	}
	if xs[0] != 0 || ys[0] != 0 || xs[len(xs)-1] != 999 || ys[len(ys)-1] != 1 {
		t.Errorf("ends: (%v,%v) … (%v,%v)", xs[0], ys[0], xs[len(xs)-1], ys[len(ys)-1])
	}
	if !slices.IsSorted(xs) || !slices.IsSorted(ys) {
		t.Error("ECDF is not non-decreasing")
	}
	if xs, _ := ecdfPoints([]float64{5, 1, 3}, 200); !slices.Equal(xs, []float64{1, 1, 3, 5}) {
		t.Errorf("a short sample keeps every value: %v", xs)
	}
	if xs, ys := ecdfPoints(nil, 10); xs != nil || ys != nil {
		t.Error("empty sample should give nothing")
	}
}

func TestBaselineShift(t *testing.T) {
	can := series(1, 2, 3)
	if d := baselineShift(series(1, 2, 3), can); d != 0 {
		t.Errorf("same window: shift %v", d)
	}
	if d := baselineShift(shiftPoints(can, -24*time.Hour), can); d != 24*time.Hour {
		t.Errorf("a day earlier: shift %v, want 24h", d)
	}
	if d := baselineShift(nil, can); d != 0 {
		t.Errorf("no baseline: shift %v", d)
	}
}

func TestBucketMeans(t *testing.T) {
	pts := series(1, 3, 10, 20) // minutes 0..3
	got := bucketMeans(pts, sampleStart, sampleStart.Add(4*time.Minute), 2)
	if !slices.Equal(got, []float64{2, 15}) {
		t.Errorf("means: %v", got)
	}
	// Empty buckets are interpolated; ends take the nearest value.
	gappy := []judge.TimedValue{{T: sampleStart.Add(time.Minute), V: 0}, {T: sampleStart.Add(5 * time.Minute), V: 8}}
	got = bucketMeans(gappy, sampleStart, sampleStart.Add(7*time.Minute), 7)
	if want := []float64{0, 0, 2, 4, 6, 8, 8}; !slices.Equal(got, want) {
		t.Errorf("gaps: %v, want %v", got, want)
	}
	if bucketMeans(nil, sampleStart, sampleStart, 5) != nil {
		t.Error("no points should give nil")
	}
}

func TestCompactPaths(t *testing.T) {
	in := `<path d="M12.345,-0.04L100.26,3Z" style="stroke-width:0.5"/><text x="1.2345">12.345</text>`
	want := `<path d="M12.3,0L100.3,3Z" style="stroke-width:0.5"/><text x="1.2345">12.345</text>`
	if got := compactPaths(in); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTimeTicks(t *testing.T) {
	lo := float64(sampleStart.Unix())
	for _, c := range []struct {
		span  time.Duration
		first string
		n     int
	}{
		{time.Hour, "00:00", 7},                // every 10 minutes
		{24 * time.Hour, "00:00", 5},           // every 6 hours
		{3 * 24 * time.Hour, "Jan 1 00:00", 7}, // every 12 hours
		{90 * time.Second, "00:00:00", 4},      // every 30 s
	} {
		ticks := timeTicks{}.Ticks(lo, lo+c.span.Seconds())
		if len(ticks) != c.n || ticks[0].Label != c.first {
			t.Errorf("span %v: %d ticks starting %q, want %d starting %q", c.span, len(ticks), ticks[0].Label, c.n, c.first)
		}
	}
	if (timeTicks{}).Ticks(lo, lo) != nil {
		t.Error("an empty range should have no ticks")
	}
}
