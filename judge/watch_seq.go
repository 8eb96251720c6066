package judge

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// seqFirstPoints is how many paired differences the watch collects before
// it fixes a series metric's block length (and a relative margin) once.
const seqFirstPoints = 16

// seqDir is one tested direction of a metric under watch: its inferiority
// test and, with a margin, its non-inferiority test.
type seqDir struct {
	dir      Direction
	inf, non int // indexes into the series test's hypotheses
	infC     *analysis.CountSequential
	nonC     *analysis.CountSequential
}

// seqMetric is one metric's sequential state: what arrived so far, reduced
// to running sums; each check adds only the new points.
type seqMetric struct {
	m     config.Metric
	ratio bool
	dirs  []seqDir

	// series
	history        []float64 // the baseline's per-step means before the watch
	firstB, firstC []float64 // paired per-step means before the block length is fixed
	test           *analysis.SeriesSequential

	// ratio: each series' last counter value, per part and side
	last   map[string]float64
	events [2]float64 // canary, baseline, over the watch
	totals [2]float64

	// shared rules
	baseSteps, covered int
	canaryVals         []float64 // sorted: the canary's level for max/min (bounded metrics only)
	baseN, canaryN     int       // usable values per side
}

func newSeqMetric(m config.Metric) *seqMetric {
	s := &seqMetric{m: m, ratio: m.Kind == config.KindRatio, last: map[string]float64{}}
	inc, dec := m.Directions()
	if inc {
		s.dirs = append(s.dirs, seqDir{dir: Direction{Up: true, Margin: m.AllowedIncrease}})
	}
	if dec {
		s.dirs = append(s.dirs, seqDir{dir: Direction{Up: false, Margin: m.AllowedDecrease}})
	}
	if s.ratio {
		for i := range s.dirs {
			d := &s.dirs[i]
			d.dir.Delta = d.dir.Margin.Value
			r0, alt, rev := d.dir.hypotheses(true)
			d.infC, _ = analysis.NewCountSequential(r0, alt, 0)
			if d.dir.Delta > 0 {
				d.nonC, _ = analysis.NewCountSequential(r0, rev, 0)
			}
		}
	}
	return s
}

// chunk is one check's new data for one metric: the fetched results of each
// part and side.
type chunk map[string]metrics.Result // key: part + "/" + side

func chunkKey(part string, side metrics.Side) string { return part + "/" + string(side) }

// add feeds one check's new points, on the step grid g (canary clock; the
// baseline's points lie offset earlier).
func (s *seqMetric) add(c chunk, g grid, offset time.Duration) {
	if s.ratio {
		s.addCounts(c, g, offset)
		return
	}
	b := s.stepMeans(c[chunkKey("", metrics.Baseline)], g, offset, false)
	cv := s.stepMeans(c[chunkKey("", metrics.Canary)], g, 0, true)
	var bs, cs []float64
	for k := range b.present {
		if b.present[k] {
			s.baseSteps++
			if cv.present[k] {
				s.covered++
			}
		}
		if b.cnt[k] > 0 && cv.cnt[k] > 0 {
			bs = append(bs, b.sum[k]/float64(b.cnt[k]))
			cs = append(cs, cv.sum[k]/float64(cv.cnt[k]))
		}
	}
	if s.test != nil {
		s.test.Push(bs, cs)
		return
	}
	s.firstB, s.firstC = append(s.firstB, bs...), append(s.firstC, cs...)
	if len(s.firstB) >= seqFirstPoints {
		s.fix()
	}
}

// addHistory keeps the baseline's per-step means before the watch (series
// metrics): they tell the test how autocorrelated the series is.
func (s *seqMetric) addHistory(r metrics.Result, g grid, offset time.Duration) {
	if s.ratio || s.test != nil {
		return
	}
	n := s.baseN
	b := s.stepMeans(r, g, offset, false)
	s.baseN = n // history is not the watch's data
	for k := range b.cnt {
		if b.cnt[k] > 0 {
			s.history = append(s.history, b.sum[k]/float64(b.cnt[k]))
		}
	}
}

// fix chooses the block length and the margins from the baseline's
// history and the first paired values, once, and feeds them to the tests.
func (s *seqMetric) fix() {
	s.test, _ = analysis.NewSeriesSequential(analysis.SeriesBlockLength(s.history, s.firstB, s.firstC), analysis.SeriesOptions{})
	s.test.History(s.history)
	bm := median(s.firstB)
	for i := range s.dirs {
		d := &s.dirs[i]
		d.dir.Delta = d.dir.Margin.Of(bm)
		null, alt, rev := d.dir.hypotheses(false)
		d.inf = s.test.Track(null, alt)
		d.non = -1
		if d.dir.Delta > 0 {
			d.non = s.test.Track(null, rev)
		}
	}
	s.test.Push(s.firstB, s.firstC)
	s.firstB, s.firstC, s.history = nil, nil, nil
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return analysis.Quantile(s, 0.5)
}

// stepMeans pools a chunk's series per step: presence (NaN included) and the
// mean of the usable values, with the metric's NaN rule; ±Inf left out.
func (s *seqMetric) stepMeans(r metrics.Result, g grid, shift time.Duration, canary bool) steps {
	nanZero := nanStrategy(s.m) == analysis.NaNZero
	keep := func(v float64) (float64, bool) {
		switch {
		case math.IsNaN(v):
			return 0, nanZero
		case math.IsInf(v, 0):
			return 0, false
		}
		return v, true
	}
	st := steps{present: make([]bool, g.n), sum: make([]float64, g.n), cnt: make([]int32, g.n)}
	for _, ser := range r.Series {
		for _, p := range ser.Points {
			k, ok := g.at(p.T, shift)
			if !ok {
				continue
			}
			st.present[k] = true
			if v, ok := keep(p.V); ok {
				st.sum[k] += v
				st.cnt[k]++
				if canary {
					s.canaryN++
					s.level(v)
				} else {
					s.baseN++
				}
			}
		}
	}
	return st
}

// level keeps the canary's values sorted when a bound needs its median.
func (s *seqMetric) level(v float64) {
	if s.ratio || (s.m.Max == nil && s.m.Min == nil) {
		return
	}
	i := sort.SearchFloat64s(s.canaryVals, v)
	s.canaryVals = append(s.canaryVals, 0)
	copy(s.canaryVals[i+1:], s.canaryVals[i:])
	s.canaryVals[i] = v
}

// addCounts adds each side's counter increases over the chunk (from the
// last value of the previous chunk, per series) and updates the count tests.
func (s *seqMetric) addCounts(c chunk, g grid, offset time.Duration) {
	var ev, tot [2]float64
	for si, side := range []metrics.Side{metrics.Canary, metrics.Baseline} {
		for pi, part := range []string{"numerator", "denominator"} {
			r := c[chunkKey(part, side)]
			for _, ser := range r.Series {
				key := part + "/" + string(side) + "/" + labelKey(ser.Labels)
				vals := make([]float64, 0, len(ser.Points)+1)
				if v, ok := s.last[key]; ok {
					vals = append(vals, v)
				}
				for _, p := range ser.Points {
					vals = append(vals, p.V)
					if !math.IsNaN(p.V) {
						s.last[key] = p.V
					}
				}
				inc := analysis.CounterIncrease(vals)
				if pi == 0 {
					ev[si] += inc
				} else {
					tot[si] += inc
				}
			}
		}
	}
	// coverage on the denominators' steps
	b := s.stepMeans(c[chunkKey("denominator", metrics.Baseline)], g, offset, false)
	cv := s.stepMeans(c[chunkKey("denominator", metrics.Canary)], g, 0, true)
	for k := range b.present {
		if b.present[k] {
			s.baseSteps++
			if cv.present[k] {
				s.covered++
			}
		}
	}
	for i := range 2 {
		s.events[i] += ev[i]
		s.totals[i] += tot[i]
	}
	for i := range s.dirs {
		d := &s.dirs[i]
		_ = d.infC.Update(ev[0], tot[0], ev[1], tot[1])
		if d.nonC != nil {
			_ = d.nonC.Update(ev[0], tot[0], ev[1], tot[1])
		}
	}
}

// evidence is direction i's inferiority and non-inferiority evidence
// (Evidence{P: 1, ...} when not tested yet; non ok false without a margin).
func (s *seqMetric) evidence(i int) (inf, non analysis.Evidence, hasNon bool) {
	none := analysis.Evidence{E: 1, MaxE: 1, P: 1}
	d := s.dirs[i]
	if s.ratio {
		inf = d.infC.Evidence()
		if d.nonC != nil {
			return inf, d.nonC.Evidence(), true
		}
		return inf, none, false
	}
	if s.test == nil {
		return none, none, d.dir.Margin.Value > 0
	}
	inf = s.test.Evidence(d.inf)
	if d.non >= 0 {
		return inf, s.test.Evidence(d.non), true
	}
	return inf, none, false
}

// shared applies SPEC §4's rules before any test, in order: missing, a
// broken bound, nodata. It returns the decision, or nil to test.
func (s *seqMetric) shared(cfg *config.Config) *Decision {
	m := s.m
	if cfg.Coverage > 0 && s.baseSteps > 0 && float64(s.covered) < float64(cfg.Coverage)*float64(s.baseSteps) {
		return &Decision{Missing, fmt.Sprintf("%s: the canary covers only %d of the baseline's %d timestamps (coverage %s)",
			m.Name, s.covered, s.baseSteps, pct(float64(cfg.Coverage)))}
	}
	if level, ok := s.levelNow(); ok {
		switch {
		case m.Max != nil && level > *m.Max:
			return &Decision{High, fmt.Sprintf("%s: the canary's %s %s is above the maximum %s", m.Name, s.levelName(), num(level), num(*m.Max))}
		case m.Min != nil && level < *m.Min:
			return &Decision{Low, fmt.Sprintf("%s: the canary's %s %s is below the minimum %s", m.Name, s.levelName(), num(level), num(*m.Min))}
		}
	}
	switch {
	case s.ratio && (s.totals[0] == 0 || s.totals[1] == 0):
		return &Decision{NoData, fmt.Sprintf("%s: no traffic on a side yet (canary total %s, baseline %s)", m.Name, num(s.totals[0]), num(s.totals[1]))}
	case !s.ratio && (s.baseN == 0 || s.canaryN == 0):
		return &Decision{NoData, fmt.Sprintf("%s: no data on a side yet (%d canary, %d baseline values)", m.Name, s.canaryN, s.baseN)}
	case !s.ratio && s.test == nil:
		return &Decision{NoData, fmt.Sprintf("%s: %d paired timestamps so far; the test starts after %d", m.Name, len(s.firstB), seqFirstPoints)}
	}
	return nil
}

func (s *seqMetric) levelNow() (float64, bool) {
	if s.ratio {
		if s.totals[0] == 0 {
			return 0, false
		}
		return s.events[0] / s.totals[0], true
	}
	if len(s.canaryVals) == 0 {
		return 0, false
	}
	return analysis.Quantile(s.canaryVals, 0.5), true
}

func (s *seqMetric) levelName() string {
	if s.ratio {
		return "rate"
	}
	return "median"
}

// size describes the evidence for reasons.
func (s *seqMetric) size() string {
	if s.ratio {
		return fmt.Sprintf("%s of %s canary events, %s of %s baseline", num(s.events[0]), num(s.totals[0]), num(s.events[1]), num(s.totals[1]))
	}
	if s.test == nil {
		return fmt.Sprintf("%d paired timestamps", len(s.firstB))
	}
	return fmt.Sprintf("%d blocks of %d", s.test.Blocks(), s.test.BlockLength())
}
