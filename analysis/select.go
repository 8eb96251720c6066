package analysis

import (
	"math"
	"sort"
)

// Selection in sorted X+Y: the order statistics of the m·n pairwise differences
// x[i]-y[j] without materialising them (Johnson & Mizoguchi 1978, "Selecting
// the Kth element in X+Y and X1+X2+...+Xm", SIAM J. Comput. 7(2); Monahan 1984,
// "Fast computation of the Hodges–Lehmann location estimator", ACM TOMS 10(3)).
//
// With x ascending and y taken in descending order, row i of the difference
// matrix, e(i, c) = x[i] - y[n-1-c], ascends in c, and every column ascends in
// i. Counting the elements below a value t is then a two-pointer walk in
// O(m+n). Each row keeps an active column range [lo, hi); pivots drawn from
// the active elements split them, and the parts that cannot hold the wanted
// rank are dropped. When few enough elements remain they are copied to a
// buffer of O(m+n) floats and selected there.

// diffMatrix is the implicit matrix of pairwise differences with its scratch space.
type diffMatrix struct {
	x, y      []float64 // ascending, finite
	yp        []float64 // y followed by countWindow +Inf, for count
	ypf       []float64 // yp after two -Inf, for collect
	band                // the current selection state
	saved     band      // a band saved by prepare
	useSaved  bool
	lt, le    []int32           // per-row count of elements < and <= a pivot
	lt2, le2  []int32           // the same for the second pivot of a round
	vals      []float64         // row pivots of active rows
	wts       []float64         // their weights (active widths)
	buf       []float64         // materialised active elements
	rounds    int               // selection rounds so far, for tests and benchmarks
	misses    int               // sketch pivots that missed their ranks, for tests
	subMisses int               // those of its sketches
	last      [4]int64          // the counts of the last narrow: < pa, <= pa, < pb, <= pb
	known     [maxKnown]counted // the pivots counted so far, for interpolation
	nknown    int
	sel       []float64      // the band kth last selected in (nil when a pivot was the answer)
	selBelow  int64          // the elements below that band
	hints     [maxHints]hint // first pivots for ranks, from sketch
	nhints    int
	sketchFl  []float64 // scratch for the sketch's subsample and its matrix
	sketchIn  []int32
}

// diffScratch is how many floats newDiffMatrix wants as scratch for sizes m, n:
// its own and the sketch's.
func diffScratch(m, n int) int {
	ms, ns := m/sketchStride, n/sketchStride
	if !sketchable(m, n) {
		return baseScratch(m, n)
	}
	return baseScratch(m, n) + ms + ns + diffScratch(ms, ns)
}

// baseScratch is the scratch of the matrix itself.
func baseScratch(m, n int) int { return 2*m + bufLen(m, n) + 2 + n + countWindow }

// bufLen is the size of the buffer the last elements are selected in.
func bufLen(m, n int) int { return (m+n)/2 + 64 }

// diffInts is how many int32 newDiffMatrix wants for m rows: eight per row,
// and eight per row of the sketch.
func diffInts(m int) int {
	if m/sketchStride < sketchMin {
		return 8 * m
	}
	return 8*m + diffInts(m/sketchStride)
}

// newDiffMatrix prepares selection over sorted x and y, with fl (at least
// diffScratch floats) and ints (diffInts, or nil to allocate them) as
// scratch: O(m+n) space in all.
func newDiffMatrix(x, y, fl []float64, ints []int32) *diffMatrix {
	d := new(diffMatrix)
	d.init(x, y, fl, ints)
	return d
}

// maxKnown is how many counted pivots interpolate keeps.
const maxKnown = 64

// init is newDiffMatrix on a matrix of the caller's.
func (d *diffMatrix) init(x, y, fl []float64, ints []int32) {
	m, n := len(x), len(y)
	if len(ints) < diffInts(m) {
		ints = make([]int32, diffInts(m))
	}
	ypf := fl[2*m+bufLen(m, n) : 2*m+bufLen(m, n)+2+n+countWindow]
	ypf[0], ypf[1] = math.Inf(-1), math.Inf(-1)
	yp := ypf[2:]
	copy(yp, y)
	for c := n; c < len(yp); c++ {
		yp[c] = math.Inf(1)
	}
	*d = diffMatrix{
		yp: yp, ypf: ypf,
		saved: band{lo: ints[6*m : 7*m : 7*m], hi: ints[7*m : 8*m : 8*m]},
		x:     x, y: y,
		band: band{lo: ints[0:m:m], hi: ints[m : 2*m : 2*m]},
		lt:   ints[2*m : 3*m : 3*m], le: ints[3*m : 4*m : 4*m],
		lt2: ints[4*m : 5*m : 5*m], le2: ints[5*m : 6*m : 6*m],
		vals: fl[0:m:m], wts: fl[m : 2*m : 2*m], buf: fl[2*m : 2*m : 2*m+bufLen(m, len(y))],
		sketchFl: fl[baseScratch(m, n):],
		sketchIn: ints[8*m:],
	}
}

// size is the number of differences, m·n.
func (d *diffMatrix) size() int64 { return int64(len(d.x)) * int64(len(d.y)) }

// at is the element in row i, column c: x[i] - y[n-1-c].
func (d *diffMatrix) at(i int, c int32) float64 { return d.x[i] - d.y[len(d.y)-1-int(c)] }

// count returns #{D < t} and #{D <= t}, leaving the per-row counts in lt and le.
//
// Row i's elements above t are its columns for the smallest y: the
// differences x[i] - y[j] > t hold for a prefix j < J(i) of the ascending y,
// and J never decreases down the rows, so the rows are a walk in O(m+n). Two
// things make that walk fast. A walk that steps J one column at a time ends
// each row on a branch the processor cannot predict, so a row tests the next
// countWindow columns at once, without branches (see step). And since each
// row's start depends on the row before, the rows are split into countLanes
// runs walked side by side, each starting from a binary search, so the
// processor can work on several rows at a time. Every j is at most n and yp
// holds n + countWindow values, so each window yp[j:j+countWindow] is there.
func (d *diffMatrix) count(t float64, lt, le []int32) (nlt, nle int64) {
	x, yp := d.x, d.yp
	m, n := len(x), len(d.y)
	lt, le = lt[:m], le[:m]
	q := m / countLanes
	var j0, j1, j2, j3 int
	var ks [countLanes]int // equalSlow's memory, per lane
	if q > 0 {
		j1, j2, j3 = d.start(x[q], t), d.start(x[2*q], t), d.start(x[3*q], t)
	}
	for r := range q {
		i0, i1, i2, i3 := r, q+r, 2*q+r, 3*q+r
		// step, by hand for each lane: the compiler does not inline it
		x0 := x[i0]
		w0 := (*[countWindow]float64)(yp[j0 : j0+countWindow])
		a0 := window(x0, t, w0)
		j0 += a0
		k0 := j0
		if a0 == countWindow {
			j0 = aboveSlow(x0, t, yp, j0)
			k0 = equalSlow(x0, t, yp, j0, &ks[0])
		} else if x0-w0[a0&(countWindow-1)] == t {
			k0 = equalSlow(x0, t, yp, k0, &ks[0])
		}
		x1 := x[i1]
		w1 := (*[countWindow]float64)(yp[j1 : j1+countWindow])
		a1 := window(x1, t, w1)
		j1 += a1
		k1 := j1
		if a1 == countWindow {
			j1 = aboveSlow(x1, t, yp, j1)
			k1 = equalSlow(x1, t, yp, j1, &ks[1])
		} else if x1-w1[a1&(countWindow-1)] == t {
			k1 = equalSlow(x1, t, yp, k1, &ks[1])
		}
		x2 := x[i2]
		w2 := (*[countWindow]float64)(yp[j2 : j2+countWindow])
		a2 := window(x2, t, w2)
		j2 += a2
		k2 := j2
		if a2 == countWindow {
			j2 = aboveSlow(x2, t, yp, j2)
			k2 = equalSlow(x2, t, yp, j2, &ks[2])
		} else if x2-w2[a2&(countWindow-1)] == t {
			k2 = equalSlow(x2, t, yp, k2, &ks[2])
		}
		x3 := x[i3]
		w3 := (*[countWindow]float64)(yp[j3 : j3+countWindow])
		a3 := window(x3, t, w3)
		j3 += a3
		k3 := j3
		if a3 == countWindow {
			j3 = aboveSlow(x3, t, yp, j3)
			k3 = equalSlow(x3, t, yp, j3, &ks[3])
		} else if x3-w3[a3&(countWindow-1)] == t {
			k3 = equalSlow(x3, t, yp, k3, &ks[3])
		}
		le[i0], lt[i0] = int32(n-j0), int32(n-k0)
		le[i1], lt[i1] = int32(n-j1), int32(n-k1)
		le[i2], lt[i2] = int32(n-j2), int32(n-k2)
		le[i3], lt[i3] = int32(n-j3), int32(n-k3)
		nle += int64(4*n - j0 - j1 - j2 - j3)
		nlt += int64(4*n - k0 - k1 - k2 - k3)
	}
	for i := countLanes * q; i < m; i++ { // the rows left over, after the last lane's
		var k int
		j3, k = step(x[i], t, yp, j3, &ks[countLanes-1])
		le[i], lt[i] = int32(n-j3), int32(n-k)
		nle += int64(n - j3)
		nlt += int64(n - k)
	}
	return nlt, nle
}

// countLanes is how many runs of rows count walks side by side.
const countLanes = 4

// start is #{c : xi - y[c] > t} by binary search: where a lane starts.
func (d *diffMatrix) start(xi, t float64) int {
	y := d.y
	return sort.Search(len(y), func(c int) bool { return !(xi-y[c] > t) })
}

// step moves a row's count of columns above t, j, on to row xi: it returns
// #{c : xi - y[c] > t}, at least j, and #{c : xi - y[c] >= t}. yp is y
// followed by countWindow +Inf, whose differences are -Inf; k is
// equalSlow's memory. count's lanes repeat it by hand.
func step(xi, t float64, yp []float64, j int, k *int) (above, atLeast int) {
	w := (*[countWindow]float64)(yp[j : j+countWindow])
	a := window(xi, t, w)
	j += a
	if a == countWindow {
		j = aboveSlow(xi, t, yp, j)
		return j, equalSlow(xi, t, yp, j, k)
	}
	if xi-w[a&(countWindow-1)] == t { // the first column not above t, in the window
		return j, equalSlow(xi, t, yp, j, k)
	}
	return j, j
}

// window counts the elements above t among the countWindow columns in w,
// without a branch.
func window(xi, t float64, w *[countWindow]float64) int {
	return b2i(xi-w[0] > t) + b2i(xi-w[1] > t) + b2i(xi-w[2] > t) + b2i(xi-w[3] > t)
}

// aboveSlow is the rest of a step of countWindow or more.
func aboveSlow(xi, t float64, yp []float64, j int) int {
	for xi-yp[j] > t {
		j++
	}
	return j
}

// equalSlow returns #{c : xi - y[c] >= t} given j = #{c : xi - y[c] > t},
// stepping over the columns whose elements equal t. *k is the count it
// returned for an earlier row of the walk: that count only grows down the
// rows, and the columns from j up to it equal t in this row too, so it
// starts from there. Its steps over a walk add up to O(n) even when most
// differences equal t, as with small integer samples.
func equalSlow(xi, t float64, yp []float64, j int, k *int) int {
	j = max(j, *k)
	for xi-yp[j] == t {
		j++
	}
	*k = j
	return j
}

// countWindow is how many columns count tests at once.
const countWindow = 4

// b2i is 1 for true and 0 for false, compiled without a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// counted is a value with the number of differences below and at or below it.
type counted struct {
	v      float64
	lt, le int64
}

// band is a state of the selection: the active columns of every row and what
// is known about the elements outside them.
type band struct {
	lo, hi   []int32 // active columns [lo[i], hi[i]) of row i
	below    int64   // elements dropped on the left, all smaller than the wanted one
	active   int64   // elements in the band
	rows     int     // rows with active elements
	vlo, vhi float64 // every dropped element is <= vlo or >= vhi
}

// reset makes every element active again, or restores the saved band when
// one is given.
func (d *diffMatrix) reset(from *band) {
	if from != nil {
		copy(d.lo, from.lo)
		copy(d.hi, from.hi)
		d.band.below, d.band.active, d.band.rows = from.below, from.active, from.rows
		d.band.vlo, d.band.vhi = from.vlo, from.vhi
		return
	}
	n := int32(len(d.y))
	lo, hi := d.lo, d.hi[:len(d.lo)]
	for i := range lo {
		lo[i], hi[i] = 0, n
	}
	d.band.below, d.band.active, d.band.rows = 0, d.size(), len(d.x)
	d.band.vlo, d.band.vhi = math.Inf(-1), math.Inf(1)
}

// narrow drops the active elements outside the value range that must hold
// ranks kMin..kMax, using the two pivots at fractions fa <= fb of the active
// elements: elements (vlo, vhi) stay. It returns the element equal to the
// wanted rank when kMin == kMax and a pivot turns out to be it.
func (d *diffMatrix) narrow(kMin, kMax int64, pa, pb float64) (v float64, found bool) {
	alt, ale := d.count(pa, d.lt, d.le)
	blt, ble := d.count(pb, d.lt2, d.le2)
	d.last = [4]int64{alt, ale, blt, ble}
	if d.nknown+2 <= maxKnown {
		d.known[d.nknown], d.known[d.nknown+1] = counted{pa, alt, ale}, counted{pb, blt, ble}
		d.nknown += 2
	}
	switch {
	case kMax <= alt: // all below pa
		d.hi, d.lt = d.lt, d.hi
		d.vhi = pa
	case kMin > ale && kMax <= blt: // pa < all < pb
		d.lo, d.le = d.le, d.lo
		d.hi, d.lt2 = d.lt2, d.hi
		d.below, d.vlo, d.vhi = ale, pa, pb
	case kMin > ble: // all above pb
		d.lo, d.le2 = d.le2, d.lo
		d.below, d.vlo = ble, pb
	case kMin == kMax && kMin > alt && kMin <= ale:
		return pa, true
	case kMin == kMax && kMin > blt && kMin <= ble:
		return pb, true
	case kMin > alt && kMax <= blt: // pa <= all < pb
		d.hi, d.lt2 = d.lt2, d.hi
		d.vhi = pb
	case kMin > ale && kMax <= ble: // pa < all <= pb
		d.lo, d.le = d.le, d.lo
		d.below, d.vlo = ale, pa
	}
	d.recount()
	return 0, false
}

// recount updates the active element and row counts.
func (d *diffMatrix) recount() {
	var active int64
	rows := 0
	lo, hi := d.lo, d.hi[:len(d.lo)]
	for i := range lo {
		w := max(hi[i]-lo[i], 0) // the branch would follow the band's ragged edge
		active += int64(w)
		rows += b2i(w > 0)
	}
	d.band.active, d.band.rows = active, rows
}

// save copies the current band into b, allocating b's arrays on first use.
func (d *diffMatrix) save(b *band) {
	copy(b.lo, d.lo)
	copy(b.hi, d.hi)
	b.below, b.active, b.rows, b.vlo, b.vhi = d.below, d.active, d.band.rows, d.vlo, d.vhi
}

// prepare narrows the differences once to a band holding ranks kMin..kMax,
// and saves it for the selections of those ranks that follow.
func (d *diffMatrix) prepare(kMin, kMax int64) {
	d.reset(nil)
	const delta = 0.02
	mn := float64(d.size())
	pa := d.pivot((float64(kMin)-0.5)/mn-delta, d.rows, sampleRows)
	pb := d.pivot((float64(kMax)-0.5)/mn+delta, d.rows, sampleRows)
	d.narrow(kMin, kMax, pa, pb)
	d.save(&d.saved)
	d.useSaved = true
}

// The sketch: the differences of every sketchStride-th x and y, a
// subsample of one difference in sketchStride² whose counts, scaled up,
// are within a few hundred of the full counts at 5,760 values a side
// (each element of the sketch stands for a block of the matrix, and the
// blocks' errors mostly cancel). A counting walk over it costs a quarter
// of one over the full matrix, and selecting in it gives, for each wanted
// rank, two values pa < pb whose ranks straddle it by about sketchHalf of
// the buffer. One counting walk at pa then says how many elements lie at
// or below it, and the elements between pa and pb, fewer than the buffer
// holds, are collected from where that walk left each row (hinted):
// one walk per rank, where prepare's shared round and two rounds per rank
// took four walks per rank and two. The sketch's own selections use a
// sketch of the sketch while it is big enough.

// sketchStride is the subsample's step in x and in y.
const sketchStride = 4

// sketchMin is the fewest rows and columns a sketch is made of: below, the
// full selection is cheap anyway and the sketch's error large.
const sketchMin = 128

// sketchable says whether samples of sizes m and n get a sketch.
func sketchable(m, n int) bool { return m/sketchStride >= sketchMin && n/sketchStride >= sketchMin }

// sketchHalf is how far outside the wanted ranks their sketch pivots aim,
// as a fraction of the buffer on each side: over three times the sketch's
// rms rank error at 5,760 and 10,000 a side (TestSketchError), and small
// enough that what the pivots collect fits the buffer. A miss costs rounds,
// a wider margin collecting and selecting more elements.
const sketchHalf = 0.25

// sketchRounds bounds the rounds of a selection of a rank range.
const sketchRounds = 6

// maxHints is how many rank ranges a sketch gives first pivots for.
const maxHints = 4

// hint is the first pivots of the selection of ranks kMin..kMax, from the sketch.
type hint struct {
	kMin, kMax int64
	pa, pb     float64
}

// hintFor returns the sketch's pivots for ranks kMin..kMax.
func (d *diffMatrix) hintFor(kMin, kMax int64) (hint, bool) {
	for _, h := range d.hints[:d.nhints] {
		if h.kMin == kMin && h.kMax == kMax {
			return h, true
		}
	}
	return hint{}, false
}

// sketch sets the first pivots of the selections of the rank ranges in rs
// (ranges with kMin <= 0 are skipped, and those after the first maxHints)
// from the sketch. It returns false when the samples are too small for
// one; the selections are exact with any pivots, so a range the sketch
// misses costs rounds, not accuracy.
func (d *diffMatrix) sketch(rs [][2]int64) bool {
	const s = sketchStride
	m, n := len(d.x), len(d.y)
	ms, ns := m/s, n/s
	if !sketchable(m, n) || len(d.sketchFl) < ms+ns+diffScratch(ms, ns) || len(d.sketchIn) < diffInts(ms) {
		return false
	}
	xs, ys := d.sketchFl[:ms:ms], d.sketchFl[ms:ms+ns:ms+ns]
	pick(xs, d.x)
	pick(ys, d.y)
	var sub diffMatrix
	sub.init(xs, ys, d.sketchFl[ms+ns:], d.sketchIn)
	scale := float64(sub.size()) / float64(d.size())
	half := sketchHalf * float64(cap(d.buf))
	var want [maxHints][2]int64 // the ranges in the sketch
	var of [maxHints][2]int64   // the ranges they stand for
	nw := 0
	lo, hi := sub.size(), int64(1)
	for _, r := range rs {
		if r[0] <= 0 || nw == maxHints {
			continue
		}
		a := min(max(int64((float64(r[0])-half)*scale), 1), sub.size())
		b := min(max(int64(math.Ceil((float64(r[1])+half)*scale)), 1), sub.size())
		want[nw], of[nw] = [2]int64{a, b}, r
		nw++
		lo, hi = min(lo, a), max(hi, b)
	}
	if !sub.sketch(want[:nw]) {
		sub.prepare(lo, hi)
	}
	d.nhints = 0
	for w, r := range want[:nw] {
		if pa, pb, ok := sub.selectPair(r[0], r[1], sketchRounds); ok {
			d.hints[d.nhints] = hint{of[w][0], of[w][1], pa, pb}
			d.nhints++
		}
	}
	d.subMisses += sub.misses + sub.subMisses
	return true
}

// pick fills sub with one value of a for each of len(sub) runs of equal
// length that a splits into: the value nearest the middle of its run, and
// of two equally near the lower and the upper in turn, so that the sketch
// is not shifted up or down against a.
func pick(sub, a []float64) {
	run := float64(len(a)) / float64(len(sub)) // at least sketchStride
	for r := range sub {
		mid := (float64(r)+0.5)*run - 0.5 // the run's middle, as an index into a, >= 1.5
		at := int(mid + 0.5)              // the nearest, or the upper of two
		if r&1 == 0 && float64(at) == mid+0.5 {
			at-- // the lower of two
		}
		sub[r] = a[min(at, len(a)-1)]
	}
}

// selectPair returns the kMin-th and kMax-th smallest differences, kMin <=
// kMax: from the sketch's pivots when it has them for these ranks (hinted),
// else by selectBand's rounds from the prepared band when that holds the
// ranks, else from all differences. With maxRounds > 0, ok is false when
// that many rounds did not reach them.
func (d *diffMatrix) selectPair(kMin, kMax int64, maxRounds int) (va, vb float64, ok bool) {
	var pa, pb float64
	given := false
	if h, ok := d.hintFor(kMin, kMax); ok {
		if va, vb, ok := d.hinted(h); ok {
			return va, vb, true
		}
		d.misses++
		d.reset(nil)
		pa, pb, given = h.pa, h.pb, true
	} else if d.useSaved && kMin > d.saved.below && kMax <= d.saved.below+d.saved.active {
		d.reset(&d.saved)
	} else {
		d.reset(nil)
	}
	v, found, ok := d.selectBand(kMin, kMax, given, pa, pb, maxRounds)
	switch {
	case !ok:
		return 0, 0, false
	case found:
		return v, v, true
	}
	va = selectKth(d.sel, int(kMin-d.selBelow-1))
	vb = va
	if kMax != kMin {
		vb = selectKth(d.sel, int(kMax-d.selBelow-1))
	}
	return va, vb, true
}

// hinted selects ranks h.kMin and h.kMax with one counting walk at h.pa
// and the elements strictly between h.pa and h.pb collected from where
// that walk left each row: a rank is pa when it lies among pa's ties, an
// element of the collected ones (sel, with selBelow below them) when it
// lies among those, and pb when it lies above them among pb's ties (which
// takes a walk at pb: recorded samples tie there often). ok is false when
// a rank lies elsewhere: the pivots missed it.
func (d *diffMatrix) hinted(h hint) (va, vb float64, ok bool) {
	d.sel = nil
	c := collected{pa: h.pa, pb: h.pb, ble: -1}
	c.alt, c.ale = d.count(h.pa, d.lt, d.le)
	if h.kMin <= c.alt {
		return 0, 0, false
	}
	if h.kMax > c.ale {
		if c.buf, ok = d.collect(d.le, h.pb); !ok {
			return 0, 0, false
		}
	}
	va, okA := d.value(&c, h.kMin)
	vb, okB := d.value(&c, h.kMax)
	d.sel, d.selBelow = c.buf, c.ale
	return va, vb, okA && okB
}

// collected is what a walk at pa and the elements collected between pa
// and pb say: ranks alt+1..ale are pa, the next len(buf) are buf's, and
// those after them up to ble (counted when first wanted, -1 before) are pb.
type collected struct {
	pa, pb   float64
	alt, ale int64
	buf      []float64
	ble      int64
}

// value returns rank k's value from c, ok false when c does not hold it.
// It reorders c.buf.
func (d *diffMatrix) value(c *collected, k int64) (float64, bool) {
	above := c.ale + int64(len(c.buf))
	switch {
	case k <= c.alt:
		return 0, false
	case k <= c.ale:
		return c.pa, true
	case k <= above:
		return selectKth(c.buf, int(k-c.ale-1)), true
	}
	if c.ble < 0 {
		_, c.ble = d.count(c.pb, d.lt2, d.le2)
	}
	return c.pb, k <= c.ble
}

// collect copies to the buffer the elements below pb from column from[i]
// on in each row i, and says whether the buffer held them. Each row tests
// its next two columns without a branch (between two close pivots lie
// about one element per row or fewer) and goes on by a loop only when both
// are below pb. ypf puts two -Inf before y, whose differences +Inf are
// never below pb, for the rows with fewer columns left.
func (d *diffMatrix) collect(from []int32, pb float64) ([]float64, bool) {
	x, ypf := d.x, d.ypf
	n := len(d.y)
	from = from[:len(x)]
	buf := d.buf[:cap(d.buf)]
	lim := len(buf) - 2 // room for a row's two writes
	p := 0
	for i, xi := range x {
		// columns from[i] and from[i]+1 are y[n-1-from[i]] and the y
		// before it: ypf[j+1] and ypf[j]
		j := n - int(from[i])
		w := (*[2]float64)(ypf[j : j+2])
		e0, e1 := xi-w[1], xi-w[0]
		if p > lim {
			return nil, false
		}
		buf[p] = e0
		p += b2i(e0 < pb)
		buf[p] = e1
		p += b2i(e1 < pb) // e1 >= e0: below pb only if e0 is
		if e1 < pb {
			for j--; j >= 1; j-- {
				e := xi - ypf[j]
				if !(e < pb) {
					break
				}
				if p > lim {
					return nil, false
				}
				buf[p] = e
				p++
			}
		}
	}
	if p > lim {
		return nil, false
	}
	return buf[:p], true
}

// kth returns the k-th smallest difference, 1 <= k <= m·n.
//
// Each round counts two pivots just below and just above the wanted rank
// (Floyd & Rivest's idea) and keeps what lies between them. While the band
// is open on a side, the pivots are elements, the weighted quantiles of the
// rows' quantiles; once it is bounded by values vlo < vhi, they interpolate
// linearly between the two values counted so far (bounds, or pivots of
// earlier rounds and selections) closest around the wanted rank. A round
// that fails to halve the band is followed by one with Johnson and
// Mizoguchi's pivot, the weighted median of the row medians, which drops at
// least a quarter of it: O(log(m·n)) rounds of O(m+n) each, and in practice
// two (TestSelectionRounds). With the sketch's pivots, one walk and a pass
// collecting the elements between them (hinted).
func (d *diffMatrix) kth(k int64) float64 {
	v, _, _ := d.selectPair(k, k, 0)
	return v
}

// selectBand runs kth's rounds from the current band until the band holding
// ranks kMin..kMax fits the buffer, and copies it there (sel, with selBelow
// elements below it). The first round counts pa and pb when given. found
// is true when a pivot turned out to be every rank wanted (v). With
// maxRounds > 0, ok is false when that many rounds did not suffice: for a
// range kMin < kMax, whose elements can all be one tied value, the rounds
// need not end otherwise.
func (d *diffMatrix) selectBand(kMin, kMax int64, given bool, ga, gb float64, maxRounds int) (v float64, found, ok bool) {
	safe, poor := false, false
	delta := 0.006 // half-width of the bracket in value rounds, as a fraction of the band
	d.sel = nil
	for round := 0; ; round++ {
		if d.active <= int64(cap(d.buf)) {
			d.sel, d.selBelow = d.materialize(), d.below
			return 0, false, true
		}
		if maxRounds > 0 && round >= maxRounds {
			return 0, false, false
		}
		prev, below := d.active, d.below
		var pa, pb, ra, rb float64
		interp := false
		switch {
		case given && round == 0:
			pa, pb = ga, gb
		case safe:
			pa = d.pivot(0.5, d.rows, 0)
			pb = pa
		case math.IsInf(d.vhi-d.vlo, 0) || !(d.vhi > d.vlo):
			const delta = 0.02
			pa = d.pivot((float64(kMin-below)-0.5)/float64(prev)-delta, d.rows, sampleRows)
			pb = d.pivot((float64(kMax-below)-0.5)/float64(prev)+delta, d.rows, sampleRows)
		default:
			interp = true
			// At least as wide as to hold a few hundred elements: a bracket
			// that misses the wanted rank costs a round, and that many
			// cost next to nothing to select from.
			delta = max(delta, bracketFill*float64(cap(d.buf))/float64(prev))
			ra, rb = float64(kMin)-0.5-delta*float64(prev), float64(kMax)-0.5+delta*float64(prev)
			pa, ra = d.interpolate(kMin, kMax, ra)
			pb, rb = d.interpolate(kMin, kMax, rb)
		}
		if v, ok := d.narrow(kMin, kMax, pa, pb); ok {
			return v, true, true
		}
		if kMin < kMax { // every wanted rank one pivot's value: narrow leaves that to kth
			alt, ale, blt, ble := d.last[0], d.last[1], d.last[2], d.last[3]
			switch {
			case kMin > alt && kMax <= ale:
				return pa, true, true
			case kMin > blt && kMax <= ble:
				return pb, true, true
			}
		}
		d.rounds++
		if interp {
			// The pivots' ranks missed their targets by err, a fraction of
			// the old band. Linear interpolation's rank error grows with the
			// square of the band, so as a fraction of the new band it is
			// err·new/old; the next bracket is twice that.
			err := max(math.Abs(float64(d.last[0])-ra), math.Abs(float64(d.last[3])-rb)) / float64(prev)
			delta = min(max(2*err*float64(d.active)/float64(prev), 0.002), 0.25)
		}
		// Two poor rounds in a row call for a guaranteed one.
		bad := d.active > prev/2
		safe = !safe && bad && poor
		poor = bad
	}
}

// materialize copies the band's elements to the buffer, which holds them.
func (d *diffMatrix) materialize() []float64 {
	x, y, lo, hi := d.x, d.y, d.lo[:len(d.x)], d.hi[:len(d.x)]
	buf := d.buf[:0]
	last := int32(len(y) - 1)
	for i, xi := range x {
		for c := lo[i]; c < hi[i]; c++ {
			buf = append(buf, xi-y[last-c])
		}
	}
	return buf
}

// nextInBand returns the (k+1)-th smallest difference, given v = kth(k)
// just returned, when the band kth selected it in holds that rank too: v
// again when the band has more than k - below elements at or below v, else
// the smallest above v. One pass over at most cap(buf) values, where the
// alternative is a counting walk over every row (hodgesLehmann).
func (d *diffMatrix) nextInBand(k int64, v float64) (w float64, ok bool) {
	r := k + 1 - d.selBelow // the rank wanted within the band
	if d.sel == nil || r > int64(len(d.sel)) {
		return 0, false
	}
	atMost, w := int64(0), math.Inf(1)
	for _, e := range d.sel {
		if e <= v {
			atMost++
		} else if e < w {
			w = e
		}
	}
	if atMost >= r {
		return v, true
	}
	return w, true
}

// interpolate returns the value whose rank among all differences is about
// rank, and the rank it is at for the interpolation, which is rank clamped to
// the band: linear between the two counted values closest around the k-th
// difference, the band's bounds or pivots counted earlier.
func (d *diffMatrix) interpolate(kMin, kMax int64, rank float64) (v, at float64) {
	x0, r0 := d.vlo, float64(d.below)
	x1, r1 := d.vhi, float64(d.below+d.active)
	for _, p := range d.known[:d.nknown] {
		switch {
		case p.v <= x0 || p.v >= x1:
		case p.le < kMin:
			x0, r0 = p.v, float64(p.le)
		case p.lt >= kMax:
			x1, r1 = p.v, float64(p.lt)
		}
	}
	at = min(max(rank, r0), r1)
	v = x0 + (at-r0)/(r1-r0)*(x1-x0)
	return min(max(v, d.vlo), d.vhi), at
}

// bracketFill is the least fraction of the selection buffer that a value
// round's bracket aims to hold.
const bracketFill = 0.03

// sampleRows is about how many active rows a targeted pivot is drawn from.
const sampleRows = 1024

// pivot is the weighted f-quantile, weighted by active width, of the active
// rows' f-quantiles, over every active row or, when sample > 0, over about
// sample of them evenly spaced. f is clamped to [0, 1].
func (d *diffMatrix) pivot(f float64, rows, sample int) float64 {
	f = min(max(f, 0), 1)
	stride := 1
	if sample > 0 && rows > 2*sample {
		stride = rows / sample
	}
	vals, wts := d.vals[:0], d.wts[:0]
	total, seen := 0.0, 0
	for i := range d.x {
		lo, hi := d.lo[i], d.hi[i]
		if hi <= lo {
			continue
		}
		seen++
		if seen%stride != 0 {
			continue
		}
		c := lo + int32(f*float64(hi-lo)+0.5)
		if c >= hi {
			c = hi - 1
		}
		vals = append(vals, d.at(i, c))
		w := float64(hi - lo)
		wts = append(wts, w)
		total += w
	}
	return weightedQuantile(vals, wts, max(f*total, math.SmallestNonzeroFloat64))
}

// next returns the smallest difference greater than v, given the per-row
// counts le left by count(v, lt, le). ok is false when no difference exceeds v.
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

// weightedQuantile returns the value v with total weight below v < target and
// total weight at or below v >= target, for 0 < target <= Σ wts. It reorders
// vals and wts.
func weightedQuantile(vals, wts []float64, target float64) float64 {
	lo, hi := 0, len(vals) // search in vals[lo:hi]; the weight left of lo is below target
	for {
		if hi-lo <= 1 {
			return vals[min(lo, len(vals)-1)]
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
// deterministic quickselect with median-of-3 pivots whose partitions do not
// branch on the values (a branch there is a coin toss the processor loses
// half the time). One pass splits off the values below the pivot and counts
// those equal to it; a second, over the rest, gathers the equal ones only
// when there are several, as with ties: with one, the pivot is not the
// smallest of a range of three or more (it is the median of three
// distinct places), so the range shrinks without it.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)
	for hi-lo > 1 {
		pv := medianOf3(a[lo], a[lo+(hi-lo)/2], a[hi-1])
		p, eq := lo, 0
		part := a[lo:hi]
		for i, v := range part {
			part[i] = a[p]
			a[p] = v
			p += b2i(v < pv)
			eq += b2i(v == pv)
		}
		switch {
		case k < p:
			hi = p
		case k < p+eq:
			return pv
		case eq == 1 && p > lo:
			lo = p
		default:
			q := p
			rest := a[p:hi]
			for i, v := range rest {
				rest[i] = a[q]
				a[q] = v
				q += b2i(v == pv)
			}
			lo = q
		}
	}
	return a[lo]
}
