package analysis

// Selection in sorted X+Y: the order statistics of the m·n pairwise differences
// x[i]-y[j] without materialising them (Johnson & Mizoguchi 1978, "Selecting
// the Kth element in X+Y and X1+X2+...+Xm", SIAM J. Comput. 7(2); Monahan 1984,
// "Fast computation of the Hodges–Lehmann location estimator", ACM TOMS 10(3)).
//
// With x ascending and y taken in descending order, row i of the difference
// matrix, e(i, c) = x[i] - y[n-1-c], ascends in c, and every column ascends in
// i. Counting the elements below a value t is then a two-pointer walk in
// O(m+n). Each row keeps an active column range [lo, hi); a pivot drawn from
// the active elements splits them, and the side that cannot hold the wanted
// rank is dropped. When few enough elements remain they are copied to a buffer
// of O(m+n) floats and selected there.

// diffMatrix is the implicit matrix of pairwise differences with its scratch space.
type diffMatrix struct {
	x, y   []float64 // ascending, finite
	lo, hi []int32   // active columns [lo[i], hi[i]) of row i
	lt, le []int32   // per-row count of elements < and <= the last pivot
	vals   []float64 // row pivots of active rows
	wts    []float64 // their weights (active widths)
	buf    []float64 // materialised active elements
}

// newDiffMatrix prepares selection over sorted x and y. Its scratch space is
// O(m+n): four int32 and two float64 per row plus a buffer of 2(m+n) floats.
func newDiffMatrix(x, y []float64) *diffMatrix {
	m := len(x)
	ints := make([]int32, 4*m)
	fl := make([]float64, 2*m+bufLen(len(x), len(y)))
	return &diffMatrix{
		x: x, y: y,
		lo: ints[0:m:m], hi: ints[m : 2*m : 2*m], lt: ints[2*m : 3*m : 3*m], le: ints[3*m : 4*m : 4*m],
		vals: fl[0:m:m], wts: fl[m : 2*m : 2*m], buf: fl[2*m : 2*m : len(fl)],
	}
}

func bufLen(m, n int) int { return 2*(m+n) + 64 }

// size is the number of differences, m·n.
func (d *diffMatrix) size() int64 { return int64(len(d.x)) * int64(len(d.y)) }

// at is the element in row i, column c: x[i] - y[n-1-c].
func (d *diffMatrix) at(i int, c int32) float64 { return d.x[i] - d.y[len(d.y)-1-int(c)] }

// count returns #{D < t} and #{D <= t}, leaving the per-row counts in lt and le.
func (d *diffMatrix) count(t float64) (nlt, nle int64) {
	y := d.y
	n := len(y)
	cl, ce := n, n
	for i, xi := range d.x {
		for ce > 0 && xi-y[n-ce] > t {
			ce--
		}
		if cl > ce {
			cl = ce
		}
		for cl > 0 && xi-y[n-cl] >= t {
			cl--
		}
		d.lt[i], d.le[i] = int32(cl), int32(ce)
		nlt += int64(cl)
		nle += int64(ce)
	}
	return nlt, nle
}

// reset makes every element active again.
func (d *diffMatrix) reset() {
	n := int32(len(d.y))
	for i := range d.lo {
		d.lo[i], d.hi[i] = 0, n
	}
}

// kth returns the k-th smallest difference, 1 <= k <= m·n.
func (d *diffMatrix) kth(k int64) float64 {
	d.reset()
	below := int64(0) // elements dropped on the left, all smaller than the answer
	active := d.size()
	for {
		if active <= int64(cap(d.buf)) {
			buf := d.buf[:0]
			for i := range d.x {
				for c := d.lo[i]; c < d.hi[i]; c++ {
					buf = append(buf, d.at(i, c))
				}
			}
			return selectKth(buf, int(k-below-1))
		}
		p := d.pivot()
		nlt, nle := d.count(p)
		switch {
		case k <= nlt: // the answer is below p: drop p and everything above it
			d.hi, d.lt = d.lt, d.hi
		case k > nle: // the answer is above p: drop p and everything below it
			d.lo, d.le = d.le, d.lo
			below = nle
		default:
			return p
		}
		active = 0
		for i := range d.lo {
			active += int64(d.hi[i] - d.lo[i])
		}
	}
}

// pivot is the weighted median of the active rows' medians, weighted by their
// active widths: at least a quarter of the active elements lie on each side.
func (d *diffMatrix) pivot() float64 {
	vals, wts := d.vals[:0], d.wts[:0]
	total := 0.0
	for i := range d.x {
		lo, hi := d.lo[i], d.hi[i]
		if hi > lo {
			vals = append(vals, d.at(i, lo+(hi-lo-1)/2))
			w := float64(hi - lo)
			wts = append(wts, w)
			total += w
		}
	}
	return weightedMedian(vals, wts, total)
}

// next returns the smallest difference greater than v, given the per-row
// counts le left by count(v). ok is false when no difference exceeds v.
func (d *diffMatrix) next() (v float64, ok bool) {
	n := int32(len(d.y))
	for i := range d.x {
		if c := d.le[i]; c < n {
			if e := d.at(i, c); !ok || e < v {
				v, ok = e, true
			}
		}
	}
	return v, ok
}

// weightedMedian returns the value v with total weight below v < total/2 and
// total weight at or below v >= total/2. It reorders vals and wts.
func weightedMedian(vals, wts []float64, total float64) float64 {
	target := total / 2
	lo, hi := 0, len(vals) // search in vals[lo:hi]; weight left of lo is below
	for {
		if hi-lo == 1 {
			return vals[lo]
		}
		pv := medianOf3(vals[lo], vals[lo+(hi-lo)/2], vals[hi-1])
		// three-way partition vals[lo:hi] around pv: < pv | == pv | > pv
		lt, gt := lo, hi
		var wlt, weq float64
		for i := lo; i < gt; {
			switch v := vals[i]; {
			case v < pv:
				vals[i], vals[lt] = vals[lt], vals[i]
				wts[i], wts[lt] = wts[lt], wts[i]
				wlt += wts[lt]
				lt++
				i++
			case v > pv:
				gt--
				vals[i], vals[gt] = vals[gt], vals[i]
				wts[i], wts[gt] = wts[gt], wts[i]
			default:
				weq += wts[i]
				i++
			}
		}
		switch {
		case wlt >= target:
			hi = lt
		case wlt+weq >= target:
			return pv
		default:
			target -= wlt + weq
			lo = gt
		}
	}
}

func medianOf3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}

// selectKth returns the k-th smallest (0-based) of a, reordering a: a
// deterministic quickselect with median-of-3 pivots and three-way partitioning.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)
	for hi-lo > 1 {
		pv := medianOf3(a[lo], a[lo+(hi-lo)/2], a[hi-1])
		lt, gt := lo, hi
		for i := lo; i < gt; {
			switch v := a[i]; {
			case v < pv:
				a[i], a[lt] = a[lt], a[i]
				lt++
				i++
			case v > pv:
				gt--
				a[i], a[gt] = a[gt], a[i]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pv
		}
	}
	return a[lo]
}
