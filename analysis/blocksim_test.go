package analysis

import (
	"fmt"
	"io"
	"math"

	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The block-length rule's simulation: canary and baseline series of the
// same process (A/A) or with the canary shifted, judged as SPEC §4's paired
// test (signed-rank on block means of the per-timestamp differences) and its
// unpaired form (Mann–Whitney on per-side block means), one-sided "greater"
// at α = 0.01.

// noise generates n points of a zero-mean, unit-variance process for each
// side; shared, when set, adds a component both sides share (load drift).
type noise struct {
	name   string
	gen    func(r *rand.Rand, n int) []float64
	shared func(r *rand.Rand, n int) []float64
}

var noises = []noise{
	{"iid", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0) }, nil},
	{"AR(1) 0.2", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0.2) }, nil},
	{"AR(1) 0.5", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0.5) }, nil},
	{"AR(1) 0.8", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0.8) }, nil},
	{"AR(1) 0.9", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0.9) }, nil},
	{"AR(1) 0.95", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0.95) }, nil},
	{"MA(3)", ma3, nil},
	{"iid + shared drift", func(r *rand.Rand, n int) []float64 { return ar1(r, n, 0) }, drift},
}

// drift is a slow load swing both sides share: one period of a sine over the
// window with a random phase and three times the noise's amplitude.
func drift(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	phase := 2 * math.Pi * r.Float64()
	for i := range x {
		x[i] = 3 * math.Sin(phase+2*math.Pi*float64(i)/float64(n))
	}
	return x
}

// ma3 is rate(x[1m]) sampled every 15 s: each point the mean of the last
// four iid increments, so neighbours up to lag 3 share a window.
func ma3(r *rand.Rand, n int) []float64 {
	e := make([]float64, n+3)
	for i := range e {
		e[i] = r.NormFloat64()
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = (e[i] + e[i+1] + e[i+2] + e[i+3]) / 2 // variance 1
	}
	return x
}

// blockRule is a block-length rule under study.
type blockRule func(series ...[]float64) int

// simResult is one scenario's outcome over its runs.
type simResult struct {
	paired, unpaired float64 // share of runs with one-sided p < α
	nodata           float64 // share of runs with too few blocks for p < α (paired)
	meanL, meanB     float64 // mean block length and number of paired blocks
}

// simulate runs reps canary/baseline pairs of n points with noise sd cv
// (relative to a level of 1) and the canary's level raised by shift.
func simulate(r *rand.Rand, reps, n int, nz noise, cv, shift float64, rule blockRule) simResult {
	const alpha = 0.01
	var res simResult
	c, b, d := make([]float64, n), make([]float64, n), make([]float64, n)
	for range reps {
		ec, eb := nz.gen(r, n), nz.gen(r, n)
		if nz.shared != nil {
			for i, v := range nz.shared(r, n) {
				ec[i] += v
				eb[i] += v
			}
		}
		for i := range d {
			c[i] = 1 + shift + cv*ec[i]
			b[i] = 1 + cv*eb[i]
			d[i] = c[i] - b[i]
		}
		l := rule(d)
		bm := BlockMeans(d, l)
		res.meanL += float64(l)
		res.meanB += float64(len(bm))
		if MinSignedRankP(len(bm)) >= alpha {
			res.nodata++
		} else if t, err := SignedRank(bm, 0, Greater); err == nil && t.P < alpha {
			res.paired++
		}
		lu := rule(c, b)
		if u, err := MannWhitneyUTest(BlockMeans(c, lu), BlockMeans(b, lu), Greater); err == nil && u.P < alpha {
			res.unpaired++
		}
	}
	f := float64(reps)
	return simResult{res.paired / f, res.unpaired / f, res.nodata / f, res.meanL / f, res.meanB / f}
}

// simTable prints the rule's error and power table, one row per noise and
// length, to w.
func simTable(w io.Writer, reps int, seed uint64, rule blockRule) map[string]simResult {
	return simTableAt(w, reps, seed, rule, []int{240, 120})
}

// simTableAt is simTable at the given series lengths.
func simTableAt(w io.Writer, reps int, seed uint64, rule blockRule, lengths []int) map[string]simResult {
	r := rand.New(rand.NewPCG(seed, 7))
	out := map[string]simResult{}
	fmt.Fprintf(w, "| series | n | mean L | mean blocks | nodata | false 'high' paired | unpaired | power +10%% paired | unpaired | power +20%% paired | unpaired |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, nz := range noises {
		for _, n := range lengths {
			aa := simulate(r, reps, n, nz, 0.1, 0, rule)
			p10 := simulate(r, reps, n, nz, 0.1, 0.1, rule)
			p20 := simulate(r, reps, n, nz, 0.1, 0.2, rule)
			out[fmt.Sprintf("%s/%d", nz.name, n)] = aa
			fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.1f%% | %.2f%% | %.2f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% |\n",
				nz.name, n, aa.meanL, aa.meanB, 100*aa.nodata, 100*aa.paired, 100*aa.unpaired,
				100*p10.paired, 100*p10.unpaired, 100*p20.paired, 100*p20.unpaired)
		}
	}
	return out
}

// TestBlockedFalsePositive checks, with a fixed seed, that signed-rank tests
// on block means of A/A paired differences keep their false 'high' rate near
// α = 0.01 where the series hold at least eight autocorrelation times (at
// most 3% with 2,000 runs: the rates measured with 20,000 runs are at most
// 1.9%, and the binomial noise of 2,000 is ±0.3%; 4% with 500 runs), stay
// bounded where they do not (AR(1) 0.95, or 0.9 at 120 points: the blocks
// are then shorter than 2τ, see docs/statistics.md), and leave enough blocks
// at one hour of 15 s points.
func TestBlockedFalsePositive(t *testing.T) {
	reps, slack := 2000, 0.005
	if testing.Short() {
		reps, slack = 500, 0.015
	}
	var sb strings.Builder
	res := simTable(&sb, reps, 11, BlockLength)
	t.Log("\n" + sb.String())
	for k, v := range res {
		limit := 0.025
		if strings.HasPrefix(k, "AR(1) 0.95") || k == "AR(1) 0.9/120" {
			limit = 0.10
		}
		if v.paired > limit+slack || v.unpaired > limit+slack {
			t.Errorf("%s: false 'high' %.2f%% paired, %.2f%% unpaired of A/A runs, want <= %.1f%%", k, 100*v.paired, 100*v.unpaired, 100*(limit+slack))
		}
		if strings.HasSuffix(k, "/240") && v.nodata > 0 {
			t.Errorf("%s: %.1f%% of runs too few blocks", k, 100*v.nodata)
		}
	}
}

// BenchmarkBlockedFalsePositive prints the simulated table of
// docs/statistics.md ("Dependence: block length") with 20,000 runs per cell:
// go test -run '^$' -bench BlockedFalsePositive -benchtime 1x ./analysis
func BenchmarkBlockedFalsePositive(b *testing.B) {
	for b.Loop() {
		simTable(os.Stdout, 20000, 2026, BlockLength)
	}
}

// blockRuleWith is BlockLength's rule with its constants as parameters, for
// comparing variants in BenchmarkBlockRules.
func blockRuleWith(times float64, blocks int) blockRule {
	return func(series ...[]float64) int { return blockLengthWith(times, blocks, series...) }
}

// BenchmarkBlockRules prints the table for variants of the rule's constants.
func BenchmarkBlockRules(b *testing.B) {
	for b.Loop() {
		for _, v := range []struct {
			times  float64
			blocks int
		}{{1, 8}, {1.5, 8}, {2, 8}, {2, 7}, {2, 10}, {2, 12}, {3, 8}} {
			fmt.Printf("\ntimes %v, min blocks %d\n", v.times, v.blocks)
			simTableAt(os.Stdout, 4000, 99, blockRuleWith(v.times, v.blocks), []int{240, 120, 60})
		}
	}
}
