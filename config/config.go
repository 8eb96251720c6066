// Package config holds verdict's canary.yaml (SPEC §3): the Config types, their defaults,
// and Load, which decodes the file, lays environment and flag overrides over it and validates.
package config

import "time"

// Config is a whole canary.yaml, after defaults. A field's yaml tag is its
// key; Load decodes the fields itself (see walk.go), not through yaml.v3.
type Config struct {
	Version    int     `yaml:"version"`
	Source     Source  `yaml:"source"`
	Window     Window  `yaml:"window"`
	Baseline   Scope   `yaml:"baseline"`
	Canary     Scope   `yaml:"canary"`
	Confidence float64 `yaml:"confidence"`
	// MultipleTesting is how the run's inferiority p-values are adjusted
	// before they are compared with α: holm (default) or none.
	MultipleTesting string `yaml:"multiple_testing"`
	// MarginTest is whether a margin must be shown: non-inferiority
	// (default: a metric with δ > 0 passes only when its non-inferiority
	// test rejects) or none (revision 1: a pass whenever nothing is found).
	MarginTest string `yaml:"margin_test"`
	// Coverage is the share of the baseline's timestamps the canary must
	// cover (default 0.9); below it the metric is missing. 0 turns it off.
	Coverage Fraction         `yaml:"coverage"`
	Metrics  []Metric         `yaml:"metrics"`
	Groups   map[string]Group `yaml:"groups"`
	Scoring  Scoring          `yaml:"scoring"`
	// Watch tunes `verdict watch` (SPEC §6); judge ignores it.
	Watch Watch `yaml:"watch"`
	// Overrides are the settings taken from the environment or flags.
	Overrides []Override `yaml:"-"`

	// Path is the file the config was read from ("" when built in code).
	Path string `yaml:"-"`
}

// Source says where samples come from: exactly one of Prometheus or Recording.
type Source struct {
	Prometheus *Prometheus `yaml:"prometheus"`
	Recording  string      `yaml:"recording"`
}

// Prometheus is a Prometheus-compatible HTTP API endpoint.
type Prometheus struct {
	URL             string            `yaml:"url"`
	Timeout         time.Duration     `yaml:"timeout"` // per query; default 30s
	Headers         map[string]string `yaml:"headers"` // e.g. X-Scope-OrgID
	BearerTokenFile string            `yaml:"bearer_token_file"`
	BearerTokenEnv  string            `yaml:"bearer_token_env"`
	BasicAuth       *BasicAuth        `yaml:"basic_auth"`
	TLS             *TLS              `yaml:"tls"`
	Concurrency     int               `yaml:"concurrency"` // queries in flight; default 8
	Retries         int               `yaml:"retries"`     // extra attempts on retryable failures; default 3
	// MaxBufferedBytes bounds the response bytes held at once over the
	// queries in flight; default 256 MiB (DefaultMaxBufferedBytes).
	MaxBufferedBytes int `yaml:"max_buffered_bytes"`
}

// BasicAuth is HTTP basic authentication; the password comes from a file or the config.
type BasicAuth struct {
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
}

// TLS configures the client side of a TLS connection.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Window is the time range both sides are compared over.
type Window struct {
	Start    time.Time     `yaml:"start"`
	End      time.Time     `yaml:"end"`
	Duration time.Duration `yaml:"duration"`
	Step     time.Duration `yaml:"step"`
	// Anchored is true when window.start or window.end was given rather
	// than defaulted: `verdict watch` starts at Start then, else now.
	Anchored bool `yaml:"-"`
}

// Scope is one side's label matcher text, substituted for {{ .Scope }}.
type Scope struct {
	Scope  string        `yaml:"scope"`
	Offset time.Duration `yaml:"offset"` // baseline only: shift its window back
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
	Name string `yaml:"name"`
	// Kind is series (default: Query returns a range of values) or ratio
	// (Numerator and Denominator are counter queries).
	Kind        string `yaml:"kind"`
	Query       string `yaml:"query"`
	Numerator   string `yaml:"numerator"`
	Denominator string `yaml:"denominator"`
	// Test is the series test that classifies: auto (default), paired or mann-whitney.
	Test            string      `yaml:"test"`
	Group           string      `yaml:"group"`
	FailOn          Direction   `yaml:"fail_on"`
	AllowedIncrease Margin      `yaml:"allowed_increase"`
	AllowedDecrease Margin      `yaml:"allowed_decrease"`
	Critical        bool        `yaml:"critical"`
	MustHaveData    bool        `yaml:"must_have_data"`
	NaN             NaNStrategy `yaml:"nan"` // remove | zero
	Max             *float64    `yaml:"max"`
	Min             *float64    `yaml:"min"`
	// RemoveOutliers, when positive, drops each side's values outside
	// [Q1 - k·IQR, Q3 + k·IQR] with k = RemoveOutliers before testing.
	RemoveOutliers float64 `yaml:"remove_outliers"`

	// Line is the metric's line in the config file (0 when unknown).
	Line int `yaml:"-"`
}

// Group is a weighted set of metrics.
type Group struct {
	Weight float64 `yaml:"weight"`
}

// Watch is the watch: section (SPEC §6), used by `verdict watch` only.
type Watch struct {
	Interval        time.Duration `yaml:"interval"`          // between checks; default 1m
	Duration        time.Duration `yaml:"duration"`          // how long to watch; default 30m
	Warmup          time.Duration `yaml:"warmup"`            // ignored at the start; default 0
	EarlyPromote    bool          `yaml:"early_promote"`     // promote before the end when every margin is shown
	MaxFailedChecks int           `yaml:"max_failed_checks"` // consecutive failed checks that end in error; default 3
	Lag             time.Duration `yaml:"lag"`               // judge data up to now − lag; default 30s
}

// Scoring holds the score thresholds for promote and inconclusive.
type Scoring struct {
	Pass     float64 `yaml:"pass"`
	Marginal float64 `yaml:"marginal"`
}
