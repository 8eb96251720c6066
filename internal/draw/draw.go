// Package draw holds the random draws the simulations share (internal/rollout, the sequential-test
// simulations in analysis' tests); it imports nothing of verdict's, so any package's tests may use it.
package draw

import (
	"math"
	"math/rand/v2"
)

// Poisson draws a Poisson(mean) count: Knuth's method for small means, a
// rounded normal beyond.
func Poisson(r *rand.Rand, mean float64) float64 {
	if mean > 200 {
		return math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
