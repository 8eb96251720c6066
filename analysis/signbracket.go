package analysis

import (
	"math"
	"sort"
	"sync"
)

// The pairs that flip inside a bracket: R's solver evaluates each new d
// between earlier ones, which soon hold few Walsh averages between them.
// With no zero difference, V(d) = P(P+1)/2 + crossCount's pairs (P positive
// differences) is the number of pairs i <= j of the ascending x that count
// at d: i = j when x_i - d > 0; i < j when both x - d are positive, or
// when x_i - d < 0 < x_j - d and fl(d - x_i) < fl(x_j - d), crossCount's
// test to the bit. Each pair's count can only fall as d grows (rounding is
// monotone; the pair goes from both positive through the cross test to both
// negative), so between two evaluated shifts lo < hi exactly V(lo) - V(hi)
// pairs fall, those counting at lo and not at hi. When they are few they
// are listed once (a sweep of x with each test at lo and at hi) and every
// later d in the bracket costs a pass over the list: V(d) = V(lo) - #{listed
// pairs not counting at d}. A cross pair at d that is not listed counts at
// both ends or at neither, so it is a cross pair at hi with b - a > 0 there
// (b - a only grows as d falls) or one at lo with a - b >= 0 there (only
// grows with d): its |b - a| at d is at least gap(hi) or gap(lo), and
// min(gap(lo), gap(hi), the listed cross pairs' |b - a| at d) is a gap
// never above crossCount's. A listed pair with a == b (a tie), a zero
// difference or collide(d) takes the full merge.

// evalPoint is a shift with no zero difference, no tie and no collision:
// v = V(d), pos = #{x - d < 0}, 0 < gap <= the smallest cross |b - a|.
type evalPoint struct {
	d      float64
	pos, v int
	gap    float64
}

// bracket lists the pairs i <= j (indices into x) that count at lo and not
// at hi.
type bracket struct {
	lo, hi evalPoint
	ok     bool
	*bracketBufs
}

// bracketBufs is a bracket's memory, reused through bracketPool (a judge
// draws one interval per metric and direction).
type bracketBufs struct {
	i, j []int32
	at   []int32 // flipped's scratch
}

var bracketPool = sync.Pool{New: func() any { return new(bracketBufs) }}

// release returns the cache's list memory for reuse; c must not be used after.
func (c *rankCache) release() {
	if c.br.bracketBufs != nil {
		bracketPool.Put(c.br.bracketBufs)
		c.br.bracketBufs = nil
	}
}

// maxFlipShare: a bracket is listed when at most len(x)/maxFlipShare pairs
// fall in it; more would cost about a merge per evaluation.
const maxFlipShare = 4

// count is c.s.at(d), from the bracket's list when it can.
func (c *rankCache) count(d float64) (r signedRanks, down, up float64) {
	s := c.s
	if c.plain {
		return s.at(d)
	}
	neg, pos := s.split(d)
	if s.collide(d) {
		return s.at(d)
	}
	np := len(s.x) - pos
	var pairs int
	tie := false
	v, gap, ok := c.fromBracket(d, neg, pos)
	if ok {
		pairs = v - np*(np+1)/2
	} else {
		if c.cross != nil {
			pairs, tie, gap = c.cross(s, d, neg, pos)
		} else {
			pairs, tie, gap = s.crossCount(d, neg, pos)
		}
		v = np*(np+1)/2 + pairs
	}
	if !tie && neg == pos {
		c.seen[c.nseen%len(c.seen)] = evalPoint{d: d, pos: pos, v: v, gap: gap}
		c.nseen++
	}
	return s.finish(d, neg, pos, pairs, tie, gap)
}

// fromBracket is V(d) from a list of the pairs falling between earlier
// evaluations around d, with a gap no larger than crossCount's; ok is false
// when there is none (or a listed pair ties).
func (c *rankCache) fromBracket(d float64, neg, pos int) (v int, gap float64, ok bool) {
	if neg != pos || len(c.s.x) > math.MaxInt32 {
		return 0, 0, false
	}
	// The closest evaluations on either side.
	var lo, hi evalPoint
	haveLo, haveHi := false, false
	for _, p := range c.seen[:min(c.nseen, len(c.seen))] {
		if p.d < d && (!haveLo || p.d > lo.d) {
			lo, haveLo = p, true
		}
		if p.d > d && (!haveHi || p.d < hi.d) {
			hi, haveHi = p, true
		}
	}
	if !haveLo || !haveHi {
		return 0, 0, false
	}
	b := &c.br
	covers := b.ok && b.lo.d <= lo.d && hi.d <= b.hi.d
	switch k := lo.v - hi.v; {
	case covers && len(b.i) <= 2*k+8:
		// the list still fits
	case covers:
		b.ok = c.s.narrow(b, lo, hi)
	case k <= len(c.s.x)/maxFlipShare && c.flip != nil:
		b.ok = c.flip(c.s, b, lo, hi)
	case k <= len(c.s.x)/maxFlipShare:
		b.ok = c.s.flipped(b, lo, hi)
	default:
		return 0, 0, false
	}
	if !b.ok {
		return 0, 0, false
	}
	x, xr, n := c.s.x, c.s.xr, len(c.s.x)
	fell := 0
	gap = min(b.lo.gap, b.hi.gap)
	for k, i := range b.i {
		j := int(b.j[k])
		switch {
		case j < pos: // both negative (or i = j negative)
			fell++
		case int(i) >= pos: // both positive (or i = j positive)
		default: // the cross test, as crossCount makes it
			a, bj := xr[n-1-int(i)]+d, x[j]-d
			if a == bj {
				return 0, 0, false
			}
			fell += b2i(!(a < bj))
			gap = min(gap, math.Abs(bj-a))
		}
	}
	c.listed++
	return b.lo.v - fell, gap, true
}

// flipped lists in br the pairs counting at lo and not at hi: each x_m with
// lo < x_m < hi with itself, and the pairs i < j with x_i - hi < 0. For each
// such i the j counting at hi are those from the first j with x_j - hi > 0
// and fl(hi - x_i) < fl(x_j - hi), where crossCount's merge at hi takes x_i
// (takenAt); the ones below it that count at lo (all j > i when x_i - lo >
// 0, else the cross test at lo) fall. Whether any does is whether the one
// just below does; the pairs of those i are then listed. It reports whether
// they number lo.v - hi.v (at most len(x)/maxFlipShare).
func (s *rankSample) flipped(br *bracket, lo, hi evalPoint) bool {
	x, xr, n := s.x, s.xr, len(s.x)
	want := lo.v - hi.v
	li, lj := br.selfPairs(lo, hi)
	defer func() { br.i, br.j = li, lj }()
	na, nb := hi.pos, n-hi.pos
	if na > 0 {
		// ar[t] is -x_i for the t-th negative at hi from the nearest down
		// (+Inf last); below[u] is x_j for the j just below the u-th
		// positive, below[u+1] that positive (+Inf last).
		ar, below := xr[n-na:n+1], x[na-1:n+1]
		if cap(br.at) < na+1 {
			br.at = make([]int32, na+1)
		}
		at := br.at[:na+1]
		takenAt(ar, below[1:], hi.d, na, nb, at)
		for t := range na {
			u := int(at[t])
			if t|u == 0 || !(ar[t]+lo.d < below[u]-lo.d) { // (t = u = 0: x_i itself)
				continue
			}
			i := na - 1 - t
			for j := na + u - 1; j > i && s.counts(i, j, lo); j-- {
				if len(li) >= want {
					return false
				}
				li, lj = append(li, int32(i)), append(lj, int32(j))
			}
		}
	}
	br.lo, br.hi = lo, hi
	return len(li) == want
}

// selfPairs readies br's list for lo.v - hi.v pairs and starts it with
// each x_m, lo < x_m < hi, paired with itself.
func (br *bracket) selfPairs(lo, hi evalPoint) (li, lj []int32) {
	if br.bracketBufs == nil {
		br.bracketBufs = bracketPool.Get().(*bracketBufs)
	}
	if want := lo.v - hi.v; cap(br.i) < want {
		br.i, br.j = make([]int32, 0, want), make([]int32, 0, want)
	}
	li, lj = br.i[:0], br.j[:0]
	for m := lo.pos; m < hi.pos; m++ {
		li, lj = append(li, int32(m)), append(lj, int32(m))
	}
	return li, lj
}

// takenAt sets at[t] for t < na to the number of b that the merge of the
// runs a[:na] + d and b[:nb] - d (each ended by +Inf, a taken when a < b, as
// crossCount's) takes before a[t]: the smallest u with a[t] + d < b[u] - d.
// Four lanes as crossCount's, each step writing its u at its t (a later
// step overwrites it until the lane takes that a); at needs room for na+1.
func takenAt(a, b []float64, d float64, na, nb int, at []int32) {
	at = at[:na+1] // at[na]: the steps after the last a
	t, u, steps := laneStarts(a, b, d, na, nb)
	start := t
	common := steps[mergeLanes-1] // the last lane is the shortest
	t0, t1, t2, t3 := t[0], t[1], t[2], t[3]
	u0, u1, u2, u3 := u[0], u[1], u[2], u[3]
	for range common {
		at[t0], at[t1], at[t2], at[t3] = int32(u0), int32(u1), int32(u2), int32(u3)
		c0, c1, c2, c3 := b2i(a[t0]+d < b[u0]-d), b2i(a[t1]+d < b[u1]-d), b2i(a[t2]+d < b[u2]-d), b2i(a[t3]+d < b[u3]-d)
		t0, t1, t2, t3 = t0+c0, t1+c1, t2+c2, t3+c3
		u0, u1, u2, u3 = u0+1-c0, u1+1-c1, u2+1-c2, u3+1-c3
	}
	t, u = [mergeLanes]int{t0, t1, t2, t3}, [mergeLanes]int{u0, u1, u2, u3}
	for k := range mergeLanes {
		tk, uk := t[k], u[k]
		for range steps[k] - common {
			at[tk] = int32(uk)
			c := b2i(a[tk]+d < b[uk]-d)
			tk += c
			uk += 1 - c
		}
	}
	// A lane ends on the a the next lane starts on, and its last steps may
	// have written there after the next lane took it: those are set again.
	for _, r := range start[1:] {
		if r < na {
			at[r] = int32(sort.Search(nb, func(u int) bool { return a[r]+d < b[u]-d }))
		}
	}
}

// narrow keeps in br, whose bracket holds lo and hi, the pairs counting at
// lo and not at hi, and reports whether they number lo.v - hi.v.
func (s *rankSample) narrow(br *bracket, lo, hi evalPoint) bool {
	m := 0
	for k, i := range br.i {
		j := br.j[k]
		if s.counts(int(i), int(j), lo) && !s.counts(int(i), int(j), hi) {
			br.i[m], br.j[m] = i, j
			m++
		}
	}
	br.i, br.j, br.lo, br.hi = br.i[:m], br.j[:m], lo, hi
	return m == lo.v-hi.v
}

// counts reports whether the pair i <= j counts in V at p.
func (s *rankSample) counts(i, j int, p evalPoint) bool {
	switch {
	case j < p.pos:
		return false
	case i >= p.pos:
		return true
	}
	return s.xr[len(s.x)-1-i]+p.d < s.x[j]-p.d
}
