package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ar1 returns n points of a stationary AR(1) series with lag-1 correlation
// phi and unit marginal variance.
func ar1(r *rand.Rand, n int, phi float64) []float64 {
	x := make([]float64, n)
	s := math.Sqrt(1 - phi*phi)
	v := r.NormFloat64()
	for i := range x {
		x[i] = v
		v = phi*v + s*r.NormFloat64()
	}
	return x
}

func TestBlockMeans(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		L    int
		want []float64
	}{
		{1, x}, {2, []float64{1.5, 3.5, 5.5}}, {3, []float64{2, 5}}, {7, []float64{4}},
		{8, []float64{}}, {0, x}, {-2, x},
	} {
		got := BlockMeans(x, tc.L)
		if len(got) != len(tc.want) {
			t.Errorf("L %d: %v, want %v", tc.L, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("L %d: %v, want %v", tc.L, got, tc.want)
				break
			}
		}
	}
	if m := BlockMeans([]float64{1, nan, 3, 4}, 2); !math.IsNaN(m[0]) || m[1] != 3.5 {
		t.Errorf("a NaN block: %v, want [NaN 3.5]", m)
	}
}

func TestBlockLength(t *testing.T) {
	if l := BlockLength(); l != 1 {
		t.Errorf("no series: %d", l)
	}
	if l := BlockLength([]float64{3, 3, 3, 3}); l != 1 {
		t.Errorf("constant series: %d", l)
	}
	if l := BlockLength([]float64{nan, 1}); l != 1 {
		t.Errorf("one finite value: %d", l)
	}
	r := rand.New(rand.NewPCG(1, 2))
	// iid: L = 1 in most series.
	ones := 0
	for range 200 {
		if BlockLength(ar1(r, 240, 0)) == 1 {
			ones++
		}
	}
	if ones < 180 {
		t.Errorf("iid series of 240: L = 1 in %d of 200, want most", ones)
	}
	// Strong autocorrelation: long blocks, but at least minBlocks of them.
	for _, phi := range []float64{0.5, 0.8, 0.9, 0.99} {
		for _, n := range []int{120, 240, 1000} {
			x := ar1(r, n, phi)
			l := BlockLength(x)
			if n/l < minBlocks {
				t.Errorf("phi %v n %d: L %d leaves %d blocks", phi, n, l, n/l)
			}
			if phi >= 0.8 && l < 5 {
				t.Errorf("phi %v n %d: L %d, want long blocks", phi, n, l)
			}
		}
	}
	// Two series of an unpaired test get one L, no longer than the shorter allows.
	a, b := ar1(r, 240, 0.9), ar1(r, 96, 0.9)
	if l := BlockLength(a, b); 96/l < minBlocks {
		t.Errorf("unpaired 240 and 96: L %d", l)
	}
	// A trend is dependence too.
	trend := make([]float64, 240)
	for i := range trend {
		trend[i] = float64(i) + r.NormFloat64()
	}
	if l := BlockLength(trend); l != 240/minBlocks {
		t.Errorf("trend: L %d, want the cap %d", l, 240/minBlocks)
	}
}

// TestPairedBlockLength: the sides join the estimate (blocks of 1.5 τ over
// the pooled ρ) only when they carry the autocorrelation the differences
// show; a drift or a noise both sides share, which pairing cancels, leaves
// the differences' own rule (2 τ), and differences without
// autocorrelation get blocks of one whatever the sides do.
func TestPairedBlockLength(t *testing.T) {
	const n = 241
	r := rand.New(rand.NewPCG(21, 22))
	diff := func(b, c []float64) []float64 {
		d := make([]float64, n)
		for i := range d {
			d[i] = c[i] - b[i]
		}
		return d
	}
	pooled, fewer := 0, 0
	for range 50 {
		b, c := ar1(r, n, 0.8), ar1(r, n, 0.8)
		d := diff(b, c)
		own := BlockLength(d)
		got := PairedBlockLength(d, sidesOf(b, c))
		if want := blockLengthWith(pooledTimes, minBlocks, d, b, c); got == want && own > 1 {
			pooled++
		}
		if got < own {
			fewer++
		}
	}
	if pooled < 45 || fewer < 35 {
		t.Errorf("AR(0.8) sides: pooled in %d of 50 runs, shorter blocks than the differences' own in %d; want nearly all", pooled, fewer)
	}
	for _, tc := range []struct {
		name string
		make func() (b, c []float64)
	}{
		{"shared drift", func() ([]float64, []float64) {
			slow, b, c := ar1(r, n, 0.99), ar1(r, n, 0.5), ar1(r, n, 0.5)
			for i := range b {
				b[i], c[i] = b[i]+5*slow[i], c[i]+5*slow[i]
			}
			return b, c
		}},
		{"shared iid noise", func() ([]float64, []float64) {
			b, c := ar1(r, n, 0.8), ar1(r, n, 0.8)
			for i := range b {
				z := 3 * r.NormFloat64()
				b[i], c[i] = b[i]+z, c[i]+z
			}
			return b, c
		}},
	} {
		for range 20 {
			b, c := tc.make()
			d := diff(b, c)
			if got, own := PairedBlockLength(d, sidesOf(b, c)), BlockLength(d); got != own {
				t.Fatalf("%s: %d, want the differences' own %d", tc.name, got, own)
			}
		}
	}
	b, c := ar1(r, n, 0.95), ar1(r, n, 0.95)
	d := make([]float64, n)
	for i := range d {
		d[i] = r.NormFloat64() // no autocorrelation in the differences
	}
	called := false
	sides := func() ([]float64, []float64) { called = true; return b, c }
	if got := PairedBlockLength(d, sides); got != 1 || called {
		t.Errorf("iid differences with autocorrelated sides: %d (sides built: %v), want 1 without them", got, called)
	}
}
