package config

import (
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// finish applies what depends on more than one key — the source, the
// window, per-metric defaults, file paths — and validates the result.
func (l *loader) finish(cfg *Config) {
	cfg.Path = l.path
	l.source(cfg)
	l.window(cfg)
	for i := range cfg.Metrics {
		m := &cfg.Metrics[i]
		m.Line = l.t.lines["metrics["+strconv.Itoa(i)+"]"]
		m.setDefaults()
	}
	l.validate(cfg)
}

// source picks the one data source. When both prometheus and recording are
// set, the one from the higher layer (flag > environment > file) wins; set in
// the same layer they are an error. Prometheus counts as set when the file
// has a prometheus: block or source.prometheus.url comes from a flag or the
// environment. Relative file paths written in the file are resolved against
// the config file's directory.
func (l *loader) source(cfg *Config) {
	prom := l.layerOf("source.prometheus.url")
	if l.t.set["source.prometheus"] {
		prom = max(prom, fromFile)
	}
	rec := l.layerOf("source.recording")
	switch {
	case prom == unset && rec == unset:
		l.fail("source", "required: set source.prometheus.url or source.recording")
	case prom == rec:
		l.fail("source", "set only one of source.prometheus and source.recording")
		cfg.Source = Source{}
		return
	case rec > prom:
		cfg.Source.Prometheus = nil
	default:
		cfg.Source.Recording = ""
	}
	if p := cfg.Source.Prometheus; prom > rec {
		if p == nil { // the file's prometheus: was not a mapping
			p = newPrometheus()
			cfg.Source.Prometheus = p
		}
		l.resolve("source.prometheus.bearer_token_file", &p.BearerTokenFile)
		if p.BasicAuth != nil {
			l.resolve("source.prometheus.basic_auth.password_file", &p.BasicAuth.PasswordFile)
		}
		if p.TLS != nil {
			l.resolve("source.prometheus.tls.ca_file", &p.TLS.CAFile)
			l.resolve("source.prometheus.tls.cert_file", &p.TLS.CertFile)
			l.resolve("source.prometheus.tls.key_file", &p.TLS.KeyFile)
		}
	}
	if rec > prom {
		if cfg.Source.Recording == "" {
			l.fail("source.recording", "must not be empty")
		}
		l.resolve("source.recording", &cfg.Source.Recording)
	}
}

// resolve makes a relative path written in the file relative to the config
// file's directory, and one from a flag or the environment relative to
// Options.Dir (the working directory when that is "").
func (l *loader) resolve(key string, p *string) {
	if *p == "" || filepath.IsAbs(*p) {
		return
	}
	switch l.layerOf(key) {
	case fromFile:
		*p = filepath.Join(filepath.Dir(l.path), *p)
	case fromEnv, fromFlag:
		if l.opts.Dir != "" {
			*p = filepath.Join(l.opts.Dir, *p)
		}
	}
}

// window fills in the window. Of start, end and duration, any two decide
// the third; end defaults to now and duration to 1h. When all three are
// set and disagree, the one from the lowest layer is dropped (duration
// before start before end on a tie); all three in the same layer must agree.
func (l *loader) window(cfg *Config) {
	w := &cfg.Window
	now := time.Now
	if l.opts.Now != nil {
		now = l.opts.Now
	}
	ls, le, ld := l.layerOf("window.start"), l.layerOf("window.end"), l.layerOf("window.duration")
	if ld != unset && w.Duration <= 0 {
		l.fail("window.duration", "must be more than 0, not %s", w.Duration)
		return
	}
	if ls != unset && le != unset && ld != unset && w.End.Sub(w.Start) != w.Duration {
		low := min(ls, le, ld)
		switch {
		case ls == le && le == ld:
			l.fail("window", "start, end and duration disagree (end - start is %s, duration is %s); give two of them", w.End.Sub(w.Start), w.Duration)
			return
		case ld == low:
			ld = unset
		case ls == low:
			ls = unset
		default:
			le = unset
		}
	}
	w.Anchored = ls != unset || le != unset
	switch {
	case ls != unset && le != unset:
		w.Duration = w.End.Sub(w.Start)
	case ls != unset && ld != unset:
		w.End = w.Start.Add(w.Duration)
	case ls != unset:
		w.End = now().UTC().Truncate(time.Second)
		w.Duration = w.End.Sub(w.Start)
	default:
		if le == unset {
			w.End = now().UTC().Truncate(time.Second)
		}
		if ld == unset {
			w.Duration = DefaultDuration
		}
		w.Start = w.End.Add(-w.Duration)
	}
	if !w.End.After(w.Start) {
		l.fail(windowKey(ls, le), "window.end (%s) must be after window.start (%s)", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
		return
	}
	if t := now().UTC(); w.End.After(t) && !l.opts.AllowFutureWindow {
		key := windowKey(ls, le)
		if le == unset && ld != unset {
			key = "window.duration"
		}
		l.fail(key, "the window ends at %s, later than now (%s): the server would fill the steps that have not happened from its lookback, so the points would be made up; end the window at or before now",
			w.End.Format(time.RFC3339), t.Format(time.RFC3339))
	}
}

// windowKey is the key to blame for an empty or reversed window.
func windowKey(ls, le layer) string {
	if le != unset {
		return "window.end"
	}
	if ls != unset {
		return "window.start"
	}
	return "window"
}

// fileProblem says what is wrong with the recording file path, or "".
func fileProblem(path string) string {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return path + ": " + causeText(err)
	case st.IsDir():
		return path + " is a directory, not a recording"
	}
	return ""
}
