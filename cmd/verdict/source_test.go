package main

import "testing"

// TestSourceURL: the report's source names the server without any
// credential — no user, no password, no query parameter (SPEC §5).
func TestSourceURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"https://ci:s3cret@prom.example:443/prometheus", "https://prom.example:443/prometheus"},
		{"https://prom.example/api?token=s3cret", "https://prom.example/api"},
		{"://bad", ""},
	} {
		if got := sourceURL(c.in); got != c.want {
			t.Errorf("sourceURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
