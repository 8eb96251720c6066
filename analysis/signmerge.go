package analysis

import "math"

// The untied signed-rank count, the inner loop of SignedRankCI's root
// searches, as a merge of two ascending runs split into lanes that run
// interleaved: one merge is a chain of dependent loads and compares, four
// independent ones keep the processor busy.

// mergeLanes is how many parts of the merge run side by side.
const mergeLanes = 4

// mergeBuf holds the two runs of |x - d| with a +Inf sentinel each.
type mergeBuf struct{ a, b []float64 }

// fill writes the absolute negative differences -(x[i] - d), i = neg-1..0
// (ascending), and the positive ones x[i] - d, i >= pos, each followed by
// +Inf, and reports whether every value is distinct from its neighbour in
// its run, as R's rank sees the rounded differences.
func (m *mergeBuf) fill(x []float64, d float64, neg, pos int) bool {
	na, nb := neg, len(x)-pos
	if cap(m.a) < na+1 {
		m.a = make([]float64, na+1, len(x)+1)
	}
	if cap(m.b) < nb+1 {
		m.b = make([]float64, nb+1, len(x)+1)
	}
	// (SignedRankCI hands in room for len(x)+1 in each, cut from one block.)
	a, b := m.a[:na+1], m.b[:nb+1]
	same := 0
	prev := math.Inf(-1)
	for t := range na {
		v := -(x[neg-1-t] - d)
		same |= b2i(v == prev)
		a[t], prev = v, v
	}
	prev = math.Inf(-1)
	for u := range nb {
		v := x[pos+u] - d
		same |= b2i(v == prev)
		b[u], prev = v, v
	}
	a[na], b[nb] = math.Inf(1), math.Inf(1)
	m.a, m.b = a, b
	return same == 0
}

// diagonal is where the merge of a[:na] and b[:nb] stands after s steps:
// the number of a taken, the largest t with a[t-1] < b[s-t].
func diagonal(a, b []float64, na, nb, s int) int {
	lo, hi := max(0, s-nb), min(s, na)
	for lo < hi {
		t := (lo + hi + 1) / 2
		if a[t-1] < b[s-t] {
			lo = t
		} else {
			hi = t - 1
		}
	}
	return lo
}

// count merges the runs in m and returns #{(a, b): a < b}, whether any a
// equals a b, and the smallest |a - b| between heads the merge compared:
// the closest pair of values from the two runs is adjacent in the merged
// order, so compared. Each step takes the smaller head (a when a < b, else
// b) as one sequential merge would, without a branch; the four lanes start
// where that merge would be after 0, ¼, ½ and ¾ of its steps.
func (m *mergeBuf) count() (pairs int, tie bool, gap float64) {
	a, b := m.a, m.b
	na, nb := len(a)-1, len(b)-1
	total := na + nb
	per := (total + mergeLanes - 1) / mergeLanes
	var t, u [mergeLanes]int
	for k := range mergeLanes {
		s := min(k*per, total)
		t[k] = diagonal(a, b, na, nb, s)
		u[k] = s - t[k]
	}
	steps := func(k int) int { return max(0, min((k+1)*per, total)-k*per) }
	common := steps(mergeLanes - 1) // the last lane is the shortest
	t0, t1, t2, t3 := t[0], t[1], t[2], t[3]
	u0, u1, u2, u3 := u[0], u[1], u[2], u[3]
	var p0, p1, p2, p3, e0, e1, e2, e3 int
	g0, g1, g2, g3 := math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
	for range common {
		x0, y0 := a[t0], b[u0]
		x1, y1 := a[t1], b[u1]
		x2, y2 := a[t2], b[u2]
		x3, y3 := a[t3], b[u3]
		c0, c1, c2, c3 := b2i(x0 < y0), b2i(x1 < y1), b2i(x2 < y2), b2i(x3 < y3)
		e0 |= b2i(x0 == y0)
		e1 |= b2i(x1 == y1)
		e2 |= b2i(x2 == y2)
		e3 |= b2i(x3 == y3)
		g0 = min(g0, math.Abs(y0-x0))
		g1 = min(g1, math.Abs(y1-x1))
		g2 = min(g2, math.Abs(y2-x2))
		g3 = min(g3, math.Abs(y3-x3))
		p0 += (1 - c0) * t0
		p1 += (1 - c1) * t1
		p2 += (1 - c2) * t2
		p3 += (1 - c3) * t3
		t0, t1, t2, t3 = t0+c0, t1+c1, t2+c2, t3+c3
		u0, u1, u2, u3 = u0+1-c0, u1+1-c1, u2+1-c2, u3+1-c3
	}
	t, u = [mergeLanes]int{t0, t1, t2, t3}, [mergeLanes]int{u0, u1, u2, u3}
	ps := [mergeLanes]int{p0, p1, p2, p3}
	es := e0 | e1 | e2 | e3
	gap = min(g0, g1, g2, g3)
	for k := range mergeLanes { // the lanes' remaining steps, one lane at a time
		tk, uk := t[k], u[k]
		for range steps(k) - common {
			x, y := a[tk], b[uk]
			c := b2i(x < y)
			es |= b2i(x == y)
			gap = min(gap, math.Abs(y-x))
			ps[k] += (1 - c) * tk
			tk += c
			uk += 1 - c
		}
	}
	for _, p := range ps {
		pairs += p
	}
	return pairs, es != 0, gap
}
