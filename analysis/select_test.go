package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomSample draws n values of one of several shapes: continuous, heavily
// tied small integers, skewed, or with a few extreme values.
func randomSample(r *rand.Rand, n, shape int) []float64 {
	x := make([]float64, n)
	for i := range x {
		switch shape % 4 {
		case 0:
			x[i] = r.NormFloat64()
		case 1:
			x[i] = float64(r.IntN(4))
		case 2:
			x[i] = math.Exp(2 * r.NormFloat64())
		case 3:
			x[i] = float64(r.IntN(1000)) / 8
			if r.IntN(10) == 0 {
				x[i] *= 1e6
			}
		}
	}
	return x
}

// bruteDiffs materialises and sorts all differences x[i]-y[j].
func bruteDiffs(x, y []float64) []float64 {
	d := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			d = append(d, a-b)
		}
	}
	slices.Sort(d)
	return d
}

func TestSelectionMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for iter := range 400 {
		m, n := 1+r.IntN(60), 1+r.IntN(60)
		if iter%10 == 0 { // big enough for several selection rounds
			m, n = 100+r.IntN(300), 100+r.IntN(300)
		}
		x, y := randomSample(r, m, iter), randomSample(r, n, iter/4)
		slices.Sort(x)
		slices.Sort(y)
		want := bruteDiffs(x, y)
		dm := newDiffMatrix(x, y, make([]float64, diffScratch(m, n)), nil)
		ks := []int64{1, int64(len(want)), int64(len(want)+1) / 2}
		for range 20 {
			ks = append(ks, 1+r.Int64N(int64(len(want))))
		}
		for j, k := range ks {
			if j == 3 { // later ranks go through a prepared band, like Compare
				a, b := 1+r.Int64N(int64(len(want))), 1+r.Int64N(int64(len(want)))
				dm.prepare(min(a, b), max(a, b))
			}
			if got := dm.kth(k); got != want[k-1] {
				t.Fatalf("iter %d m=%d n=%d: kth(%d) = %v, brute force %v", iter, m, n, k, got, want[k-1])
			}
			nlt, nle := dm.count(want[k-1], dm.lt, dm.le)
			wlt, _ := slices.BinarySearch(want, want[k-1])
			wle := wlt
			for wle < len(want) && want[wle] == want[k-1] {
				wle++
			}
			if nlt != int64(wlt) || nle != int64(wle) {
				t.Fatalf("iter %d: count(%v) = %d, %d; brute force %d, %d", iter, want[k-1], nlt, nle, wlt, wle)
			}
		}
		if med := hodgesLehmann(dm); med != bruteMedian(want) {
			t.Fatalf("iter %d: Hodges–Lehmann %v, brute force %v", iter, med, bruteMedian(want))
		}
	}
}

// bruteMedian is R's median of sorted values.
func bruteMedian(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1]/2 + s[n/2]/2
}

// refRoot is R's root(zq) of the asymptotic interval found by scanning: the
// ends as R checks them, then R's W(d) at the midpoint of every pair of
// consecutive distinct differences; the root is the difference after which
// W(d) - zq first drops to 0 or below.
func refRoot(s *twoSample, diffs []float64, zq float64) float64 {
	lo, hi := diffs[0], diffs[len(diffs)-1]
	if s.wAt(lo)-zq <= 0 {
		return lo
	}
	if s.wAt(hi)-zq >= 0 {
		return hi
	}
	u := slices.Compact(slices.Clone(diffs))
	for j := 0; j+1 < len(u); j++ {
		if s.wAt(u[j]/2+u[j+1]/2)-zq <= 0 {
			return u[j]
		}
	}
	return hi
}

func TestCompareMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for iter := range 300 {
		m, n := 1+r.IntN(70), 1+r.IntN(70)
		x, y := randomSample(r, m, iter), randomSample(r, n, iter+iter/4)
		for i := range x {
			x[i] += float64(r.IntN(3)) / 4
		}
		conf := []float64{0.8, 0.9, 0.95, 0.98, 0.99}[iter%5]
		c, err := Compare(x, y, conf)
		if err != nil {
			t.Fatal(err)
		}
		s, _, _ := newTwoSample(x, y, 0)
		diffs := bruteDiffs(s.x, s.y)
		if s.allEqual() {
			if c.P != 1 || c.Estimate != 0 || c.CILow != 0 || c.CIHigh != 0 {
				t.Fatalf("iter %d: all equal gave %+v", iter, c)
			}
			continue
		}
		if c.Estimate != bruteMedian(diffs) {
			t.Fatalf("iter %d: estimate %v, brute force %v", iter, c.Estimate, bruteMedian(diffs))
		}
		var lo, hi float64
		alpha := 1 - conf
		switch {
		case diffs[0] == diffs[len(diffs)-1]:
			lo, hi = diffs[0], diffs[0]
		case c.Method == MethodExact:
			d := newWilcoxDist(m, n)
			qu := max(d.quantile(alpha/2), 1)
			lo, hi = diffs[qu-1], diffs[m*n-qu]
		default:
			lo, hi = refRoot(s, diffs, -qnorm(alpha/2)), refRoot(s, diffs, qnorm(alpha/2))
		}
		if c.CILow != lo || c.CIHigh != hi {
			t.Fatalf("iter %d m=%d n=%d %s: interval [%v, %v], reference [%v, %v]", iter, m, n, c.Method, c.CILow, c.CIHigh, lo, hi)
		}
	}
}

func TestSortFloats(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, radixMin - 1, radixMin, 1000, 5000} {
		for shape := range 4 {
			a := randomSample(r, n, shape)
			for i := range a {
				if r.IntN(3) == 0 {
					a[i] = -a[i]
				}
			}
			if n > 3 {
				a[0], a[1], a[2] = math.Copysign(0, -1), 0, -math.MaxFloat64
			}
			want := slices.Clone(a)
			slices.Sort(want)
			sortFloats(a, make([]float64, n))
			for i := range a {
				if a[i] != want[i] {
					t.Fatalf("n=%d shape=%d: sorted[%d] = %v, want %v", n, shape, i, a[i], want[i])
				}
			}
		}
	}
}

// TestCountPerRow checks count's per-row counts, which narrow keeps as the
// band's edges, against brute force: every lane start, long steps past the
// window, ties with the pivot and the rows left over after the last lane.
func TestCountPerRow(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	for iter := range 300 {
		m, n := 1+r.IntN(40), 1+r.IntN(40)
		if iter%3 == 0 {
			m, n = 4*n+r.IntN(4), 1+r.IntN(12) // steps much longer than countWindow
		}
		x, y := randomSample(r, m, iter), randomSample(r, n, iter/2)
		slices.Sort(x)
		slices.Sort(y)
		dm := newDiffMatrix(x, y, make([]float64, diffScratch(m, n)), nil)
		pivots := []float64{x[r.IntN(m)] - y[r.IntN(n)], x[0] - y[n-1] - 1, x[m-1] - y[0] + 1, r.NormFloat64()}
		for _, p := range pivots {
			nlt, nle := dm.count(p, dm.lt, dm.le)
			var wlt, wle int64
			for i, xi := range x {
				var lt, le int32
				for _, yj := range y {
					if xi-yj < p {
						lt++
					}
					if xi-yj <= p {
						le++
					}
				}
				if dm.lt[i] != lt || dm.le[i] != le {
					t.Fatalf("iter %d m=%d n=%d t=%v row %d: count gave <%d <=%d, brute force <%d <=%d", iter, m, n, p, i, dm.lt[i], dm.le[i], lt, le)
				}
				wlt += int64(lt)
				wle += int64(le)
			}
			if nlt != wlt || nle != wle {
				t.Fatalf("iter %d: totals %d, %d; brute force %d, %d", iter, nlt, nle, wlt, wle)
			}
		}
	}
}

// TestSelectionRounds bounds the rounds (two counting walks each) that the
// median and a 95% interval take at 24 h of 15 s samples per side, for
// latency-like and uniform data: it guards the pivots' accuracy, which is
// most of Compare's time.
func TestSelectionRounds(t *testing.T) {
	uniform := func(n int, scale float64, seed uint64) []float64 {
		r := rand.New(rand.NewPCG(seed, 42))
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Round(scale*(100+10*r.Float64())*1e6) / 1e6
		}
		return x
	}
	const n = 5761
	total, cases := 0, 0
	for seed := range uint64(8) {
		for _, c := range [][2][]float64{
			{uniform(n, 1.05, 3*seed+1), uniform(n, 1, 3*seed+2)},
			{uniform(n, 1, 3*seed+3), uniform(n, 1, 3*seed+2)},
			{lognormal(n, math.Log(210), 0.3, seed+100), lognormal(n, math.Log(200), 0.3, seed+200)},
		} {
			s, scratch, err := newTwoSample(c[0], c[1], diffScratch(n, n))
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := s.x[0]-s.y[n-1], s.x[n-1]-s.y[0]
			wLo, wHi := s.wAt(lo), s.wAt(hi)
			_, kLo := s.rootAsymptotic(-qnorm(0.025), lo, hi, wLo, wHi)
			_, kHi := s.rootAsymptotic(qnorm(0.025), lo, hi, wLo, wHi)
			dm := newDiffMatrix(s.x, s.y, scratch, nil)
			dm.prepare(kLo, kHi)
			for _, k := range []int64{(dm.size() + 1) / 2, kLo, kHi} {
				dm.kth(k)
			}
			total += dm.rounds
			cases++
		}
	}
	mean := float64(total) / float64(cases)
	t.Logf("%.2f rounds per median and interval", mean)
	if mean > 7 {
		t.Errorf("%.2f rounds per median and interval, want at most 7 (two per rank and a few misses)", mean)
	}
}
