package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SeriesOptions tune a SeriesSequential.
type SeriesOptions struct {
	// Precision is ρ = 1/g of the normal mixture over the standardised effect
	// δ = (μ − μ0)/σ ~ N(0, 1/ρ) (restricted to the alternative's side), in
	// units of blocks: the boundary is tightest near
	// ρ·(2 ln(1/α) + ln(1 + 2 ln(1/α))) blocks. 0 means
	// MixturePrecision(DefaultTargetBlocks, 0.005).
	Precision float64
	// MinBlocks is the burn-in: no evidence is counted before this many
	// complete blocks (at least 2; 0 means DefaultMinBlocks).
	MinBlocks int
	// Independent takes the points as independent: no AR(1) long-run
	// variance factor (see dependence).
	Independent bool
}

// Defaults of SeriesOptions and of SeriesBlockLength.
const (
	DefaultMinBlocks    = 3
	DefaultTargetBlocks = 8
	minSeriesBlock      = 1
	maxSeriesBlock      = 8
)

// MixturePrecision is the ρ that makes the one-sample normal-mixture
// boundary at level alpha tightest after n blocks (Howard et al. 2021, eq. 3.5's
// approximation, as confseq's best_rho).
func MixturePrecision(n, alpha float64) float64 {
	l := 2 * math.Log(1/alpha)
	return n / (l + math.Log(1+l))
}

// SeriesBlockLength is the block length a SeriesSequential is made with,
// chosen once from the data before the test starts: the baseline's history
// (may be empty) and the first paired values (each side's per-timestamp
// value, in time order). It is the AR(1) integrated autocorrelation time
// τ = (1+ρ̂)/(1−ρ̂) of their lag-1 autocorrelation ρ̂ (pairLag), rounded, from
// 1 to 8 points. The AR(1) long-run variance factor covers the dependence
// between blocks that remains.
func SeriesBlockLength(history, baseline, canary []float64) int {
	var p pairLag
	for _, v := range history {
		if isFinite(v) {
			p.h.add(v)
		}
	}
	for i := range min(len(baseline), len(canary)) {
		p.add(baseline[i], canary[i])
	}
	r := math.Min(p.rho(), 0.95)
	if r <= 0 {
		return minSeriesBlock
	}
	return min(maxSeriesBlock, max(minSeriesBlock, int(math.Round((1+r)/(1-r)))))
}

// pairLag estimates the lag-1 autocorrelation of paired series, pooled
// over the baseline's history before the watch (History), both sides'
// series and their differences, each centred on its own mean, with
// Kendall's bias correction ρ̂ + (1+4ρ̂)/n̄ (n̄ the series' mean length).
// The sides' series and the history are more data than the differences
// alone, so they see dependence sooner; a drift both sides share makes them
// see more than the differences have, which only makes the test more careful.
type pairLag struct{ h, b, c, d lagStats }

func (p *pairLag) add(b, c float64) {
	if !isFinite(b) || !isFinite(c) {
		return
	}
	p.b.add(b)
	p.c.add(c)
	p.d.add(c - b)
}

func (p *pairLag) rho() float64 {
	var num, den float64
	n, k := 0, 0
	for _, a := range []*lagStats{&p.h, &p.b, &p.c, &p.d} {
		c, sq, m := a.cov()
		if m < 3 || sq <= 0 {
			continue
		}
		num, den, n, k = num+c, den+sq, n+m, k+1
	}
	if k == 0 {
		return 0
	}
	r := num / den
	return r + (1+4*r)*float64(k)/float64(n)
}

// SeriesSequential is an anytime-valid one-sample test on the means of
// consecutive blocks of L paired differences d_t = canary_t − baseline_t,
// fed in time order a few pairs at a time. L is fixed when the test is made
// and never re-cut, so every complete block is final when it is counted.
//
// Each tracked hypothesis compares the block means' mean μ with a null value
// μ0 in one direction. The e-process is the Bayes factor of the one-sample
// t statistic with the scale-invariant (right-Haar) prior on σ and
// δ = (μ−μ0)/σ ~ N(0, g) on the alternative's side, g = 1/ρ (Rouder et al.
// 2009, eq. for fixed g, one-sided: see tMixtureLogBFPlus). For Gaussian
// block means it is a test martingale in the filtration of scale-invariant
// statistics (Pérez-Ortiz et al. 2024; Grünwald, de Heide & Koolen 2024), so
// Ville's inequality applies with σ unknown. Shifting every d down (for
// Greater) lowers every t, so the bound also holds across a one-sided null
// μ ≤ μ0. The variance of the block means is widened by the AR(1) long-run
// factor of the pairs (dependence), for autocorrelated series.
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
	raw   pairLag // every pair, for the AR(1) long-run variance
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
	o.MinBlocks = max(o.MinBlocks, 2)
	return &SeriesSequential{l: blockLength, g: 1 / o.Precision, minBlocks: o.MinBlocks, indep: o.Independent}, nil
}

// Track adds the hypothesis "μ ≤ null" (alt Greater: evidence that the
// differences' mean exceeds null) or "μ ≥ null" (alt Less) and returns its
// index for Evidence. Track hypotheses before the first Push.
func (s *SeriesSequential) Track(null float64, alt Alternative) int {
	s.hyps = append(s.hyps, seriesHyp{null: null, alt: alt})
	return len(s.hyps) - 1
}

// History adds the baseline's values from before the watch, in time order,
// to the dependence estimate only (they are not tested).
func (s *SeriesSequential) History(baseline []float64) {
	for _, v := range baseline {
		if isFinite(v) {
			s.raw.h.add(v)
		}
	}
}

// BlockLength is L.
func (s *SeriesSequential) BlockLength() int { return s.l }

// Blocks is the number of complete blocks counted.
func (s *SeriesSequential) Blocks() int { return s.n }

// Push adds paired values in time order: each side's value at the same
// timestamps; pairs with a non-finite side are skipped. Each pair costs O(1),
// each completed block O(tracked hypotheses).
func (s *SeriesSequential) Push(baseline, canary []float64) {
	for i := range min(len(baseline), len(canary)) {
		b, c := baseline[i], canary[i]
		if !isFinite(b) || !isFinite(c) {
			continue
		}
		s.raw.add(b, c)
		s.pend += c - b
		s.pendN++
		if s.pendN == s.l {
			s.block(s.pend / float64(s.l))
			s.pend, s.pendN = 0, 0
		}
	}
}

func (s *SeriesSequential) block(x float64) {
	s.n++
	delta := x - s.mean
	s.mean += delta / float64(s.n)
	s.m2 += delta * (x - s.mean)
	if s.n < s.minBlocks {
		return
	}
	f := s.dependence()
	for i := range s.hyps {
		h := &s.hyps[i]
		h.ev.set(s.logE(h.null, h.alt, f))
	}
}

// logE is log of the e-process of one hypothesis after n blocks, with the
// block means' variance widened by f.
func (s *SeriesSequential) logE(null float64, alt Alternative, f float64) float64 {
	n := float64(s.n)
	diff := s.mean - null
	if alt == Less {
		diff = -diff
	}
	sd := math.Sqrt(s.m2 / (n - 1) * f)
	atZero := -0.5 * math.Log1p(n*s.g) // the e-value at t = 0
	switch {
	case diff <= 0:
		// t on the null's side: at most the value at t = 0, so that only
		// t > 0 can reject (where the e-value grows with t)
		if sd == 0 {
			return atZero
		}
		return math.Min(atZero, tMixtureLogBFPlus(n, diff/(sd/math.Sqrt(n)), s.g))
	case sd == 0 || sd < 1e-12*math.Abs(diff):
		return math.Inf(1) // every block mean equal and beyond the null
	}
	return tMixtureLogBFPlus(n, diff/(sd/math.Sqrt(n)), s.g)
}

// tMixtureLogBF is log BF_n of the one-sample t statistic t after n values
// for δ ~ N(0, g) with the right-Haar prior on σ (Rouder et al. 2009):
// (1+ng)^(−1/2)·[(1 + t²/ν)/(1 + t²/((1+ng)ν))]^(n/2), ν = n−1.
func tMixtureLogBF(n, t, g float64) float64 {
	nu := n - 1
	tt := t * t / nu
	return -0.5*math.Log1p(n*g) + n/2*(math.Log1p(tt)-math.Log1p(tt/(1+n*g)))
}

// tMixtureLogBFPlus is log BF₊ of the one-sample t statistic t after n
// values for δ ~ N(0, g) restricted to δ > 0 (density doubled) with the
// right-Haar prior on σ: the two-sided factor times 2·F_{t,n}(k), where
// F_{t,n} is Student's t distribution with n degrees of freedom and
// k = S·sqrt(n/(a·c)), S = Σx = t√n, Q = Σx² = n−1+t² (x scaled so that
// s = 1), a = n + 1/g, c = Q − S²/a. Integrating δ over (0, ∞) first leaves
// E[Φ(χ_n S/√(ac))] over χ_n, which is P(Z/χ_n ≤ S/√(ac)) = F_{t,n}(k).
func tMixtureLogBFPlus(n, t, g float64) float64 {
	sx, q, a := t*math.Sqrt(n), n-1+t*t, n+1/g
	c := q - sx*sx/a
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n}
	return tMixtureLogBF(n, t, g) + math.Log(2*st.CDF(sx*math.Sqrt(n/(a*c))))
}

// dependence is the AR(1) long-run variance factor arFactor(φ̂, L) of the
// pairs' lag-1 autocorrelation φ̂ (pairLag, over every pair so far): how much wider the variance of a sum of blocks is than the
// block means' own variance says. 1 with Independent.
func (s *SeriesSequential) dependence() float64 {
	if s.indep {
		return 1
	}
	return arFactor(s.raw.rho(), s.l)
}

// arFactor is how much an AR(1) series with lag-1 autocorrelation phi
// widens the variance of a sum of blocks of l points beyond what the block
// means' own variance says: l(1+φ)/((1−φ)(l + 2Σ_{k<l}(l−k)φ^k)); 1 for
// φ ≤ 0, φ capped at 0.95.
func arFactor(phi float64, l int) float64 {
	if phi <= 0 {
		return 1
	}
	phi = math.Min(phi, 0.95)
	v, p := float64(l), 1.0
	for k := 1; k < l; k++ {
		p *= phi
		v += 2 * float64(l-k) * p
	}
	return float64(l) * (1 + phi) / ((1 - phi) * v)
}

// lagStats keeps running sums for a lag-1 autocorrelation, of the values
// less the first one (so that a large common level costs no precision).
type lagStats struct {
	n                int
	origin           float64
	sum, sumsq, lag1 float64
	first, last      float64
}

func (a *lagStats) add(x float64) {
	if a.n == 0 {
		a.origin = x
	}
	x -= a.origin
	if a.n == 0 {
		a.first = x
	} else {
		a.lag1 += x * a.last
	}
	a.last = x
	a.sum += x
	a.sumsq += x * x
	a.n++
}

// cov is Σ_{i≥2} (x_i − x̄)(x_{i−1} − x̄), Σ (x_i − x̄)² and n.
func (a *lagStats) cov() (lag, sq float64, n int) {
	if a.n < 3 {
		return 0, 0, a.n
	}
	fn := float64(a.n)
	m := a.sum / fn
	return a.lag1 - m*(2*a.sum-a.first-a.last) + (fn-1)*m*m, a.sumsq - fn*m*m, a.n
}

// Evidence returns where hypothesis i (from Track) stands.
func (s *SeriesSequential) Evidence(i int) Evidence { return s.hyps[i].ev.value() }

// Mean is the mean of the complete blocks' means (0 before the first block).
func (s *SeriesSequential) Mean() float64 { return s.mean }
