package kayenta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// object is one JSON object of the Kayenta config, read key by key so that
// every key left unread can be reported with its path.
type object struct {
	path   string
	fields map[string]json.RawMessage
	read   map[string]bool
	c      *converter
	text   json.RawMessage
}

func (c *converter) object(path string, raw json.RawMessage) *object {
	o := &object{path: path, read: map[string]bool{}, c: c, text: raw}
	if isNull(raw) {
		return o
	}
	if err := json.Unmarshal(raw, &o.fields); err != nil {
		c.problem(path, "must be a JSON object, not %s", describe(raw))
	}
	return o
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// describe names a JSON value's kind for a message.
func describe(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) == 0:
		return "nothing"
	case t[0] == '{':
		return "an object"
	case t[0] == '[':
		return "an array"
	case t[0] == '"':
		return "a string"
	case t[0] == 't' || t[0] == 'f':
		return "a boolean"
	case t[0] == 'n':
		return "null"
	}
	return "a number"
}

func (o *object) key(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

// raw returns the value of key k (nil when absent or null) and marks it read.
func (o *object) raw(k string) json.RawMessage {
	o.read[k] = true
	v := o.fields[k]
	if isNull(v) {
		return nil
	}
	return v
}

func (o *object) child(k string) *object { return o.c.object(o.key(k), o.raw(k)) }

func (o *object) str(k string) string {
	v := o.raw(k)
	if v == nil {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		o.c.problem(o.key(k), "must be a string, not %s", describe(v))
	}
	return s
}

// num reads a number; Kayenta also accepts one written as a string.
func (o *object) num(k string) (float64, bool) {
	v := o.raw(k)
	if v == nil {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return f, true
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, true
		}
	}
	o.c.problem(o.key(k), "must be a number, not %s", describe(v))
	return 0, false
}

// boolean reads true or false; Kayenta also accepts "true" and "false".
func (o *object) boolean(k string) bool {
	v := o.raw(k)
	if v == nil {
		return false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return b
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	o.c.problem(o.key(k), "must be true or false, not %s", describe(v))
	return false
}

func (o *object) strs(k string) []string {
	v := o.raw(k)
	if v == nil {
		return nil
	}
	var s []string
	if err := json.Unmarshal(v, &s); err != nil {
		o.c.problem(o.key(k), "must be an array of strings, not %s", describe(v))
	}
	return s
}

func (o *object) array(k string) []json.RawMessage {
	v := o.raw(k)
	if v == nil {
		return nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil {
		o.c.problem(o.key(k), "must be an array, not %s", describe(v))
	}
	return a
}

// keys returns the object's keys in order, marking them read.
func (o *object) keys() []string {
	ks := slices.Sorted(maps.Keys(o.fields))
	for _, k := range ks {
		o.read[k] = true
	}
	return ks
}

// orderedKeys returns the object's keys in the order the file has them.
func (o *object) orderedKeys() []string {
	var ks []string
	d := json.NewDecoder(bytes.NewReader(o.text))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return ks
		}
		k, _ := t.(string)
		ks = append(ks, k)
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return ks
		}
	}
	return slices.Compact(ks)
}

// ignore marks keys that carry nothing a verdict config needs.
func (o *object) ignore(keys ...string) {
	for _, k := range keys {
		o.read[k] = true
	}
}

// unread reports every key that was not read as one verdict does not convert.
func (o *object) unread() {
	for _, k := range slices.Sorted(maps.Keys(o.fields)) {
		if !o.read[k] {
			o.c.problem(o.key(k), "not a field this converter knows; ignored")
		}
	}
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
