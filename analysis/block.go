package analysis

import "math"

// Block-length rule (docs/statistics.md, "Dependence: block length").
const (
	// blockTimes is how many integrated autocorrelation times a block spans.
	blockTimes = 2
	// pooledTimes is PairedBlockLength's factor when the sides' own
	// autocorrelation joins the estimate (measured in
	// BenchmarkBlockRulePooledSides and make bench-validity).
	pooledTimes = 1.5
	// minBlocks is the fewest blocks the rule leaves when the data allow:
	// the signed-rank test reaches p = 2^-8 ≈ 0.004 with eight.
	minBlocks = 8
)

// BlockLength is the length L ≥ 1 of the blocks that time-ordered series are
// averaged in so that block means are close to independent: one series for a
// paired difference series, two (canary and baseline) for an unpaired test,
// one L for all. It estimates the lag-1 autocorrelation ρ pooled over the
// series (each centred on its own mean; Kendall's bias correction
// ρ + (1+4ρ)/n), takes the AR(1) integrated autocorrelation time
// τ = (1+ρ)/(1-ρ), and returns L = ceil(2τ) — 1 when ρ shows no positive
// autocorrelation (below 1.645/sqrt(n), a one-sided 5% test) — capped so
// that the shortest series (by length, as BlockMeans counts points) still
// holds minBlocks blocks. Non-finite values are skipped (a pair of
// neighbours that includes one adds nothing); a series with fewer than two
// finite values adds nothing. Sources: M. G. Kendall (1954), "Note on bias in
// the estimation of autocorrelation", Biometrika 41; the AR(1) long-run
// variance σ²(1+ρ)/(1-ρ); the factor 2 and the cap are measured in
// BenchmarkBlockedFalsePositive.
func BlockLength(series ...[]float64) int {
	return blockLengthWith(blockTimes, minBlocks, series...)
}

// PairedBlockLength is the block length of a paired test's differences d
// (canary minus baseline per timestamp) whose sides' per-timestamp series
// are baseline and canary (from sides). It is BlockLength(d), unless that finds
// autocorrelation (L > 1) and the sides agree with it: then ρ is estimated
// over d and both sides together and the block spans pooledTimes (1.5) τ.
// The sides agree when their pooled lag-1 estimate (Kendall-corrected, as
// BlockLength's) is within two standard errors, 2·sqrt(2(1-ρ_d²)/n), of
// d's: a drift or a noise both sides share moves the sides' estimate away
// from d's (pairing cancels it in d), and then d alone decides at
// BlockLength's factor. One series of 241 differences gives a noisy ρ̃;
// three give a steadier one, so the blocks can be shorter for the same
// false-alarm rate (docs/statistics.md, "Dependence: block length").
//
// sides returns the baseline's and the canary's series; it is called only
// when d shows autocorrelation, so data without any never builds them.
func PairedBlockLength(d []float64, sides func() (baseline, canary []float64)) int {
	return pairedBlockLengthWith(pooledTimes, d, sides)
}

// pairedBlockLengthWith is PairedBlockLength's rule with pooled blocks of
// times·τ.
func pairedBlockLengthWith(times float64, d []float64, sides func() (baseline, canary []float64)) int {
	l := BlockLength(d)
	if l == 1 {
		return 1
	}
	baseline, canary := sides()
	rd, n := lag1(d)
	rs, _ := lag1(baseline, canary)
	if n == 0 || math.IsNaN(rs) || math.Abs(rs-rd) > 2*math.Sqrt(2*(1-min(rd*rd, 0.99))/n) {
		return l
	}
	return blockLengthWith(times, minBlocks, d, baseline, canary)
}

// lag1 is blockLengthWith's pooled, Kendall-corrected lag-1 estimate of
// the series and their mean number of finite values (NaN and 0 when none
// has two).
func lag1(series ...[]float64) (rho, perSeries float64) {
	num, den, n, used, _ := lagSums(series)
	if used == 0 || den == 0 {
		return math.NaN(), 0
	}
	perSeries = float64(n) / float64(used)
	rho = num / den
	return rho + (1+4*rho)/perSeries, perSeries
}

// lagSums is Σ of neighbours' products and of squares of the series, each
// centred on its own finite mean (non-finite values skipped, breaking the
// neighbour chain), with the finite values counted over the series that
// have at least two, how many those are and the length of the shortest
// (math.MaxInt when none).
func lagSums(series [][]float64) (num, den float64, n, used, shortest int) {
	shortest = math.MaxInt
	for _, x := range series {
		mean, count := finiteMean(x)
		if count < 2 {
			continue
		}
		n += count
		used++
		shortest = min(shortest, len(x))
		prev := math.NaN()
		for _, v := range x {
			if !isFinite(v) {
				prev = math.NaN()
				continue
			}
			d := v - mean
			den += d * d
			if !math.IsNaN(prev) {
				num += prev * d
			}
			prev = d
		}
	}
	return num, den, n, used, shortest
}

// blockLengthWith is BlockLength's rule with blocks of times·τ and at least
// blocks blocks.
func blockLengthWith(times float64, blocks int, series ...[]float64) int {
	num, den, n, used, shortest := lagSums(series)
	if n == 0 || den == 0 || shortest == math.MaxInt {
		return 1
	}
	perSeries := float64(n) / float64(used)
	rho := num / den
	rho += (1 + 4*rho) / perSeries // Kendall (1954): E ρ̂ ≈ ρ - (1+4ρ)/n
	if rho <= 1.645/math.Sqrt(perSeries) {
		return 1
	}
	maxL := max(1, shortest/blocks)
	if rho >= 1 {
		return maxL
	}
	tau := (1 + rho) / (1 - rho)
	l := math.Ceil(times * tau)
	if l >= float64(maxL) {
		return maxL
	}
	return int(l)
}

// BlockMeans is the means of consecutive blocks of L values of x, from the
// earliest; a last, shorter block is dropped. L < 1 is taken as 1. Each mean
// is R's mean() of its block (a second pass adds the mean residual), so a
// block holding NaN or ±Inf has a non-finite mean.
func BlockMeans(x []float64, L int) []float64 {
	L = max(L, 1)
	out := make([]float64, 0, len(x)/L)
	if L == 1 {
		// meanOf of one value v is 0 + v: v itself, but -0 becomes +0 as
		// R's sum makes it (and ±Inf and NaN stay).
		for _, v := range x {
			out = append(out, 0+v)
		}
		return out
	}
	for start := 0; start+L <= len(x); start += L {
		out = append(out, meanOf(x[start:start+L]))
	}
	return out
}

// finiteMean is the mean of the finite values of x and how many there are.
func finiteMean(x []float64) (float64, int) {
	s, c := 0.0, 0
	for _, v := range x {
		if isFinite(v) {
			s += v
			c++
		}
	}
	if c == 0 {
		return 0, 0
	}
	return s / float64(c), c
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
