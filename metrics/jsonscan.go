package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanner is a strict JSON reader over a document held in memory, shared by
// the query_range decoder (prometheus_decode.go) and the recording codec
// (recording_json.go). It accepts exactly RFC 8259's grammar — numbers
// included: no "+1", no "01" — and callers decode values as they reach
// them, without building a tree. Errors name the line.
type scanner struct {
	b []byte
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *scanner) errf(format string, args ...any) error {
	line := 1 + bytes.Count(d.b[:min(d.i, len(d.b))], []byte("\n"))
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (d *scanner) expect(c byte) error {
	d.ws()
	if d.i >= len(d.b) {
		return d.errf("unexpected end of file, want %q", c)
	}
	if d.b[d.i] != c {
		return d.errf("want %q, found %q", c, d.b[d.i])
	}
	d.i++
	return nil
}

func (d *scanner) null() bool {
	d.ws()
	if bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.i += 4
		return true
	}
	return false
}

// object calls fn for each key, with d positioned at the value.
func (d *scanner) object(fn func(key string) error) error {
	if empty, err := d.open('{', '}'); empty || err != nil {
		return err
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		if done, err := d.next('}', "an object"); done || err != nil {
			return err
		}
	}
}

// array calls fn for each element, with d positioned at it.
func (d *scanner) array(fn func() error) error {
	if empty, err := d.open('[', ']'); empty || err != nil {
		return err
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		if done, err := d.next(']', "an array"); done || err != nil {
			return err
		}
	}
}

// open moves past the opening c of an object or array, and past its
// closing end too when it is empty (empty true).
func (d *scanner) open(c, end byte) (empty bool, err error) {
	if err := d.expect(c); err != nil {
		return false, err
	}
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == end {
		d.i++
		return true, nil
	}
	return false, nil
}

// next moves past the ',' after a member or element, or past the closing
// end (done true).
func (d *scanner) next(end byte, in string) (done bool, err error) {
	d.ws()
	if d.i >= len(d.b) {
		return false, d.errf("unexpected end of file in %s", in)
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, nil
	case end:
		d.i++
		return true, nil
	}
	return false, d.errf("want ',' or '%c', found %q", end, d.b[d.i])
}

// rawString returns a string's bytes without escapes processed, or the
// unescaped text when it has escapes.
func (d *scanner) rawString() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start, escaped := d.i, false
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			raw := d.b[start:d.i]
			d.i++
			if !escaped && utf8.Valid(raw) {
				return raw, nil
			}
			// Escapes, or invalid UTF-8 that encoding/json turns into U+FFFD
			// (as the writer does): the same text on every round trip.
			var s string
			if err := json.Unmarshal(d.b[start-1:d.i], &s); err != nil {
				return nil, d.errf("bad string: %v", err)
			}
			return []byte(s), nil
		case c == '\\':
			escaped = true
			d.i += 2
		case c < 0x20:
			return nil, d.errf("control character in a string")
		default:
			d.i++
		}
	}
	return nil, d.errf("unterminated string")
}

func (d *scanner) str() (string, error) {
	b, err := d.rawString()
	return string(b), err
}

func (d *scanner) strInto(p *string) error {
	s, err := d.str()
	*p = s
	return err
}

func (d *scanner) number() (float64, error) {
	d.ws()
	start := d.i
	tok, ok := d.numberToken()
	if !ok {
		if start == d.i {
			if d.i >= len(d.b) {
				return 0, d.errf("unexpected end of file, want a number")
			}
			return 0, d.errf("want a number, found %q", d.b[d.i])
		}
		return 0, d.errf("bad number %q", tok)
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil { // out of float64's range, as encoding/json refuses it too
		return 0, d.errf("bad number %q", tok)
	}
	return v, nil
}

// numberToken consumes the run of number characters at d.i and returns
// it, with ok false when it is empty or not a JSON number: JSON has no
// "+1", no "01", no ".5" and no "1.".
func (d *scanner) numberToken() ([]byte, bool) {
	start := d.i
	for d.i < len(d.b) && strings.IndexByte("0123456789.eE+-", d.b[d.i]) >= 0 {
		d.i++
	}
	tok := d.b[start:d.i]
	return tok, len(tok) > 0 && jsonNumberLen(tok) == len(tok)
}

// jsonNumberLen returns the length of the JSON number that b begins with
// (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), 0 if none.
func jsonNumberLen(b []byte) int {
	digits := func(j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	j := 0
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = digits(j)
	default:
		return 0
	}
	if j < len(b) && b[j] == '.' {
		if k := digits(j + 1); k > j+1 {
			j = k
		} else {
			return 0
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		if e := digits(k); e > k {
			j = e
		} else {
			return 0
		}
	}
	return j
}

// strings decodes an array of strings into dst.
func (p *scanner) strings(dst *[]string) error {
	if p.null() {
		return nil
	}
	return p.array(func() error {
		s, err := p.str()
		*dst = append(*dst, s)
		return err
	})
}

// boolInto decodes true, false or null (false) into dst.
func (p *scanner) boolInto(dst *bool) error {
	p.ws()
	for _, lit := range []struct {
		text string
		v    bool
	}{{"true", true}, {"false", false}, {"null", false}} {
		if bytes.HasPrefix(p.b[p.i:], []byte(lit.text)) {
			p.i += len(lit.text)
			*dst = lit.v
			return nil
		}
	}
	return p.errf("want true or false")
}

// skip consumes one value of any type (unknown fields of an API response).
func (p *scanner) skip() error { return p.skipDepth(0) }

func (p *scanner) skipDepth(depth int) error {
	if depth > 100 {
		return p.errf("JSON nested too deeply")
	}
	p.ws()
	if p.i >= len(p.b) {
		return p.errf("unexpected end of the response")
	}
	switch p.b[p.i] {
	case '{':
		return p.object(func(string) error { return p.skipDepth(depth + 1) })
	case '[':
		return p.array(func() error { return p.skipDepth(depth + 1) })
	case '"':
		_, err := p.rawString()
		return err
	case 't', 'f', 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
				p.i += len(lit)
				return nil
			}
		}
		return p.errf("unexpected %q", p.b[p.i])
	}
	_, err := p.number()
	return err
}
