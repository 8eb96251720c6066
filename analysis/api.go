package analysis

// This file holds the types of the API the judge consumes; their names and
// fields are the contract between the two packages.

import "errors"

// ErrEmpty is returned when a sample that must have values has none.
var ErrEmpty = errors.New("analysis: empty sample")

// Alternative is the alternative hypothesis of a test, as R's `alternative`.
type Alternative int

const (
	TwoSided Alternative = iota // "two.sided"
	Greater                     // "greater": x tends to be larger than y
	Less                        // "less": x tends to be smaller than y
)

// Method names the null distribution used.
const (
	MethodExact      = "exact"
	MethodAsymptotic = "asymptotic"
)

// UTest is the result of a Mann–Whitney U test of x against y.
type UTest struct {
	N1, N2 int     // sizes of x and y after dropping non-finite values
	U      float64 // R's wilcox.test(x, y)$statistic
	P      float64 // p-value for the requested alternative
	Method string  // MethodExact or MethodAsymptotic
}

// Comparison is the full two-sample analysis of x (canary) against y (baseline).
type Comparison struct {
	N1, N2     int
	U          float64 // Mann–Whitney U of x
	P          float64 // two-sided p-value
	Estimate   float64 // Hodges–Lehmann shift: median of x[i]-y[j]
	CILow      float64 // two-sided confidence interval for the shift
	CIHigh     float64
	Confidence float64
	Achieved   float64 // the confidence R attaches to the interval: Confidence unless R finds it not achievable (small exact samples)
	Method     string
}

// Summary holds descriptive statistics of one sample.
type Summary struct {
	Count                  int
	Mean, Median, Min, Max float64
	Stddev                 float64 // n-1 denominator
	P50, P90, P95, P99     float64 // R quantile type 7
}
