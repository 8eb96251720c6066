package analysis

import "math"

// zeroin is R's uniroot(f, lower = a, upper = b, f.lower = fa, f.upper = fb,
// tol = tol) for fa and fb of opposite signs (or zero): Brent's root finder
// as R_zeroin2 runs it (R 4.2.2 src/library/stats/src/zeroin.c, after
// Forsythe, Malcolm & Moler), with R's default maxiter = 1000. Every step is
// the same floating-point operation in the same order, so on a step function
// — where the root a solver returns depends on the path it took — it lands
// where R lands. Infinite f values are replaced by ±MaxFloat64, as uniroot does.
func zeroin(f func(float64) float64, a, b, fa, fb, tol float64) float64 {
	fin := func(v float64) float64 { // uniroot's truncate() and zeroin2's fcn2
		switch {
		case math.IsInf(v, -1):
			return -math.MaxFloat64
		case math.IsInf(v, 1) || math.IsNaN(v):
			return math.MaxFloat64
		}
		return v
	}
	fa, fb = fin(fa), fin(fb)
	c, fc := a, fa
	if fa == 0 {
		return a
	}
	if fb == 0 {
		return b
	}
	for it := 0; it <= 1000; it++ {
		prevStep := b - a
		if math.Abs(fc) < math.Abs(fb) { // make b the best approximation
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := float64(2*eps*math.Abs(b)) + tol/2
		newStep := (c - b) / 2
		if math.Abs(newStep) <= tolAct || fb == 0 {
			return b
		}
		// interpolate when the previous step was large enough and went the right way
		if math.Abs(prevStep) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c { // two distinct points: linear interpolation
				t1 := fb / fa
				p = cb * t1
				q = 1.0 - t1
			} else { // inverse quadratic interpolation
				q = fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (float64(float64(cb*q)*(q-t1)) - float64((b-a)*(t1-1.0)))
				q = float64(float64((q-1.0)*(t1-1.0)) * (t2 - 1.0))
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if p < float64(float64(0.75*cb)*q)-math.Abs(float64(tolAct*q))/2 && p < math.Abs(float64(prevStep*q)/2) {
				newStep = p / q
			}
		}
		if math.Abs(newStep) < tolAct {
			if newStep > 0 {
				newStep = tolAct
			} else {
				newStep = -tolAct
			}
		}
		a, fa = b, fb
		b += newStep
		fb = fin(f(b))
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b
}
