package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// stdNormal is the standard normal distribution of R's pnorm and qnorm.
var stdNormal = distuv.Normal{Mu: 0, Sigma: 1}

// pnormLower is the standard normal CDF Φ(z), as R's pnorm(z): gonum's CDF,
// 0.5·erfc(-z/√2), accurate in the lower tail.
func pnormLower(z float64) float64 { return stdNormal.CDF(z) }

// pnormUpper is 1-Φ(z), as R's pnorm(z, lower.tail=FALSE). It stays
// hand-written: gonum's Survival is 0.5·(1 - erf(z/√2)), which cancels in the
// upper tail (0 from z ≈ 8.3, where R gives 1e-16 and below; a p of 1e-300
// needs z ≈ 37), so this takes math.Erfc on that side.
func pnormUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// qnorm is the standard normal quantile for p in (0, 1), as R 4.2.2's
// qnorm(p): gonum's Quantile, Wichura's AS 241, the algorithm of R's qnorm.
func qnorm(p float64) float64 { return stdNormal.Quantile(p) }

// qnormUpper is R's qnorm(p, lower.tail = FALSE), taken as -qnorm(p): the
// same number in the tails R's intervals use, and within an ulp elsewhere.
func qnormUpper(p float64) float64 { return -qnorm(p) }
