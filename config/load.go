package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest config file Load reads (10 MiB).
const MaxFileSize = 10 << 20

// Defaults for what SPEC §3 leaves optional.
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
	// DefaultMaxBufferedBytes is source.prometheus.max_buffered_bytes' default (256 MiB).
	DefaultMaxBufferedBytes = 256 << 20
	NaNRemove               = "remove"
	NaNZero                 = "zero"

	DefaultMultipleTesting = Holm
	DefaultMarginTest      = NonInferiority
	DefaultCoverage        = Fraction(0.9)

	DefaultWatchInterval        = time.Minute
	DefaultWatchDuration        = 30 * time.Minute
	DefaultWatchWarmup          = time.Duration(0)
	DefaultWatchMaxFailedChecks = 3
	DefaultWatchLag             = 30 * time.Second
)

// Options are what Load layers over the file: flag > environment > file > default.
type Options struct {
	// Env is the environment in os.Environ() form; VERDICT_<KEY> variables
	// override keys (see EnvNames). Nil means no overrides: the CLI passes
	// os.Environ(). Empty values count as unset.
	Env []string
	// Flags maps config keys (see Keys), e.g. "window.end", to flags; a
	// flag applies only when its Changed is true and its value not empty.
	Flags map[string]*pflag.Flag
	// Now is the clock for the default window end and the check that the
	// window has ended; nil means time.Now.
	Now func() time.Time
	// AllowFutureWindow accepts a window ending after Now: `verdict watch`
	// watches a window as it fills. judge and record leave it false, as a
	// window that has not ended holds points the server makes up.
	AllowFutureWindow bool
}

// Load reads the config file at path, applies opts' environment and flag
// overrides and the defaults, and validates the result. Its error is always
// an Errors holding every problem found, each with its key path and line.
func Load(path string, opts Options) (*Config, error) {
	cfg, errs := load(path, opts)
	if len(errs) > 0 {
		for _, e := range errs {
			e.File = path
		}
		sortErrors(errs)
		return nil, errs
	}
	return cfg, nil
}

func load(path string, opts Options) (*Config, Errors) {
	data, fe := readFile(path)
	if fe != nil {
		return nil, Errors{fe}
	}
	root, fe := parseYAML(data)
	if fe != nil {
		return nil, Errors{fe}
	}
	t := walkDocument(root)
	ovr, oerrs := overrides(opts)
	errs := append(t.errs, oerrs...)
	if t.bad[""] { // not a mapping: nothing else to say
		return nil, errs
	}
	if len(t.lines) == 0 && len(t.errs) == 0 {
		return nil, append(errs, &FieldError{Line: 1, Msg: "the config is empty"})
	}
	l := &loader{path: path, opts: opts, t: t, ovr: ovr, errs: errs}
	cfg := l.decode()
	if cfg != nil {
		l.finish(cfg)
		cfg.Overrides = list(ovr)
	}
	return cfg, l.errs
}

// readFile reads at most MaxFileSize bytes of path.
func readFile(path string) ([]byte, *FieldError) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FieldError{Msg: "cannot read the config: " + causeText(err), Err: err}
	}
	defer f.Close()
	tooBig := &FieldError{Msg: fmt.Sprintf("the file is larger than %d MiB, the most a config may be", MaxFileSize>>20)}
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, &FieldError{Msg: "cannot read the config: it is a directory"}
		}
		if st.Size() > MaxFileSize {
			tooBig.Msg = fmt.Sprintf("the file is %.1f MiB; a config may be at most %d MiB", float64(st.Size())/(1<<20), MaxFileSize>>20)
			return nil, tooBig
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &FieldError{Msg: "cannot read the config: " + causeText(err), Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, tooBig
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &FieldError{Line: 1, Msg: "the config is empty"}
	}
	return data, nil
}

// causeText is err's message without the path an *fs.PathError repeats.
func causeText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses exactly one YAML document.
func parseYAML(data []byte) (root *yaml.Node, fe *FieldError) {
	defer func() {
		if r := recover(); r != nil {
			root, fe = nil, &FieldError{Msg: "malformed YAML: the parser failed"}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{Line: 1, Msg: "the config is empty"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &FieldError{Line: extra.Line, Msg: "a second YAML document (---); a config is one document"}
	case !errors.Is(err, io.EOF):
		return nil, yamlError(err)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &FieldError{Line: 1, Msg: "the config is empty"}
	}
	return &doc, nil
}

// yamlError turns a yaml.v3 syntax error into a FieldError with its line.
func yamlError(err error) *FieldError {
	msg := oneLine(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{Line: line, Msg: "malformed YAML: " + m[2]}
	}
	// yaml.v3 leaves out the line when it is the first (its 0-based mark is 0).
	return &FieldError{Line: 1, Msg: "malformed YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// loader holds one Load's state.
type loader struct {
	path string
	opts Options
	t    *tree
	ovr  map[string]override
	errs Errors

	groups  map[string]Group
	headers map[string]string
}

// defaults are the values of the keys viper fills in when no layer sets them
// (per-metric defaults and the window's are in finish).
var defaults = map[string]any{
	"window.step":             DefaultStep,
	"confidence":              DefaultConfidence,
	"scoring.pass":            DefaultPass,
	"scoring.marginal":        DefaultMarginal,
	"multiple_testing":        DefaultMultipleTesting,
	"margin_test":             DefaultMarginTest,
	"coverage":                DefaultCoverage,
	"watch.interval":          DefaultWatchInterval,
	"watch.duration":          DefaultWatchDuration,
	"watch.warmup":            DefaultWatchWarmup,
	"watch.max_failed_checks": DefaultWatchMaxFailedChecks,
	"watch.lag":               DefaultWatchLag,
}

// decode layers defaults, the file, the environment and flags in viper
// and unmarshals the result.
func (l *loader) decode() *Config {
	values := l.t.values
	l.groups = takeGroups(values)
	l.headers = takeHeaders(values)

	v := viper.NewWithOptions(viper.WithDecodeHook(decodeHook()))
	for key, value := range defaults {
		v.SetDefault(key, value)
	}
	if err := v.MergeConfigMap(values); err != nil {
		l.errs = append(l.errs, &FieldError{Msg: "cannot load the config: " + oneLine(err.Error())})
		return nil
	}
	for key, o := range l.ovr {
		if o.flag != nil {
			if err := v.BindPFlag(key, o.flag); err != nil {
				l.errs = append(l.errs, errorf(key, 0, "cannot bind %s: %s", o.from, oneLine(err.Error())))
			}
			continue
		}
		v.Set(key, o.value)
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		// The walk and the override checks make this unreachable; say so plainly if not.
		l.errs = append(l.errs, &FieldError{Msg: "cannot decode the config: " + oneLine(err.Error())})
		return nil
	}
	return &cfg
}

// takeGroups removes groups: from values and returns it with its names'
// case intact (viper lower-cases map keys).
func takeGroups(values map[string]any) map[string]Group {
	raw, _ := values["groups"].(map[string]any)
	delete(values, "groups")
	if raw == nil {
		return nil
	}
	out := make(map[string]Group, len(raw))
	for name, g := range raw {
		m, _ := g.(map[string]any)
		w, _ := m["weight"].(float64)
		out[name] = Group{Weight: w}
	}
	return out
}

// takeHeaders removes source.prometheus.headers from values and returns it.
func takeHeaders(values map[string]any) map[string]string {
	src, _ := values["source"].(map[string]any)
	prom, _ := src["prometheus"].(map[string]any)
	raw, _ := prom["headers"].(map[string]any)
	delete(prom, "headers")
	if raw == nil {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k], _ = v.(string)
	}
	return out
}

// layerOf says where key's value came from.
func (l *loader) layerOf(key string) layer {
	if o, ok := l.ovr[key]; ok {
		return o.layer
	}
	if l.t.set[key] {
		return fromFile
	}
	return unset
}

// fail records a validation error at path, unless path or a parent of it
// was already reported as malformed.
func (l *loader) fail(path, format string, args ...any) {
	for p := path; p != ""; p = parent(p) {
		if l.t.bad[p] {
			return
		}
	}
	e := errorf(path, 0, format, args...)
	if o, ok := l.ovr[path]; ok {
		e.Msg += " (from " + o.from + ")"
	} else {
		for p := path; p != ""; p = parent(p) {
			if line, ok := l.t.lines[p]; ok {
				e.Line = line
				break
			}
		}
	}
	l.errs = append(l.errs, e)
}

// parent is path without its last element: metrics[2].query -> metrics[2] -> metrics.
func parent(path string) string {
	var i int
	switch {
	case strings.HasSuffix(path, `"]`):
		i = strings.LastIndex(path, `["`)
	case strings.HasSuffix(path, "]"):
		i = strings.LastIndex(path, "[")
	default:
		i = strings.LastIndex(path, ".")
	}
	if i <= 0 || i >= len(path) {
		return ""
	}
	return path[:i]
}
