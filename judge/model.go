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
)

// Report is the judge's result: the value every renderer draws from.
// Its JSON form is SPEC §5 (schema version 1); fields tagged "-" are for
// renderers only (charts) and never reach the JSON report.
type Report struct {
	SchemaVersion int           `json:"schemaVersion"`
	Verdict       Verdict       `json:"verdict"`
	Score         float64       `json:"score"`
	Reason        string        `json:"reason"`
	Window        Window        `json:"window"`
	Comparison    string        `json:"comparison,omitempty"` // "before-after" when baseline.offset is set
	Warnings      []string      `json:"warnings,omitempty"`
	Groups        []GroupResult `json:"groups"`
	Metrics       []Metric      `json:"metrics"`
	// Overrides are the settings taken from the environment or flags (SPEC
	// §1); the command fills them in.
	Overrides []config.Override `json:"overrides"`

	// ConfigPath is the config file path, for annotations (not in JSON).
	ConfigPath string `json:"-"`
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
	Critical       bool           `json:"critical"`
	MustHaveData   bool           `json:"mustHaveData,omitempty"`
	Reason         string         `json:"reason"`
	Baseline       Side           `json:"baseline"`
	Canary         Side           `json:"canary"`
	MannWhitney    *MannWhitney   `json:"mannWhitney,omitempty"`
	Change         *float64       `json:"change,omitempty"` // relative change of medians, canary vs baseline (0.124 = +12.4%)
	Warnings       []string       `json:"warnings,omitempty"`

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
	Error  string  `json:"error,omitempty"`

	// Points is the pooled time series for charts (not in JSON): every point
	// of every series as fetched, which may include NaN and ±Inf and, for a
	// before/after comparison, the baseline's earlier timestamps.
	Points []TimedValue `json:"-"`
}

// TimedValue is one point for charts: the same type as a source's point, so
// the report can share the fetched series instead of copying them.
type TimedValue = metrics.Point

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
