package judge

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/verdict-ci/verdict/config"
)

// groupWeights returns each used group's weight: its `groups:` weight when
// declared; groups not declared share what the declared ones leave of 100
// equally (all of it when none is declared; when the declared weights use up
// 100 or more, each undeclared group gets their mean weight).
func groupWeights(cfg *config.Config, used []string) map[string]float64 {
	w := map[string]float64{}
	var declared float64
	var undeclared []string
	for _, g := range used {
		if gw, ok := cfg.Groups[g]; ok {
			w[g] = gw.Weight
			declared += gw.Weight
		} else {
			undeclared = append(undeclared, g)
		}
	}
	if len(undeclared) > 0 {
		share := (100 - declared) / float64(len(undeclared))
		if share <= 0 {
			share = declared / float64(len(used)-len(undeclared))
		}
		for _, g := range undeclared {
			w[g] = share
		}
	}
	return w
}

// score fills rep.Groups and rep.Score from the metric classifications
// (SPEC §4): a group's score is 100 × pass / (pass + high + low + missing +
// inconclusive + nodata with must_have_data); the total weighs the groups
// with results by their weights, normalised by their sum (scaled by the
// largest first, so that huge weights cannot overflow). It returns the
// lenient total — every inconclusive metric and every must_have_data metric
// without data counted as a pass — that decides whether a low score aborts.
func score(cfg *config.Config, rep *Report) (lenient float64) {
	type tally struct{ pass, counted, lenient int }
	tallies := map[string]*tally{}
	var order []string
	for _, m := range rep.Metrics {
		t := tallies[m.Group]
		if t == nil {
			t = &tally{}
			tallies[m.Group] = t
			order = append(order, m.Group)
		}
		switch m.Classification {
		case Pass:
			t.pass++
			t.counted++
		case High, Low, Missing:
			t.counted++
		case MetricInconclusive:
			t.counted++
			t.lenient++
		case NoData:
			if m.MustHaveData {
				t.counted++
				t.lenient++
			}
		}
	}
	sort.Strings(order)
	weights := groupWeights(cfg, order)
	top := 0.0
	for _, g := range order {
		if t := tallies[g]; t.counted > 0 {
			top = math.Max(top, weights[g])
		}
	}
	var total, soft, wsum float64
	for _, g := range order {
		gr := GroupResult{Name: g, Weight: round(weights[g], 4)}
		if t := tallies[g]; t.counted > 0 {
			s := round(100*float64(t.pass)/float64(t.counted), 4)
			gr.Score = &s
			w := 1.0 // every weight 0 (only undeclared groups left without share): equal
			if top > 0 {
				w = weights[g] / top
			}
			total += w * s
			soft += w * 100 * float64(t.pass+t.lenient) / float64(t.counted)
			wsum += w
		}
		rep.Groups = append(rep.Groups, gr)
	}
	s := 0.0
	if wsum > 0 {
		s = round(total/wsum, 2)
		lenient = soft / wsum
	}
	rep.Score = &s
	return lenient
}

// round rounds v to places decimals; values too large for that are kept.
func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	if r := math.Round(v*p) / p; !math.IsInf(r, 0) && !math.IsNaN(r) {
		return r
	}
	return v
}

// decide sets the verdict and its reason (SPEC §4): any error (or a score
// that is not finite) decides error; a failing critical metric (high, low,
// missing) aborts; half or more metrics without data, no scored group, or a
// critical metric without data or inconclusive is inconclusive at best; a
// score below marginal aborts only when it stays below with every
// inconclusive metric and every must_have_data metric without data counted
// as a pass (so neither ever aborts by itself); otherwise the score against
// scoring.pass and scoring.marginal.
func decide(cfg *config.Config, rep *Report, lenient float64) {
	var errs, critFail, critUndecided, noData, failing, notShown []Metric
	for _, m := range rep.Metrics {
		switch m.Classification {
		case Failed:
			errs = append(errs, m)
		case High, Low, Missing:
			failing = append(failing, m)
			if m.Critical {
				critFail = append(critFail, m)
			}
		case NoData, MetricInconclusive:
			if m.Classification == NoData {
				noData = append(noData, m)
			} else {
				notShown = append(notShown, m)
			}
			if m.Critical {
				critUndecided = append(critUndecided, m)
			}
		}
	}
	scored := false
	for _, g := range rep.Groups {
		if g.Score != nil {
			scored = true
		}
	}
	n := len(rep.Metrics)
	pass, marginal := cfg.Scoring.Pass, cfg.Scoring.Marginal
	sc := 0.0
	if rep.Score != nil {
		sc = *rep.Score
	}
	switch {
	case len(errs) > 0:
		rep.Verdict, rep.Score = Error, nil
		rep.Reason = fmt.Sprintf("%d of %d metrics could not be fetched, so no verdict is safe: %s", len(errs), n, errs[0].Reason)
	case math.IsNaN(sc) || math.IsInf(sc, 0):
		rep.Verdict, rep.Score = Error, nil
		rep.Reason = fmt.Sprintf("the score is not a finite number (%v): check the group weights", sc)
	case len(critFail) > 0:
		rep.Verdict = Abort
		rep.Reason = "critical metric failed: " + critFail[0].Reason
	case n == 0 || 2*len(noData) >= n:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("%d of %d metrics have no usable data; too little evidence to promote (%s)", len(noData), n, names(noData))
	case !scored:
		rep.Verdict = Inconclusive
		rep.Reason = "no metric produced a result that counts toward the score"
	case sc < marginal && lenient < marginal:
		rep.Verdict = Abort
		rep.Reason = fmt.Sprintf("score %s is below the marginal threshold %s: %s", num(sc), num(marginal), summary(failing))
	case sc < marginal:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("score %s is below the marginal threshold %s, but would be %s with the metrics not shown within their margins (%s) or without data counted as passing: not enough evidence to abort",
			num(sc), num(marginal), num(round(lenient, 2)), names(append(append([]Metric{}, notShown...), mustNoData(noData)...)))
	case sc < pass:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("score %s is marginal (below %s to promote, at least %s): %s", num(sc), num(pass), num(marginal), summary(append(failing, notShown...)))
	case len(critUndecided) > 0:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("score %s would promote, but critical metric %s has no data", num(sc), names(critUndecided))
		if critUndecided[0].Classification == MetricInconclusive {
			rep.Reason = fmt.Sprintf("score %s would promote, but critical metric %s is not shown within its margin: %s", num(sc), critUndecided[0].Name, critUndecided[0].Reason)
		}
	default:
		rep.Verdict = Promote
		if len(failing) == 0 {
			rep.Reason = fmt.Sprintf("score %s ≥ %s: no metric is worse in the canary", num(sc), num(pass))
		} else {
			rep.Reason = fmt.Sprintf("score %s ≥ %s despite: %s", num(sc), num(pass), summary(failing))
		}
	}
}

// mustNoData are the must_have_data metrics among ms.
func mustNoData(ms []Metric) []Metric {
	var out []Metric
	for _, m := range ms {
		if m.MustHaveData {
			out = append(out, m)
		}
	}
	return out
}

func names(ms []Metric) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.Name
	}
	return strings.Join(s, ", ")
}

// summary lists failing metrics briefly: "latency_p99 higher (+12.4%), errors lower".
func summary(ms []Metric) string {
	if len(ms) == 0 {
		return "metrics without data count against the score"
	}
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		dir := "higher"
		switch m.Classification {
		case Low:
			dir = "lower"
		case Missing:
			dir = "missing"
		case MetricInconclusive:
			dir = "not shown within its margin"
		}
		s := m.Name + " " + dir
		if m.Change != nil {
			s += " (" + signedPct(*m.Change) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
