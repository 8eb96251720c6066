package analysis

import (
	"math"
	"slices"
)

// Holm adjusts the p-values p for multiple testing by Holm's step-down
// method, exactly as R 4.2.2's p.adjust(p, "holm"): with the p-values
// ascending (ties in their original order), the i-th smallest (1-based) is
// multiplied by len(p)-i+1, a running maximum keeps the sequence monotone,
// and each is capped at 1. The result is in the input's order; p is not
// modified. The input must not hold NaN.
func Holm(p []float64) []float64 {
	n := len(p)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, n)
	run := math.Inf(-1)
	for i, k := range order {
		run = math.Max(run, float64(n-i)*p[k])
		out[k] = math.Min(1, run)
	}
	return out
}
