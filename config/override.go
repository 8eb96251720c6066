package config

import (
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// EnvPrefix starts every environment variable that overrides a config key.
const EnvPrefix = "VERDICT_"

// layer is where a value came from, in increasing precedence.
type layer int

const (
	unset layer = iota
	fromFile
	fromEnv
	fromFlag
)

// leaf is one key the environment and flags can override.
type leaf struct {
	key  string
	kind kind
}

// leaves lists the scalar keys of Config outside lists and maps, in struct order.
func leaves() []leaf {
	var out []leaf
	var visit func(prefix string, t reflect.Type)
	visit = func(prefix string, t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			key := join(prefix, name)
			if k, ok := kindOf(ft); ok {
				out = append(out, leaf{key, k})
				continue
			}
			if ft.Kind() == reflect.Struct {
				visit(key, ft)
			}
		}
	}
	visit("", reflect.TypeFor[Config]())
	return out
}

// Keys lists every config key that an environment variable or a flag can
// override (keys inside metrics, groups and headers cannot), e.g.
// "source.prometheus.url", "window.end".
func Keys() []string {
	ls := leaves()
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.key
	}
	return out
}

// EnvNames lists the environment variables that override key, the first
// set one winning: VERDICT_ and the key upper-cased with dots and dashes as
// underscores, and for keys under source. also the short form without
// SOURCE_ (VERDICT_PROMETHEUS_URL for source.prometheus.url).
func EnvNames(key string) []string {
	name := func(k string) string {
		return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(k))
	}
	names := []string{name(key)}
	if short, ok := strings.CutPrefix(key, "source."); ok {
		names = append(names, name(short))
	}
	return names
}

// override is a value from the environment or a flag for one key.
type override struct {
	layer layer
	from  string      // "$VERDICT_WINDOW_STEP" or "--end"
	text  string      // the value as given
	value any         // typed value (environment)
	flag  *pflag.Flag // the flag, for viper.BindPFlag
}

// Override is one setting taken from the environment or a flag instead of
// the file (SPEC §1): the CLI lists them on stderr and in the JSON report.
type Override struct {
	Key  string `json:"key"`  // the config key, e.g. "scoring.pass"
	From string `json:"from"` // "env VERDICT_SCORING_PASS" or "flag --end"
	// Value is the value as given; a secret's is left out (Secret true) and
	// a URL's password is replaced by "xxxxx".
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

// secretKeys are the leaf keys whose values are secrets.
var secretKeys = map[string]bool{"source.prometheus.basic_auth.password": true}

// list is the overrides as the report shows them, sorted by key; nil when
// there are none.
func list(ovr map[string]override) []Override {
	var out []Override
	for _, key := range slices.Sorted(maps.Keys(ovr)) {
		o := ovr[key]
		from := "env " + strings.TrimPrefix(o.from, "$")
		if o.layer == fromFlag {
			from = "flag " + o.from
		}
		v := Override{Key: key, From: from, Value: o.text}
		switch {
		case secretKeys[key]:
			v.Value, v.Secret = "", true
		case strings.Contains(v.Value, "@"):
			if u, err := url.Parse(v.Value); err == nil && u.User != nil {
				v.Value = u.Redacted()
			}
		}
		out = append(out, v)
	}
	return out
}

// overrides finds the environment and flag values for every leaf key,
// flag before environment, and checks their types.
func overrides(opts Options) (map[string]override, Errors) {
	env := map[string]string{}
	for _, kv := range opts.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			env[k] = v
		}
	}
	known := map[string]kind{}
	out := map[string]override{}
	var errs Errors
	for _, l := range leaves() {
		known[l.key] = l.kind
		if f := opts.Flags[l.key]; f != nil && f.Changed && f.Value.String() != "" {
			o := override{layer: fromFlag, from: "--" + f.Name, text: f.Value.String(), flag: f}
			if _, err := parseScalar(l.kind, "", f.Value.String()); err != nil {
				errs = append(errs, errorf(l.key, 0, "%s (from %s)", err.Error(), o.from))
				continue
			}
			out[l.key] = o
			continue
		}
		for _, name := range EnvNames(l.key) {
			text, ok := env[name]
			if !ok {
				continue
			}
			o := override{layer: fromEnv, from: "$" + name, text: text}
			v, err := parseScalar(l.kind, "", text)
			if err != nil {
				errs = append(errs, errorf(l.key, 0, "%s (from %s)", err.Error(), o.from))
				break
			}
			o.value = v
			out[l.key] = o
			break
		}
	}
	for _, key := range slices.Sorted(maps.Keys(opts.Flags)) {
		f := opts.Flags[key]
		if _, ok := known[key]; !ok && f != nil {
			errs = append(errs, errorf("", 0, "flag --%s is bound to %q, which is not a config key that flags can set", f.Name, key))
		}
	}
	sortErrors(errs)
	return out, errs
}
