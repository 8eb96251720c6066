package analysis

import "math"

// CounterIncrease returns one counter series' increase over its points: the
// sum of the positive differences between consecutive values, a drop being a
// counter reset (the increase is then the new value). It is Prometheus'
// increase() without extrapolation to the window's edges, so whole counts stay
// whole; NaN points are skipped, and the first point only sets the start.
func CounterIncrease(values []float64) float64 {
	total, prev, started := 0.0, 0.0, false
	for _, v := range values {
		if math.IsNaN(v) {
			continue
		}
		if started {
			total += CounterDelta(prev, v)
		}
		prev, started = v, true
	}
	return total
}

// AddCounterSteps adds one counter series' increase at each point to steps:
// steps[i] += the increase from the series' previous non-NaN point to
// values[i] (as CounterIncrease counts it). values and steps are aligned on
// the same step grid, NaN where the series has no point; len(steps) must be
// at least len(values). It returns the series' total increase.
func AddCounterSteps(steps, values []float64) float64 {
	total, prev, started := 0.0, 0.0, false
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		if started {
			d := CounterDelta(prev, v)
			steps[i] += d
			total += d
		}
		prev, started = v, true
	}
	return total
}

// CounterDelta is a counter's increase from one point, prev, to the next, v:
// v − prev, or v when the counter dropped (a reset: it restarted from 0).
func CounterDelta(prev, v float64) float64 {
	if v < prev {
		return v // a reset: the counter restarted from 0
	}
	return v - prev
}

// CountSteps is one side of a ratio metric per step: Events[t] of Totals[t]
// (the numerator's and the denominator's increase at step t).
type CountSteps struct {
	Events, Totals []float64
}

// Dispersion measures how far per-step event counts stray from the
// independence the Poisson rate test assumes. With each side's events spread
// over its steps in proportion to the step's total, ChiSquare is Pearson's
// χ² of the per-step counts against those expectations, summed over the
// sides, and Index = ChiSquare/DF: about 1 for independent events, above 1
// when events come in bursts (overdispersion), which makes the exact
// p-value too small by roughly the factor a variance of Index × the
// Poisson's would need.
type Dispersion struct {
	Index     float64 // χ²/df; NaN when no side has events on two steps with traffic
	ChiSquare float64
	DF        int
	Z         float64 // (χ² − df) / sd of χ² under independence (the multinomial's exact variance)
	Bursty    bool    // Index ≥ BurstIndex and Z ≥ BurstZ: warn that the p-value is too optimistic
}

// The burst rule: Dispersion.Bursty when the variance is at least half as
// large again as independence allows (an Index of 1.5 would turn a p-value of
// 0.01 into about 0.03 under a quasi-Poisson correction) and the excess is
// beyond chance (z ≥ 3). Measured by TestDispersionRule's simulation.
const (
	BurstIndex = 1.5
	BurstZ     = 3
)

// CountDispersion returns the Dispersion of the sides' per-step counts.
// Steps without traffic are merged into the next step that has some; a side
// without events adds nothing (there is nothing to be bursty).
func CountDispersion(sides ...CountSteps) Dispersion {
	var chi, variance float64
	df := 0
	for _, s := range sides {
		c, v, k := sideChiSquare(s)
		chi += c
		variance += v
		df += k
	}
	d := Dispersion{Index: math.NaN(), Z: math.NaN(), ChiSquare: chi, DF: df}
	if df == 0 {
		return d
	}
	d.Index = chi / float64(df)
	if variance > 0 {
		d.Z = (chi - float64(df)) / math.Sqrt(variance)
	}
	d.Bursty = d.Index >= BurstIndex && d.Z >= BurstZ
	return d
}

// sideChiSquare returns one side's Pearson χ², its variance under the
// multinomial (x events over k cells with probabilities π): 2(k−1) +
// (Σ1/π − k² − 2k + 2)/x, and its degrees of freedom k−1.
func sideChiSquare(s CountSteps) (chi, variance float64, df int) {
	// Cells end at each step with traffic; events seen where there was none
	// join the next cell (or the last one).
	var ev, tot []float64
	var e, n float64
	for t, st := range s.Totals {
		if t >= len(s.Events) || math.IsNaN(st) || math.IsInf(st, 0) || st < 0 || math.IsNaN(s.Events[t]) {
			continue
		}
		e += s.Events[t]
		n += st
		if n > 0 {
			ev, tot = append(ev, e), append(tot, n)
			e, n = 0, 0
		}
	}
	if len(ev) > 0 {
		ev[len(ev)-1] += e
	}
	var x, sum float64
	for j := range ev {
		x += ev[j]
		sum += tot[j]
	}
	k := len(ev)
	if k < 2 || x <= 0 {
		return 0, 0, 0
	}
	var invPi float64
	for j := range ev {
		mu := x * tot[j] / sum
		chi += (ev[j] - mu) * (ev[j] - mu) / mu
		invPi += sum / tot[j]
	}
	fk := float64(k)
	variance = 2*(fk-1) + (invPi-fk*fk-2*fk+2)/x
	return chi, variance, k - 1
}
