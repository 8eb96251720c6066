package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FieldError is one problem with a config: where it is and what is wrong.
// Its message never holds a secret (a password, a token, a header value).
type FieldError struct {
	File string // the config file as given to Load; "" when unknown
	Path string // the key, e.g. "metrics[2].treshold"; "" for the whole file
	Line int    // 1-based line in File; 0 when unknown (a value from the environment or a flag)
	Msg  string // what is wrong, one line
	Err  error  // the underlying cause, if any (e.g. *fs.PathError)
}

// Error formats e as "file:line: path: message", leaving out what is unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err, fs.ErrNotExist) works.
func (e *FieldError) Unwrap() error { return e.Err }

// Errors is every problem found in one config, in file order. Load returns
// it as its error; use errors.As to get at the fields.
type Errors []*FieldError

// Error is one line per problem.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each *FieldError to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sortErrors orders es by line; errors without a line (environment, flags,
// whole-file) keep their order after those with one.
func sortErrors(es Errors) {
	slices.SortStableFunc(es, func(a, b *FieldError) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Line, b.Line)
	})
}

// oneLine makes s safe for a one-line message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// quoteValue shows a user's (non-secret) value in a message, shortened.
func quoteValue(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

// errorf is a FieldError with a formatted message.
func errorf(path string, line int, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)}
}
