package judge

import (
	"fmt"
	"time"

	"github.com/verdict-ci/verdict/analysis"
	"github.com/verdict-ci/verdict/config"
)

// How a metric is judged, in three steps that each live in one place:
//
//  1. Its Kind (series, ratio; a histogram kind is planned) names the
//     queries it runs (Parts) and turns what they returned into a Prepared
//     metric: the report entry's sides, what the shared rules need
//     (coverage, the canary's level for max/min), and the Test that will
//     classify it. A kind never classifies.
//  2. The shared rules (classify.go) decide in SPEC §4's order — error,
//     missing, a broken bound, nodata — and otherwise run the Test in each
//     tested direction.
//  3. After every metric of the run is tested, the run-level step adjusts
//     every inferiority p-value (Holm) and classifies high/low,
//     inconclusive or pass, with the margins and non-inferiority rules.
//
// A new kind is one file that calls register from an init function; a new
// test is one type implementing Test. The sequential tests of `verdict
// watch` are Tests over the same Prepared data (Env.BlockLength fixes the
// block length once, Env.TestFor swaps the test).

// A Kind is one metric kind: the queries it runs and how it prepares their
// data. Implementations are stateless and safe for concurrent use.
type Kind interface {
	// Parts lists the kind's queries for m, in a fixed order; each runs on
	// both sides. A series metric has one part, "" (metrics.Query.Part).
	Parts(m config.Metric) []Part
	// Prepare reads the data of every part (d.Part(name)). It fills
	// p.Out's sides (and counts), warnings and MannWhitney figures, and
	// the fields the shared rules read. A side whose query failed has its
	// Err set: Prepare must not fail on it (the shared rules make the
	// metric an error) but need not prepare a test then.
	Prepare(m config.Metric, d Data, env Env) *Prepared
}

// Part is one of a kind's queries: its name (metrics.Query.Part) and its
// template, expanded with {{ .Scope }} and {{ .Step }}.
type Part struct {
	Name  string
	Query string
}

// Env is what a kind and its test need to know about the run.
type Env struct {
	Confidence float64 // two-sided confidence of the intervals
	Alpha      float64 // each tested direction's level, (1 - confidence)/2
	// Window is the canary's window; the baseline's points lie Offset
	// earlier (baseline.offset) and line up with the canary's once shifted.
	Start, End time.Time
	Step       time.Duration
	Offset     time.Duration
	// Concurrent is true when both sides run at the same time (no offset):
	// a series on both sides with the same labels means the scopes overlap.
	Concurrent bool
	// Coverage is the share of the baseline's timestamps the canary must
	// cover (config.Coverage); 0 turns the check off.
	Coverage float64
	// Charts keeps each side's points for the renderers that draw them.
	Charts bool
	// Tests is the number of inferiority p-values the run's Holm
	// adjustment will share α among (the tested directions of every
	// metric; 1 with multiple_testing: none). Blocked tests keep enough
	// blocks for their smallest reachable p-value to survive it.
	Tests int
	// BlockLengths fixes, per metric name, the block length of blocked
	// tests instead of choosing it from the data (watch fixes it once); a
	// metric not in it, or 0, chooses.
	BlockLengths map[string]int
	// TestFor, when set, replaces the test each kind prepared (watch's
	// sequential tests): it gets the metric and its prepared data, whose
	// Series holds the aligned samples, and returns the Test to run (nil
	// keeps the kind's).
	TestFor func(m config.Metric, p *Prepared) Test
}

// Prepared is one metric's data, ready for the shared rules and its test.
type Prepared struct {
	// Out is the report entry so far: sides, counts, MannWhitney figures,
	// warnings. The shared rules add the classification, reason and test.
	Out Metric
	// Problem, when not empty, makes the metric an error: malformed data,
	// series of both sides with the same labels. One sentence without the
	// metric's name.
	Problem string
	// Coverage is how much of the baseline's timestamps the canary covers
	// (for ratio: the denominators'); the shared rules call the canary
	// missing below config.Coverage.
	Coverage Coverage
	// Level is the canary's value the max/min bounds apply to (series: its
	// median; ratio: its rate, events / total) and LevelName says which;
	// nil when the canary has no data.
	Level     *float64
	LevelName string
	// Early, when set, classifies the metric before any test: a rule of the
	// kind's own (series: a larger share of ±Inf samples in the canary).
	Early *Decision
	// NoData, when not empty, says why there is nothing to test (no data
	// on a side, a ratio side without traffic). One sentence without the
	// metric's name.
	NoData string
	// Margin turns a margin into the test's units: series, |median(b)| ×
	// the percentage or the absolute value; ratio, the fraction.
	Margin func(config.Margin) float64
	// Change is the canary's relative change, reported when a test ran.
	Change *float64
	// Test tests the data; nil when NoData is set or a side failed.
	Test Test
	// Series is a series metric's aligned samples (nil for other kinds and
	// when a side has no data): what its test runs on, for other tests of
	// the same data (watch). Its slices are valid until Release.
	Series *SeriesSamples
	// Release frees what the prepared data hold once the metric is judged.
	Release func()
}

// SeriesSamples are a series metric's per-timestamp values: each side's
// mean over its series at each step of the window (NaN handling, ±Inf and
// outliers applied), in time order.
type SeriesSamples struct {
	// Paired is whether the test pairs the timestamps (test: paired, or auto
	// with at least PairShare of each side's timestamps on both sides).
	Paired bool
	// Differences are d_t = canary_t − baseline_t over the timestamps with
	// a value on both sides (paired only); Pairs is their number.
	Differences []float64
	Pairs       int
	// Baseline and Canary are each side's per-timestamp values, and
	// BaselineSteps and CanarySteps their steps (0 = window.start); unpaired only.
	Baseline, Canary           []float64
	BaselineSteps, CanarySteps []int
	// BlockLength is the L the kind's test uses (Env.BlockLengths, or
	// analysis.BlockLength of the data).
	BlockLength int
}

// Coverage counts the baseline's timestamps and how many of them the
// canary has a point at (NaN included).
type Coverage struct {
	Baseline, Covered int
	// FirstGap is the first baseline timestamp (on the canary's clock) the
	// canary has no point at; zero when it covers them all.
	FirstGap time.Time
}

// Share is Covered / Baseline, 1 when the baseline has no timestamps.
func (c Coverage) Share() float64 {
	if c.Baseline == 0 {
		return 1
	}
	return float64(c.Covered) / float64(c.Baseline)
}

// Decision is a classification with its reason.
type Decision struct {
	Class  Classification
	Reason string
}

// A Test is one of SPEC §4's tests (mann-whitney, paired,
// blocked-mann-whitney, poisson; the sequential forms of watch), over data
// a Kind prepared. Each lives in its own file.
type Test interface {
	// Run tests every direction: the inferiority p (is the canary worse
	// than the margin allows?) and, when the direction has a margin
	// (Delta > 0), the non-inferiority p (is it shown within it?). The
	// result's Figures are the report's test object without its p-values,
	// which the run-level step writes after Holm.
	Run(dirs []Direction) Result
}

// Direction is one tested direction of a metric.
type Direction struct {
	Up     bool          // an increase fails it (high); else a decrease (low)
	Margin config.Margin // as configured
	Delta  float64       // the margin in the test's units (Prepared.Margin)
}

// hypotheses are the null and the two alternatives of d's tests (SPEC §4):
// failing on an increase, the inferiority test is "greater" than the
// margin δ and the non-inferiority test "less"; a decrease mirrors both
// around −δ. The null is the shift δ (−δ), or for a rate ratio (ratio)
// 1 + δ (1 − δ).
func (d Direction) hypotheses(ratio bool) (null float64, inf, non analysis.Alternative) {
	null, inf, non = d.Delta, analysis.Greater, analysis.Less
	if !d.Up {
		null, inf, non = -d.Delta, analysis.Less, analysis.Greater
	}
	if ratio {
		null += 1
	}
	return null, inf, non
}

// Class is the classification that failing in d gives.
func (d Direction) Class() Classification {
	if d.Up {
		return High
	}
	return Low
}

// Result is what a Test found.
type Result struct {
	// Figures fills the report's test object: name, estimate, interval,
	// blocks (the p-values are left for the run-level step).
	Figures TestResult
	// Evidence has one entry per direction, in the order given to Run.
	Evidence []Evidence
	// NoData, when not empty, says why no result could reach α (too few
	// independent blocks); Err, when set, makes the metric an error.
	NoData string
	Err    error
	// Relative turns a value on the estimate's scale into a change
	// relative to the baseline (series: v / |median(b)|; ratio: v - 1),
	// for reasons; ok false to show absolute values.
	Relative func(v float64) (rel float64, ok bool)
	// Evidence size for reasons, e.g. "12 independent blocks".
	Size string
}

// Evidence is one direction's p-values.
type Evidence struct {
	P       float64 // inferiority p, unadjusted
	NonInfP float64 // non-inferiority p; NaN when Delta is 0
}

// Prepare prepares one metric's data with its kind (KindOf), as Judge and
// Run do before the shared rules: a watch loop calls it on every check.
func Prepare(m config.Metric, d Data, env Env) *Prepared { return KindOf(m).Prepare(m, d, env) }

var kinds = map[string]Kind{}

// register makes a kind available under its config name (config.KindSeries, ...).
func register(name string, k Kind) { kinds[name] = k }

// KindOf is m's kind; an unknown kind (config validation makes it
// unreachable) is an error kind.
func KindOf(m config.Metric) Kind {
	name := m.Kind
	if name == "" {
		name = config.KindSeries
	}
	if k, ok := kinds[name]; ok {
		return k
	}
	return unbuiltKind{name}
}

// unbuiltKind stands for a kind this build cannot judge: every metric of
// it is an error, never a silent pass.
type unbuiltKind struct{ name string }

func (k unbuiltKind) Parts(m config.Metric) []Part {
	return []Part{{Name: "numerator", Query: m.Numerator}, {Name: "denominator", Query: m.Denominator}}
}

func (k unbuiltKind) Prepare(m config.Metric, d Data, env Env) *Prepared {
	return &Prepared{Problem: fmt.Sprintf("kind: %s is not supported by this build", k.name)}
}
