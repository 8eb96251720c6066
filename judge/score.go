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

// score fills rep.Groups and rep.Score from the metric classifications (SPEC §4).
func score(cfg *config.Config, rep *Report) {
	type tally struct{ pass, counted int }
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
		case High, Low:
			t.counted++
		case NoData:
			if m.MustHaveData {
				t.counted++
			}
		}
	}
	sort.Strings(order)
	weights := groupWeights(cfg, order)
	var total, wsum float64
	for _, g := range order {
		gr := GroupResult{Name: g, Weight: round(weights[g], 4)}
		if t := tallies[g]; t.counted > 0 {
			s := round(100*float64(t.pass)/float64(t.counted), 4)
			gr.Score = &s
			total += weights[g] * s
			wsum += weights[g]
		}
		rep.Groups = append(rep.Groups, gr)
	}
	if wsum > 0 {
		rep.Score = round(total/wsum, 2)
	}
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// decide sets the verdict and its reason (SPEC §4): any error decides error;
// a failing critical metric aborts; half or more metrics without data, no
// scored group, or a critical metric without data is inconclusive at best;
// otherwise the score against scoring.pass and scoring.marginal.
func decide(cfg *config.Config, rep *Report) {
	var errs, critFail, critNoData, noData, failing []Metric
	for _, m := range rep.Metrics {
		switch m.Classification {
		case Failed:
			errs = append(errs, m)
		case High, Low:
			failing = append(failing, m)
			if m.Critical {
				critFail = append(critFail, m)
			}
		case NoData:
			noData = append(noData, m)
			if m.Critical {
				critNoData = append(critNoData, m)
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
	switch {
	case len(errs) > 0:
		rep.Verdict = Error
		rep.Reason = fmt.Sprintf("%d of %d metrics could not be fetched, so no verdict is safe: %s", len(errs), n, errs[0].Reason)
	case len(critFail) > 0:
		rep.Verdict = Abort
		rep.Reason = "critical metric failed: " + critFail[0].Reason
	case n == 0 || 2*len(noData) >= n:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("%d of %d metrics have no usable data; too little evidence to promote (%s)", len(noData), n, names(noData))
	case !scored:
		rep.Verdict = Inconclusive
		rep.Reason = "no metric produced a result that counts toward the score"
	case rep.Score < marginal:
		rep.Verdict = Abort
		rep.Reason = fmt.Sprintf("score %s is below the marginal threshold %s: %s", num(rep.Score), num(marginal), summary(failing))
	case rep.Score < pass:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("score %s is marginal (below %s to promote, at least %s): %s", num(rep.Score), num(pass), num(marginal), summary(failing))
	case len(critNoData) > 0:
		rep.Verdict = Inconclusive
		rep.Reason = fmt.Sprintf("score %s would promote, but critical metric %s has no data", num(rep.Score), names(critNoData))
	default:
		rep.Verdict = Promote
		if len(failing) == 0 {
			rep.Reason = fmt.Sprintf("score %s ≥ %s: no metric is worse in the canary", num(rep.Score), num(pass))
		} else {
			rep.Reason = fmt.Sprintf("score %s ≥ %s despite: %s", num(rep.Score), num(pass), summary(failing))
		}
	}
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
		if m.Classification == Low {
			dir = "lower"
		}
		s := m.Name + " " + dir
		if m.Change != nil {
			s += " (" + signedPct(*m.Change) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
