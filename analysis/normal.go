package analysis

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// pnormLower is the standard normal CDF Φ(z), as R's pnorm(z). It uses
// math.Erfc on the side that keeps the tail accurate.
func pnormLower(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// pnormUpper is 1-Φ(z), as R's pnorm(z, lower.tail=FALSE), accurate in the tail.
func pnormUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// qnorm is the standard normal quantile for p in (0, 1): Wichura's AS 241,
// the algorithm of R's qnorm.
func qnorm(p float64) float64 { return mathext.NormalQuantile(p) }

// qnormUpper is R's qnorm(p, lower.tail = FALSE), taken as -qnorm(p): the
// same number in the tails R's intervals use, and within an ulp elsewhere.
func qnormUpper(p float64) float64 { return -qnorm(p) }
