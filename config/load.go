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
	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest config file Load reads (10 MiB).
const MaxFileSize = 10 << 20

// Options are what Load layers over the file: flag > environment > file > default.
type Options struct {
	// Env is the environment in os.Environ() form; VERDICT_<KEY> variables
	// override keys (see EnvNames). Nil means no overrides: the CLI passes
	// os.Environ(). Empty values count as unset.
	Env []string
	// Flags maps config keys (see Keys), e.g. "window.end", to flags; a
	// flag applies only when its Changed is true and its value not empty;
	// nil entries are skipped.
	Flags map[string]*pflag.Flag
	// Dir, when set, is the directory relative paths from flags and the
	// environment are taken from; "" means the working directory. (Paths
	// written in the file are relative to the file.)
	Dir string
	// Now is the clock for the default window end and the check that the
	// window has ended; nil means time.Now.
	Now func() time.Time
	// AllowFutureWindow accepts a window ending after Now: `verdict watch`
	// watches a window as it fills. judge and record leave it false, as a
	// window that has not ended holds points the server makes up.
	AllowFutureWindow bool
}

// Load reads the config file at path and decodes it over the defaults
// (defaults.go, walk.go), sets opts' environment and flag overrides
// (override.go), fills in what depends on several keys and validates
// (finish.go, validate.go). Each value is parsed once, by parseScalar. Its
// error is always an Errors holding every problem found, each with its key
// path and line.
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
	cfg := newConfig()
	t := walkDocument(root, cfg)
	ovr, oerrs := overrides(opts)
	errs := append(t.errs, oerrs...)
	if t.bad[""] { // not a mapping: nothing else to say
		return nil, errs
	}
	if len(t.lines) == 0 && len(t.errs) == 0 {
		return nil, append(errs, &FieldError{Line: 1, Msg: "the config is empty"})
	}
	apply(cfg, ovr)
	l := &loader{path: path, opts: opts, t: t, ovr: ovr, errs: errs}
	l.finish(cfg)
	cfg.Overrides = list(ovr)
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

// loader holds one Load's state once the file is decoded and the
// overrides applied: what finish needs to know where each value came from.
type loader struct {
	path string
	opts Options
	t    *tree
	ovr  map[string]override
	errs Errors
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
