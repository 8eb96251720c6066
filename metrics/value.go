package metrics

import (
	"fmt"
	"strconv"
	"time"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseSample parses a sample value's text as strconv.ParseFloat does, with
// a fast path for plain decimals ("0.4191", "-12", "536870912"): when the
// digits form an integer below 2^53 and at most 22 of them follow the point,
// mantissa / 10^decimals is one correctly rounded division of two exact
// doubles, the same value ParseFloat returns (Clinger's fast path). Anything
// else — exponents, NaN, ±Inf, long mantissas — goes to ParseFloat.
func parseSample(b []byte) (float64, error) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	var mant uint64
	digits, decimals, dot := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if mant > (1<<53)/10 {
				return slowSample(b)
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if dot {
				decimals++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return slowSample(b)
		}
	}
	if digits == 0 || mant > 1<<53 || decimals >= len(pow10) {
		return slowSample(b)
	}
	v := float64(mant) / pow10[decimals]
	if neg {
		v = -v
	}
	return v, nil
}

func slowSample(b []byte) (float64, error) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", b)
	}
	return v, nil
}

// fastPoint decodes the common shape of a point, [1704067215,"0.42"] or
// [1704067215.25,"0.42"] with no white space, at b[i:]. It returns the point
// and the offset just past its ']', or ok false when the text has any other
// shape (a sign, an exponent, spaces, escapes, a bare number, a value that is
// not a number): callers then take their general path, which agrees with
// this one wherever both apply.
func fastPoint(b []byte, i int) (p Point, next int, ok bool) {
	if i >= len(b) || b[i] != '[' {
		return p, 0, false
	}
	j := i + 1
	var sec int64
	start := j
	for j < len(b) && b[j]-'0' < 10 && j-start < 15 {
		sec = sec*10 + int64(b[j]-'0')
		j++
	}
	if j == start || j < len(b) && b[j]-'0' < 10 || b[start] == '0' && j-start > 1 {
		return p, 0, false // no digits, too many for this path, or a leading zero (not JSON)
	}
	ms := sec * 1000
	if j < len(b) && b[j] == '.' {
		j++
		fs := j
		var frac, scale int64 = 0, 100
		for j < len(b) && b[j]-'0' < 10 {
			frac += int64(b[j]-'0') * scale // digits past the millisecond are dropped, as parseMillis does
			scale /= 10
			j++
		}
		if j == fs {
			return p, 0, false // "1." is not JSON
		}
		ms += frac
	}
	if j+1 >= len(b) || b[j] != ',' || b[j+1] != '"' {
		return p, 0, false
	}
	k := j + 2
	vs := k
	for k < len(b) && b[k] != '"' && b[k] != '\\' {
		k++
	}
	if k+1 >= len(b) || b[k] != '"' || b[k+1] != ']' {
		return p, 0, false
	}
	v, err := parseSample(b[vs:k])
	if err != nil {
		return p, 0, false
	}
	return Point{T: time.UnixMilli(ms).UTC(), V: v}, k + 2, true
}
