package judge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/internal/ctxsleep"
	"github.com/verdict-ci/verdict/metrics"
)

// Sequential is a metric's anytime-valid evidence in a watch report (SPEC §6).
type Sequential struct {
	// PValue is the anytime-valid inferiority p-value (the smaller one for
	// fail_on: either), EValue the evidence behind it (1/PValue, at least 1).
	PValue float64 `json:"pValue"`
	EValue float64 `json:"eValue"`
	// Threshold is 1/α times the metric's Holm divisor: the e-value that decides.
	Threshold float64 `json:"threshold"`
	// NonInferiorityPValue is the anytime-valid p that the canary is within
	// its margins (the larger one for either); null without a margin.
	NonInferiorityPValue *float64 `json:"nonInferiorityPValue"`
	// DecidedAt is the data time the metric's classification became final
	// (evidence crossed its threshold, or it was shown within its margin); null if never.
	DecidedAt *string `json:"decidedAt"`
	// Test names the sequential test: t-mixture (series) or beta-mixture (ratio).
	Test string `json:"test"`
	// BlockLength is the series test's block length, fixed once.
	BlockLength int `json:"blockLength,omitempty"`
	Blocks      int `json:"blocks,omitempty"`

	// History is the metric's anytime p-value at each check, for charts (not in JSON).
	History []float64 `json:"-"`
}

// WatchInfo describes a watch (SPEC §6).
type WatchInfo struct {
	Start    string `json:"start"` // RFC 3339
	Interval string `json:"interval"`
	Duration string `json:"duration"`
	Checks   int    `json:"checks"`
	// StoppedAt is the data time of the last judged point (RFC 3339).
	StoppedAt string `json:"stoppedAt"`
	// StopReason is abort, error, cancelled, promote (early) or end.
	StopReason string `json:"stopReason"`
}

// Check is one check of a watch, as the report's history holds it.
type Check struct {
	At      string   `json:"at"` // data time, RFC 3339
	Verdict Verdict  `json:"verdict"`
	Score   *float64 `json:"score"`
	Decided []string `json:"decided"`
}

// Stop reasons of a watch.
const (
	StopAbort     = "abort"
	StopError     = "error"
	StopCancelled = "cancelled"
	StopPromote   = "promote"
	StopEnd       = "end"
)

// WatchOptions tune Watch. Zero Now and Sleep mean the real clock.
type WatchOptions struct {
	Concurrency int
	NoCharts    bool
	// Start is when the watch starts (data time); zero means Now().
	Start time.Time
	// Progress receives one line per check.
	Progress io.Writer
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
}

// watcher is one watch's state.
type watcher struct {
	cfg    *config.Config
	src    metrics.Source
	opt    WatchOptions
	qs     []metrics.Query
	metric []int // metric index of each query
	seq    []*seqMetric
	acc    []accumulated // per query: every point fetched so far
	start  time.Time     // first data time judged (window.start + warmup)
	next   time.Time     // first grid point not yet fetched
	hist   bool          // the baseline's history has been asked for
	judged time.Time     // data time of the last judged point
	alpha  float64

	decidedAt []time.Time
	history   []Check
	pHist     [][]float64
	checks    int
}

// accumulated merges the chunks of one query, series by labels.
type accumulated struct {
	index  map[string]int
	series []metrics.Series
	warns  []string
}

func (a *accumulated) add(r metrics.Result) {
	if a.index == nil {
		a.index = map[string]int{}
	}
	for _, s := range r.Series {
		k := labelKey(s.Labels)
		i, ok := a.index[k]
		if !ok {
			i = len(a.series)
			a.index[k] = i
			a.series = append(a.series, metrics.Series{Labels: s.Labels})
		}
		a.series[i].Points = append(a.series[i].Points, s.Points...)
	}
	for _, w := range r.Warnings {
		if !contains(a.warns, w) {
			a.warns = append(a.warns, w)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Watch judges a rollout while it bakes (SPEC §6): from opt.Start (after
// cfg.Watch.Warmup), every cfg.Watch.Interval it fetches only the points
// since the last check, up to now − cfg.Watch.Lag, updates each metric's
// anytime-valid sequential test and stops at the first abort, error
// (MaxFailedChecks consecutive failed checks, or ctx cancelled), early
// promote (EarlyPromote, every metric shown within its margin) or the end of
// cfg.Watch.Duration. A watched period in the past is replayed without
// waiting. The report is the last check's, with the fixed-horizon figures
// over the judged window (descriptive), each metric's Sequential evidence,
// Watch and History.
func Watch(ctx context.Context, cfg *config.Config, src metrics.Source, opt WatchOptions) (*Report, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = ctxsleep.Sleep
	}
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	start := opt.Start
	if start.IsZero() {
		start = opt.Now()
	}
	start = start.UTC().Truncate(time.Second)
	wc := *cfg
	wc.Window.Start, wc.Window.End = start, start.Add(cfg.Watch.Duration)
	qs, err := Queries(&wc)
	if err != nil {
		return nil, err
	}
	w := &watcher{cfg: &wc, src: src, opt: opt, qs: qs, acc: make([]accumulated, len(qs)), alpha: (1 - cfg.Confidence) / 2}
	for i, j := 0, 0; i < len(qs); i++ {
		for qs[i].Metric != cfg.Metrics[j].Name {
			j++
		}
		w.metric = append(w.metric, j)
	}
	for _, m := range cfg.Metrics {
		w.seq = append(w.seq, newSeqMetric(m))
	}
	w.decidedAt = make([]time.Time, len(cfg.Metrics))
	w.pHist = make([][]float64, len(cfg.Metrics))
	w.start = start.Add(cfg.Watch.Warmup)
	step := cfg.Window.Step
	// the first grid point (anchored at start) at or after the warm-up's end
	w.next = start.Add((cfg.Watch.Warmup + step - 1) / step * step)
	w.judged = w.start
	return w.run(ctx)
}

func (w *watcher) run(ctx context.Context) (*Report, error) {
	cfg := w.cfg
	end := cfg.Window.End
	failed := 0
	var last *Report
	for k := 1; ; k++ {
		at := w.start.Add(time.Duration(k) * cfg.Watch.Interval)
		if at.After(end) {
			at = end
		}
		if wait := at.Add(cfg.Watch.Lag).Sub(w.opt.Now()); wait > 0 {
			if err := w.opt.Sleep(ctx, wait); err != nil {
				return w.final(last, StopCancelled, "cancelled: "+err.Error()), nil
			}
		}
		if err := ctx.Err(); err != nil {
			return w.final(last, StopCancelled, "cancelled: "+err.Error()), nil
		}
		w.checks++
		if err := w.fetch(ctx, at); err != nil {
			if ctx.Err() != nil {
				return w.final(last, StopCancelled, "cancelled: "+ctx.Err().Error()), nil
			}
			failed++
			w.history = append(w.history, Check{At: stamp(at), Verdict: Error, Decided: []string{}})
			fmt.Fprintf(w.opt.Progress, "verdict: watch %s: check failed (%d of %d in a row): %s\n",
				at.Sub(cfg.Window.Start), failed, cfg.Watch.MaxFailedChecks, oneLine(err.Error()))
			if failed >= cfg.Watch.MaxFailedChecks {
				return w.final(last, StopError, fmt.Sprintf("%d checks in a row failed; the last: %s", failed, err)), nil
			}
			if !at.Before(end) {
				return w.final(last, StopError, "the last check failed: "+err.Error()), nil
			}
			continue
		}
		failed = 0
		rep, shown := w.check()
		last = rep
		w.progress(rep)
		switch {
		case rep.Verdict == Abort:
			return w.final(rep, StopAbort, ""), nil
		case cfg.Watch.EarlyPromote && shown && rep.Verdict == Promote:
			return w.final(rep, StopPromote, ""), nil
		case !at.Before(end):
			return w.final(rep, StopEnd, ""), nil
		}
	}
}

// fetch gets every query's points from w.next up to at (the grid point at
// or before it) and, when all arrived, feeds them to the metrics.
func (w *watcher) fetch(ctx context.Context, at time.Time) error {
	step := w.cfg.Window.Step
	to := w.cfg.Window.Start.Add(at.Sub(w.cfg.Window.Start) / step * step)
	if to.Before(w.next) {
		w.judged = at
		return nil // nothing new on the grid yet
	}
	off := w.cfg.Baseline.Offset
	qs := make([]metrics.Query, len(w.qs))
	for i, q := range w.qs {
		q.Start, q.End = w.next, to
		if q.Side == metrics.Baseline {
			q.Start, q.End = q.Start.Add(-off), q.End.Add(-off)
		}
		qs[i] = q
	}
	outs := metrics.FetchAll(ctx, w.src, qs, w.opt.Concurrency)
	var errs []error
	for i, o := range outs {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("metric %q %s: %w", qs[i].Metric, qs[i].Side, o.Err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d queries failed: %w", len(errs), len(qs), errors.Join(errs...))
	}
	if !w.hist {
		w.fetchHistory(ctx)
	}
	g := grid{start: w.next.UnixNano(), step: int64(step), n: int(to.Sub(w.next)/step) + 1}
	chunks := make([]chunk, len(w.seq))
	for i, o := range outs {
		m := w.metric[i]
		if chunks[m] == nil {
			chunks[m] = chunk{}
		}
		chunks[m][chunkKey(qs[i].Part, qs[i].Side)] = o.Result
		w.acc[i].add(o.Result)
	}
	for m, c := range chunks {
		w.seq[m].add(c, g, off)
	}
	w.next = to.Add(step)
	w.judged = at
	return nil
}

// HistoryWindow is how much of the baseline before the watch (and its warm-up)
// is fetched once, for the series tests' estimate of autocorrelation.
const HistoryWindow = 15 * time.Minute

// fetchHistory fetches the baseline of every series metric over the HistoryWindow
// before the first judged point, once. It is optional: a failed query
// leaves that metric without history.
func (w *watcher) fetchHistory(ctx context.Context) {
	w.hist = true
	step, off := w.cfg.Window.Step, w.cfg.Baseline.Offset
	from, to := w.cfg.Window.Start.Add(-HistoryWindow), w.next.Add(-step)
	var qs []metrics.Query
	var which []int
	for i, q := range w.qs {
		if q.Side != metrics.Baseline || w.seq[w.metric[i]].ratio {
			continue
		}
		q.Start, q.End = from.Add(-off), to.Add(-off)
		qs, which = append(qs, q), append(which, w.metric[i])
	}
	if len(qs) == 0 {
		return
	}
	g := grid{start: from.UnixNano(), step: int64(step), n: int(to.Sub(from)/step) + 1}
	for i, o := range metrics.FetchAll(ctx, w.src, qs, w.opt.Concurrency) {
		if o.Err == nil {
			w.seq[which[i]].addHistory(o.Result, g, off)
		}
	}
}

// seqState is one metric's classification at a check.
type seqState struct {
	dec       Decision
	p, e      float64 // smallest inferiority anytime p and its e-value
	nonP      *float64
	threshold float64
	decided   bool // final: crossed, shown within margins, missing, a bound
	shown     bool // every tested direction shown within its margin
}

// states classifies every metric from its sequential evidence: SPEC §4's
// shared rules, then Holm over the anytime inferiority p-values of every
// metric and direction, then the margins.
func (w *watcher) states() []seqState {
	st := make([]seqState, len(w.seq))
	var pool []seqCand
	for i, s := range w.seq {
		st[i].p, st[i].e = 1, 1
		if d := s.shared(w.cfg); d != nil {
			st[i].dec = *d
			st[i].decided = d.Class != NoData
			continue
		}
		for j := range s.dirs {
			inf, _, _ := s.evidence(j)
			pool = append(pool, seqCand{i, j, inf.P})
			if inf.P < st[i].p || j == 0 {
				st[i].p, st[i].e = inf.P, inf.MaxE
			}
		}
	}
	rejected, div := holmAnytime(pool, w.alpha, w.cfg.MultipleTesting == "none")
	for i, s := range w.seq {
		if st[i].dec.Class != "" {
			continue
		}
		st[i].threshold = round(div[i]/w.alpha, 6)
		w.classify(&st[i], i, s, rejected)
	}
	return st
}

// seqCand is one metric's (m) direction's (d) anytime inferiority p.
type seqCand struct {
	m, d int
	p    float64
}

// holmAnytime applies Holm's step-down over pool (or, with none, compares
// each p with α alone): the k-th smallest p is compared with α/(n−k+1)
// while all before it reject. It returns the rejected metric/direction
// pairs and each metric's divisor at its smallest p.
func holmAnytime(pool []seqCand, alpha float64, none bool) (map[[2]int]bool, map[int]float64) {
	sort.SliceStable(pool, func(a, b int) bool { return pool[a].p < pool[b].p })
	rejected := map[[2]int]bool{}
	div := map[int]float64{}
	going := true
	for k, c := range pool {
		d := float64(len(pool) - k)
		if none {
			d = 1
		}
		if _, ok := div[c.m]; !ok {
			div[c.m] = d
		}
		if going && c.p*d <= alpha {
			rejected[[2]int{c.m, c.d}] = true
		} else {
			going = false
		}
	}
	return rejected, div
}

// classify decides metric i (s) that the shared rules left open: failing
// in a rejected direction, else shown within its margins, not yet shown,
// or no evidence against the canary.
func (w *watcher) classify(st *seqState, i int, s *seqMetric, rejected map[[2]int]bool) {
	allShown, anyMargin := true, false
	var worstNon float64
	for j, d := range s.dirs {
		_, non, hasNon := s.evidence(j)
		if hasNon {
			anyMargin = true
			worstNon = math.Max(worstNon, non.P)
			if non.P > w.alpha {
				allShown = false
			}
		} else {
			allShown = false
		}
		if rejected[[2]int{i, j}] {
			dir := "higher"
			if !d.dir.Up {
				dir = "lower"
			}
			inf, _, _ := s.evidence(j)
			st.dec = Decision{d.dir.Class(), fmt.Sprintf("%s is %s in the canary than %s allows: anytime p = %.3g, e-value %s ≥ %s (%s)",
				s.m.Name, dir, allowed(d.dir), inf.P, num(round(inf.MaxE, 1)), num(round(st.threshold, 1)), s.size())}
			st.decided = true
		}
	}
	if anyMargin {
		st.nonP = &worstNon
	}
	if st.decided {
		return
	}
	switch {
	case allShown:
		st.dec = Decision{Pass, fmt.Sprintf("%s is shown within its margin: anytime non-inferiority p = %.3g (%s)", s.m.Name, worstNon, s.size())}
		st.decided, st.shown = true, true
	case anyMargin && w.cfg.MarginTest != "none":
		st.dec = Decision{MetricInconclusive, fmt.Sprintf("%s is not yet shown within its margin: anytime non-inferiority p = %.3g (%s)", s.m.Name, worstNon, s.size())}
	default:
		st.dec = Decision{Pass, fmt.Sprintf("%s: no evidence that the canary is worse: anytime p = %.3g (%s)", s.m.Name, st.p, s.size())}
	}
}

func allowed(d Direction) string {
	if d.Delta == 0 {
		return "the baseline"
	}
	sign := "+"
	if !d.Up {
		sign = "−"
	}
	return "a margin of " + sign + d.Margin.String()
}

// check decides the verdict so far and records the check in the history.
// shown is true when every metric is shown within its margin.
func (w *watcher) check() (*Report, bool) {
	st := w.states()
	rep := newReport(w.cfg)
	shown := len(st) > 0
	var decided []string
	for i, s := range st {
		m := w.cfg.Metrics[i]
		out := Metric{Name: m.Name, Group: m.Group, Kind: kindName(m), Critical: m.Critical, MustHaveData: m.MustHaveData, Line: m.Line,
			Classification: s.dec.Class, Reason: s.dec.Reason}
		if out.Group == "" {
			out.Group = config.DefaultGroup
		}
		rep.Metrics = append(rep.Metrics, out)
		if s.decided {
			decided = append(decided, m.Name)
			if w.decidedAt[i].IsZero() {
				w.decidedAt[i] = w.judged
			}
		}
		shown = shown && s.shown
		w.pHist[i] = append(w.pHist[i], s.p)
	}
	scoreAndDecide(w.cfg, rep)
	if decided == nil {
		decided = []string{}
	}
	w.history = append(w.history, Check{At: stamp(w.judged), Verdict: rep.Verdict, Score: rep.Score, Decided: decided})
	return rep, shown
}

func kindName(m config.Metric) string {
	if m.Kind == "" {
		return config.KindSeries
	}
	return m.Kind
}

// progress prints the check's line: elapsed data time, verdict so far,
// decided metrics, the strongest evidence against the canary.
func (w *watcher) progress(rep *Report) {
	h := w.history[len(w.history)-1]
	best, bestP := -1, 2.0
	for i := range w.seq {
		if p := w.pHist[i][len(w.pHist[i])-1]; p < bestP {
			best, bestP = i, p
		}
	}
	line := fmt.Sprintf("verdict: watch %s: %s so far", w.judged.Sub(w.cfg.Window.Start), rep.Verdict)
	if rep.Score != nil {
		line += fmt.Sprintf(" (score %s)", num(*rep.Score))
	}
	if len(h.Decided) > 0 {
		line += "; decided: " + strings.Join(h.Decided, ", ")
	}
	switch {
	case best >= 0 && bestP < 1:
		line += fmt.Sprintf("; strongest evidence: %s, anytime p %.3g", w.cfg.Metrics[best].Name, bestP)
	default:
		line += "; no evidence against the canary yet"
	}
	fmt.Fprintln(w.opt.Progress, line)
}

// final builds the report: the fixed-horizon judge over everything fetched
// (descriptive figures), the sequential classifications of the last good
// check, the watch and its history.
func (w *watcher) final(last *Report, reason, why string) *Report {
	cfg := *w.cfg
	cfg.Window.Start, cfg.Window.End = w.start, w.judged
	data := make([]Data, len(w.seq))
	for i, q := range w.qs {
		f := Fetched{Query: q.Expr, Result: metrics.Result{Series: w.acc[i].series, Warnings: w.acc[i].warns}}
		data[w.metric[i]].set(q.Part, q.Side, f)
	}
	rep := Judge(&cfg, data)
	if last != nil {
		st := w.states()
		for i := range rep.Metrics {
			out := &rep.Metrics[i]
			// A problem the fixed-horizon judge found in the data (series of
			// both sides with the same labels, say) stays an error; a kind
			// this build cannot judge at a fixed horizon is still judged here.
			_, unbuilt := KindOf(w.cfg.Metrics[i]).(unbuiltKind)
			if out.Classification != Failed || unbuilt {
				out.Classification, out.Reason = last.Metrics[i].Classification, last.Metrics[i].Reason
			}
			s := st[i]
			sq := &Sequential{PValue: s.p, EValue: s.e, Threshold: s.threshold, NonInferiorityPValue: s.nonP, History: w.pHist[i]}
			if sq.Threshold == 0 {
				sq.Threshold = round(1/w.alpha, 6)
			}
			if sm := w.seq[i]; sm.ratio {
				sq.Test = "beta-mixture"
			} else {
				sq.Test = "t-mixture"
				if sm.test != nil {
					sq.BlockLength, sq.Blocks = sm.test.BlockLength(), sm.test.Blocks()
				}
			}
			if t := w.decidedAt[i]; !t.IsZero() {
				v := stamp(t)
				sq.DecidedAt = &v
			}
			out.Sequential = sq
		}
		rep.Groups = []GroupResult{} // scored again from the sequential classes
		scoreAndDecide(&cfg, rep)
	}
	switch {
	case reason == StopError || reason == StopCancelled:
		rep.Verdict, rep.Score = Error, nil
		rep.Reason = why
	case last == nil:
		rep.Verdict, rep.Score = Error, nil
		rep.Reason = "no check succeeded"
	case reason == StopPromote:
		rep.Reason = "promoted early: every metric is shown within its margin; " + rep.Reason
	}
	rep.Watch = &WatchInfo{
		Start: stamp(w.cfg.Window.Start), Interval: w.cfg.Watch.Interval.String(), Duration: w.cfg.Watch.Duration.String(),
		Checks: w.checks, StoppedAt: stamp(w.judged), StopReason: reason,
	}
	rep.History = w.history
	return rep
}

// scoreAndDecide scores the groups and decides the verdict from the
// metrics' classifications, as the judge's run-level step ends.
func scoreAndDecide(cfg *config.Config, rep *Report) {
	lenient := score(cfg, rep)
	decide(cfg, rep, lenient)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
