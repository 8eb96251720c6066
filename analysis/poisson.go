package analysis

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrNoRate is returned by the count tests when R's poisson.test has no
// answer because the rate ratio's null proportion r·nc/(r·nc+nb) is undefined
// (both totals 0, or an infinite total).
var ErrNoRate = errors.New("analysis: poisson.test has no answer: the null proportion r·nc/(r·nc+nb) is undefined")

// relErr is R's tolerance in binom.test's two-sided rule: outcomes whose
// probability is within this factor of the observed one count as extreme.
const relErr = 1 + 1e-7

// PoissonRatio returns the p-value of R 4.2.2's
// poisson.test(c(xc, xb), T = c(nc, nb), r = r, alternative = alt): canary
// events xc in exposure nc against baseline events xb in nb, testing the rate
// ratio (xc/nc)/(xb/nb) against r. It is the conditional binomial test
// binom.test(xc, xc+xb, p = r·nc/(r·nc+nb)) (R's stats/R/poisson.test.R and
// binom.test.R). Counts must be whole, finite and nonnegative, totals and r
// nonnegative, as R requires. The relative error is below 1e-9 up to about a
// million events (xc+xb), and about (xc+xb)·1e-15 beyond (gonum's incomplete
// beta); the cost is O(log(xc+xb)).
func PoissonRatio(xc, nc, xb, nb, r float64, alt Alternative) (float64, error) {
	b, err := newRatioBinom(xc, nc, xb, nb, r)
	if err != nil {
		return math.NaN(), err
	}
	switch alt {
	case Less:
		return b.cdf(b.x), nil
	case Greater:
		return b.sf(b.x - 1), nil
	case TwoSided:
		return b.twoSided(), nil
	}
	return math.NaN(), fmt.Errorf("analysis: unknown alternative %d", alt)
}

// PoissonRatioCI returns the rate ratio (xc/nc)/(xb/nb) and its two-sided
// confidence interval, as R 4.2.2's poisson.test(c(xc, xb), T = c(nc, nb),
// conf.level = confidence)$estimate and $conf.int: the Clopper–Pearson interval
// pp of the binomial proportion, mapped to pp/(1−pp)·nb/nc. Where R gives
// Inf or NaN (no events on a side, no traffic on a side) so does this.
func PoissonRatioCI(xc, nc, xb, nb, confidence float64) (est, lo, hi float64, err error) {
	nan := math.NaN()
	if !(confidence > 0 && confidence < 1) {
		return nan, nan, nan, fmt.Errorf("analysis: confidence %v is not between 0 and 1", confidence)
	}
	b, err := newRatioBinom(xc, nc, xb, nb, 1)
	if err != nil {
		return nan, nan, nan, err
	}
	x, n := b.x, b.n
	alpha := (1 - confidence) / 2
	ppLo, ppHi := 0.0, 1.0
	if x != 0 {
		ppLo = qbeta(alpha, x, n-x+1)
	}
	if x != n {
		ppHi = qbeta(1-alpha, x+1, n-x)
	}
	// R's arithmetic, in R's order: (x1/T1)/(x2/T2) and pp/(1-pp)*T2/T1.
	est = (x / nc) / ((n - x) / nb)
	lo = ppLo / (1 - ppLo) * nb / nc
	hi = ppHi / (1 - ppHi) * nb / nc
	return est, lo, hi, nil
}

// ratioBinom is the binomial that poisson.test conditions on: x of n events
// are the canary's, with null probability p (and q = 1-p as R computes it).
type ratioBinom struct {
	x, n, p, q float64
}

func newRatioBinom(xc, nc, xb, nb, r float64) (ratioBinom, error) {
	var b ratioBinom
	for _, v := range []float64{xc, xb} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || math.Abs(v-math.Round(v)) > 1e-7 {
			return b, fmt.Errorf("analysis: event count %v is not a finite, nonnegative whole number", v)
		}
	}
	for _, v := range []float64{nc, nb} {
		if math.IsNaN(v) || v < 0 {
			return b, fmt.Errorf("analysis: total %v is negative or NaN", v)
		}
	}
	if math.IsNaN(r) || r < 0 {
		return b, fmt.Errorf("analysis: rate ratio %v under test is negative or NaN", r)
	}
	xc, xb = math.Round(xc), math.Round(xb)
	p := r * nc / (r*nc + nb)
	if math.IsNaN(p) {
		return b, ErrNoRate
	}
	return ratioBinom{x: xc, n: xc + xb, p: p, q: 1 - p}, nil
}

// cdf is R's pbinom(k, n, p): P(X ≤ k).
func (b ratioBinom) cdf(k float64) float64 { return b.tail(k, false) }

// sf is R's pbinom(k, n, p, lower.tail = FALSE): P(X > k).
func (b ratioBinom) sf(k float64) float64 { return b.tail(k, true) }

func (b ratioBinom) tail(k float64, upper bool) float64 {
	var below float64 // P(X ≤ k) where it is 0 or 1
	switch {
	case k < 0 || (b.p == 1 && k < b.n):
		below = 0
	case k >= b.n || b.p == 0:
		below = 1
	case upper:
		return mathext.RegIncBeta(k+1, b.n-k, b.p)
	default:
		return mathext.RegIncBeta(b.n-k, k+1, b.q)
	}
	if upper {
		return 1 - below
	}
	return below
}

// pmf is R's dbinom(k, n, p) for 0 < p < 1.
func (b ratioBinom) pmf(k float64) float64 {
	return distuv.Binomial{N: b.n, P: b.p}.Prob(k)
}

// twoSided is binom.test's two-sided p-value: the probability of every
// outcome no more likely than the observed one (within relErr). R counts
// those outcomes by scanning the far side of the mean; the pmf is monotone
// there, so a binary search finds the same count in O(log n).
func (b ratioBinom) twoSided() float64 {
	x, n := b.x, b.n
	switch b.p {
	case 0:
		return boolP(x == 0)
	case 1:
		return boolP(x == n)
	}
	m := n * b.p
	if x == m {
		return 1
	}
	t := b.pmf(x) * relErr
	var p float64
	if x < m {
		// y = #{i in [ceil(m), n] : pmf(i) ≤ t}; the pmf does not increase there.
		lo, hi := math.Ceil(m), n+1 // the first i with pmf(i) ≤ t lies in [lo, hi]
		for lo < hi {
			mid := math.Floor((lo + hi) / 2)
			if b.pmf(mid) <= t {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		y := n + 1 - lo
		p = b.cdf(x) + b.sf(n-y)
	} else {
		// y = #{i in [0, floor(m)] : pmf(i) ≤ t}; the pmf does not decrease there.
		lo, hi := 0.0, math.Floor(m)+1 // the first i with pmf(i) > t lies in [lo, hi]
		for lo < hi {
			mid := math.Floor((lo + hi) / 2)
			if b.pmf(mid) > t {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		y := lo
		p = b.cdf(y-1) + b.sf(x-1)
	}
	return math.Min(p, 1)
}

func boolP(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

// qbeta is R's qbeta(prob, a, b) for a, b > 0. It inverts the tail that puts
// the answer below 1/2, so an answer near 1 keeps its distance from 1 exact.
func qbeta(prob, a, b float64) float64 {
	v := mathext.InvRegIncBeta(a, b, prob)
	if v > 0.5 {
		v = 1 - mathext.InvRegIncBeta(b, a, 1-prob)
	}
	return v
}
