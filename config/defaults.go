package config

import (
	"github.com/verdict-ci/verdict/analysis"
	"reflect"
	"time"
)

// Defaults for what SPEC §3 leaves optional. This is their one home: the
// loader, metrics and judge all take them from here.
const (
	DefaultDuration    = time.Hour
	DefaultStep        = 60 * time.Second
	DefaultConfidence  = 0.98
	DefaultGroup       = "default"
	DefaultPass        = 95
	DefaultMarginal    = 75
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 8
	DefaultRetries     = 3
	// DefaultMaxBufferedBytes is source.prometheus.max_buffered_bytes'
	// default: the most response bytes a source holds in memory at once, over
	// all the queries in flight. A body of 256 MiB is some ten million
	// samples, far more than a canary query returns; the decoded samples take
	// about as much again.
	DefaultMaxBufferedBytes = 256 << 20

	DefaultMultipleTesting = Holm
	DefaultMarginTest      = NonInferiority
	DefaultCoverage        = Fraction(0.9)
	DefaultNaN             = NaNRemove

	DefaultWatchInterval        = time.Minute
	DefaultWatchDuration        = 30 * time.Minute
	DefaultWatchWarmup          = time.Duration(0)
	DefaultWatchMaxFailedChecks = 3
	DefaultWatchLag             = 30 * time.Second
)

// NaNStrategy is what a metric does with NaN samples (nan:): analysis'
// type, which analysis.ApplyNaN applies.
type NaNStrategy = analysis.NaNStrategy

const (
	NaNRemove = analysis.NaNRemove
	NaNZero   = analysis.NaNZero
)

// newConfig is a Config holding the defaults that depend on no other key;
// the file and the overrides are decoded over it. The window's start, end
// and duration depend on each other and are filled in by window.
func newConfig() *Config {
	return &Config{
		Window:          Window{Step: DefaultStep},
		Confidence:      DefaultConfidence,
		MultipleTesting: DefaultMultipleTesting,
		MarginTest:      DefaultMarginTest,
		Coverage:        DefaultCoverage,
		Scoring:         Scoring{Pass: DefaultPass, Marginal: DefaultMarginal},
		Watch: Watch{
			Interval:        DefaultWatchInterval,
			Duration:        DefaultWatchDuration,
			Warmup:          DefaultWatchWarmup,
			MaxFailedChecks: DefaultWatchMaxFailedChecks,
			Lag:             DefaultWatchLag,
		},
	}
}

// newPrometheus is a Prometheus source holding its defaults.
func newPrometheus() *Prometheus {
	return &Prometheus{
		Timeout:          DefaultTimeout,
		Concurrency:      DefaultConcurrency,
		Retries:          DefaultRetries,
		MaxBufferedBytes: DefaultMaxBufferedBytes,
	}
}

// newValue is a pointer to a new value of type t, holding t's defaults.
func newValue(t reflect.Type) reflect.Value {
	if t == reflect.TypeFor[Prometheus]() {
		return reflect.ValueOf(newPrometheus())
	}
	return reflect.New(t)
}

// setDefaults fills in what m leaves empty (an empty string in the file
// counts as left out).
func (m *Metric) setDefaults() {
	if m.Group == "" {
		m.Group = DefaultGroup
	}
	if m.Kind == "" {
		m.Kind = KindSeries
	}
	if m.Test == "" && m.Kind == KindSeries {
		m.Test = TestAuto
	}
	if m.FailOn == "" {
		m.FailOn = Either
	}
	if m.NaN == "" {
		m.NaN = DefaultNaN
	}
}
