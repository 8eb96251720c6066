package analysis

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// SignedRankTest is the result of a one-sample Wilcoxon signed-rank test.
type SignedRankTest struct {
	N      int     // nonzero differences x - mu used (finite values only)
	V      float64 // R's wilcox.test(x, mu = mu)$statistic: the sum of the ranks of |x - mu| where x > mu
	P      float64 // p-value for the requested alternative
	Method string  // MethodExact or MethodAsymptotic
}

// SignedRankInterval is the signed-rank confidence interval for the
// location (pseudo-median) of a sample and its point estimate.
type SignedRankInterval struct {
	Estimate  float64 // R's (pseudo)median
	Low, High float64 // the two-sided interval
	Achieved  float64 // the confidence R attaches to it: the requested one unless that was not achievable
	Method    string  // MethodExact or MethodAsymptotic
}

// signedRanks are the signed-rank statistics of x - d.
type signedRanks struct {
	n      int     // nonzero differences
	v      float64 // sum of the midranks of |x - d| over x - d > 0
	tieSum float64 // Σ t³-t over the tie groups of |x - d|
	ties   bool    // any tie among |x - d|
	zeros  bool    // any x - d == 0
}

// signedRankAt computes the signed-rank statistics of x - d for ascending
// finite x (rankSample.at).
func signedRankAt(x []float64, d float64) signedRanks {
	r, _, _ := newRankSample(x, nil).at(d)
	return r
}

// exact reports whether R uses the exact null distribution: fewer than 50
// nonzero differences, no ties and no zeros.
func (r signedRanks) exact() bool { return r.n < 50 && !r.ties && !r.zeros }

// sigma is R's tie-corrected standard deviation of V:
// sqrt(n(n+1)(2n+1)/24 - Σ(t³-t)/48).
func (r signedRanks) sigma() float64 {
	n := float64(r.n)
	return math.Sqrt(n*(n+1)*(2*n+1)/24 - r.tieSum/48)
}

// z is R's continuity-corrected normal score (V - n(n+1)/4 - correction)/σ.
func (r signedRanks) z(alt Alternative) float64 {
	n := float64(r.n)
	z := r.v - n*(n+1)/4
	return (z - correction(z, alt)) / r.sigma()
}

// zUncorrected is (V - n(n+1)/4)/σ, R's score with correct = FALSE.
func (r signedRanks) zUncorrected() float64 {
	n := float64(r.n)
	return (r.v - n*(n+1)/4) / r.sigma()
}

// pValue is R 4.2.2's signed-rank p-value for the statistics r.
func (r signedRanks) pValue(alt Alternative) float64 {
	if r.n == 0 {
		return 1 // R: NaN two-sided, 1 one-sided (a zero σ)
	}
	if r.exact() {
		d := newSignRankDist(r.n)
		switch alt {
		case Greater:
			return d.cdf(r.v-1, false)
		case Less:
			return d.cdf(r.v, true)
		}
		var p float64
		if r.v > float64(r.n)*float64(r.n+1)/4 {
			p = d.cdf(r.v-1, false)
		} else {
			p = d.cdf(r.v, true)
		}
		return math.Min(2*p, 1)
	}
	z := r.z(alt)
	switch alt {
	case Greater:
		return pnormUpper(z)
	case Less:
		return pnormLower(z)
	}
	return 2 * math.Min(pnormLower(z), pnormUpper(z))
}

// SignedRank tests whether x is centred on mu, as R 4.2.2's wilcox.test(x,
// mu = mu, alternative = alt) with correct = TRUE: the differences x - mu
// (formed in float64 as R forms them, so SignedRank(x, δ, alt) is
// wilcox.test(x - δ, alternative = alt)) without the zeros, V the sum of the
// ranks of |x - mu| over the positive ones; the p-value is exact (psignrank)
// when fewer than 50 differences are nonzero, none tied in absolute value and
// none zero, else the normal approximation with tie-corrected variance and
// continuity correction. NaN and ±Inf are dropped first, as in
// MannWhitneyUTest; no finite value is ErrEmpty. When every value equals mu
// R has no two-sided answer (NaN; one-sided it says 1): N and V are 0 and P is 1.
func SignedRank(x []float64, mu float64, alt Alternative) (SignedRankTest, error) {
	if err := checkTestArgs(mu, alt); err != nil {
		return SignedRankTest{}, err
	}
	s, err := NewSignedRankSample(x)
	if err != nil {
		return SignedRankTest{}, err
	}
	return s.Test(mu, alt)
}

func checkTestArgs(mu float64, alt Alternative) error {
	if err := checkAlternative(alt); err != nil {
		return err
	}
	if math.IsNaN(mu) || math.IsInf(mu, 0) {
		return fmt.Errorf("analysis: mu %v is not finite", mu)
	}
	return nil
}

// SignedRankSample is one sample prepared for several signed-rank tests
// and its interval (a judge tests each direction, against each margin, and
// draws the interval): its finite values sorted once. Each answer equals
// SignedRank's and SignedRankCI's on the same values. Not safe for
// concurrent use.
type SignedRankSample struct {
	s     *rankSample
	buf   *[]float64 // s's memory, from signPool
	hasMu bool       // last holds the statistics at mu
	mu    float64
	last  signedRanks
}

// NewSignedRankSample prepares the finite values of x (NaN and ±Inf are
// dropped; none is ErrEmpty). x is not changed.
func NewSignedRankSample(x []float64) (*SignedRankSample, error) {
	// One block: the sorted finite values and their negated reverse, each
	// ended by +Inf.
	buf := getSignBlock(2*len(x) + 2)
	block := (*buf)[:2*len(x)+2]
	n := 0
	for _, v := range x {
		if isFinite(v) {
			block[n] = v
			n++
		}
	}
	if n == 0 {
		signPool.Put(buf)
		return nil, fmt.Errorf("%w: x has no finite values", ErrEmpty)
	}
	sortFloats(block[:n], block[n:2*n])
	return &SignedRankSample{s: newRankSample(block[:n], block[:2*n+2]), buf: buf}, nil
}

// Release returns the sample's memory for reuse by later samples; the
// sample must not be used after it. A second Release does nothing.
func (s *SignedRankSample) Release() {
	if s.buf != nil {
		signPool.Put(s.buf)
	}
	*s = SignedRankSample{}
}

// Test is SignedRank(x, mu, alt) for the sample's x.
func (s *SignedRankSample) Test(mu float64, alt Alternative) (SignedRankTest, error) {
	if err := checkTestArgs(mu, alt); err != nil {
		return SignedRankTest{}, err
	}
	if !s.hasMu || s.mu != mu {
		s.last, _, _ = s.s.at(mu)
		s.hasMu, s.mu = true, mu
	}
	r := s.last
	method := MethodAsymptotic
	if r.exact() {
		method = MethodExact
	}
	return SignedRankTest{N: r.n, V: r.v, P: r.pValue(alt), Method: method}, nil
}

// MinSignedRankP is the smallest one-sided p-value a signed-rank test of n
// nonzero, untied differences can reach (V = n(n+1)/2): 2^-n under the exact
// rule (n below 50), else the upper normal tail of (n(n+1)/4 - 0.5)/σ,
// σ = sqrt(n(n+1)(2n+1)/24). It is 1 when n is not positive. (Ties shrink σ
// and can reach a little lower through the normal approximation.) A judge
// compares it with α to tell "too few independent blocks" from "no change".
func MinSignedRankP(n int) float64 {
	if n <= 0 {
		return 1
	}
	nf := float64(n)
	r := signedRanks{n: n, v: nf * (nf + 1) / 2}
	return r.pValue(Greater)
}

// SignedRankCI is the two-sided signed-rank confidence interval for the
// location of x and its estimate, equal to R 4.2.2's wilcox.test(x, conf.int
// = TRUE, conf.level = confidence, tol.root = 1e-12) (mu = 0, correct = TRUE).
// The zeros of x are dropped first, as R drops them. Exact (fewer than 50
// nonzero values, none tied in absolute value, no zero): the Walsh averages'
// order statistics at qsignrank(α/2, n), the estimate their median, and
// Achieved = 1 - signif(achieved α, 2) when R finds the requested confidence
// not achievable. Asymptotic: the roots of R's tie- and continuity-corrected
// W(d) - z, found by R's own root finder over [min(x), max(x)] (see zeroin),
// α doubled as R doubles it when the ends do not bracket a root, and the
// estimate R's root of the uncorrected score (R turns the continuity
// correction off for it), which is not the median of the Walsh averages. The Walsh averages are never formed in
// the asymptotic case: each W(d) is O(n) on the sorted sample, and R's solver
// takes some tens of steps per root.
//
// NaN and ±Inf are dropped first; no finite value is ErrEmpty; values whose
// range or Walsh sums overflow float64 (|x| near 1e308) are ErrOverflow. Where R has no
// finite answer the fields are NaN and Achieved is 0, as R reports: every
// value zero (Estimate, Low and High NaN) or every nonzero value equal
// (Estimate that value, Low and High NaN).
func SignedRankCI(x []float64, confidence float64) (SignedRankInterval, error) {
	if err := checkConfidence(confidence); err != nil {
		return SignedRankInterval{}, err
	}
	s, err := NewSignedRankSample(x)
	if err != nil {
		return SignedRankInterval{}, err
	}
	return s.CI(confidence)
}

func checkConfidence(confidence float64) error {
	if !(confidence > 0 && confidence < 1) {
		return fmt.Errorf("analysis: confidence %v is not between 0 and 1", confidence)
	}
	return nil
}

// CI is SignedRankCI(x, confidence) for the sample's x.
func (s *SignedRankSample) CI(confidence float64) (SignedRankInterval, error) {
	if err := checkConfidence(confidence); err != nil {
		return SignedRankInterval{}, err
	}
	x := s.s.x
	lo, hi := x[0], x[len(x)-1]
	if math.IsInf(hi-lo, 0) || math.IsInf(lo+lo, 0) || math.IsInf(hi+hi, 0) {
		return SignedRankInterval{}, ErrOverflow
	}
	// R's interval uses the nonzero values only; its exact branch needs
	// fewer than 50 of them, untied (only then are the ranks at 0 wanted).
	zeros := sort.SearchFloat64s(x, math.Nextafter(0, 1)) - sort.SearchFloat64s(x, 0)
	if len(x)-zeros < 50 {
		if r, _, _ := s.s.at(0); r.exact() {
			return exactSignedRankCI(x, confidence), nil
		}
	}
	nz := s.s
	if zeros > 0 {
		nz = newRankSample(slices.DeleteFunc(slices.Clone(x), func(v float64) bool { return v == 0 }), nil)
	}
	c := &rankCache{s: nz}
	defer c.release()
	return asymptoticSignedRankCI(nz.x, confidence, c.at), nil
}

// exactSignedRankCI is R's exact branch over the n < 50 ascending, nonzero,
// untied values x: the sorted Walsh averages (x[i] + x[j])/2, i <= j, whose
// qu-th and (N - qu + 1)-th are the bounds, qu = qsignrank(α/2, n) (1 when 0).
func exactSignedRankCI(x []float64, confidence float64) SignedRankInterval {
	n := len(x)
	walsh := make([]float64, 0, n*(n+1)/2)
	for i := range x {
		for j := i; j < n; j++ {
			walsh = append(walsh, (x[i]+x[j])/2)
		}
	}
	slices.Sort(walsh)
	d := newSignRankDist(n)
	alpha := 1 - confidence
	qu := d.quantile(alpha / 2)
	if qu == 0 {
		qu = 1
	}
	ql := len(walsh) - qu
	achievedAlpha := 2 * d.cdf(float64(qu-1), true)
	ci := SignedRankInterval{Low: walsh[qu-1], High: walsh[ql], Achieved: confidence, Method: MethodExact}
	if achievedAlpha-alpha > alpha/2 {
		ci.Achieved = 1 - signif2(achievedAlpha)
	}
	ci.Estimate = medianSorted(walsh)
	return ci
}

// signif2 is R's signif(v, 2) for 0 < v <= 1: decimal ties round to even
// (signif(0.125, 2) is 0.12), which dyadic achieved levels often are.
func signif2(v float64) float64 {
	e := math.Floor(math.Log10(v)) // v = m·10^e, 1 <= m < 10
	scale := math.Pow(10, 1-e)
	return math.RoundToEven(v*scale) / scale
}

// medianSorted is R's median of an ascending, non-empty slice.
func medianSorted(s []float64) float64 {
	h := len(s) / 2
	if len(s)%2 == 1 {
		return s[h]
	}
	return (s[h-1] + s[h]) / 2
}

// asymptoticSignedRankCI is R's asymptotic branch over the ascending nonzero
// values x (possibly none), at(d) their signed-rank statistics at d.
func asymptoticSignedRankCI(x []float64, confidence float64, at func(float64) signedRanks) SignedRankInterval {
	nan := math.NaN()
	ci := SignedRankInterval{Estimate: nan, Low: nan, High: nan, Method: MethodAsymptotic}
	if len(x) == 0 {
		return ci
	}
	lo, hi := x[0], x[len(x)-1]
	// w is R's W(d) for the two-sided interval: the continuity-corrected
	// score of x - d. R sets correct <- FALSE before it finds the estimate,
	// so the estimate is the root of the uncorrected score w0.
	w := func(d float64) float64 { return at(d).z(TwoSided) }
	w0 := func(d float64) float64 { return at(d).zUncorrected() }
	rLo, rHi := at(lo), signedRanks{} // each end once for both scores
	wLo, wHi := rLo.z(TwoSided), nan
	if !math.IsNaN(wLo) && !math.IsInf(wLo, 0) {
		rHi = at(hi)
		wHi = rHi.z(TwoSided)
	}
	if math.IsNaN(wHi) || math.IsInf(wHi, 0) {
		ci.Estimate = (lo + hi) / 2 // R's midrange
		return ci
	}
	alpha := 1 - confidence
	for wLo-qnormUpper(alpha/2) < 0 || wHi-qnorm(alpha/2) > 0 {
		alpha *= 2
	}
	ci.Achieved = confidence
	if alpha >= 1 || 1-confidence < alpha*0.75 {
		ci.Achieved = 1 - math.Min(1, alpha)
	}
	const tol = 1e-12
	if alpha < 1 {
		root := func(zq float64) float64 {
			return zeroin(func(d float64) float64 { return w(d) - zq }, lo, hi, wLo-zq, wHi-zq, tol)
		}
		ci.Low = root(qnormUpper(alpha / 2))
		ci.High = root(qnorm(alpha / 2))
	} else {
		ci.Low = medianSorted(x)
		ci.High = ci.Low
	}
	ci.Estimate = zeroin(w0, lo, hi, rLo.zUncorrected(), rHi.zUncorrected(), tol)
	return ci
}

// signRankDist is the exact null distribution of V for n untied nonzero
// differences: count[k] is the number of subsets of {1..n} summing to k.
type signRankDist struct {
	n     int
	u     int       // n(n+1)/2, the largest V
	count []float64 // count[k], k = 0..u (exact integers for n < 50)
}

// newSignRankDist builds the counts by adding one rank at a time to the
// subset sums, as R's csignrank recursion does; for n < 50 they stay below
// 2^49 and are exact.
func newSignRankDist(n int) signRankDist {
	u := n * (n + 1) / 2
	c := make([]float64, u+1)
	c[0] = 1
	top := 0
	for i := 1; i <= n; i++ {
		top += i
		for k := top; k >= i; k-- {
			c[k] += c[k-i]
		}
	}
	return signRankDist{n: n, u: u, count: c}
}

// cdf is R's psignrank(q, n, lower.tail): the sum over the shorter tail,
// each count times exp(-n·ln 2), as R sums it.
func (d signRankDist) cdf(q float64, lowerTail bool) float64 {
	n := float64(d.n)
	q = math.Floor(q + 1e-7)
	if q < 0 {
		if lowerTail {
			return 0
		}
		return 1
	}
	if q >= n*(n+1)/2 {
		if lowerTail {
			return 1
		}
		return 0
	}
	f := math.Exp(-n * math.Ln2)
	p := 0.0
	if q <= n*(n+1)/4 {
		for i := 0; i <= int(q); i++ {
			p += d.count[i] * f
		}
	} else {
		q = n*(n+1)/2 - q
		for i := 0; i < int(q); i++ {
			p += d.count[i] * f
		}
		lowerTail = !lowerTail
	}
	if lowerTail {
		return p
	}
	return 0.5 - p + 0.5
}

// quantile is R's qsignrank(x, n) for 0 < x < 1 (lower tail), with R's
// 10·DBL_EPSILON fuzz.
func (d signRankDist) quantile(x float64) int {
	const eps10 = 10 * 0x1p-52
	f := math.Exp(-float64(d.n) * math.Ln2)
	p := 0.0
	if x <= 0.5 {
		x -= eps10
		for q := 0; ; q++ {
			p += d.count[q] * f
			if p >= x || q == d.u {
				return q
			}
		}
	}
	x = 1 - x + eps10
	for q := 0; ; q++ {
		p += d.count[q] * f
		if p > x || q == d.u {
			return d.u - q
		}
	}
}
