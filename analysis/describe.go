package analysis

import (
	"math"
	"slices"
)

// Describe summarises the finite values of x: count, mean, median, standard
// deviation (n-1 denominator, 0 for a single value), min, max and the 50th,
// 90th, 95th and 99th percentiles with R's quantile type 7. NaN and ±Inf are
// ignored, as the tests ignore them; Count is the number of finite values and
// ErrEmpty is returned when there are none.
func Describe(x []float64) (Summary, error) {
	return DescribeSorted(finiteSorted(x))
}

// DescribeSorted is Describe of values that are already finite and sorted
// ascending, such as a Pair's (see Pair.Sorted); it does not copy them.
func DescribeSorted(s []float64) (Summary, error) {
	if len(s) == 0 {
		return Summary{}, ErrEmpty
	}
	n := float64(len(s))
	mean := meanOf(s)
	ss := 0.0
	for _, v := range s {
		d := v - mean
		ss += d * d
	}
	sd := 0.0
	if len(s) > 1 {
		sd = math.Sqrt(ss / (n - 1))
	}
	return Summary{
		Count:  len(s),
		Mean:   mean,
		Median: Quantile(s, 0.5),
		Min:    s[0],
		Max:    s[len(s)-1],
		Stddev: sd,
		P50:    Quantile(s, 0.5),
		P90:    Quantile(s, 0.9),
		P95:    Quantile(s, 0.95),
		P99:    Quantile(s, 0.99),
	}, nil
}

// finiteSorted returns a sorted copy of the finite values of x.
func finiteSorted(x []float64) []float64 {
	s := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	return s
}

// meanOf is the mean of finite values, as R's mean: the sum divided by n,
// refined by the mean of the residuals. Sums that overflow fall back to
// summing x/n.
func meanOf(x []float64) float64 {
	n := float64(len(x))
	sum := 0.0
	for _, v := range x {
		sum += v
	}
	mean := sum / n
	if math.IsInf(mean, 0) {
		mean = 0
		for _, v := range x {
			mean += v / n
		}
		return mean
	}
	t := 0.0
	for _, v := range x {
		t += v - mean
	}
	return mean + t/n
}

// Quantile is R's quantile(x, p, type = 7) of ascending sorted values:
// h = 1 + (n-1)p, the value at floor(h) moved the fraction h - floor(h)
// towards the next one. p is clamped to [0, 1]; an empty slice or NaN p
// gives NaN. sorted must not contain NaN.
func Quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	p = min(max(p, 0), 1)
	index := 1 + float64(n-1)*p
	lo := math.Floor(index)
	hi := math.Ceil(index)
	qs := sorted[int(lo)-1]
	if xh := sorted[int(hi)-1]; index > lo && xh != qs {
		h := index - lo
		qs = (1-h)*qs + h*xh
	}
	return qs
}
