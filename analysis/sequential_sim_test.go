package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/verdict-ci/verdict/internal/draw"
)

// Simulated watched rollouts for the sequential tests: 30 minutes at 15 s
// points, checked every minute (every 4 points / every count interval).

const (
	simPoints      = 120 // 30 min at 15 s
	simCheckPoints = 4   // a check every minute
	simChecks      = simPoints / simCheckPoints
)

// arNoise fills e with a stationary AR(1) series of marginal sd sigma.
func arNoise(r *rand.Rand, e []float64, phi, sigma float64) {
	innov := sigma * math.Sqrt(1-phi*phi)
	x := sigma * r.NormFloat64()
	for i := range e {
		e[i] = x
		x = phi*x + innov*r.NormFloat64()
	}
}

// latency simulates each side's latency per timestamp (lognormal around
// 200 ms, log-noise sd 0.1, AR(1) phi per side) and hist points of the
// baseline's history before them; the canary is slower by the factor lift.
func latency(r *rand.Rand, phi, lift float64, hist int) (h, b, c []float64) {
	bh, c := make([]float64, hist+simPoints), make([]float64, simPoints)
	arNoise(r, bh, phi, 0.1)
	arNoise(r, c, phi, 0.1)
	for i := range bh {
		bh[i] = 0.2 * math.Exp(bh[i])
	}
	for i := range c {
		c[i] = 0.2 * lift * math.Exp(c[i])
	}
	return bh[:hist], bh[hist:], c
}

// seriesFirst is how many differences the watch collects before it fixes
// the block length (judge's seqFirstPoints).
const seriesFirst = 16

// seriesRun replays one rollout as the watch does: the block length from the
// baseline's history and the first seriesFirst pairs (SeriesBlockLength),
// then a SeriesSequential tracking "canary higher" (null 0, Greater). It
// returns the minute of the first check at which the anytime p-value is at
// most alpha, or 0 when it never is, and the block length.
func seriesRun(hist, b, c []float64, o SeriesOptions, alpha float64) (int, int) {
	l := SeriesBlockLength(hist, b[:seriesFirst], c[:seriesFirst])
	s, err := NewSeriesSequential(l, o)
	if err != nil {
		panic(err)
	}
	s.History(hist)
	h := s.Track(0, Greater)
	pushed := 0
	for k := 1; k <= simChecks; k++ {
		if k*simCheckPoints < seriesFirst {
			continue
		}
		s.Push(b[pushed:k*simCheckPoints], c[pushed:k*simCheckPoints])
		pushed = k * simCheckPoints
		if s.Evidence(h).P <= alpha {
			return k, l
		}
	}
	return 0, l
}

// countRun replays one rollout of request errors: per minute, each side gets
// Poisson(60·rps) requests (the canary's share wanders between 30% and 50%
// of the total) and each request fails with probability base (the canary's
// times lift). It returns the minute the test of r ≤ 1 rejects at alpha, or 0.
func countRun(r *rand.Rand, rps, base, lift, k, alpha float64) int {
	s, err := NewCountSequential(1, Greater, k)
	if err != nil {
		panic(err)
	}
	for c := 1; c <= simChecks; c++ {
		share := 0.3 + 0.2*r.Float64()
		nc := draw.Poisson(r, 120*rps*share)
		nb := draw.Poisson(r, 120*rps*(1-share))
		xc := draw.Poisson(r, nc*base*lift)
		xb := draw.Poisson(r, nb*base)
		if err := s.Update(xc, nc, xb, nb); err != nil {
			panic(err)
		}
		if s.Evidence().P <= alpha {
			return c
		}
	}
	return 0
}

// simSummary is the share of runs that rejected and the median minute of
// rejection among them (counting non-rejections as later than the horizon).
type simSummary struct {
	rejected float64
	median   float64 // minutes; +Inf when fewer than half rejected
}

func summarize(minutes []int) simSummary {
	rej, t := 0, make([]float64, len(minutes))
	for i, m := range minutes {
		if m > 0 {
			rej++
			t[i] = float64(m)
		} else {
			t[i] = math.Inf(1)
		}
	}
	sort.Float64s(t)
	return simSummary{rejected: float64(rej) / float64(len(minutes)), median: t[len(t)/2]}
}

func (s simSummary) rate() string { return fmt.Sprintf("%.2f%%", 100*s.rejected) }

func (s simSummary) String() string {
	return fmt.Sprintf("%5.1f%% rejected, median %4.1f min", 100*s.rejected, s.median)
}

// table formats rows of cells as aligned columns.
func table(rows [][]string) string {
	w := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			w[i] = max(w[i], len(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			fmt.Fprintf(&b, "%-*s  ", w[i], c)
		}
		b.WriteString("\n")
	}
	return b.String()
}
