package analysis

import (
	"fmt"
	"math"
)

// SeriesOptions tune a SeriesSequential.
type SeriesOptions struct {
	// Precision is ρ = 1/g of the normal mixture over the standardised effect
	// δ = (μ − μ0)/σ ~ N(0, 1/ρ), in units of blocks: the boundary is
	// tightest near ρ·(2 ln(1/α) + ln(1 + 2 ln(1/α))) blocks. 0 means
	// MixturePrecision(DefaultTargetBlocks, 0.005).
	Precision float64
	// MinBlocks is the burn-in: no evidence is counted before this many
	// complete blocks (at least 2; 0 means DefaultMinBlocks).
	MinBlocks int
	// Independent takes the block means as independent: no long-run
	// variance guard (see inflation).
	Independent bool
}

// Defaults of SeriesOptions.
const (
	DefaultMinBlocks    = 3
	DefaultTargetBlocks = 8
)

// MixturePrecision is the ρ that makes the one-sample normal-mixture
// boundary at level alpha tightest after n blocks (Howard et al. 2021, eq. 3.5's
// approximation, as confseq's best_rho).
func MixturePrecision(n, alpha float64) float64 {
	l := 2 * math.Log(1/alpha)
	return n / (l + math.Log(1+l))
}

// SeriesSequential is an anytime-valid one-sample test on the means of
// consecutive blocks of L paired differences d_t = canary_t − baseline_t,
// fed in time order a few points at a time. L is fixed when the test is made
// and never re-cut, so every complete block is final when it is counted.
//
// Each tracked hypothesis compares the block means' mean μ with a null value
// μ0 in one direction. The e-process is the Bayes factor of the one-sample
// t statistic with the scale-invariant (right-Haar) prior on σ and
// δ = (μ−μ0)/σ ~ N(0, g), g = 1/ρ (Rouder et al. 2009, eq. for fixed g):
//
//	BF_n = (1+ng)^(−1/2) · [(1 + t²/ν) / (1 + t²/((1+ng)ν))]^(n/2),  ν = n−1,
//
// counted only when t lies on the alternative's side. For Gaussian block
// means it is a test martingale in the filtration of scale-invariant
// statistics (Pérez-Ortiz et al. 2024; Grünwald, de Heide & Koolen 2024), so
// Ville's inequality applies with σ unknown; for large n it is Robbins' normal
// mixture with the plug-in variance. Shifting every d down (for Greater)
// lowers every t, so the bound also holds across a one-sided null μ ≤ μ0.
type SeriesSequential struct {
	l         int
	g         float64
	minBlocks int
	indep     bool

	pend  float64 // sum of the current, incomplete block
	pendN int
	n     int     // complete blocks
	mean  float64 // Welford's running mean and sum of squares of block means
	m2    float64
	sum   float64 // Σ x_i, Σ x_i·x_{i−1}, x_1 and x_n of the block means, for the lag-1 autocovariance
	lag1  float64
	first float64
	last  float64
	hyps  []seriesHyp
}

type seriesHyp struct {
	null float64
	alt  Alternative
	ev   evidence
}

// NewSeriesSequential returns a test on blocks of blockLength ≥ 1 points.
func NewSeriesSequential(blockLength int, o SeriesOptions) (*SeriesSequential, error) {
	if blockLength < 1 {
		return nil, fmt.Errorf("analysis: block length %d is not positive", blockLength)
	}
	if o.Precision == 0 {
		o.Precision = MixturePrecision(DefaultTargetBlocks, 0.005)
	}
	if !(o.Precision > 0) || math.IsInf(o.Precision, 0) {
		return nil, fmt.Errorf("analysis: mixture precision %v is not a positive number", o.Precision)
	}
	if o.MinBlocks == 0 {
		o.MinBlocks = DefaultMinBlocks
	}
	if o.MinBlocks < 2 {
		o.MinBlocks = 2
	}
	return &SeriesSequential{l: blockLength, g: 1 / o.Precision, minBlocks: o.MinBlocks, indep: o.Independent}, nil
}

// Track adds the hypothesis "μ ≤ null" (alt Greater: evidence that the
// differences' mean exceeds null) or "μ ≥ null" (alt Less) and returns its
// index for Evidence. Track hypotheses before the first Push.
func (s *SeriesSequential) Track(null float64, alt Alternative) int {
	s.hyps = append(s.hyps, seriesHyp{null: null, alt: alt})
	return len(s.hyps) - 1
}

// BlockLength is L.
func (s *SeriesSequential) BlockLength() int { return s.l }

// Blocks is the number of complete blocks counted.
func (s *SeriesSequential) Blocks() int { return s.n }

// Push adds differences in time order; non-finite values are skipped. Each
// point costs O(1), each completed block O(tracked hypotheses).
func (s *SeriesSequential) Push(d ...float64) {
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		s.pend += v
		s.pendN++
		if s.pendN == s.l {
			s.block(s.pend / float64(s.l))
			s.pend, s.pendN = 0, 0
		}
	}
}

func (s *SeriesSequential) block(x float64) {
	if s.n == 0 {
		s.first = x
	} else {
		s.lag1 += x * s.last
	}
	s.last = x
	s.sum += x
	s.n++
	delta := x - s.mean
	s.mean += delta / float64(s.n)
	s.m2 += delta * (x - s.mean)
	if s.n < s.minBlocks {
		return
	}
	for i := range s.hyps {
		h := &s.hyps[i]
		h.ev.set(s.logBF(h.null, h.alt))
	}
}

// logBF is log of the e-process of one hypothesis after n blocks.
func (s *SeriesSequential) logBF(null float64, alt Alternative) float64 {
	n := float64(s.n)
	diff := s.mean - null
	if alt == Less {
		diff = -diff
	}
	sd := math.Sqrt(s.m2 / (n - 1) * s.inflation())
	ng := n * s.g
	penalty := -0.5 * math.Log1p(ng)
	if diff <= 0 {
		return math.Min(0, penalty) // t on the null's side: no evidence (BF capped at its t=0 value)
	}
	if sd == 0 || sd < 1e-12*math.Abs(diff) {
		return math.Inf(1) // every block mean equal and beyond the null
	}
	return tMixtureLogBF(n, diff/(sd/math.Sqrt(n)), s.g)
}

// tMixtureLogBF is log BF_n of the one-sample t statistic t after n values
// for δ ~ N(0, g) with the right-Haar prior on σ (Rouder et al. 2009).
func tMixtureLogBF(n, t, g float64) float64 {
	nu := n - 1
	tt := t * t / nu
	return -0.5*math.Log1p(n*g) + n/2*(math.Log1p(tt)-math.Log1p(tt/(1+n*g)))
}

// inflation is 1 + 2·max(0, r̂₁), r̂₁ the lag-1 autocorrelation of the block
// means: the long-run variance of their sum with a Bartlett window of one
// block (Newey & West 1987), a guard against dependence the blocks left.
func (s *SeriesSequential) inflation() float64 {
	if s.indep || s.n < 3 || s.m2 <= 0 {
		return 1
	}
	// Σ_{i≥2} (x_i − x̄)(x_{i−1} − x̄)
	c := s.lag1 - s.mean*(2*s.sum-s.first-s.last) + float64(s.n-1)*s.mean*s.mean
	r := c / s.m2
	if r <= 0 {
		return 1
	}
	return 1 + 2*math.Min(r, 1)
}

// Evidence returns where hypothesis i (from Track) stands.
func (s *SeriesSequential) Evidence(i int) Evidence { return s.hyps[i].ev.value() }

// Mean is the mean of the complete blocks' means (0 before the first block).
func (s *SeriesSequential) Mean() float64 { return s.mean }
