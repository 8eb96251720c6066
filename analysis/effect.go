package analysis

import "math"

// Effect holds effect sizes of x (canary) against y (baseline).
type Effect struct {
	RelativeShift float64 // (median(x)-median(y))/|median(y)|; NaN when median(y)==0
	MeanRatio     float64 // mean(x)/mean(y); NaN when mean(y)==0
	CLES          float64 // P(x>y) + 0.5 P(x==y)
}

// Effects computes effect sizes of x against y over their finite values (NaN
// and ±Inf are dropped, as in MannWhitneyUTest): the relative shift of the
// medians, the ratio of the means, and the common-language effect size
// CLES = U/(m·n) = P(x > y) + ½P(x = y) (McGraw & Wong 1992), counted with a
// merge of the sorted samples. ErrEmpty when either side has no finite value.
func Effects(x, y []float64) (Effect, error) {
	s, _, err := newTwoSample(x, y, 0)
	if err != nil {
		return Effect{}, err
	}
	e := Effect{CLES: s.u / s.mn(), RelativeShift: math.NaN(), MeanRatio: math.NaN()}
	mx, my := Quantile(s.x, 0.5), Quantile(s.y, 0.5)
	if my != 0 {
		e.RelativeShift = (mx - my) / math.Abs(my)
	}
	if meanY := meanOf(s.y); meanY != 0 {
		e.MeanRatio = meanOf(s.x) / meanY
	}
	return e, nil
}
