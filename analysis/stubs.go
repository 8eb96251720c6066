package analysis

// TEMPORARY: placeholder bodies so dependants compile while issue 2 lands.
// The statistics helper deletes this file and implements these in real files.

// NaNStrategy is what to do with NaN samples: NaNRemove or NaNZero.
type NaNStrategy string

const (
	NaNRemove NaNStrategy = "remove"
	NaNZero   NaNStrategy = "zero"
)

// Effect holds effect sizes of x (canary) against y (baseline).
type Effect struct {
	RelativeShift float64 // (median(x)-median(y))/|median(y)|; NaN when median(y)==0
	MeanRatio     float64 // mean(x)/mean(y); NaN when mean(y)==0
	CLES          float64 // P(x>y) + 0.5 P(x==y)
}

func MannWhitneyUTest(x, y []float64, alt Alternative) (UTest, error)  { panic("todo") }
func Compare(x, y []float64, confidence float64) (Comparison, error)   { panic("todo") }
func MinPValue(m, n int) float64                                       { panic("todo") }
func Describe(x []float64) (Summary, error)                            { panic("todo") }
func Quantile(sorted []float64, p float64) float64                     { panic("todo") }
func ApplyNaN(x []float64, s NaNStrategy) (out []float64, changed int) { panic("todo") }
func RemoveOutliersIQR(x []float64, k float64) (out []float64, removed int) {
	panic("todo")
}
func Effects(x, y []float64) (Effect, error) { panic("todo") }
