package report

import (
	"time"

	"github.com/verdict-ci/verdict/judge"
)

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
