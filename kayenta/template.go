package kayenta

import (
	"fmt"
	"strings"
)

// expand substitutes the ${name} variables of a Kayenta template from vars,
// following the rules of the engine Kayenta uses (Apache Commons Text's
// StringSubstitutor with undefined variables as errors): "$${" is a literal
// "${", "${name:-text}" falls back to text, a name without a value and
// without a fallback is an error, and substituted values are expanded again.
func expand(tmpl string, vars map[string]string) (string, error) {
	return expandSeen(tmpl, vars, nil)
}

func expandSeen(tmpl string, vars map[string]string, seen []string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		if strings.HasPrefix(tmpl[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(tmpl[i:], "${") {
			b.WriteByte(tmpl[i])
			i++
			continue
		}
		end := strings.IndexByte(tmpl[i+2:], '}')
		if end < 0 {
			b.WriteString(tmpl[i:]) // no closing brace: not a variable
			break
		}
		ref := tmpl[i+2 : i+2+end]
		i += 2 + end + 1
		name, fallback, hasFallback := strings.Cut(ref, ":-")
		v, ok := vars[name]
		if !ok {
			if !hasFallback {
				return "", &undefinedError{name}
			}
			v = fallback
		}
		for _, s := range seen {
			if s == name {
				return "", fmt.Errorf("${%s} refers to itself through %s", name, strings.Join(seen, " → "))
			}
		}
		v, err := expandSeen(v, vars, append(seen, name))
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// undefinedError is a template variable that has no value.
type undefinedError struct{ name string }

func (e *undefinedError) Error() string {
	switch e.name {
	case "scope":
		return "uses ${scope}, which needs --baseline-scope and --canary-scope"
	case "location":
		return "uses ${location}, which needs --location (the region Kayenta's execution request names)"
	}
	return fmt.Sprintf("uses ${%s}, which needs --var %s=VALUE (an extendedScopeParams entry of Kayenta's execution request)", e.name, e.name)
}

// javaSplit splits s at every sep the way Java's String.split does for a
// plain separator: trailing empty fields are dropped.
func javaSplit(s, sep string) []string {
	f := strings.Split(s, sep)
	for len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	return f
}
