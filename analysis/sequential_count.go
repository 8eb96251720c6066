package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// DefaultCountConcentration is k of the Beta(kρ, k(1−ρ)) mixture over the
// canary's share of events; see docs/statistics.md, "Sequential tests (watch)".
const DefaultCountConcentration = 10

// countNodes is the number of rate ratios the mixture is evaluated at.
const countNodes = 96

// CountSequential is an anytime-valid test of the rate ratio r = λ_c/λ_b of
// two event counts (a canary's and a baseline's, each against its own
// exposure) against a bound r0, fed one interval at a time.
//
// With alternative Greater it tests H0: r ≤ r0 against "the canary's rate is
// more than r0 times the baseline's"; with Less, H0: r ≥ r0 against r < r0.
// Given an interval's total events m = x_c + x_b, Poisson counts make x_c
// Binomial(m, p_i(r)) with p_i(r) = rρ_i/(rρ_i + 1 − ρ_i) and ρ_i the canary's
// share of the interval's exposure, so each interval contributes the
// likelihood ratio Λ_i(r) = p_i(r)^x_c (1−p_i(r))^x_b / (p_i(r0)^x_c (1−p_i(r0))^x_b).
// E_t = Σ_j w_j Π_{i≤t} Λ_i(r_j) mixes over rate ratios r_j on the alternative's
// side of r0 only, placed at equal-probability nodes of a Beta(kρ̄, k(1−ρ̄))
// prior on the share (Lindon & Malek 2022, truncated to the alternative), ρ̄
// being the first interval's share. Each Λ_i(r_j) has conditional mean ≤ 1
// for every true r in H0, so E_t is a test supermartingale and
// P(sup_t E_t ≥ 1/α) ≤ α (Ville). Exposure shares may change between intervals.
type CountSequential struct {
	ratio float64     // r0
	alt   Alternative // Greater or Less
	k     float64
	logR  []float64 // log r_j; nil until the first interval with exposure on both sides
	logL  []float64 // log Π_i Λ_i(r_j)
	ev    evidence
	n     int // intervals seen with exposure on both sides
}

// NewCountSequential returns a test of the rate ratio against ratio (r0 > 0)
// in the direction alt (Greater or Less), mixing with concentration k > 0
// (DefaultCountConcentration when k is 0).
func NewCountSequential(ratio float64, alt Alternative, k float64) (*CountSequential, error) {
	if !(ratio > 0) || math.IsInf(ratio, 0) {
		return nil, fmt.Errorf("analysis: rate ratio bound %v is not a positive number", ratio)
	}
	if alt != Greater && alt != Less {
		return nil, fmt.Errorf("analysis: a sequential count test is one-sided (greater or less)")
	}
	if k == 0 {
		k = DefaultCountConcentration
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, fmt.Errorf("analysis: mixture concentration %v is not a positive number", k)
	}
	return &CountSequential{ratio: ratio, alt: alt, k: k}, nil
}

// Update adds one interval: the canary's events and exposure (total) and the
// baseline's, counted over that interval only. An interval without exposure
// on a side carries no evidence and leaves the test where it was.
func (s *CountSequential) Update(eventsCanary, totalCanary, eventsBaseline, totalBaseline float64) error {
	for _, v := range [...]float64{eventsCanary, totalCanary, eventsBaseline, totalBaseline} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("analysis: count %v is not a nonnegative number", v)
		}
	}
	if totalCanary == 0 || totalBaseline == 0 {
		return nil
	}
	share := totalCanary / (totalCanary + totalBaseline)
	if s.logR == nil {
		s.place(share)
	}
	s.n++
	x, m := eventsCanary, eventsCanary+eventsBaseline
	if m == 0 {
		return nil
	}
	// log Λ(r) = x (log r − log r0) − m (log(rρ + 1 − ρ) − log(r0ρ + 1 − ρ))
	logR0 := math.Log(s.ratio)
	base := math.Log(s.ratio*share + 1 - share)
	for j, lr := range s.logR {
		s.logL[j] += x*(lr-logR0) - m*(math.Log(math.Exp(lr)*share+1-share)-base)
	}
	s.ev.set(logSumExp(s.logL) - math.Log(float64(len(s.logL))))
	return nil
}

// place fixes the mixture's rate ratios from the share ρ̄ of the first
// interval: equal-probability nodes of Beta(kρ̄, k(1−ρ̄)) over the share,
// restricted to the alternative's side of r0, mapped to rate ratios.
func (s *CountSequential) place(share float64) {
	a, b := s.k*share, s.k*(1-share)
	p0 := s.ratio * share / (s.ratio*share + 1 - share)
	f0 := mathext.RegIncBeta(a, b, p0)
	lo, width := f0, 1-f0 // Greater: the prior's mass above p0
	if s.alt == Less {
		lo, width = 0, f0
	}
	s.logR = make([]float64, countNodes)
	s.logL = make([]float64, countNodes)
	for j := range s.logR {
		r := 0.0
		if width > 1e-9 {
			p := mathext.InvRegIncBeta(a, b, lo+width*(float64(j)+0.5)/countNodes)
			r = p * (1 - share) / (share * (1 - p))
		}
		if !(r > 0) || math.IsInf(r, 0) || (s.alt == Greater) != (r > s.ratio) {
			// the prior has (numerically) no mass there: spread the nodes
			// geometrically over a factor 16 beyond r0 instead
			step := math.Log(16) * (float64(j) + 1) / countNodes
			if s.alt == Less {
				step = -step
			}
			r = s.ratio * math.Exp(step)
		}
		s.logR[j] = math.Log(r)
	}
}

// Evidence returns the e-process, its running maximum and the anytime p-value.
func (s *CountSequential) Evidence() Evidence { return s.ev.value() }

// Intervals is the number of intervals that had exposure on both sides.
func (s *CountSequential) Intervals() int { return s.n }
