package draw

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestPoisson: both branches (product method, rounded normal) have the
// mean and variance of a Poisson count, and draws are whole and ≥ 0.
func TestPoisson(t *testing.T) {
	for _, mean := range []float64{0.2, 8, 150, 5000} {
		r := rand.New(rand.NewPCG(7, uint64(mean*10)))
		x := make([]float64, 50_000)
		for i := range x {
			x[i] = Poisson(r, mean)
			if x[i] < 0 || x[i] != float64(int64(x[i])) {
				t.Fatalf("Poisson(%g) drew %g", mean, x[i])
			}
		}
		m, v := stat.MeanVariance(x, nil)
		if d := m - mean; d*d > 0.0004*mean*mean+1e-4 || (v-mean)*(v-mean) > 0.0036*mean*mean+1e-3 {
			t.Errorf("Poisson(%g): mean %.4f, variance %.4f", mean, m, v)
		}
	}
}
