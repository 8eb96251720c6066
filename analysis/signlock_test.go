package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// The signed-rank merges' kernels (crossCount's one shared sum, flipped's
// takenAt, crossTies' four lanes) against the ones they replaced, kept here: every count, tie flag
// and gap to the bit, every bracket list pair for pair, and every interval
// through R's solver with either pair of kernels; the benchmarks race them.

// crossCountLanes is crossCount as it was before the one shared sum: each
// lane keeps its own count of pairs and adds its t at the steps that take a
// b (a select per step). The rest of this comment is that function's.
//
// It merges the runs a = |x - d| over x[:neg] (ascending: xr[len(x)-neg:]
// + d, which is -(x - d) to the bit, IEEE rounding being symmetric) and b =
// x[pos:] - d, each ended by +Inf, and returns #{(a, b): a < b}, whether any
// a equals a b, and the smallest |a - b| between heads the merge compared:
// the closest pair of values from the two runs is adjacent in the merged
// order, so compared (and a tie is a zero gap). Each step takes the smaller
// head (a when a < b, else b) as one sequential merge would, without a
// branch (only lowering the gap branches, rarely); the four lanes start
// where that merge would be after 0, ¼, ½ and ¾ of its steps.
func crossCountLanes(s *rankSample, d float64, neg, pos int) (pairs int, tie bool, gap float64) {
	n := len(s.x)
	a, b := s.xr[n-neg:], s.x[pos:n+1] // a[t] + d and b[u] - d, sentinels last
	na, nb := neg, n-pos
	if na == 0 || nb == 0 {
		return 0, false, math.Inf(1) // one run: no pairs
	}
	t, u, steps := laneStarts(a, b, d, na, nb)
	common := steps[mergeLanes-1] // the last lane is the shortest
	t0, t1, t2, t3 := t[0], t[1], t[2], t[3]
	u0, u1, u2, u3 := u[0], u[1], u[2], u[3]
	var p0, p1, p2, p3 int
	g0, g1, g2, g3 := math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
	for range common {
		x0, y0 := a[t0]+d, b[u0]-d
		x1, y1 := a[t1]+d, b[u1]-d
		x2, y2 := a[t2]+d, b[u2]-d
		x3, y3 := a[t3]+d, b[u3]-d
		c0, c1, c2, c3 := b2i(x0 < y0), b2i(x1 < y1), b2i(x2 < y2), b2i(x3 < y3)
		// The gap, rarely lowered: a branch the processor predicts.
		if v := math.Abs(y0 - x0); v < g0 {
			g0 = v
		}
		if v := math.Abs(y1 - x1); v < g1 {
			g1 = v
		}
		if v := math.Abs(y2 - x2); v < g2 {
			g2 = v
		}
		if v := math.Abs(y3 - x3); v < g3 {
			g3 = v
		}
		p0 += (1 - c0) * t0
		p1 += (1 - c1) * t1
		p2 += (1 - c2) * t2
		p3 += (1 - c3) * t3
		t0, t1, t2, t3 = t0+c0, t1+c1, t2+c2, t3+c3
		u0, u1, u2, u3 = u0+1-c0, u1+1-c1, u2+1-c2, u3+1-c3
	}
	t, u = [mergeLanes]int{t0, t1, t2, t3}, [mergeLanes]int{u0, u1, u2, u3}
	ps := [mergeLanes]int{p0, p1, p2, p3}
	gap = min(g0, g1, g2, g3)
	for k := range mergeLanes { // the lanes' remaining steps, one lane at a time
		tk, uk := t[k], u[k]
		for range steps[k] - common {
			x, y := a[tk]+d, b[uk]-d
			c := b2i(x < y)
			if v := math.Abs(y - x); v < gap {
				gap = v
			}
			ps[k] += (1 - c) * tk
			tk += c
			uk += 1 - c
		}
	}
	for _, p := range ps {
		pairs += p
	}
	return pairs, gap == 0, gap // equal heads are the only zero gap
}

// flippedNotes is flipped as it was before takenAt: the merge at hi notes,
// in four lanes whose state lives in arrays, the steps that take an x_i
// with a pair falling (its own scratch, not br's). The rest of this comment
// is that function's.
//
// It lists in br the pairs counting at lo and not at hi: each x_m with
// lo < x_m < hi with itself, and the pairs i < j with x_i - hi < 0. For each
// such i the j counting at hi are those from the first j with x_j - hi > 0
// and fl(hi - x_i) < fl(x_j - hi), crossCount's merge at hi taking x_i there;
// the ones below it that count at lo (all j > i when x_i - lo > 0, else the
// cross test at lo) fall. Whether any does is whether the one just below
// does, which that merge, branch free, tests at each step, noting the
// steps that take an x_i with a pair falling; the pairs of those are then
// listed. It reports whether they number lo.v - hi.v (at most
// len(x)/maxFlipShare).
func flippedNotes(s *rankSample, br *bracket, lo, hi evalPoint) bool {
	x, xr, n := s.x, s.xr, len(s.x)
	want := lo.v - hi.v
	li, lj := br.selfPairs(lo, hi)
	defer func() { br.i, br.j = li, lj }()
	na, nb := hi.pos, n-hi.pos
	if na > 0 {
		// ar and below as in flipped; four lanes, each noting its steps
		// in its own part of at, au.
		ar, below := xr[n-na:n+1], x[na-1:n+1]
		per := (na + nb + mergeLanes - 1) / mergeLanes
		at, au := make([]int32, mergeLanes*(per+1)), make([]int32, mergeLanes*(per+1))
		t, u, end := laneStarts(ar, below[1:], hi.d, na, nb)
		var nc [mergeLanes]int
		for k := range mergeLanes {
			nc[k] = k * (per + 1)
		}
		step := func(k int) { // one step of lane k
			a, b, p := ar[t[k]], below[u[k]+1], below[u[k]]
			c := b2i(a+hi.d < b-hi.d)
			f := b2i(a+lo.d < p-lo.d) & b2i(t[k]|u[k] != 0) // (t = u = 0: x_i itself)
			at[nc[k]], au[nc[k]] = int32(t[k]), int32(u[k])
			nc[k] += c & f
			t[k] += c
			u[k] += 1 - c
		}
		common := end[mergeLanes-1] // the last lane is the shortest
		for range common {
			step(0)
			step(1)
			step(2)
			step(3)
		}
		for k := range mergeLanes {
			for range end[k] - common {
				step(k)
			}
		}
		for k := range mergeLanes {
			for m := k * (per + 1); m < nc[k]; m++ {
				i := na - 1 - int(at[m])
				for j := na + int(au[m]) - 1; j > i && s.counts(i, j, lo); j-- {
					if len(li) >= want {
						return false
					}
					li, lj = append(li, int32(i)), append(lj, int32(j))
				}
			}
		}
	}
	br.lo, br.hi = lo, hi
	return len(li) == want
}

// crossTiesSeq is crossTies as it was before its four lanes: one
// sequential merge. The rest of this comment is that function's.
//
// It finds the groups of |x - d| that hold values of both signs, by
// a sequential branch-free merge as crossCount's (a step with equal heads
// takes b, so a group of w_b equal b steps past its w_a equal a, the first
// of them at a[t]): it returns Σ w_a·w_b and Σ (w_a+w_b)³-(w_a+w_b) -
// (w_a³-w_a) - (w_b³-w_b), what joining each group's two halves adds to
// the ties. Each half is one group of equal x (collide found no others).
func crossTiesSeq(s *rankSample, d float64, neg, pos int) (eq int, join float64, ok bool) {
	n := len(s.x)
	a, b := s.xr[n-neg:], s.x[pos:n+1]
	var at [maxCrossTies + 1]int32 // t of each equal step, the last slot for overflow
	cnt, t, u := 0, 0, 0
	for range neg + n - pos {
		x, y := a[t]+d, b[u]-d
		c := b2i(x < y)
		at[min(cnt, maxCrossTies)] = int32(t)
		cnt += b2i(x == y)
		t += c
		u += 1 - c
	}
	if cnt > maxCrossTies {
		return 0, 0, false
	}
	eq, join = tieGroups(a[:neg], at[:cnt])
	return eq, join, true
}

// kernelSample is bracketSample's kinds (normal, integers, quarters,
// collapsing 1e16s, recorded differences, values one ulp apart, few
// distinct values, zeros), tiny to a few thousand values, at magnitudes
// from subnormal to near the largest float64.
func kernelSample(r *rand.Rand, trial int) []float64 {
	n := 1 + r.IntN(300)
	if trial%9 == 0 {
		n = 1000 + r.IntN(3000)
	}
	x := bracketSample(r, n, trial%10)
	// the largest |x| moved near 1e300, 1e-300 or a subnormal
	if m := max(-x[0], x[n-1]); m > 0 && trial/10%5 > 1 {
		scale := []float64{1e300, 1e-300, 0x1p-1060}[trial/10%5-2] / m
		for i := range x {
			x[i] *= scale
		}
	}
	slices.Sort(x)
	return x
}

// kernelShifts are shifts' and bracketShifts' d for x, scaled.
func kernelShifts(r *rand.Rand, x []float64) []float64 {
	ds := shifts(r, x)
	if x[0] < x[len(x)-1] {
		ds = append(ds, bracketShifts(r, x)...)
	}
	return ds
}

// checkKernels compares crossCount with crossCountLanes and crossTies with
// crossTiesSeq at every d, and
// flipped with flippedNotes between every two of the shifts that are
// evaluation points (no zero, tie or collision): the same answer to the
// bit, the same list pair for pair (also when both give up). It returns
// how many lists were complete, and at how many d crossTies found equal
// heads or gave up.
func checkKernels(t *testing.T, x, ds []float64) (listed, tied, overflowed int) {
	t.Helper()
	s := newRankSample(x, nil)
	var pts []evalPoint
	for _, d := range ds {
		neg, pos := s.split(d)
		p, tie, gap := s.crossCount(d, neg, pos)
		wp, wtie, wgap := crossCountLanes(s, d, neg, pos)
		if p != wp || tie != wtie || math.Float64bits(gap) != math.Float64bits(wgap) {
			t.Fatalf("x %v d %v: crossCount %d %v %v, crossCountLanes %d %v %v", x, d, p, tie, gap, wp, wtie, wgap)
		}
		eq, join, ok := s.crossTies(d, neg, pos)
		if weq, wjoin, wok := crossTiesSeq(s, d, neg, pos); eq != weq || join != wjoin || ok != wok {
			t.Fatalf("x %v d %v: crossTies %d %v %v, crossTiesSeq %d %v %v", x, d, eq, join, ok, weq, wjoin, wok)
		}
		tied, overflowed = tied+b2i(eq > 0), overflowed+b2i(!ok)
		if neg == pos && !tie && !s.collide(d) {
			np := len(x) - pos
			pts = append(pts, evalPoint{d: d, pos: pos, v: np*(np+1)/2 + p, gap: gap})
		}
	}
	slices.SortFunc(pts, func(a, b evalPoint) int { return compareFloat(a.d, b.d) })
	pts = slices.CompactFunc(pts, func(a, b evalPoint) bool { return a.d == b.d })
	for a := range pts {
		for b := a + 1; b < len(pts) && b < a+6; b++ {
			lo, hi := pts[a], pts[b]
			if lo.v-hi.v > 2*len(x) { // (fromBracket lists at most len(x)/maxFlipShare)
				break
			}
			var got, want bracket
			ok, wok := s.flipped(&got, lo, hi), flippedNotes(s, &want, lo, hi)
			if ok != wok || !slices.Equal(got.i, want.i) || !slices.Equal(got.j, want.j) {
				t.Fatalf("x %v lo %+v hi %+v: flipped %v %v %v, flippedNotes %v %v %v", x, lo, hi, ok, got.i, got.j, wok, want.i, want.j)
			}
			if ok && len(x) <= 400 { // (the walk is quadratic)
				checkTakenAt(t, s, hi)
			}
			listed += b2i(ok)
		}
	}
	return listed, tied, overflowed
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkTakenAt compares takenAt at p with the smallest u found by walking.
func checkTakenAt(t *testing.T, s *rankSample, p evalPoint) {
	t.Helper()
	n, na := len(s.x), p.pos
	if na == 0 {
		return
	}
	a, b := s.xr[n-na:], s.x[na:n+1]
	at := make([]int32, na+1)
	takenAt(a, b, p.d, na, n-na, at)
	for i := range na {
		u := 0
		for !(a[i]+p.d < b[u]-p.d) {
			u++
		}
		if int(at[i]) != u {
			t.Fatalf("x %v d %v: takenAt[%d] %d, want %d", s.x, p.d, i, at[i], u)
		}
	}
}

// TestSignedRankKernelsAgree runs both pairs of kernels on every kind of
// sample at the shifts that make zeros, ties and collisions and inside
// small brackets.
func TestSignedRankKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	trials := 500
	if testing.Short() {
		trials = 150
	}
	listed, tied, overflowed := 0, 0, 0
	for trial := range trials {
		x := kernelSample(r, trial)
		l, ti, o := checkKernels(t, x, kernelShifts(r, x))
		listed, tied, overflowed = listed+l, tied+ti, overflowed+o
	}
	t.Logf("%d complete lists compared; equal heads at %d shifts, too many at %d", listed, tied, overflowed)
	if listed < trials || tied < trials || overflowed == 0 {
		t.Fatalf("%d complete lists, equal heads at %d shifts and too many at %d in %d samples", listed, tied, overflowed, trials)
	}
}

// tracedCI is asymptoticSignedRankCI over x (ascending, nonzero) through a
// cache set up by setup, with the d and answer of every evaluation.
func tracedCI(x []float64, conf float64, setup func(*rankCache)) (SignedRankInterval, []float64, []signedRanks) {
	c := &rankCache{s: newRankSample(x, nil)}
	setup(c)
	defer c.release()
	var ds []float64
	var rs []signedRanks
	ci := asymptoticSignedRankCI(x, conf, func(d float64) signedRanks {
		r := c.at(d)
		ds, rs = append(ds, d), append(rs, r)
		return r
	})
	return ci, ds, rs
}

// checkCIKernels requires the interval with the new kernels, with the
// previous ones and with the full merge at every step to be the same, each
// evaluation the same d and the same statistics.
func checkCIKernels(t *testing.T, x []float64, conf float64) {
	t.Helper()
	x = slices.DeleteFunc(slices.Clone(x), func(v float64) bool { return v == 0 })
	if len(x) == 0 || math.IsInf(x[len(x)-1]-x[0], 0) || math.IsInf(2*x[0], 0) || math.IsInf(2*x[len(x)-1], 0) {
		return
	}
	ci, ds, rs := tracedCI(x, conf, func(*rankCache) {})
	old, ods, ors := tracedCI(x, conf, func(c *rankCache) { c.cross, c.flip = crossCountLanes, flippedNotes })
	plain, _, _ := tracedCI(x, conf, func(c *rankCache) { c.plain = true })
	if !sameInterval(ci, old) || !sameInterval(ci, plain) || !slices.Equal(ds, ods) || !slices.Equal(rs, ors) {
		t.Fatalf("n %d conf %v x %v:\nnew   %+v\nold   %+v\nplain %+v\n%d and %d evaluations", len(x), conf, x, ci, old, plain, len(ds), len(ods))
	}
}

// TestSignedRankCIKernels compares whole intervals on every kind of sample,
// and on a day of recorded differences and of continuous ones.
func TestSignedRankCIKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	trials := 200
	if testing.Short() {
		trials = 60
	}
	for trial := range trials {
		checkCIKernels(t, kernelSample(r, trial), []float64{0.5, 0.9, 0.98, 0.999}[trial%4])
	}
	checkCIKernels(t, sortedCopy(recordedDiffs(5760, 5)), 0.98)
	checkCIKernels(t, sortedCopy(lognormalDiffs(5760)), 0.98)
}

func sortedCopy(x []float64) []float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	return x
}

// lognormalDiffs are BenchmarkSignedRankCI's n paired differences of two
// lognormal latencies.
func lognormalDiffs(n int) []float64 {
	x := lognormal(n, math.Log(210), 0.3, 1)
	y := lognormal(n, math.Log(200), 0.3, 2)
	for i := range x {
		x[i] -= y[i]
	}
	return x
}

// FuzzSignedRankKernels checks both pairs of kernels and the intervals
// through them on arbitrary samples (values in quarters, nudged one ulp,
// scaled).
func FuzzSignedRankKernels(f *testing.F) {
	addQuarterSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, scaleByte uint8, seed uint64) {
		if len(data) > 800 {
			data = data[:800]
		}
		x := fuzzQuarters(data, fuzzScale(scaleByte))
		if len(x) == 0 {
			return
		}
		slices.Sort(x)
		_, _, _ = checkKernels(t, x, kernelShifts(rand.New(rand.NewPCG(seed, 6)), x))
		checkCIKernels(t, x, 0.9)
	})
}

// addQuarterSeeds adds the seeds of the fuzzers over fuzzQuarters samples,
// a scale byte and a seed: distinct values, ties and collisions, and both.
func addQuarterSeeds(f *testing.F) {
	f.Add([]byte{120, 0, 124, 1, 128, 2, 110, 0, 111, 1, 112, 0}, uint8(0), uint64(1))
	f.Add([]byte{120, 0, 120, 0, 120, 1, 119, 2, 121, 3, 118, 0}, uint8(2), uint64(2))
	f.Add([]byte{200, 1, 10, 2, 130, 0, 131, 1, 90, 0, 90, 0, 91, 2}, uint8(3), uint64(3))
}

// BenchmarkSignedRankKernels is the asymptotic interval (three root
// searches through the cache and the bracket's lists, the sample sorted
// beforehand) with the new kernels (new) and the previous ones (old), on
// lognormal differences of 2,000, 5,760 and 10,000 pairs and on a day of
// recorded ones (crossTies as it is in both); the list of the first
// bracket an interval lists (flipped against flippedNotes); one merge
// (crossCount against crossCountLanes) at the shifts a search visits; and
// crossTies against crossTiesSeq at a Walsh average of the recorded
// differences.
func BenchmarkSignedRankKernels(b *testing.B) {
	type sample struct {
		name string
		x    []float64
	}
	samples := []sample{{"recorded5760", sortedCopy(recordedDiffs(5760, 1))}}
	for _, n := range []int{2000, 5760, 10_000} {
		samples = append(samples, sample{"lognormal" + strconv.Itoa(n), sortedCopy(lognormalDiffs(n))})
	}
	for _, sm := range samples {
		x := sm.x
		s := newRankSample(x, nil)
		for _, old := range []bool{false, true} {
			name := sm.name + "/CI/new"
			if old {
				name = sm.name + "/CI/old"
			}
			b.Run(name, func(b *testing.B) {
				loopCPU(b, func() {
					c := &rankCache{s: s}
					if old {
						c.cross, c.flip = crossCountLanes, flippedNotes
					}
					asymptoticSignedRankCI(x, 0.98, c.at)
					c.release()
				})
			})
		}
		lo, hi := x[len(x)*2/5], x[len(x)*3/5]
		if d := (lo + hi) / 2; sm.name == "recorded5760" {
			neg, pos := s.split(d)
			if _, tie, _ := s.crossCount(d, neg, pos); !tie {
				b.Fatalf("no equal heads at %v", d)
			}
			b.Run(sm.name+"/ties/new", func(b *testing.B) { loopCPU(b, func() { s.crossTies(d, neg, pos) }) })
			b.Run(sm.name+"/ties/old", func(b *testing.B) { loopCPU(b, func() { crossTiesSeq(s, d, neg, pos) }) })
		}
		// the first bracket the interval lists
		var blo, bhi evalPoint
		c := &rankCache{s: s}
		c.flip = func(s *rankSample, br *bracket, lo, hi evalPoint) bool {
			if blo.d == bhi.d {
				blo, bhi = lo, hi
			}
			return s.flipped(br, lo, hi)
		}
		asymptoticSignedRankCI(x, 0.98, c.at)
		c.release()
		b.Run(sm.name+"/list/new", func(b *testing.B) {
			var br bracket
			loopCPU(b, func() { s.flipped(&br, blo, bhi) })
		})
		b.Run(sm.name+"/list/old", func(b *testing.B) {
			var br bracket
			loopCPU(b, func() { flippedNotes(s, &br, blo, bhi) })
		})
		for _, old := range []bool{false, true} {
			name := sm.name + "/merge/new"
			if old {
				name = sm.name + "/merge/old"
			}
			b.Run(name, func(b *testing.B) {
				i := 0
				loopCPU(b, func() {
					i++
					d := lo + (hi-lo)*float64(i%1021)/1021
					neg, pos := s.split(d)
					if old {
						crossCountLanes(s, d, neg, pos)
					} else {
						s.crossCount(d, neg, pos)
					}
				})
			})
		}
	}
}

// TestSignedRankOverflowingShift checks the statistics of x - d where some
// x - d overflows to ±Inf (|x| near 1e308, d far out) against R's
// computation: the infinities tie in rank(abs(x - d)), and no merge reads
// past its +Inf end (a shift like this once counted a pair with it, or
// indexed past it).
func TestSignedRankOverflowingShift(t *testing.T) {
	samples := [][]float64{
		{-1e308, -1e308, 1e308},
		{-1e308, -1e308, -1e308, 1e308, 1e308},
		{-1.7e308, -1.7e308, 1.7e308},
		{-1.7e308, -1e308, 3, 1e308, 1.7e308},
		{-1e308, -5e307, 0, 2, 5e307, 1e308, 1e308},
	}
	for _, x := range samples {
		s := newRankSample(x, nil)
		for _, d := range []float64{0.95e308, -0.95e308, 1e308, -1e308, 1.7e308, -1.7e308, 1.5e308, 2} {
			got, _, _ := s.at(d)
			if want := plainSignedRanks(x, d); got != want {
				t.Errorf("x %v d %v: %+v, want %+v", x, d, got, want)
			}
			c := &rankCache{s: s}
			if got := c.at(d); got != plainSignedRanks(x, d) {
				t.Errorf("x %v d %v: the cache's %+v, want %+v", x, d, got, plainSignedRanks(x, d))
			}
		}
	}
}
