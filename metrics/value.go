package metrics

import (
	"encoding/binary"
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
func fastPoint(b []byte, i int) (p Point, next int, ok bool) { return scanPoint(b, i, true) }

// scanPoint is fastPoint, reading the value with plainDecimal first when
// fused is true; false is the way before it, for FuzzFastPoint and
// BenchmarkFastPoint.
func scanPoint(b []byte, i int, fused bool) (p Point, next int, ok bool) {
	if i >= len(b) || b[i] != '[' {
		return p, 0, false
	}
	j := i + 1
	var sec int64
	start := j
	if fused && j+8 <= len(b) {
		if w, ok := eightDigits(binary.LittleEndian.Uint64(b[j:])); ok {
			sec, j = int64(w), j+8
		}
	}
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
	if v, end, ok := plainDecimal(b, k); fused && ok {
		return Point{T: time.UnixMilli(ms).UTC(), V: v}, end, true
	}
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

// plainDecimal reads the commonest value of a point, digits with at most one
// '.' and then `"]`, at b[k:], in the same pass that finds its end: the
// value parseSample gives for those digits (Clinger's fast path: an exact
// mantissa below 2^53 over an exact power of ten), and the offset just past
// the ']'. Anything else (a sign, an exponent, NaN, a long mantissa, another
// end) is ok false, and fastPoint scans and parses the value as before:
// FuzzFastPoint checks it against that way, BenchmarkFastPoint times both.
func plainDecimal(b []byte, k int) (v float64, next int, ok bool) {
	var mant uint64
	digits, decimals, dot := 0, 0, 0
	for ; k < len(b); k++ {
		c := b[k]
		if c-'0' < 10 {
			if mant > (1<<53)/10 {
				return 0, 0, false
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			decimals += dot
			continue
		}
		if c != '.' || dot == 1 {
			break
		}
		dot = 1
	}
	if k+1 >= len(b) || b[k] != '"' || b[k+1] != ']' || digits == 0 || mant > 1<<53 || decimals >= len(pow10) {
		return 0, 0, false
	}
	return float64(mant) / pow10[decimals], k + 2, true
}

// eightDigits is the number eight ASCII digits spell, the first in w's low
// byte, or ok false when any byte is not a digit: a byte is one when its
// high nibble is 3 and adding 6 keeps it so (a carry out of a byte comes
// only from one whose high nibble is not 3, which fails anyway). Then
// pairs, quads and the two halves are combined by multiplication.
func eightDigits(w uint64) (uint64, bool) {
	if w&0xF0F0F0F0F0F0F0F0|(w+0x0606060606060606)&0xF0F0F0F0F0F0F0F0>>4 != 0x3333333333333333 {
		return 0, false
	}
	w = (w & 0x0F0F0F0F0F0F0F0F) * (1 + 10<<8) >> 8
	w = (w & 0x00FF00FF00FF00FF) * (1 + 100<<16) >> 16
	return (w & 0x0000FFFF0000FFFF) * (1 + 10000<<32) >> 32, true
}
