package kayenta

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"scope": "v1", "location": "us-east-1", "nested": "${scope}-x", "loop": "${loop}"}
	cases := []struct {
		name, in, want, err string
	}{
		{"plain", `version="${scope}"`, `version="v1"`, ""},
		{"two", `v="${scope}",r="${location}"`, `v="v1",r="us-east-1"`, ""},
		{"escaped dollar", `x="$${scope}"`, `x="${scope}"`, ""},
		{"fallback used", `r="${region:-eu}"`, `r="eu"`, ""},
		{"fallback unused", `r="${location:-eu}"`, `r="us-east-1"`, ""},
		{"value expanded again", `p=~"${nested}"`, `p=~"v1-x"`, ""},
		{"no closing brace", `a${scope`, `a${scope`, ""},
		{"no variables", `up{job="a"}`, `up{job="a"}`, ""},
		{"undefined location", `r="${location}"`, "", "--location"},
		{"undefined var", `c="${cluster}"`, "", "--var cluster=VALUE"},
		{"self reference", `${loop}`, "", "refers to itself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := vars
			if c.name == "undefined location" {
				v = map[string]string{"scope": "v1"}
			}
			got, err := expand(c.in, v)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("expand(%q) = %q, %v; want an error with %q", c.in, got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestJavaSplit(t *testing.T) {
	if got := strings.Join(javaSplit("a,b,,", ","), "|"); got != "a|b" {
		t.Errorf("javaSplit drops trailing empty fields: got %q", got)
	}
	if got := strings.Join(javaSplit(",a,,b", ","), "|"); got != "|a||b" {
		t.Errorf("javaSplit keeps inner and leading empty fields: got %q", got)
	}
}
