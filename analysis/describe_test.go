package analysis

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestDescribe(t *testing.T) {
	// R: x <- c(3, 1, 4, 1, 5, 9, 2, 6); mean, median, sd, quantile(x, c(.5,.9,.95,.99))
	got, err := Describe([]float64{3, 1, 4, 1, nan, 5, 9, inf, 2, 6})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Count: 8, Mean: 3.875, Median: 3.5, Min: 1, Max: 9,
		Stddev: 2.7483761439387129, P50: 3.5, P90: 6.9, P95: 7.95, P99: 8.79}
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"mean", got.Mean, want.Mean}, {"median", got.Median, want.Median},
		{"min", got.Min, want.Min}, {"max", got.Max, want.Max}, {"sd", got.Stddev, want.Stddev},
		{"p50", got.P50, want.P50}, {"p90", got.P90, want.P90}, {"p95", got.P95, want.P95}, {"p99", got.P99, want.P99},
	} {
		if math.Abs(f.got-f.want) > 1e-6 {
			t.Errorf("%s = %v, R %v", f.name, f.got, f.want)
		}
	}
	if got.Count != 8 {
		t.Errorf("count %d, want 8 finite values", got.Count)
	}
	one, err := Describe([]float64{7})
	if err != nil || one.Stddev != 0 || one.P99 != 7 || one.Mean != 7 {
		t.Errorf("single value: %+v, %v", one, err)
	}
	if _, err := Describe([]float64{nan, -inf}); !errors.Is(err, ErrEmpty) {
		t.Errorf("no finite values: error %v, want ErrEmpty", err)
	}
	huge, err := Describe([]float64{1e308, 1e308})
	if err != nil || huge.Mean != 1e308 {
		t.Errorf("huge values: mean %v, err %v", huge.Mean, err)
	}
}

func TestQuantileType7(t *testing.T) {
	s := []float64{1, 2, 4, 8, 16}
	for _, tc := range []struct{ p, want float64 }{
		{0, 1}, {1, 16}, {0.5, 4}, {0.25, 2}, {0.1, 1.4}, {0.9, 12.8}, {-1, 1}, {2, 16},
	} {
		if got := Quantile(s, tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, R %v", tc.p, got, tc.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) || !math.IsNaN(Quantile(s, nan)) {
		t.Error("Quantile of nothing or at NaN is not NaN")
	}
}

func TestApplyNaN(t *testing.T) {
	x := []float64{1, nan, 2, inf, nan}
	orig := slices.Clone(x)
	out, n := ApplyNaN(x, NaNRemove)
	if n != 2 || !slices.Equal(out, []float64{1, 2, inf}) {
		t.Errorf("remove: %v, %d", out, n)
	}
	out, n = ApplyNaN(x, NaNZero)
	if n != 2 || !slices.Equal(out, []float64{1, 0, 2, inf, 0}) {
		t.Errorf("zero: %v, %d", out, n)
	}
	if !slices.EqualFunc(x, orig, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
		t.Errorf("input modified: %v", x)
	}
	if out, n := ApplyNaN(nil, NaNZero); len(out) != 0 || n != 0 {
		t.Errorf("empty: %v, %d", out, n)
	}
}

func TestRemoveOutliersIQR(t *testing.T) {
	x := []float64{10, 12, 11, 13, 12, 100, nan, 11, -50, inf}
	out, n := RemoveOutliersIQR(x, 1.5)
	// R: q <- quantile(c(10,12,11,13,12,100,11,-50), c(.25,.75)) = 10.75, 12.25; fences 8.5, 14.5
	if n != 3 || len(out) != 7 || out[6] != 11 || !math.IsNaN(out[5]) {
		t.Errorf("got %v, removed %d", out, n)
	}
	if out, n := RemoveOutliersIQR(x, -1); n != 0 || len(out) != len(x) {
		t.Errorf("negative k removed %d", n)
	}
	if out, n := RemoveOutliersIQR(nil, 1.5); n != 0 || len(out) != 0 {
		t.Errorf("empty: %v, %d", out, n)
	}
}

func TestEffects(t *testing.T) {
	e, err := Effects([]float64{2, 4, 6, 8}, []float64{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	// medians 5 and 3, means 5 and 3; pairs x>y: 1+3+5+5 = 14 (+ tie 2=2, 4=4: 1) → (14 + 0.5·2)/20
	if e.RelativeShift != 2.0/3 || e.MeanRatio != 5.0/3 || e.CLES != 15.0/20 {
		t.Errorf("effects %+v", e)
	}
	e, _ = Effects([]float64{1}, []float64{0, 0, 0})
	if !math.IsNaN(e.RelativeShift) || !math.IsNaN(e.MeanRatio) || e.CLES != 1 {
		t.Errorf("zero baseline: %+v", e)
	}
}
