package report

import (
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
