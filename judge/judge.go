package judge

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// SchemaVersion is the version of the JSON report this build writes.
const SchemaVersion = 1

// Fetched is what the source returned for one side of one metric.
type Fetched struct {
	Query  string
	Result metrics.Result
	Err    error
}

// Data is what the source returned for one metric: both sides of its
// query, or of each of its parts for a kind with several queries.
type Data struct {
	// Baseline and Canary are the part "" (a series metric's one query).
	Baseline, Canary Fetched
	// Parts holds the other parts (ratio: numerator and denominator).
	Parts []PartData
}

// PartData is both sides of one named part of a metric.
type PartData struct {
	Name             string
	Baseline, Canary Fetched
}

// Part returns both sides of the named part ("" for Baseline and Canary);
// a part the data do not hold is an error on both sides.
func (d Data) Part(name string) PartData {
	if name == "" {
		return PartData{Baseline: d.Baseline, Canary: d.Canary}
	}
	for _, p := range d.Parts {
		if p.Name == name {
			return p
		}
	}
	err := fmt.Errorf("no data fetched for the %s", name)
	return PartData{Name: name, Baseline: Fetched{Err: err}, Canary: Fetched{Err: err}}
}

// set stores one fetched side of a part.
func (d *Data) set(part string, side metrics.Side, f Fetched) {
	at := func(p *PartData) {
		if side == metrics.Baseline {
			p.Baseline = f
		} else {
			p.Canary = f
		}
	}
	if part == "" {
		pd := PartData{Baseline: d.Baseline, Canary: d.Canary}
		at(&pd)
		d.Baseline, d.Canary = pd.Baseline, pd.Canary
		return
	}
	for i := range d.Parts {
		if d.Parts[i].Name == part {
			at(&d.Parts[i])
			return
		}
	}
	d.Parts = append(d.Parts, PartData{Name: part})
	at(&d.Parts[len(d.Parts)-1])
}

// failed lists the sides whose query failed, in part order.
func (d Data) failed() []PartData {
	var out []PartData
	for _, p := range append([]PartData{{Baseline: d.Baseline, Canary: d.Canary}}, d.Parts...) {
		if p.Baseline.Err != nil || p.Canary.Err != nil {
			out = append(out, p)
		}
	}
	return out
}

// Queries builds the range queries of every metric, in config order: for
// each metric, each part of its kind (Kind.Parts), the baseline's query and
// then the canary's.
func Queries(cfg *config.Config) ([]metrics.Query, error) {
	start, end := cfg.Window.Start, cfg.Window.End
	off := cfg.Baseline.Offset
	qs := make([]metrics.Query, 0, 2*len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		for _, part := range KindOf(m).Parts(m) {
			what := "query"
			if part.Name != "" {
				what = part.Name
			}
			b, err := metrics.Expand(part.Query, cfg.Baseline.Scope, cfg.Window.Step)
			if err != nil {
				return nil, fmt.Errorf("metrics[%s]: baseline %s: %w", m.Name, what, err)
			}
			c, err := metrics.Expand(part.Query, cfg.Canary.Scope, cfg.Window.Step)
			if err != nil {
				return nil, fmt.Errorf("metrics[%s]: canary %s: %w", m.Name, what, err)
			}
			qs = append(qs,
				metrics.Query{Metric: m.Name, Part: part.Name, Side: metrics.Baseline, Expr: b, Start: start.Add(-off), End: end.Add(-off), Step: cfg.Window.Step},
				metrics.Query{Metric: m.Name, Part: part.Name, Side: metrics.Canary, Expr: c, Start: start, End: end, Step: cfg.Window.Step},
			)
		}
	}
	return qs, nil
}

// RunOptions tune Run.
type RunOptions struct {
	// Concurrency is how many queries may be in flight at once.
	Concurrency int
	// NoCharts leaves each side's Points empty: for reports that draw no
	// chart (json, table, junit, dotenv, openmetrics), it saves a pass over
	// every sample and the memory the points hold.
	NoCharts bool
}

// Run fetches every metric's queries from src, at most opt.Concurrency at
// a time, and tests each metric as soon as all its queries have arrived,
// while later queries are still in flight; the run-level step (Holm, the
// classification, the score) follows once every metric is tested. The
// report is the same as Judge's over the same data, whatever the order
// queries finish in (without Points when opt.NoCharts is set). A cancelled
// ctx makes the verdict error: whatever arrived, never promote.
func Run(ctx context.Context, cfg *config.Config, src metrics.Source, opt RunOptions) (*Report, error) {
	qs, err := Queries(cfg)
	if err != nil {
		return nil, err
	}
	n := len(cfg.Metrics)
	metricOf := make([]int, len(qs))
	want := make([]int, n)
	for i, j := 0, 0; i < len(qs); i++ {
		for qs[i].Metric != cfg.Metrics[j].Name {
			j++
		}
		metricOf[i] = j
		want[j]++
	}
	data := make([]Data, n)
	results := make([]pending, n)
	arrived := make([]int, n)
	var mu sync.Mutex
	cpu := make(chan struct{}, runtime.GOMAXPROCS(0)) // judging is CPU-bound: one per core
	env := NewEnv(cfg, !opt.NoCharts)
	metrics.FetchEach(ctx, src, qs, opt.Concurrency, func(i int, o metrics.Outcome) {
		m := metricOf[i]
		mu.Lock()
		data[m].set(qs[i].Part, qs[i].Side, Fetched{Query: qs[i].Expr, Result: o.Result, Err: o.Err})
		arrived[m]++
		ready := arrived[m] == want[m]
		mu.Unlock()
		if !ready {
			return
		}
		cpu <- struct{}{}
		defer func() { <-cpu }()
		results[m] = judgeMetric(cfg.Metrics[m], data[m], env)
		mu.Lock()
		data[m] = Data{} // judged: let the samples go
		mu.Unlock()
	})
	rep := newReport(cfg)
	finish(cfg, rep, results)
	if err := ctx.Err(); err != nil {
		rep.Verdict, rep.Score = Error, nil
		rep.Reason = "cancelled before every query finished: " + err.Error()
	}
	return rep, nil
}

// Judge classifies every metric, scores the groups and decides the verdict.
// data[i] belongs to cfg.Metrics[i]. The same input always gives the same report.
func Judge(cfg *config.Config, data []Data) *Report { return JudgeEnv(cfg, data, NewEnv(cfg, true)) }

// JudgeEnv is Judge with the run's Env given (NewEnv, then changed): a watch
// loop fixes block lengths (Env.BlockLengths) and swaps in sequential tests
// (Env.TestFor) through it; every other rule is Judge's.
func JudgeEnv(cfg *config.Config, data []Data, env Env) *Report {
	rep := newReport(cfg)
	results := make([]pending, 0, len(cfg.Metrics))
	for i, m := range cfg.Metrics {
		var d Data
		if i < len(data) {
			d = data[i]
		} else {
			d.Baseline.Err = fmt.Errorf("no data fetched")
			d.Canary.Err = d.Baseline.Err
		}
		results = append(results, judgeMetric(m, d, env))
	}
	finish(cfg, rep, results)
	return rep
}

// NewEnv is what every metric of cfg's run is judged with; charts keeps the
// points for the renderers that draw them.
func NewEnv(cfg *config.Config, charts bool) Env {
	tests := 1
	if cfg.MultipleTesting == config.Holm {
		tests = 0
		for _, m := range cfg.Metrics {
			inc, dec := m.Directions()
			tests += b2i(inc) + b2i(dec)
		}
		tests = max(tests, 1)
	}
	return Env{
		Tests:      tests,
		Confidence: cfg.Confidence,
		Alpha:      (1 - cfg.Confidence) / 2,
		Start:      cfg.Window.Start,
		End:        cfg.Window.End,
		Step:       cfg.Window.Step,
		Offset:     cfg.Baseline.Offset,
		Concurrent: cfg.Baseline.Offset == 0,
		Coverage:   float64(cfg.Coverage),
		Charts:     charts,
	}
}

// newReport starts a report: its window, comparison kind and warnings.
func newReport(cfg *config.Config) *Report {
	rep := &Report{
		SchemaVersion: SchemaVersion,
		Window: Window{
			Start: cfg.Window.Start.UTC().Format(time.RFC3339),
			End:   cfg.Window.End.UTC().Format(time.RFC3339),
			Step:  cfg.Window.Step.String(),
		},
		ConfigPath: cfg.Path,
		Groups:     []GroupResult{},
		Metrics:    make([]Metric, 0, len(cfg.Metrics)),
	}
	if cfg.Baseline.Offset > 0 {
		rep.Window.BaselineOffset = cfg.Baseline.Offset.String()
		rep.Comparison = "before-after"
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"before/after comparison: the baseline is the same window %s earlier, not a concurrent deployment; "+
				"traffic changes over time too, so this is weaker evidence than a concurrent baseline", cfg.Baseline.Offset))
	}
	return rep
}

// finish is the run-level step: it classifies the tested metrics (Holm's
// adjustment over the run, margins), scores the groups and decides the verdict.
func finish(cfg *config.Config, rep *Report, results []pending) {
	rep.Metrics = classifyRun(cfg, results)
	lenient := score(cfg, rep)
	decide(cfg, rep, lenient)
}
