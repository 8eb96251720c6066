package analysis

import (
	"math/bits"
	"slices"
	"unsafe"
)

// radixMin is the length below which sortFloats uses the comparison sort.
const radixMin = 256

// sortFloats sorts a (no NaN) ascending; scratch must hold len(a) values.
// Long slices are sorted by the order-preserving bit patterns of the
// doubles (so -0 comes before +0) in one bucket pass (sortBucket) and an
// insertion sort of the buckets, about one key to a bucket.
func sortFloats(a, scratch []float64) {
	n := len(a)
	if n < radixMin || len(scratch) < n {
		slices.Sort(a)
		return
	}
	tmp := unsafe.Slice((*uint64)(unsafe.Pointer(&scratch[0])), n)
	if n <= smallBuckets {
		sortSmall(a, tmp)
		return
	}
	var w bucketWork
	var hist [topBuckets + slotCount]int32
	sortBucket(a, tmp, hist[:], &w, 0)
}

// sortSmall is sortFloats' pass with the counts of at most smallBuckets
// keys, a quarter of the memory to clear.
func sortSmall(a []float64, tmp []uint64) {
	var w bucketWork
	var hist [smallBuckets + slotCount]int32
	sortBucket(a, tmp, hist[:], &w, 0)
}

const (
	// topBuckets bounds the first pass's buckets (32 KB of counts).
	topBuckets = 1 << 13
	// smallBuckets is the first pass's buckets up to that many keys.
	smallBuckets = 1 << 11
	// subBuckets bounds a nested pass's buckets.
	subBuckets = 1 << 9
	// bucketsPerKey is the buckets a pass aims for per key.
	bucketsPerKey = 1
	// sampleKeys is about how many keys a pass samples (every third key at
	// most) to share its buckets out among the slots.
	sampleKeys = 1 << 10
	// insertionMax is the largest bucket the insertion sort finishes.
	insertionMax = 48
	// bucketDepth bounds the nested passes before the comparison sort takes
	// a bucket over; every pass leaves fewer bits to tell the keys apart,
	// so 64-bit keys never need it.
	bucketDepth = 10
)

// sortBucket sorts a (no NaN, and not both -0 and +0 unless depth is 0)
// by its keys, tmp (as long) as scratch, and hist (zero) for the counts: it
// spreads the keys over about len(a)·bucketsPerKey buckets, at most
// len(hist), and finishes them by insertion, a crowded bucket by a nested
// pass. IEEE bit patterns grow nearly as the logarithm of the value, and
// each slot of binades (or parts of one) gets buckets by its share of a
// sample, so latencies and their differences spread over the buckets
// evenly; clustered or tied values take a nested pass or two.
func sortBucket(a []float64, tmp []uint64, hist []int32, w *bucketWork, depth int) {
	n := len(a)
	lo, hi := ^uint64(0), uint64(0)
	for i, v := range a {
		k := orderedBits(floatBits64(v))
		tmp[i] = k
		lo, hi = min(lo, k), max(hi, k)
	}
	switch {
	case lo == hi: // all equal, to the bit
		return
	case depth >= bucketDepth:
		slices.Sort(a)
		return
	}
	u := newUnits(lo, hi)
	slots, seen := &w.slots, &w.seen
	fillSlots(slots, &u)
	clear(seen[:])
	stride := max(n/sampleKeys, 3)
	sampled := 0
	for i := 0; i < n; i += stride {
		seen[slots[(int(tmp[i]>>u.tableShift)-u.table)&(1<<12-1)]]++
		sampled++
	}
	hist = hist[:planSlots(&w.plan, seen, sampled, &u, lo, hi, min(n*bucketsPerKey, len(hist)-slotCount))]
	out := unsafe.Slice((*uint64)(unsafe.Pointer(&a[0])), n)
	fine := u.tableShift == fineShift // the same loops with the shifts constant
	if fine {
		countKeys(tmp, hist, w, u.table, fineShift, u.keyShift&63)
	} else {
		countKeys(tmp, hist, w, u.table, binadeShift, u.keyShift&63)
	}
	sum, most := int32(0), int32(0)
	for d, c := range hist {
		hist[d], sum, most = sum, sum+c, max(most, c)
	}
	if fine {
		scatterKeys(tmp, out, hist, w, u.table, fineShift, u.keyShift&63)
	} else {
		scatterKeys(tmp, out, hist, w, u.table, binadeShift, u.keyShift&63)
	}
	// hist[d] is now where bucket d ends. No bucket holds both -0 and +0
	// (they are in different slots), so the doubles compare as the keys.
	if most <= insertionMax {
		insertionSort(a) // every inversion is inside a bucket
		return
	}
	start := int32(0)
	for _, end := range hist {
		switch b := a[start:end]; {
		case len(b) > insertionMax:
			if !slices.IsSorted(b) { // tied values often are
				sortNested(b, tmp[start:end], w, depth+1)
			}
		case len(b) > 1:
			insertionSort(b)
		}
		start = end
	}
}

// countKeys counts the keys of each bucket into hist. Inlined with
// tableShift constant, its loop needs one variable shift, not two.
func countKeys(tmp []uint64, hist []int32, w *bucketWork, table int, tableShift, keyShift uint) {
	for _, k := range tmp {
		hist[w.plan[w.slots[(int(k>>tableShift)-table)&(1<<12-1)]].bucket(k, keyShift)]++
	}
}

// scatterKeys writes the keys to out as doubles, bucket after bucket
// (hist[d] is where bucket d starts, and then ends), inlined as countKeys.
func scatterKeys(tmp, out []uint64, hist []int32, w *bucketWork, table int, tableShift, keyShift uint) {
	for _, k := range tmp {
		d := w.plan[w.slots[(int(k>>tableShift)-table)&(1<<12-1)]].bucket(k, keyShift)
		out[hist[d]] = floatBits(k)
		hist[d]++
	}
}

// sortNested is sortBucket with counts of its own, for a crowded bucket.
// Not inlined, so that they stay on the stack.
//
//go:noinline
func sortNested(a []float64, tmp []uint64, w *bucketWork, depth int) {
	var hist [subBuckets + slotCount]int32
	sortBucket(a, tmp, hist[:], w, depth)
}

// bucketWork is a pass's tables, free again once its keys are in their
// buckets, so that the nested passes share them.
type bucketWork struct {
	slots [1 << 12]uint8 // by unit − the least key's unit
	seen  [slotCount]int32
	plan  [slotCount]bucketSlot
}

// firstSlot is the first slot that can hold keys of span+1 units.
func firstSlot(span int) int {
	if span < slotWindow {
		return 2*slotWindow + 1 - span
	}
	return 0
}

// insertionSort sorts a by insertion: quick when every value is near its
// place.
func insertionSort(a []float64) {
	for i := 1; i < len(a); i++ {
		v := a[i]
		j := i
		for ; j > 0 && a[j-1] > v; j-- {
			a[j] = a[j-1]
		}
		a[j] = v
	}
}

// A pass groups the keys into slots of whole units: a unit is a binade
// (the keys' top 12 bits: sign and exponent) or, when the keys span few
// binades, an equal part of one, so that about unitsWanted units or more
// hold them. Each of the slotWindow units at either end is a slot, and two
// slots hold all the units between (the negative ones and the others:
// values near zero, when the rest are far from it). Keys within a binade
// are linear in the value, so each slot's buckets are equal ranges of
// keys, as many as its share of the sample earns. -0 and +0 are never in
// one slot.
const (
	slotWindow  = 64
	slotCount   = 2*slotWindow + 2
	signBinade  = 1 << 11 // the binade of +0, the first of the non-negative
	unitsWanted = 32
)

// units is how a pass's keys, from lo to hi, fall into units: key k is in
// unit k>>shift, from lo to hi; sign is the first non-negative unit. The
// table of slots is by k>>tableShift − table: by unit, or by 64ths of a
// binade when units are smaller than binades.
type units struct {
	shift, tableShift uint
	keyShift          uint // leaves 32 bits of hi−lo
	lo, hi, sign      int
	table             int
}

const (
	binadeShift = 52
	fineShift   = binadeShift - 6
)

func newUnits(lo, hi uint64) units {
	binades := int(hi>>binadeShift-lo>>binadeShift) + 1
	m := max(bits.Len(unitsWanted)-bits.Len(uint(binades)), 0) // 2^m units a binade
	shift, tableShift := uint(binadeShift-m), uint(binadeShift)
	if m > 0 { // fewer than unitsWanted binades, fewer than 2¹² 64ths
		tableShift = fineShift
	}
	keyShift := uint(max(bits.Len64(hi-lo)-32, 0))
	return units{shift, tableShift, keyShift, int(lo >> shift), int(hi >> shift), signBinade << m, int(lo >> tableShift)}
}

// bucketSlot maps the keys of one slot to buckets.
type bucketSlot struct {
	off  uint64 // the slot's least key
	base int32  // its first bucket
	mult uint32 // buckets over 2³² per key>>u.keyShift
}

// bucket is key k's bucket: the slot's buckets are equal ranges of keys
// from s.off, in order; keyShift leaves 32 bits of hi−lo.
func (s *bucketSlot) bucket(k uint64, keyShift uint) int32 {
	return s.base + int32((k-s.off)>>keyShift*uint64(s.mult)>>32)
}

// fillSlots sets slots[f−u.table] to the slot of table entry f for every
// entry from the least key's to the greatest's.
func fillSlots(slots *[1 << 12]uint8, u *units) {
	fine := u.shift - u.tableShift // an entry is a unit's 2^fine-th
	top := u.hi<<fine | (1<<fine - 1)
	for t := firstSlot(u.hi - u.lo); t < slotCount; t++ {
		first, last := slotUnits(t, u)
		if first > last {
			continue
		}
		run := slots[max(first<<fine, u.table)-u.table : min(last<<fine|(1<<fine-1), top)-u.table+1]
		for len(run) >= 8 {
			*(*uint64)(unsafe.Pointer(&run[0])) = uint64(t) * 0x0101010101010101
			run = run[8:]
		}
		for i := range run {
			run[i] = uint8(t)
		}
	}
}

// slotUnits is the first and last unit of slot t (first > last if no key
// can be there): unit u.lo+t is slot t for t < slotWindow, and u.hi−t is
// slot 2·slotWindow+1−t for t < slotWindow (these win where the windows
// overlap); the units between are slot slotWindow if negative, else
// slotWindow+1.
func slotUnits(t int, u *units) (first, last int) {
	switch {
	case t < slotWindow:
		e := u.lo + t
		return e, min(e, u.hi-slotWindow) // else in the upper window
	case t == slotWindow:
		return u.lo + slotWindow, min(u.hi-slotWindow, u.sign-1)
	case t == slotWindow+1:
		return max(u.lo+slotWindow, u.sign), u.hi - slotWindow
	}
	e := t + u.hi - 2*slotWindow - 1
	return max(e, u.lo), e
}

// planSlots shares out about target buckets among the slots of keys in
// [lo, hi] by the sample's count in each and returns the number of buckets
// (at most target + slotCount).
func planSlots(plan *[slotCount]bucketSlot, seen *[slotCount]int32, sampled int, u *units, lo, hi uint64, target int) int32 {
	base := int32(0)
	for t := firstSlot(u.hi - u.lo); t < slotCount; t++ {
		first, last := slotUnits(t, u)
		if first > last {
			continue
		}
		kl, kh := max(lo, uint64(first)<<u.shift), min(hi, uint64(last+1)<<u.shift-1)
		want := 1
		if seen[t] > 0 {
			want = max(int(seen[t])*target/sampled, 1)
		}
		// want buckets of equal ranges of (k−kl)>>u.keyShift:
		// ((k−kl)>>u.keyShift)·mult/2³² < want for k ≤ kh.
		keys := (kh-kl)>>u.keyShift + 1 // at most 2³²
		want = min(want, int(keys))
		mult := min(uint64(want)<<32/keys, 1<<32-1) // 2³²−1: two keys share a bucket
		plan[t] = bucketSlot{kl, base, uint32(mult)}
		base += int32(want)
	}
	return base
}

// floatBits64 is math.Float64bits (inlined the same).
func floatBits64(v float64) uint64 { return *(*uint64)(unsafe.Pointer(&v)) }

// orderedBits maps a double's bits to an unsigned key with the same order:
// negative values have every bit flipped, others only the sign bit.
func orderedBits(u uint64) uint64 {
	return u ^ (uint64(int64(u)>>63) | 1<<63)
}

// floatBits inverts orderedBits.
func floatBits(k uint64) uint64 {
	return k ^ (uint64(int64(^k)>>63) | 1<<63)
}
