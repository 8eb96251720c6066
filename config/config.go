// Package config defines verdict's canary.yaml (SPEC §3): its schema,
// loading with environment and flag overrides, defaults and validation.
package config

import "time"

// Config is a whole canary.yaml, after defaults.
type Config struct {
	Version    int     `mapstructure:"version"`
	Source     Source  `mapstructure:"source"`
	Window     Window  `mapstructure:"window"`
	Baseline   Scope   `mapstructure:"baseline"`
	Canary     Scope   `mapstructure:"canary"`
	Confidence float64 `mapstructure:"confidence"`
	// MultipleTesting is how the run's inferiority p-values are adjusted
	// before they are compared with α: holm (default) or none.
	MultipleTesting string `mapstructure:"multiple_testing"`
	// MarginTest is whether a margin must be shown: non-inferiority
	// (default: a metric with δ > 0 passes only when its non-inferiority
	// test rejects) or none (revision 1: a pass whenever nothing is found).
	MarginTest string `mapstructure:"margin_test"`
	// Coverage is the share of the baseline's timestamps the canary must
	// cover (default 0.9); below it the metric is missing. 0 turns it off.
	Coverage Fraction         `mapstructure:"coverage"`
	Metrics  []Metric         `mapstructure:"metrics"`
	Groups   map[string]Group `mapstructure:"groups"`
	Scoring  Scoring          `mapstructure:"scoring"`
	// Watch tunes `verdict watch` (SPEC §6); judge ignores it.
	Watch Watch `mapstructure:"watch"`
	// Overrides are the settings taken from the environment or flags.
	Overrides []Override `mapstructure:"-"`

	// Path is the file the config was read from ("" when built in code).
	Path string `mapstructure:"-"`
}

// Source says where samples come from: exactly one of Prometheus or Recording.
type Source struct {
	Prometheus *Prometheus `mapstructure:"prometheus"`
	Recording  string      `mapstructure:"recording"`
}

// Prometheus is a Prometheus-compatible HTTP API endpoint.
type Prometheus struct {
	URL             string            `mapstructure:"url"`
	Timeout         time.Duration     `mapstructure:"timeout"` // per query; default 30s
	Headers         map[string]string `mapstructure:"headers"` // e.g. X-Scope-OrgID
	BearerTokenFile string            `mapstructure:"bearer_token_file"`
	BearerTokenEnv  string            `mapstructure:"bearer_token_env"`
	BasicAuth       *BasicAuth        `mapstructure:"basic_auth"`
	TLS             *TLS              `mapstructure:"tls"`
	Concurrency     int               `mapstructure:"concurrency"` // queries in flight; default 8
	Retries         int               `mapstructure:"retries"`     // extra attempts on retryable failures; default 3
	// MaxBufferedBytes bounds the response bytes held at once over the
	// queries in flight; default 256 MiB (metrics.DefaultMaxBufferedBytes).
	MaxBufferedBytes int `mapstructure:"max_buffered_bytes"`
}

// BasicAuth is HTTP basic authentication; the password comes from a file or the config.
type BasicAuth struct {
	Username     string `mapstructure:"username"`
	Password     string `mapstructure:"password"`
	PasswordFile string `mapstructure:"password_file"`
}

// TLS configures the client side of a TLS connection.
type TLS struct {
	CAFile             string `mapstructure:"ca_file"`
	CertFile           string `mapstructure:"cert_file"`
	KeyFile            string `mapstructure:"key_file"`
	ServerName         string `mapstructure:"server_name"`
	InsecureSkipVerify bool   `mapstructure:"insecure_skip_verify"`
}

// Window is the time range both sides are compared over.
type Window struct {
	Start    time.Time     `mapstructure:"start"`
	End      time.Time     `mapstructure:"end"`
	Duration time.Duration `mapstructure:"duration"`
	Step     time.Duration `mapstructure:"step"`
	// Anchored is true when window.start or window.end was given rather
	// than defaulted: `verdict watch` starts at Start then, else now.
	Anchored bool `mapstructure:"-"`
}

// Scope is one side's label matcher text, substituted for {{ .Scope }}.
type Scope struct {
	Scope  string        `mapstructure:"scope"`
	Offset time.Duration `mapstructure:"offset"` // baseline only: shift its window back
}

// Direction is which change of a metric fails it.
type Direction string

const (
	Increase Direction = "increase"
	Decrease Direction = "decrease"
	Either   Direction = "either"
)

// Fraction is a share between 0 and 1, written "90%" or 0.9.
type Fraction float64

// Multiple-testing adjustments (multiple_testing).
const (
	Holm           = "holm"
	NoAdjustment   = "none"
	NonInferiority = "non-inferiority"
	NoMarginTest   = "none"
)

// Metric kinds (kind) and series tests (test).
const (
	KindSeries = "series"
	KindRatio  = "ratio"

	TestAuto        = "auto"
	TestPaired      = "paired"
	TestMannWhitney = "mann-whitney"
)

// Margin is an allowed change: a fraction of |median(baseline)| when Relative, else absolute.
type Margin struct {
	Value    float64
	Relative bool
	Text     string // as written, e.g. "10%"
}

// Metric is one compared metric.
type Metric struct {
	Name string `mapstructure:"name"`
	// Kind is series (default: Query returns a range of values) or ratio
	// (Numerator and Denominator are counter queries).
	Kind        string `mapstructure:"kind"`
	Query       string `mapstructure:"query"`
	Numerator   string `mapstructure:"numerator"`
	Denominator string `mapstructure:"denominator"`
	// Test is the series test that classifies: auto (default), paired or mann-whitney.
	Test            string    `mapstructure:"test"`
	Group           string    `mapstructure:"group"`
	FailOn          Direction `mapstructure:"fail_on"`
	AllowedIncrease Margin    `mapstructure:"allowed_increase"`
	AllowedDecrease Margin    `mapstructure:"allowed_decrease"`
	Critical        bool      `mapstructure:"critical"`
	MustHaveData    bool      `mapstructure:"must_have_data"`
	NaN             string    `mapstructure:"nan"` // remove | zero
	Max             *float64  `mapstructure:"max"`
	Min             *float64  `mapstructure:"min"`
	// RemoveOutliers, when positive, drops each side's values outside
	// [Q1 - k·IQR, Q3 + k·IQR] with k = RemoveOutliers before testing.
	RemoveOutliers float64 `mapstructure:"remove_outliers"`

	// Line is the metric's line in the config file (0 when unknown).
	Line int `mapstructure:"-"`
}

// Group is a weighted set of metrics.
type Group struct {
	Weight float64 `mapstructure:"weight"`
}

// Watch is the watch: section (SPEC §6), used by `verdict watch` only.
type Watch struct {
	Interval        time.Duration `mapstructure:"interval"`          // between checks; default 1m
	Duration        time.Duration `mapstructure:"duration"`          // how long to watch; default 30m
	Warmup          time.Duration `mapstructure:"warmup"`            // ignored at the start; default 0
	EarlyPromote    bool          `mapstructure:"early_promote"`     // promote before the end when every margin is shown
	MaxFailedChecks int           `mapstructure:"max_failed_checks"` // consecutive failed checks that end in error; default 3
	Lag             time.Duration `mapstructure:"lag"`               // judge data up to now − lag; default 30s
}

// Scoring holds the score thresholds for promote and inconclusive.
type Scoring struct {
	Pass     float64 `mapstructure:"pass"`
	Marginal float64 `mapstructure:"marginal"`
}
