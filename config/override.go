package config

import (
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
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
	key   string
	kind  kind
	index []int // the field's index path from Config (see fieldAt)
}

// leaves lists the scalar keys of Config outside lists and maps, in struct order.
func leaves() []leaf {
	var out []leaf
	var visit func(prefix string, index []int, t reflect.Type)
	visit = func(prefix string, index []int, t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := keyOf(f)
			if name == "" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			key, idx := join(prefix, name), append(slices.Clone(index), i)
			if k, ok := kindOf(ft); ok {
				out = append(out, leaf{key, k, idx})
				continue
			}
			if ft.Kind() == reflect.Struct {
				visit(key, idx, ft)
			}
		}
	}
	visit("", nil, reflect.TypeFor[Config]())
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

// override is the value of one key from the environment or a flag.
type override struct {
	leaf  leaf
	layer layer
	from  string // "$VERDICT_WINDOW_STEP" or "--end"
	text  string // the value as given
	value any    // the value parsed, of leaf.kind's type
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

// overrides is the one layer that decides env/flag precedence: for each
// leaf key it takes the flag when one was given, else the first set of the
// key's environment variables (EnvNames), and parses the value once.
//
// It replaced viper (and mapstructure) as that layer (issue 12): viper reads
// the environment only through os.LookupEnv, while Load takes it as a value
// (Options.Env: the CLI's injected environment, the GitHub action's token
// without os.Setenv); it cannot say which variable or flag set a value, which
// the overrides list on stderr and in the report needs, so its precedence had
// to be worked out a second time anyway; and it counts a changed empty flag as
// set, where an empty flag means unset here.
func overrides(opts Options) (map[string]override, Errors) {
	env := map[string]string{}
	for _, kv := range opts.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			env[k] = v
		}
	}
	known := map[string]bool{}
	out := map[string]override{}
	var errs Errors
	for _, l := range leaves() {
		known[l.key] = true
		o := override{leaf: l}
		if f := opts.Flags[l.key]; f != nil && f.Changed && f.Value.String() != "" {
			o.layer, o.from, o.text = fromFlag, "--"+f.Name, f.Value.String()
		} else if name, text := firstSet(env, EnvNames(l.key)); name != "" {
			o.layer, o.from, o.text = fromEnv, "$"+name, text
		} else {
			continue
		}
		v, err := parseScalar(l.kind, "", o.text)
		if err != nil {
			errs = append(errs, errorf(l.key, 0, "%s (from %s)", err.Error(), o.from))
			continue
		}
		o.value = v
		out[l.key] = o
	}
	for _, key := range slices.Sorted(maps.Keys(opts.Flags)) {
		if f := opts.Flags[key]; f != nil && !known[key] {
			errs = append(errs, errorf("", 0, "flag --%s is bound to %q, which is not a config key that flags can set", f.Name, key))
		}
	}
	return out, errs
}

// firstSet is the first of names set in env, and its value.
func firstSet(env map[string]string, names []string) (name, value string) {
	for _, n := range names {
		if v, ok := env[n]; ok {
			return n, v
		}
	}
	return "", ""
}

// apply sets each override's value in cfg.
func apply(cfg *Config, ovr map[string]override) {
	for _, o := range ovr {
		f := fieldAt(reflect.ValueOf(cfg).Elem(), o.leaf.index)
		if f.Kind() == reflect.Pointer {
			f.Set(newValue(f.Type().Elem()))
			f = f.Elem()
		}
		f.Set(reflect.ValueOf(o.value).Convert(f.Type()))
	}
}

// fieldAt is the field at index under v, allocating (with their defaults)
// the structs that nil pointers on the way stand for.
func fieldAt(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(newValue(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}
