package judge

// Temporary stand-ins for the one-sample and blocking statistics that the
// "stats" work adds to package analysis (SignedRank, SignedRankCI,
// MinSignedRankP, BlockLength, BlockMeans, Holm), with the same names in
// lower case and the same fields. This file is deleted, and the calls point
// at analysis, once those land.

import (
	"math"
	"slices"

	"github.com/verdict-ci/verdict/analysis"
)

type signedRankTest struct {
	N      int
	V, P   float64
	Method string
}

type signedRankInterval struct {
	Estimate, Low, High, Achieved float64
	Method                        string
}

// signRankCounts[v] is the number of subsets of 1..n with rank sum v.
func signRankCounts(n int) []float64 {
	top := n * (n + 1) / 2
	c := make([]float64, top+1)
	c[0] = 1
	for k := 1; k <= n; k++ {
		for v := top; v >= k; v-- {
			c[v] += c[v-k]
		}
	}
	return c
}

// psignrankLE is P(V <= q) for n untied ranks.
func psignrankLE(q float64, n int) float64 {
	c := signRankCounts(n)
	var s float64
	for v := 0; v < len(c) && float64(v) <= q; v++ {
		s += c[v]
	}
	return s / math.Pow(2, float64(n))
}

func signedRank(x []float64, mu float64, alt analysis.Alternative) (signedRankTest, error) {
	var d []float64
	for _, v := range x {
		if v-mu != 0 {
			d = append(d, v-mu)
		}
	}
	n := len(d)
	if n == 0 {
		return signedRankTest{P: 1, Method: analysis.MethodAsymptotic}, nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpf(math.Abs(d[a]), math.Abs(d[b])) })
	ranks := make([]float64, n)
	ties := false
	var tieSum float64
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(d[idx[j+1]]) == math.Abs(d[idx[i]]) {
			j++
		}
		if j > i {
			ties = true
			t := float64(j - i + 1)
			tieSum += t*t*t - t
		}
		for k := i; k <= j; k++ {
			ranks[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	var v float64
	for i, r := range ranks {
		if d[i] > 0 {
			v += r
		}
	}
	zeros := n != len(x)
	fn := float64(n)
	if n < 50 && !ties && !zeros {
		var p float64
		switch alt {
		case analysis.Greater:
			p = 1 - psignrankLE(v-1, n)
		case analysis.Less:
			p = psignrankLE(v, n)
		default:
			p = math.Min(1, 2*math.Min(psignrankLE(v, n), 1-psignrankLE(v-1, n)))
		}
		return signedRankTest{N: n, V: v, P: p, Method: analysis.MethodExact}, nil
	}
	z := v - fn*(fn+1)/4
	sigma := math.Sqrt(fn*(fn+1)*(2*fn+1)/24 - tieSum/48)
	var p float64
	switch alt {
	case analysis.Greater:
		p = 0.5 * math.Erfc((z-0.5)/sigma/math.Sqrt2)
	case analysis.Less:
		p = 0.5 * math.Erfc(-(z+0.5)/sigma/math.Sqrt2)
	default:
		c := 0.5
		if z < 0 {
			c = -0.5
		}
		p = math.Min(1, math.Erfc(math.Abs((z-c)/sigma)/math.Sqrt2))
	}
	return signedRankTest{N: n, V: v, P: p, Method: analysis.MethodAsymptotic}, nil
}

func cmpf(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func signedRankCI(x []float64, confidence float64) (signedRankInterval, error) {
	n := len(x)
	if n == 0 {
		return signedRankInterval{}, analysis.ErrEmpty
	}
	var w []float64
	for i := range x {
		for j := i; j < n; j++ {
			w = append(w, (x[i]+x[j])/2)
		}
	}
	slices.Sort(w)
	med := w[len(w)/2]
	if len(w)%2 == 0 {
		med = (w[len(w)/2-1] + w[len(w)/2]) / 2
	}
	alpha := 1 - confidence
	cdf := signRankCounts(n)
	total := math.Pow(2, float64(n))
	for v := 1; v < len(cdf); v++ {
		cdf[v] += cdf[v-1]
	}
	for v := range cdf {
		cdf[v] /= total
	}
	qu := 0
	for qu < len(w) && cdf[qu] <= alpha/2 {
		qu++
	}
	if qu == 0 {
		qu = 1
	}
	ql := n*(n+1)/2 - qu
	achieved := 1 - 2*cdf[qu-1]
	return signedRankInterval{Estimate: med, Low: w[qu-1], High: w[ql], Achieved: achieved, Method: analysis.MethodExact}, nil
}

func minSignedRankP(n int) float64 { return math.Pow(2, -float64(n)) }

// blockLength: 1 without lag-1 autocorrelation, else the length that makes
// an AR(1)'s block means about independent.
func blockLength(series ...[]float64) int {
	L := 1
	for _, x := range series {
		n := len(x)
		if n < 4 {
			continue
		}
		var m float64
		for _, v := range x {
			m += v
		}
		m /= float64(n)
		var num, den float64
		for i, v := range x {
			den += (v - m) * (v - m)
			if i > 0 {
				num += (v - m) * (x[i-1] - m)
			}
		}
		if den == 0 {
			continue
		}
		r := num / den
		if r <= 2/math.Sqrt(float64(n)) {
			continue
		}
		l := int(math.Ceil(2 * (1 + r) / (1 - r)))
		L = max(L, min(l, n/4))
	}
	return max(L, 1)
}

func blockMeans(x []float64, L int) []float64 {
	if L < 1 {
		L = 1
	}
	out := make([]float64, 0, len(x)/L)
	for i := 0; i+L <= len(x); i += L {
		var s float64
		for _, v := range x[i : i+L] {
			s += v
		}
		out = append(out, s/float64(L))
	}
	return out
}

func holm(p []float64) []float64 {
	n := len(p)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpf(p[a], p[b]) })
	out := make([]float64, n)
	run := 0.0
	for k, i := range idx {
		run = math.Max(run, math.Min(1, float64(n-k)*p[i]))
		out[i] = run
	}
	return out
}
