package judge

import (
	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/metrics"
)

// Verdict is the judge's decision.
type Verdict string

const (
	Promote      Verdict = "promote"
	Abort        Verdict = "abort"
	Inconclusive Verdict = "inconclusive"
	Error        Verdict = "error"
)

// ExitCode is the process exit code SPEC §2 assigns to a verdict.
func (v Verdict) ExitCode() int {
	switch v {
	case Promote:
		return ExitPromote
	case Abort:
		return ExitAbort
	case Inconclusive:
		return ExitInconclusive
	default:
		return ExitError
	}
}

// Classification is one metric's outcome.
type Classification string

const (
	Pass   Classification = "pass"
	High   Classification = "high"
	Low    Classification = "low"
	NoData Classification = "nodata"
	Failed Classification = "error"
	// Missing is a canary that covers less than `coverage` of the
	// baseline's timestamps (none at all, or a gap): a failure of the canary.
	Missing Classification = "missing"
	// MetricInconclusive is a metric neither shown worse nor shown within
	// its margin: it lowers the score but never aborts by itself.
	MetricInconclusive Classification = "inconclusive"
)

// Report is the judge's result: the value every renderer draws from.
// Its JSON form is SPEC §5 (schema version 1); fields tagged "-" are for
// renderers only (charts) and never reach the JSON report.
type Report struct {
	SchemaVersion int     `json:"schemaVersion"`
	Verdict       Verdict `json:"verdict"`
	// Score is the weighted score, nil (JSON null) when the verdict is
	// error: an error carries no score (SPEC §2). Renderers use ScoreText.
	Score      *float64      `json:"score"`
	Reason     string        `json:"reason"`
	Window     Window        `json:"window"`
	Comparison string        `json:"comparison,omitempty"` // "before-after" when baseline.offset is set
	Warnings   []string      `json:"warnings,omitempty"`
	Groups     []GroupResult `json:"groups"`
	Metrics    []Metric      `json:"metrics"`
	// Source names where the data came from; the command fills it in. It
	// never holds a secret.
	Source *Source `json:"source,omitempty"`
	// Watch and History describe a `verdict watch` (SPEC §6); nil for judge.
	Watch   *WatchInfo `json:"watch,omitempty"`
	History []Check    `json:"history,omitempty"`
	// Overrides are the settings taken from the environment or flags (SPEC
	// §1); the command fills them in.
	Overrides []config.Override `json:"overrides"`

	// ConfigPath is the config file path, for annotations (not in JSON).
	ConfigPath string `json:"-"`
}

// Source is the report's data source (SPEC §5): Kind "prometheus" with
// the URL (credentials stripped), or "recording" with the file.
type Source struct {
	Kind      string `json:"kind"` // "prometheus" or "recording"
	URL       string `json:"url,omitempty"`
	Recording string `json:"recording,omitempty"`
}

// Window is the compared time range, as written in the report.
type Window struct {
	Start string `json:"start"` // RFC 3339, UTC
	End   string `json:"end"`
	Step  string `json:"step"` // Go duration text, e.g. "1m0s"
	// BaselineOffset is set for before/after comparisons.
	BaselineOffset string `json:"baselineOffset,omitempty"`
}

// GroupResult is one group's weight and score.
type GroupResult struct {
	Name   string   `json:"name"`
	Weight float64  `json:"weight"`
	Score  *float64 `json:"score"` // null when the group has no scored metric
}

// Metric is one metric's result.
type Metric struct {
	Name           string         `json:"name"`
	Group          string         `json:"group"`
	Classification Classification `json:"classification"`
	Kind           string         `json:"kind"` // series or ratio
	Critical       bool           `json:"critical"`
	MustHaveData   bool           `json:"mustHaveData,omitempty"`
	Reason         string         `json:"reason"`
	Baseline       Side           `json:"baseline"`
	Canary         Side           `json:"canary"`
	MannWhitney    *MannWhitney   `json:"mannWhitney,omitempty"`
	// Test is the test that classified the metric (SPEC §5); nil when the
	// data decided before any test ran (error, missing, a bound, nodata).
	Test *TestResult `json:"test,omitempty"`
	// Counts are a ratio metric's events and totals per side.
	Counts   *Counts  `json:"counts,omitempty"`
	Change   *float64 `json:"change,omitempty"` // relative change of medians, canary vs baseline (0.124 = +12.4%)
	Warnings []string `json:"warnings,omitempty"`
	// Sequential is the metric's anytime-valid evidence in a watch (SPEC §6).
	Sequential *Sequential `json:"sequential,omitempty"`

	// Line is the metric's line in the config file, for annotations (not in JSON).
	Line int `json:"-"`
}

// Side is one side's descriptive statistics and query.
type Side struct {
	Count  int     `json:"count"`
	Series int     `json:"series"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Stddev float64 `json:"stddev"`
	P90    float64 `json:"p90"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	Query  string  `json:"query"`
	// DenominatorQuery is a ratio metric's denominator query (Query is its
	// numerator's); Count and Series then cover both queries.
	DenominatorQuery string `json:"denominatorQuery,omitempty"`
	Error            string `json:"error,omitempty"`

	// The side's chart points (not in JSON), decided once by SetChart and
	// drawn as they are. Points is the side's line: its finite points in
	// time order, those sharing a timestamp (one per series) replaced by
	// their mean, reduced with LTTB to MaxChartPoints when longer; for a
	// before/after comparison the baseline keeps its earlier timestamps.
	// LinePoints is the line's length before that reduction. Distribution
	// is an empirical CDF of at most MaxDistributionPoints+1 steps: of the
	// values a series metric's test compared (its NaN rule and outlier
	// removal applied), of a ratio metric's per-step rates.
	Points       []TimedValue `json:"-"`
	LinePoints   int          `json:"-"`
	Distribution []ECDFPoint  `json:"-"`
}

// TimedValue is one point for charts: the same type as a source's point, so
// the report can share the fetched series instead of copying them.
type TimedValue = metrics.Point

// TestResult is the test that classified a metric (SPEC §4's table, §5). Values R
// has no finite answer for are nil (JSON null).
type TestResult struct {
	Name     string   `json:"name"` // mann-whitney, paired, blocked-mann-whitney, poisson
	Estimate *float64 `json:"estimate"`
	CILow    *float64 `json:"ciLow"`
	CIHigh   *float64 `json:"ciHigh"`
	// PValue is the raw inferiority p in the failing direction (the smaller
	// one for fail_on: either); AdjustedPValue is what was compared with α
	// (Holm's adjustment over the run, or PValue with multiple_testing: none).
	PValue         *float64 `json:"pValue"`
	AdjustedPValue *float64 `json:"adjustedPValue"`
	// NonInferiorityPValue is the non-inferiority p (the larger one for
	// either); nil when no tested direction has a margin.
	NonInferiorityPValue *float64 `json:"nonInferiorityPValue"`
	// Blocked tests: the block length, the number of blocks tested (both
	// sides together when unpaired) and of paired timestamps.
	BlockLength    int `json:"blockLength,omitempty"`
	Blocks         int `json:"blocks,omitempty"`
	BaselineBlocks int `json:"baselineBlocks,omitempty"` // blocked-mann-whitney
	CanaryBlocks   int `json:"canaryBlocks,omitempty"`
	Pairs          int `json:"pairs,omitempty"`
	// AchievedConfidence is the interval's confidence when few blocks make
	// it differ from the configured one.
	AchievedConfidence *float64 `json:"achievedConfidence,omitempty"`
	// Dispersion is a ratio metric's dispersion of per-step counts.
	Dispersion *float64 `json:"dispersion,omitempty"`
	Method     string   `json:"method,omitempty"` // exact or asymptotic

	// confidence is the interval's confidence for reasons, when the test
	// has no MannWhitney figures to take it from (a ratio's poisson test).
	confidence float64
}

// Counts are a ratio metric's events and totals on each side.
type Counts struct {
	Baseline Count `json:"baseline"`
	Canary   Count `json:"canary"`
}

// Count is one side's events and total over the window.
type Count struct {
	Events float64 `json:"events"`
	Total  float64 `json:"total"`
	// Rate is Events / Total; null without traffic.
	Rate *float64 `json:"rate"`
}

// MannWhitney is the rank test and shift estimate of a metric.
type MannWhitney struct {
	U          float64 `json:"u"`
	PValue     float64 `json:"pValue"`
	Estimate   float64 `json:"estimate"`
	CILow      float64 `json:"ciLow"`
	CIHigh     float64 `json:"ciHigh"`
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
}

// Confidence is the confidence of the metric's interval, 0 when it has none.
func (m Metric) Confidence() float64 { return confidenceOf(m) }

// Failing reports whether the metric counts against the canary in CI terms:
// high, low, error, or no data where data was required.
func (m Metric) Failing() bool {
	switch m.Classification {
	case High, Low, Failed, Missing, MetricInconclusive:
		return true
	case NoData:
		return m.MustHaveData
	}
	return false
}
