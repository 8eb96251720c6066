package config

import "testing"

// TestWindowAnchored: watch starts at window.start only when the window was
// placed (start or end given), else now.
func TestWindowAnchored(t *testing.T) {
	for _, tc := range []struct {
		window string
		want   bool
	}{
		{"", false},
		{"window: {duration: 30m}\n", false},
		{"window: {start: 2025-06-01T11:00:00Z}\n", true},
		{"window: {end: 2025-06-01T11:00:00Z, duration: 30m}\n", true},
	} {
		if got := mustLoad(t, base+tc.window, Options{AllowFutureWindow: true}).Window.Anchored; got != tc.want {
			t.Errorf("%q: Anchored = %v, want %v", tc.window, got, tc.want)
		}
	}
}
