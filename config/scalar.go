package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// kind is how a leaf value is written and parsed.
type kind int

const (
	kString kind = iota
	kInt
	kFloat
	kBool
	kDuration
	kTime
	kMargin
	kFraction
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
	marginType   = reflect.TypeFor[Margin]()
	fractionType = reflect.TypeFor[Fraction]()
)

// kindOf says which scalar kind t is, if it is one.
func kindOf(t reflect.Type) (kind, bool) {
	switch t {
	case durationType:
		return kDuration, true
	case timeType:
		return kTime, true
	case marginType:
		return kMargin, true
	case fractionType:
		return kFraction, true
	}
	switch t.Kind() {
	case reflect.String:
		return kString, true
	case reflect.Int:
		return kInt, true
	case reflect.Float64:
		return kFloat, true
	case reflect.Bool:
		return kBool, true
	}
	return 0, false
}

// describe is what a value of kind k must look like, for messages.
func (k kind) describe() string {
	switch k {
	case kInt:
		return "a whole number"
	case kFloat:
		return "a number"
	case kBool:
		return "true or false"
	case kDuration:
		return "a duration like 30s, 5m, 1h or 1d"
	case kTime:
		return "an RFC 3339 time like 2024-01-01T01:00:00Z"
	case kMargin:
		return "a margin: a percentage like 10% or a number like 0.05"
	case kFraction:
		return "a share: a percentage like 90% or a number from 0 to 1 like 0.9"
	}
	return "a string"
}

// parseScalar turns text into a value of kind k. yamlTag is the YAML tag
// ("!!int", "!!str", ...) or "" for text from the environment or a flag.
// The error message says what is wrong without the value when the value
// might be a secret (strings never fail, so only non-secret kinds are shown).
func parseScalar(k kind, yamlTag, text string) (any, error) {
	bad := func() error { return fmt.Errorf("%s is not %s", quoteValue(text), k.describe()) }
	switch k {
	case kString:
		return text, nil
	case kInt:
		if yamlTag == "!!float" {
			return nil, bad()
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 0, 64)
		if err != nil || i != int64(int(i)) {
			return nil, bad()
		}
		return int(i), nil
	case kFloat:
		f, err := parseFloat(yamlTag, text)
		if err != nil {
			return nil, bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s is not a finite number", quoteValue(text))
		}
		return f, nil
	case kBool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, bad()
		}
		return b, nil
	case kDuration:
		return parseDuration(yamlTag, text)
	case kTime:
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, bad()
		}
		return t.UTC(), nil
	case kMargin:
		return parseMargin(yamlTag, text)
	case kFraction:
		return parseFraction(yamlTag, text)
	}
	return nil, bad()
}

// parseFloat reads a YAML or plain number (YAML's .inf and .nan included).
func parseFloat(yamlTag, text string) (float64, error) {
	if yamlTag == "!!float" {
		switch strings.ToLower(strings.TrimLeft(text, "+-")) {
		case ".inf":
			return math.Inf(1), nil
		case ".nan":
			return math.NaN(), nil
		}
	}
	if yamlTag == "!!int" {
		i, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 0, 64)
		if err == nil {
			return float64(i), nil
		}
	}
	return strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
}

// parseDuration accepts Go durations ("1h30m", "1.5h") and Prometheus ones
// ("1d", "1w"). A bare number is an error, except 0.
func parseDuration(yamlTag, text string) (time.Duration, error) {
	if d, err := time.ParseDuration(text); err == nil {
		return d, nil
	}
	if d, ok := parsePromDuration(text); ok {
		return d, nil
	}
	if _, err := strconv.ParseFloat(text, 64); err == nil || yamlTag == "!!int" || yamlTag == "!!float" {
		return 0, fmt.Errorf("%s has no unit; write e.g. %ss", quoteValue(text), text)
	}
	return 0, fmt.Errorf("%s is not %s", quoteValue(text), kDuration.describe())
}

// parseMargin reads "10%" (relative to |median(baseline)|) or a number (absolute).
func parseMargin(yamlTag, text string) (Margin, error) {
	t := strings.TrimSpace(text)
	rel := strings.HasSuffix(t, "%")
	num := strings.TrimSpace(strings.TrimSuffix(t, "%"))
	f, err := parseFloat(yamlTag, num)
	if err != nil {
		return Margin{}, fmt.Errorf("%s is not %s", quoteValue(text), kMargin.describe())
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Margin{}, fmt.Errorf("%s is not a finite margin", quoteValue(text))
	}
	if f < 0 {
		return Margin{}, fmt.Errorf("%s is negative; a margin is an allowed change, 0 or more", quoteValue(text))
	}
	if rel {
		f /= 100
	}
	return Margin{Value: f, Relative: rel, Text: t}, nil
}

// parseFraction reads a share: "90%" or 0.9, from 0 to 1.
func parseFraction(yamlTag, text string) (Fraction, error) {
	t := strings.TrimSpace(text)
	rel := strings.HasSuffix(t, "%")
	f, err := parseFloat(yamlTag, strings.TrimSpace(strings.TrimSuffix(t, "%")))
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%s is not %s", quoteValue(text), kFraction.describe())
	case rel:
		f /= 100
	}
	if f < 0 || f > 1 {
		hint := ""
		if !rel && f > 1 && f <= 100 {
			hint = fmt.Sprintf(" (did you mean %s%%?)", t)
		}
		return 0, fmt.Errorf("%s is not between 0 and 100%%%s", quoteValue(text), hint)
	}
	return Fraction(f), nil
}

var promDuration = regexp.MustCompile(`^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$`)

// parsePromDuration reads Prometheus' duration syntax ("1d", "2w", "1d12h"),
// the units Go's time.ParseDuration lacks.
func parsePromDuration(s string) (time.Duration, bool) {
	m := promDuration.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, false
	}
	units := []time.Duration{365 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second, time.Millisecond}
	var total time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/u) || total > math.MaxInt64-time.Duration(n)*u {
			return 0, false
		}
		total += time.Duration(n) * u
	}
	return total, true
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
