package analysis

import "math"

// wilcoxDist is the exact null distribution of the Mann–Whitney U for sizes
// (m, n): count[k] is the number of the choose(m+n, m) arrangements whose U is k.
type wilcoxDist struct {
	mn    int       // m·n, the largest U
	count []float64 // count[k] for k = 0..mn
	total float64   // choose(m+n, m) = Σ count
}

// newWilcoxDist builds the distribution as the coefficients of the Gaussian
// binomial [m+n choose m]_q = Π_{i=1..m} (1-q^{n+i})/(1-q^i), one factor at a
// time. Each factor's lower half is a prefix sum minus a shifted prefix sum of
// positive terms (cancellation bounded by a factor i/2); the upper half follows
// from the symmetry count[k] = count[mn-k]. The tail counts, which small
// p-values are made of, are exact integers.
func newWilcoxDist(m, n int) wilcoxDist {
	if m > n {
		m, n = n, m // the distribution is symmetric in (m, n)
	}
	mn := m * n
	p := make([]float64, mn+1)
	s := make([]float64, mn/2+1)
	p[0] = 1
	for i := 1; i <= m; i++ {
		prev, deg := (i-1)*n, i*n
		half := deg / 2
		for k := 0; k <= half; k++ { // s = P_{i-1} / (1 - q^i)
			v := 0.0
			if k <= prev {
				v = p[k]
			}
			if k >= i {
				v += s[k-i]
			}
			s[k] = v
		}
		for k := 0; k <= half; k++ { // P_i = s · (1 - q^{n+i})
			v := s[k]
			if k >= n+i {
				v -= s[k-n-i]
			}
			p[k] = v
		}
		for k := half + 1; k <= deg; k++ {
			p[k] = p[deg-k]
		}
	}
	total := 0.0
	for _, c := range p {
		total += c
	}
	return wilcoxDist{mn: mn, count: p, total: total}
}

// cdf is R's pwilcox(q, m, n, lower.tail): it sums the probabilities over the
// shorter range, as R does, so both tails keep their relative accuracy.
func (d wilcoxDist) cdf(q float64, lowerTail bool) float64 {
	q = math.Floor(q + 1e-7)
	mn := float64(d.mn)
	if q < 0 {
		if lowerTail {
			return 0
		}
		return 1
	}
	if q >= mn {
		if lowerTail {
			return 1
		}
		return 0
	}
	p := 0.0
	if q <= mn/2 {
		for i := 0; i <= int(q); i++ {
			p += d.count[i] / d.total
		}
	} else {
		for i := 0; i < int(mn-q); i++ {
			p += d.count[i] / d.total
		}
		lowerTail = !lowerTail
	}
	if lowerTail {
		return p
	}
	return 0.5 - p + 0.5
}

// quantile is R's qwilcox(x, m, n) for 0 < x < 1 (lower tail): the smallest q
// with pwilcox(q) >= x, with R's 10·DBL_EPSILON fuzz.
func (d wilcoxDist) quantile(x float64) int {
	const eps10 = 10 * 2.220446049250313e-16
	p := 0.0
	if x <= 0.5 {
		x -= eps10
		for q := 0; q < d.mn; q++ {
			p += d.count[q] / d.total
			if p >= x {
				return q
			}
		}
		return d.mn
	}
	x = 1 - x + eps10
	for q := 0; q < d.mn; q++ {
		p += d.count[q] / d.total
		if p > x {
			return d.mn - q
		}
	}
	return 0
}
