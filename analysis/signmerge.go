package analysis

import (
	"math"
	"sort"
	"sync"
)

// The signed-rank statistics of x - d at many shifts d, the inner loop of
// SignedRankCI's root searches: one sample sorted once, then per d a count
// of cross pairs by a merge in four interleaved lanes (one merge is a chain
// of dependent loads and compares, four independent ones keep the processor
// busy), read straight from the sample, and a cache of the answers R's
// solver asks for again. fastpath_signrank_test.go checks all of it against
// R's plain computation and benchmarks the two side by side.

// rankSample is an ascending finite sample prepared for its signed-rank
// statistics at many shifts d.
type rankSample struct {
	x  []float64 // ascending, followed by +Inf in x[:len(x)+1]
	xr []float64 // -x in reverse (ascending), followed by +Inf
	// dupTieSum is Σ (w³-w) over the groups of w equal values: ties at
	// every d.
	dupTieSum float64
	scale     float64 // max |x|
	// Unequal neighbours further apart than riskGap (32 ulps of scale)
	// never give equal x - d for |d| below 31·scale (rounding moves each
	// by at most half an ulp of scale + |d|); risky lists the k with
	// 0 < x[k+1] - x[k] <= riskGap, which may.
	riskGap float64
	risky   []int
}

// signPool holds the blocks of released SignedRankSamples (apart from
// Pair's buffers, which are larger: a pool of mixed sizes drops the ones
// too small for the next caller).
var signPool sync.Pool // *[]float64

// getSignBlock returns a buffer of capacity at least n.
func getSignBlock(n int) *[]float64 {
	if b, ok := signPool.Get().(*[]float64); ok && cap(*b) >= n {
		return b
	}
	b := make([]float64, n)
	return &b
}

// mergeLanes is how many parts of the merge run side by side.
const mergeLanes = 4

const eps = 0x1p-52 // DBL_EPSILON

// newRankSample prepares the ascending finite values x; block, when it has
// room for 2·len(x)+2 values, holds the sample's copies.
func newRankSample(x []float64, block []float64) *rankSample {
	n := len(x)
	if cap(block) < 2*n+2 {
		block = make([]float64, 2*n+2)
	}
	block = block[:2*n+2]
	s := &rankSample{x: block[: n : n+1], xr: block[n+1 : 2*n+2]}
	if n > 0 && &x[0] != &block[0] { // (NewSignedRankSample sorts in place)
		copy(s.x, x)
	}
	block[n] = math.Inf(1)
	for k, v := range x {
		s.xr[n-1-k] = -v
	}
	s.xr[n] = math.Inf(1)
	if n > 0 {
		s.scale = max(math.Abs(x[0]), math.Abs(x[n-1]))
	}
	s.riskGap = max(32*eps*s.scale, 0x1p-1060)
	w := 1 // the current group of equal values
	for k := 1; k <= n; k++ {
		if k < n && x[k] == x[k-1] {
			w++
			continue
		}
		if w > 1 {
			s.dupTieSum += cube(int64(w))
		}
		if k < n && x[k]-x[k-1] <= s.riskGap {
			s.risky = append(s.risky, k-1)
		}
		w = 1
	}
	return s
}

// at computes the signed-rank statistics of x - d (each difference formed
// in float64, as R's x - mu) in O(len(x)): x - d is non-decreasing in x, so
// the negative differences reversed and the positive ones are two ascending
// runs of |x - d|, merged as R's rank(abs(x - d)) orders them. When no |x -
// d| of a negative difference equals that of a positive one, none is zero
// and no two unequal x give equal x - d, it also returns the distances from
// d down and up to the nearest Walsh averages (x[i] + x[j])/2 of values on
// either side of d in exact arithmetic (0 otherwise): moving d by less than
// that changes no sign and no order among the |x - d| (see rankCache for
// the rounding margin).
func (s *rankSample) at(d float64) (r signedRanks, down, up float64) {
	neg, pos := s.split(d)
	if s.collide(d) {
		return tiedRanks(s.x, d, neg, pos, signedRanks{n: neg + len(s.x) - pos, zeros: pos > neg}), 0, 0
	}
	pairs, tie, gap := s.crossCount(d, neg, pos)
	return s.finish(d, neg, pos, pairs, tie, gap)
}

// split is where the signs of x - d change: x[:neg] - d < 0 <= x[neg:] - d
// and x[:pos] - d <= 0 < x[pos:] - d.
func (s *rankSample) split(d float64) (neg, pos int) {
	x := s.x
	neg = sort.Search(len(x), func(i int) bool { return x[i]-d >= 0 })
	pos = sort.Search(len(x), func(i int) bool { return x[i]-d > 0 })
	return neg, pos
}

// finish is at's answer from crossCount's (or an equal) count of pairs,
// tie flag and gap at d, collide(d) being false. A gap below crossCount's
// (never above) only shrinks down and up.
func (s *rankSample) finish(d float64, neg, pos, pairs int, tie bool, gap float64) (r signedRanks, down, up float64) {
	x := s.x
	r = signedRanks{n: neg + len(x) - pos, zeros: pos > neg}
	// Within a sign only equal x tie: the positive differences' midranks
	// among themselves sum to P(P+1)/2 and each also counts the negative
	// ones smaller in absolute value, and half of those equal to it, so
	// V = P(P+1)/2 + #{(negative a, positive b): |a| < b} + #{|a| = b}/2
	// (the merge counts the first term with ties too: it takes b before an
	// equal a); the tie groups are the groups of equal x, less the zeros,
	// each joined with the equal group across (crossTies).
	np := float64(len(x) - pos)
	r.v = np*(np+1)/2 + float64(pairs)
	r.tieSum = s.dupTieSum
	if zero := pos - neg; zero > 1 {
		r.tieSum -= cube(int64(zero))
	}
	if tie {
		eq, join, ok := s.crossTies(d, neg, pos)
		if !ok {
			return tiedRanks(x, d, neg, pos, signedRanks{n: r.n, zeros: r.zeros}), 0, 0
		}
		r.v += float64(eq) / 2
		r.tieSum += join
		r.ties = r.tieSum > 0
		return r, 0, 0
	}
	r.ties = r.tieSum > 0
	if r.zeros {
		return r, 0, 0
	}
	// Half the smallest gap between the runs (a cross pair's Walsh average
	// is that far from d), at most the smallest negative (down) or positive
	// (up) difference, where a sign changes.
	down, up = gap/2, gap/2
	if neg > 0 {
		down = min(down, d-x[neg-1])
	}
	if pos < len(x) {
		up = min(up, x[pos]-d)
	}
	return r, down, up
}

// collide reports whether two unequal values of x give equal x - d (R's
// rank then ties them; values on either side of d never do), or whether an
// x - d overflows to ±Inf (with |x| near 1e308 and d far out: R ranks the
// infinities as ties, and the merges' +Inf ends would count as values).
func (s *rankSample) collide(d float64) bool {
	x := s.x
	if len(x) > 0 && (math.IsInf(x[0]-d, 0) || math.IsInf(x[len(x)-1]-d, 0)) {
		return true
	}
	same := func(k int) bool { return x[k] != x[k+1] && x[k]-d == x[k+1]-d }
	if eps*(s.scale+math.Abs(d)) >= s.riskGap { // far out: any neighbours may
		for k := 0; k+1 < len(x); k++ {
			if same(k) {
				return true
			}
		}
		return false
	}
	for _, k := range s.risky {
		if same(k) {
			return true
		}
	}
	return false
}

// tiedRanks completes r (n and zeros set) with the midrank merge of the two
// runs of |x - d|: negatives x[:neg] walking down, positives x[pos:] up.
func tiedRanks(x []float64, d float64, neg, pos int, r signedRanks) signedRanks {
	i, j := neg-1, pos // next negative (walking down) and next positive
	rank := 0          // ranks assigned so far
	for i >= 0 || j < len(x) {
		var v float64
		switch {
		case j >= len(x):
			v = -(x[i] - d)
		case i < 0:
			v = x[j] - d
		default:
			v = min(-(x[i] - d), x[j]-d)
		}
		cn, cp := 0, 0
		for i >= 0 && -(x[i]-d) == v {
			i--
			cn++
		}
		for j < len(x) && x[j]-d == v {
			j++
			cp++
		}
		t := cn + cp
		mid := float64(rank) + float64(t+1)/2 // the midrank of ranks rank+1 .. rank+t
		r.v += float64(cp) * mid
		rank += t
		if t > 1 {
			r.ties = true
			r.tieSum += cube(int64(t))
		}
	}
	return r
}

// crossCount merges the runs a = |x - d| over x[:neg] (ascending: xr[len(x)-neg:]
// + d, which is -(x - d) to the bit, IEEE rounding being symmetric) and b =
// x[pos:] - d, each ended by +Inf, and returns #{(a, b): a < b}, whether any
// a equals a b, and the smallest |a - b| between heads the merge compared:
// the closest pair of values from the two runs is adjacent in the merged
// order, so compared (and a tie is a zero gap). Each step takes the smaller
// head (a when a < b, else b) as one sequential merge would, without a
// branch: both the step and the gap come from the bits of fl(b - a)
// (mergeStep); the four lanes start where that merge would be after 0, ¼, ½
// and ¾ of its steps. The pairs are the sum over the steps that take a b of
// the a taken before it: each lane adds its t at every step into one sum
// and takes off t_start + … + t_end-1, the t of the steps that took an a.
// (crossCountLanes in the tests is the kernel this replaces: a < b
// compared, the gap lowered by a branch, a sum per lane by a select.) The
// caller makes sure no x - d overflows (collide): the +Inf ends would then
// meet a real +Inf.
func (s *rankSample) crossCount(d float64, neg, pos int) (pairs int, tie bool, gap float64) {
	n := len(s.x)
	a, b := s.xr[n-neg:], s.x[pos:n+1] // a[t] + d and b[u] - d, sentinels last
	na, nb := neg, n-pos
	if na == 0 || nb == 0 {
		return 0, false, math.Inf(1) // one run: no pairs
	}
	t, u, steps := laneStarts(a, b, d, na, nb)
	start := t
	common := steps[mergeLanes-1] // the last lane is the shortest
	t0, t1, t2, t3 := t[0], t[1], t[2], t[3]
	u0, u1, u2, u3 := u[0], u[1], u[2], u[3]
	sum := 0                           // Σ t over every step of every lane
	g := math.Float64bits(math.Inf(1)) // the gap's bits
	for range common {
		sum += t0 + t1 + t2 + t3
		t0, u0, g = mergeStep(a, b, d, t0, u0, g)
		t1, u1, g = mergeStep(a, b, d, t1, u1, g)
		t2, u2, g = mergeStep(a, b, d, t2, u2, g)
		t3, u3, g = mergeStep(a, b, d, t3, u3, g)
	}
	t, u = [mergeLanes]int{t0, t1, t2, t3}, [mergeLanes]int{u0, u1, u2, u3}
	for k := range mergeLanes { // the lanes' remaining steps, one lane at a time
		tk, uk := t[k], u[k]
		for range steps[k] - common {
			sum += tk
			tk, uk, g = mergeStep(a, b, d, tk, uk, g)
		}
		sum -= (tk*(tk-1) - start[k]*(start[k]-1)) / 2 // the steps that took an a
	}
	gap = math.Float64frombits(g)
	return sum, gap == 0, gap // equal heads are the only zero gap
}

const signBit = 1 << 63

// mergeStep is one step of crossCount's merge from heads a[t] and b[u], the
// gap's bits g lowered to their difference's.
func mergeStep(a, b []float64, d float64, t, u int, g uint64) (int, int, uint64) {
	v := math.Float64bits((b[u] - d) - (a[t] + d))
	s := takesB(v)
	return t + 1 - s, u + s, min(g, v&^signBit)
}

// takesB is 1 when the merge step whose heads differ by the float64 with
// bits v = fl(b - a) takes b (a >= b: v negative or zero), else 0 (a < b):
// for a, b > 0, not both +Inf, fl(b - a) is zero only when a = b and has the
// sign of b - a, so this is crossCount's a < b test. The bits of a
// non-negative float64 order as the values do, so the gap's minimum is
// taken on them.
func takesB(v uint64) int { return int((v - 1) >> 63) }

// maxCrossTies is how many equal pairs of heads crossTies records; more
// (a shift on a grid of many Walsh averages at once) take tiedRanks.
const maxCrossTies = 64

// crossTies finds the groups of |x - d| that hold values of both signs, by
// a branch-free merge as crossCount's, in four lanes (a step with equal
// heads takes b, so a group of w_b equal b steps past its w_a equal a, the
// first of them at a[t]): it returns Σ w_a·w_b and Σ (w_a+w_b)³-(w_a+w_b) -
// (w_a³-w_a) - (w_b³-w_b), what joining each group's two halves adds to
// the ties. Each half is one group of equal x (collide found no others).
func (s *rankSample) crossTies(d float64, neg, pos int) (eq int, join float64, ok bool) {
	n := len(s.x)
	a, b := s.xr[n-neg:], s.x[pos:n+1]
	t, u, steps := laneStarts(a, b, d, neg, n-pos)
	// The t of each lane's equal steps, in its own part of at (the part's
	// last slot for overflow), in merge order.
	const part = maxCrossTies + 1
	var at [mergeLanes * part]int32
	common := steps[mergeLanes-1] // the last lane is the shortest
	t0, t1, t2, t3 := t[0], t[1], t[2], t[3]
	u0, u1, u2, u3 := u[0], u[1], u[2], u[3]
	var e0, e1, e2, e3 int
	for range common {
		x0, y0 := a[t0]+d, b[u0]-d
		x1, y1 := a[t1]+d, b[u1]-d
		x2, y2 := a[t2]+d, b[u2]-d
		x3, y3 := a[t3]+d, b[u3]-d
		at[min(e0, maxCrossTies)] = int32(t0)
		at[part+min(e1, maxCrossTies)] = int32(t1)
		at[2*part+min(e2, maxCrossTies)] = int32(t2)
		at[3*part+min(e3, maxCrossTies)] = int32(t3)
		e0, e1, e2, e3 = e0+b2i(x0 == y0), e1+b2i(x1 == y1), e2+b2i(x2 == y2), e3+b2i(x3 == y3)
		c0, c1, c2, c3 := b2i(x0 < y0), b2i(x1 < y1), b2i(x2 < y2), b2i(x3 < y3)
		t0, t1, t2, t3 = t0+c0, t1+c1, t2+c2, t3+c3
		u0, u1, u2, u3 = u0+1-c0, u1+1-c1, u2+1-c2, u3+1-c3
	}
	t, u = [mergeLanes]int{t0, t1, t2, t3}, [mergeLanes]int{u0, u1, u2, u3}
	e := [mergeLanes]int{e0, e1, e2, e3}
	cnt := 0 // the equal steps, gathered at the front of at
	for k := range mergeLanes {
		tk, uk, ek := t[k], u[k], e[k]
		for range steps[k] - common {
			x, y := a[tk]+d, b[uk]-d
			at[k*part+min(ek, maxCrossTies)] = int32(tk)
			ek += b2i(x == y)
			c := b2i(x < y)
			tk += c
			uk += 1 - c
		}
		if cnt+ek > maxCrossTies {
			return 0, 0, false
		}
		cnt += copy(at[cnt:], at[k*part:k*part+ek])
	}
	eq, join = tieGroups(a[:neg], at[:cnt])
	return eq, join, true
}

// tieGroups is crossTies' answer from the t of the equal steps, in merge
// order, of the merge of the runs a + d and b - d.
func tieGroups(a []float64, at []int32) (eq int, join float64) {
	for k := 0; k < len(at); {
		t := int(at[k])
		wb := 1
		for k+wb < len(at) && int(at[k+wb]) == t {
			wb++
		}
		wa := 1
		for t+wa < len(a) && a[t+wa] == a[t] {
			wa++
		}
		eq += wa * wb
		join += cube(int64(wa+wb)) - cube(int64(wa)) - cube(int64(wb))
		k += wb
	}
	return eq, join
}

// laneStarts is where each of the four lanes of the merge of the runs
// a[:na] + d and b[:nb] - d starts, t[k] a and u[k] b taken (where one
// sequential merge is after 0, ¼, ½ and ¾ of its steps), and how many
// steps it takes.
func laneStarts(a, b []float64, d float64, na, nb int) (t, u, steps [mergeLanes]int) {
	total := na + nb
	per := (total + mergeLanes - 1) / mergeLanes
	for k := range mergeLanes {
		st := min(k*per, total)
		t[k] = diagonal(a, b, d, na, nb, st)
		u[k] = st - t[k]
		steps[k] = max(0, min((k+1)*per, total)-k*per)
	}
	return t, u, steps
}

// diagonal is where the merge of the runs a[:na] + d and b[:nb] - d stands
// after st steps: the number of a taken, the largest t with a[t-1] + d <
// b[st-t] - d.
func diagonal(a, b []float64, d float64, na, nb, st int) int {
	lo, hi := max(0, st-nb), min(st, na)
	for lo < hi {
		t := (lo + hi + 1) / 2
		if a[t-1]+d < b[st-t]-d {
			lo = t
		} else {
			hi = t - 1
		}
	}
	return lo
}

// rankCache evaluates rankSample.at at many d, as R's root finder asks for
// it, reusing an earlier answer for a d within the radius of an earlier
// evaluation that had one. The answer is then the same to the bit: no sign
// or order among the |x - d| changes in exact arithmetic, the margin kept (8
// ulps of the largest |x - d|) exceeds what rounding x - d can move, and
// while it stays below riskGap no unequal neighbours but the risky ones can
// collapse into a tie, which are checked at each reuse. Equal values of x
// stay tied at every d. Near a root the solver's steps fall into the same
// few gaps between Walsh averages: most evaluations are answered here.
type rankCache struct {
	s    *rankSample
	ents [8]cached
	next int
	// The evaluations that counted pairs, and the pairs that can flip
	// between two of them (signbracket.go); plain turns that off (the
	// full merge at every evaluation, for tests and benchmarks).
	seen   [16]evalPoint
	nseen  int
	br     bracket
	plain  bool
	listed int // evaluations the list answered
	// The merges, crossCount and flipped when nil; the tests put the
	// previous kernels here to race and compare the two.
	cross func(s *rankSample, d float64, neg, pos int) (pairs int, tie bool, gap float64)
	flip  func(s *rankSample, br *bracket, lo, hi evalPoint) bool
}

type cached struct {
	lo, hi float64 // open interval of d with the same answer (empty when lo >= hi)
	r      signedRanks
}

// at is the statistics of x - d, c.s.at(d)'s first answer.
func (c *rankCache) at(d float64) signedRanks {
	for _, e := range c.ents {
		if e.lo < d && d < e.hi && !c.s.collide(d) {
			return e.r
		}
	}
	r, down, up := c.count(d)
	margin := max(8*eps*(c.s.scale+math.Abs(d)+max(down, up)), 0x1p-1060)
	if down > margin && up > margin && margin < c.s.riskGap {
		c.ents[c.next] = cached{lo: d - (down - margin), hi: d + (up - margin), r: r}
		c.next = (c.next + 1) % len(c.ents)
	}
	return r
}
