package config

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML nodes visited, aliases expanded, so that an
// alias bomb is an error instead of a hang.
const maxNodes = 1_000_000

// tree is what the walk of a config file found besides the values it
// decoded: where each key is, and which keys were set or bad.
type tree struct {
	lines map[string]int  // key path -> line
	set   map[string]bool // key paths with a non-null value
	bad   map[string]bool // key paths whose value was wrong (already reported)
	errs  Errors
}

// walker decodes a YAML document into a Config, checking each value against
// its field's type as it goes. A field's key is its yaml tag; its value is
// parsed by parseScalar (durations, margins, shares...), not by yaml.v3.
type walker struct {
	tree
	nodes   int
	stop    bool
	merging map[*yaml.Node]bool                             // mappings being expanded by <<, to catch cycles
	fields  map[reflect.Type]map[string]reflect.StructField // structKeys, per type
}

// maxMergeDepth bounds merges of merges (<<: *a where a has <<: *b ...).
const maxMergeDepth = 64

// walkDocument decodes root (a document node) into cfg, which holds the
// defaults: a key the file leaves out, sets to null or gets wrong keeps its
// default.
func walkDocument(root *yaml.Node, cfg *Config) *tree {
	w := &walker{tree: tree{lines: map[string]int{}, set: map[string]bool{}, bad: map[string]bool{}}, fields: map[reflect.Type]map[string]reflect.StructField{}}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode && !isNull(doc) && doc.Kind != yaml.AliasNode {
		w.fail("", doc, "the config must be a mapping of keys (version:, source:, metrics: ...), not %s", nodeKind(doc))
		return &w.tree
	}
	w.decode("", doc, reflect.ValueOf(cfg).Elem())
	return &w.tree
}

func (w *walker) fail(path string, n *yaml.Node, format string, args ...any) {
	w.bad[path] = true
	w.errs = append(w.errs, errorf(path, n.Line, format, args...))
}

// deref follows aliases, counting nodes against maxNodes.
func (w *walker) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	w.nodes++
	if w.nodes > maxNodes && !w.stop {
		w.stop = true
		w.errs = append(w.errs, errorf("", 0, "the document is too complex (more than %d nodes with aliases expanded)", maxNodes))
	}
	if n == nil || n.Kind == yaml.AliasNode || w.stop {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// decode sets v from n at path; it is false, and v untouched, when the
// value is absent (null) or wrong.
func (w *walker) decode(path string, n *yaml.Node, v reflect.Value) bool {
	if n = w.deref(n); n == nil || isNull(n) {
		return false
	}
	if path != "" {
		w.set[path] = true
		if _, ok := w.lines[path]; !ok {
			w.lines[path] = n.Line
		}
	}
	return w.value(path, n, v)
}

// value sets v from the (dereferenced, non-null) node n.
func (w *walker) value(path string, n *yaml.Node, v reflect.Value) bool {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := newValue(t.Elem())
		if !w.value(path, n, p.Elem()) {
			return false
		}
		v.Set(p)
		return true
	}
	if k, ok := kindOf(t); ok {
		if n.Kind != yaml.ScalarNode {
			w.fail(path, n, "must be %s, not %s", k.describe(), nodeKind(n))
			return false
		}
		x, err := parseScalar(k, n.Tag, n.Value)
		if err != nil {
			w.fail(path, n, "%s", err.Error())
			return false
		}
		v.Set(reflect.ValueOf(x).Convert(t))
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		return w.decodeStruct(path, n, v)
	case reflect.Map:
		return w.decodeMap(path, n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(path, n, "must be a list, not %s", nodeKind(n))
			return false
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if !w.decode(p, item, s.Index(i)) && !w.bad[p] && !w.stop {
				w.fail(p, item, "must be %s, not empty", "a mapping")
			}
		}
		v.Set(s)
		return true
	}
	w.fail(path, n, "unsupported type %s", t)
	return false
}

func (w *walker) decodeStruct(path string, n *yaml.Node, v reflect.Value) bool {
	if n.Kind != yaml.MappingNode {
		w.fail(path, n, "must be a mapping, not %s", nodeKind(n))
		return false
	}
	fields := w.fields[v.Type()]
	if fields == nil {
		fields = structKeys(v.Type())
		w.fields[v.Type()] = fields
	}
	for _, p := range w.pairs(path, n) {
		f, ok := fields[p.key]
		kp := join(path, p.key)
		if !ok {
			w.bad[kp] = true
			msg := "unknown key"
			if s := suggest(p.key, fields); s != "" {
				msg += " (did you mean " + s + "?)"
			}
			w.errs = append(w.errs, errorf(kp, p.line, "%s", msg))
			continue
		}
		w.lines[kp] = p.line
		w.decode(kp, p.val, v.FieldByIndex(f.Index))
	}
	return true
}

func (w *walker) decodeMap(path string, n *yaml.Node, v reflect.Value) bool {
	if n.Kind != yaml.MappingNode {
		w.fail(path, n, "must be a mapping, not %s", nodeKind(n))
		return false
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	for _, p := range w.pairs(path, n) {
		kp := path + mapKey(p.key)
		w.lines[kp] = p.line
		e := newValue(t.Elem()).Elem()
		if w.decode(kp, p.val, e) {
			m.SetMapIndex(reflect.ValueOf(p.key), e)
			continue
		}
		if !w.bad[kp] && !w.stop {
			if k, scalar := kindOf(t.Elem()); scalar {
				w.fail(kp, p.valNode(), "must be %s, not empty", k.describe())
			} else {
				w.fail(kp, p.valNode(), "must be a mapping, not empty")
			}
		}
	}
	v.Set(m)
	return true
}

// pair is one key of a mapping, merges (<<) resolved.
type pair struct {
	key  string
	line int
	val  *yaml.Node
}

func (p pair) valNode() *yaml.Node {
	if p.val == nil || p.val.Line == 0 {
		return &yaml.Node{Line: p.line}
	}
	return p.val
}

// pairs lists n's keys in order; keys written in n override merged ones,
// and an earlier merged mapping overrides a later one (YAML merge keys).
func (w *walker) pairs(path string, n *yaml.Node) []pair {
	var own, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, w.mergePairs(path, v)...)
			continue
		}
		k = w.deref(k)
		if k == nil {
			return nil
		}
		if k.Kind != yaml.ScalarNode {
			w.fail(path, k, "keys must be plain strings, not %s", nodeKind(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.fail(join(path, k.Value), k, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{key: k.Value, line: k.Line, val: v})
	}
	for _, p := range merged {
		if _, dup := seen[p.key]; !dup {
			seen[p.key] = p.line
			own = append(own, p)
		}
	}
	return own
}

// mergePairs lists the pairs a merge key's value brings in.
func (w *walker) mergePairs(path string, v *yaml.Node) []pair {
	if v = w.deref(v); v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return w.mergeMapping(path, v)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, item := range v.Content {
			if item = w.deref(item); item == nil {
				return nil
			}
			if item.Kind != yaml.MappingNode {
				w.fail(path, item, "<< must merge mappings, not %s", nodeKind(item))
				continue
			}
			for _, p := range w.mergeMapping(path, item) {
				if !seen[p.key] {
					seen[p.key] = true
					out = append(out, p)
				}
			}
		}
		return out
	}
	w.fail(path, v, "<< must merge a mapping, not %s", nodeKind(v))
	return nil
}

// mergeMapping lists the pairs of a mapping merged in by <<, refusing
// cycles (a mapping that merges itself) and deep chains.
func (w *walker) mergeMapping(path string, m *yaml.Node) []pair {
	if w.merging == nil {
		w.merging = map[*yaml.Node]bool{}
	}
	switch {
	case w.merging[m]:
		w.fail(path, m, "<< merges a mapping into itself")
		return nil
	case len(w.merging) >= maxMergeDepth:
		w.fail(path, m, "<< merges are nested more than %d deep", maxMergeDepth)
		return nil
	}
	w.merging[m] = true
	defer delete(w.merging, m)
	return w.pairs(path, m)
}

// nodeKind names a node's kind for messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		}
		return "a scalar"
	}
	return "unknown YAML"
}

// structKeys maps t's keys (yaml tags) to their fields.
func structKeys(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if name := keyOf(f); name != "" {
			out[name] = f
		}
	}
	return out
}

// keyOf is f's config key (its yaml tag), or "" when it has none.
func keyOf(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// mapKey is the path suffix for a user-named key: .name, or ["odd.name"].
func mapKey(k string) string {
	if plainKey.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

// suggest returns the known key closest to k, if it is a likely typo.
func suggest(k string, known map[string]reflect.StructField) string {
	best, bestD := "", 3
	for name := range known {
		if d := editDistance(k, name); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if bestD > 2 || bestD*2 >= len(k) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (capped inputs).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
