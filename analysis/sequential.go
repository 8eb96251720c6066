package analysis

import "math"

// Evidence is where an anytime-valid test stands after its latest update.
//
// Under the test's null hypothesis the e-process E_t is a nonnegative
// supermartingale with E_0 = 1, so by Ville's inequality
// P(sup_t E_t ≥ 1/α) ≤ α: rejecting the first time E crosses 1/α, however
// often it is looked at, keeps the error at α. The anytime p-value
// P = min(1, 1/max_{s≤t} E_s) is valid at every stopping time.
type Evidence struct {
	E    float64 // the e-process now
	MaxE float64 // its running maximum, at least 1
	P    float64 // anytime-valid p-value: min(1, 1/MaxE)
}

// evidence tracks the running maximum of a log e-process.
type evidence struct {
	logE, maxLogE float64
}

func (e *evidence) set(logE float64) {
	if math.IsNaN(logE) {
		logE = math.Inf(-1)
	}
	e.logE = logE
	if logE > e.maxLogE {
		e.maxLogE = logE
	}
}

func (e evidence) value() Evidence {
	return Evidence{E: math.Exp(e.logE), MaxE: math.Exp(e.maxLogE), P: math.Min(1, math.Exp(-e.maxLogE))}
}

// logSumExp is log Σ exp(v[i]), computed without overflow.
func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		if x > m {
			m = x
		}
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}
