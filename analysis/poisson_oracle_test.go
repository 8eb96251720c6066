package analysis

import (
	"fmt"
	"math"
	"testing"
)

// poissonOracle is testdata/oracle/poisson.json, written by
// testdata/oracle/poisson.R from R 4.2.2's own poisson.test.
type poissonOracle struct {
	RVersion string `json:"r_version"`
	Cases    []struct {
		Name     string          `json:"name"`
		XC       rnum            `json:"xc"`
		NC       rnum            `json:"nc"`
		XB       rnum            `json:"xb"`
		NB       rnum            `json:"nb"`
		R        rnum            `json:"r"`
		Conf     rnum            `json:"conf"`
		P        map[string]rnum `json:"p"`
		Estimate rnum            `json:"estimate"`
		ConfInt  []rnum          `json:"conf_int"`
		Error    string          `json:"error"`
	} `json:"cases"`
}

func loadPoissonOracle(t *testing.T) poissonOracle {
	return readOracle[poissonOracle](t, "poisson.json")
}

func (o poissonOracle) short() string {
	if len(o.Cases) < 80 {
		return fmt.Sprintf("%d cases, want at least 80", len(o.Cases))
	}
	return ""
}

// sameNumber compares got with R's want to rel, relative to |want|; values
// that are not finite must be the same non-finite value.
func sameNumber(got, want, rel float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) == math.IsNaN(want) && (math.IsNaN(got) || got == want)
	}
	return relClose(got, want, rel)
}

func TestOraclePoisson(t *testing.T) {
	o := loadPoissonOracle(t)
	refused := 0
	for _, c := range o.Cases {
		t.Run(c.Name, func(t *testing.T) {
			xc, nc, xb, nb := float64(c.XC), float64(c.NC), float64(c.XB), float64(c.NB)
			if c.Error != "" {
				refused++
				if p, err := PoissonRatio(xc, nc, xb, nb, float64(c.R), TwoSided); err == nil {
					t.Errorf("PoissonRatio = %v, R refuses: %s", p, c.Error)
				}
				if est, lo, hi, err := PoissonRatioCI(xc, nc, xb, nb, float64(c.Conf)); err == nil && c.Name != "error-negative-r" {
					t.Errorf("PoissonRatioCI = %v [%v, %v], R refuses: %s", est, lo, hi, c.Error)
				}
				return
			}
			// gonum's incomplete beta loses about n·ε to lgamma's cancellation
			// (n = xc+xb events): 1e-9 holds up to about a million events.
			tol := math.Max(1e-9, (xc+xb)*1e-15)
			for name, alt := range alternatives {
				p, err := PoissonRatio(xc, nc, xb, nb, float64(c.R), alt)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if want := float64(c.P[name]); !sameNumber(p, want, tol) {
					t.Errorf("%s: p = %.17g, R %.17g (rel err %.3g)", name, p, want, math.Abs(p-want)/want)
				}
			}
			est, lo, hi, err := PoissonRatioCI(xc, nc, xb, nb, float64(c.Conf))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				what      string
				got, want float64
			}{{"estimate", est, float64(c.Estimate)}, {"ciLow", lo, float64(c.ConfInt[0])}, {"ciHigh", hi, float64(c.ConfInt[1])}} {
				if !sameNumber(f.got, f.want, 1e-9) {
					t.Errorf("%s = %.17g, R %.17g", f.what, f.got, f.want)
				}
			}
		})
	}
	if refused < 5 {
		t.Errorf("%d cases R refuses, want at least 5", refused)
	}
}
