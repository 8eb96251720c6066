package analysis

import (
	"fmt"
	"math"
	"testing"
)

// signrankOracle is testdata/oracle/signrank.json, written by
// testdata/oracle/signrank.R from R 4.2.2.
type signrankOracle struct {
	RVersion string `json:"r_version"`
	Cases    []struct {
		Name      string          `json:"name"`
		X         []float64       `json:"x"`
		Mu        float64         `json:"mu"`
		Conf      float64         `json:"conf"`
		Statistic float64         `json:"statistic"`
		N         int             `json:"n"`
		P         map[string]rnum `json:"p"`
		Method    string          `json:"method"`
		ConfInt   []rnum          `json:"conf_int"`
		Estimate  rnum            `json:"estimate"`
		ConfLevel rnum            `json:"conf_level"`
		CIMethod  string          `json:"ci_method"`
	} `json:"cases"`
	Psignrank []struct {
		N            int
		Q            float64
		Lower, Upper float64
	} `json:"psignrank"`
	Qsignrank []struct {
		N int
		P float64
		Q int
	} `json:"qsignrank"`
	Holm []struct {
		P        []float64 `json:"p"`
		Adjusted []float64 `json:"adjusted"`
	} `json:"holm"`
	Blocks []struct {
		X     []float64 `json:"x"`
		L     int       `json:"L"`
		Means []float64 `json:"means"`
	} `json:"blocks"`
}

func loadSignrankOracle(t *testing.T) signrankOracle {
	return readOracle[signrankOracle](t, "signrank.json")
}

func (o signrankOracle) short() string {
	if len(o.Cases) < 50 || len(o.Holm) < 5 || len(o.Blocks) < 5 {
		return fmt.Sprintf("%d cases, %d holm, %d blocks: too few", len(o.Cases), len(o.Holm), len(o.Blocks))
	}
	return ""
}

// sameOrClose reports whether got equals want within rel (relative), or
// within abs absolutely, with NaN equal to NaN.
func sameOrClose(got, want, rel, abs float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return relClose(got, want, rel) || math.Abs(got-want) <= abs
}

func TestOracleSignedRank(t *testing.T) {
	o := loadSignrankOracle(t)
	for _, c := range o.Cases {
		t.Run(c.Name, func(t *testing.T) {
			for name, alt := range alternatives {
				r, err := SignedRank(c.X, c.Mu, alt)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want := float64(c.P[name])
				if math.IsNaN(want) { // R has no two-sided answer: verdict says 1
					want = 1
				}
				if r.N != c.N || r.V != c.Statistic || r.Method != c.Method || !relClose(r.P, want, 1e-9) {
					t.Errorf("%s: N %d V %v p %.17g %s, R N %d V %v p %.17g %s", name, r.N, r.V, r.P, r.Method, c.N, c.Statistic, want, c.Method)
				}
			}
			// The margin form: wilcox.test(x - mu) is the same test.
			shifted := make([]float64, len(c.X))
			for i, v := range c.X {
				shifted[i] = v - c.Mu
			}
			for name, alt := range alternatives {
				r, _ := SignedRank(shifted, 0, alt)
				if r.N != c.N || r.V != c.Statistic {
					t.Errorf("shifted %s: N %d V %v, R N %d V %v", name, r.N, r.V, c.N, c.Statistic)
				}
			}
			ci, err := SignedRankCI(c.X, c.Conf)
			if err != nil {
				t.Fatal(err)
			}
			if ci.Method != c.CIMethod {
				t.Errorf("interval method %s, R %s", ci.Method, c.CIMethod)
			}
			scale := 0.0
			for _, v := range c.X {
				scale = math.Max(scale, math.Abs(v))
			}
			check := func(what string, got, want float64) {
				if !sameOrClose(got, want, 1e-9, 1e-12) {
					t.Errorf("%s = %.17g, R %.17g", what, got, want)
				}
			}
			check("estimate", ci.Estimate, float64(c.Estimate))
			check("low", ci.Low, float64(c.ConfInt[0]))
			check("high", ci.High, float64(c.ConfInt[1]))
			check("achieved", ci.Achieved, float64(c.ConfLevel))
		})
	}
}

func TestOracleSignrankDist(t *testing.T) {
	o := loadSignrankOracle(t)
	for _, c := range o.Psignrank {
		d := newSignRankDist(c.N)
		if got := d.cdf(c.Q, true); !relClose(got, c.Lower, 1e-12) {
			t.Errorf("psignrank(%v, %d) = %.17g, R %.17g", c.Q, c.N, got, c.Lower)
		}
		if got := d.cdf(c.Q, false); !relClose(got, c.Upper, 1e-12) {
			t.Errorf("psignrank(%v, %d, lower.tail=FALSE) = %.17g, R %.17g", c.Q, c.N, got, c.Upper)
		}
	}
	for _, c := range o.Qsignrank {
		if got := newSignRankDist(c.N).quantile(c.P); got != c.Q {
			t.Errorf("qsignrank(%v, %d) = %d, R %d", c.P, c.N, got, c.Q)
		}
	}
}

func TestOracleHolm(t *testing.T) {
	o := loadSignrankOracle(t)
	for _, c := range o.Holm {
		got := Holm(c.P)
		for i := range got {
			if !relClose(got[i], c.Adjusted[i], 1e-15) {
				t.Errorf("holm(%v)[%d] = %.17g, R %.17g", c.P, i, got[i], c.Adjusted[i])
			}
		}
	}
}

func TestOracleBlockMeans(t *testing.T) {
	o := loadSignrankOracle(t)
	for _, c := range o.Blocks {
		got := BlockMeans(c.X, c.L)
		if len(got) != len(c.Means) {
			t.Errorf("BlockMeans(len %d, %d): %d blocks, R %d", len(c.X), c.L, len(got), len(c.Means))
			continue
		}
		scale := 0.0
		for _, v := range c.X {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range got { // R sums in long double: a few ulps of the block's scale
			if math.Abs(got[i]-c.Means[i]) > 1e-15*scale {
				t.Errorf("BlockMeans(len %d, %d)[%d] = %.17g, R %.17g", len(c.X), c.L, i, got[i], c.Means[i])
			}
		}
	}
}
