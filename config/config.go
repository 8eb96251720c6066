// Package config defines verdict's canary.yaml (SPEC §3): its schema,
// loading with environment and flag overrides, defaults and validation.
package config

import "time"

// Config is a whole canary.yaml, after defaults.
type Config struct {
	Version    int              `mapstructure:"version"`
	Source     Source           `mapstructure:"source"`
	Window     Window           `mapstructure:"window"`
	Baseline   Scope            `mapstructure:"baseline"`
	Canary     Scope            `mapstructure:"canary"`
	Confidence float64          `mapstructure:"confidence"`
	Metrics    []Metric         `mapstructure:"metrics"`
	Groups     map[string]Group `mapstructure:"groups"`
	Scoring    Scoring          `mapstructure:"scoring"`

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

// Margin is an allowed change: a fraction of |median(baseline)| when Relative, else absolute.
type Margin struct {
	Value    float64
	Relative bool
	Text     string // as written, e.g. "10%"
}

// Metric is one compared metric.
type Metric struct {
	Name            string    `mapstructure:"name"`
	Query           string    `mapstructure:"query"`
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

// Scoring holds the score thresholds for promote and inconclusive.
type Scoring struct {
	Pass     float64 `mapstructure:"pass"`
	Marginal float64 `mapstructure:"marginal"`
}
