package analysis

import "math"

// NaNStrategy is what to do with NaN samples: NaNRemove or NaNZero. config's
// NaNStrategy (a metric's nan:) is this type, so a metric's strategy reaches
// ApplyNaN as it is, and analysis imports nothing of verdict's.
type NaNStrategy string

const (
	NaNRemove NaNStrategy = "remove"
	NaNZero   NaNStrategy = "zero"
)

// ApplyNaN returns a copy of x with its NaN values handled by s: NaNRemove
// drops them, NaNZero replaces them with 0; any other strategy behaves as
// NaNRemove. changed is the number of NaN values dropped or replaced. ±Inf
// values are kept (the tests drop them, Describe ignores them). x is never
// modified.
func ApplyNaN(x []float64, s NaNStrategy) (out []float64, changed int) {
	out = make([]float64, 0, len(x))
	for _, v := range x {
		switch {
		case !math.IsNaN(v):
			out = append(out, v)
		case s == NaNZero:
			out = append(out, 0)
			changed++
		default:
			changed++
		}
	}
	return out, changed
}

// RemoveOutliersIQR returns a copy of x without the values outside
// [Q1 - k·IQR, Q3 + k·IQR] (Tukey's fences; quartiles with R's type 7 over
// the finite values), and the number removed. ±Inf values lie outside any
// fence and are removed; NaN values are kept for the NaN strategy. With a
// negative or NaN k, or no finite values, nothing is removed. x is never
// modified; the order of the kept values is preserved.
func RemoveOutliersIQR(x []float64, k float64) (out []float64, removed int) {
	s := finiteSorted(x)
	out = make([]float64, 0, len(x))
	if len(s) == 0 || !(k >= 0) {
		return append(out, x...), 0
	}
	q1, q3 := Quantile(s, 0.25), Quantile(s, 0.75)
	iqr := q3 - q1
	lo, hi := q1-k*iqr, q3+k*iqr
	for _, v := range x {
		if v < lo || v > hi {
			removed++
			continue
		}
		out = append(out, v)
	}
	return out, removed
}
