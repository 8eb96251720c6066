package metrics

import (
	"testing"
	"time"
)

func TestExpandStep(t *testing.T) {
	got, err := Expand(`rate(x{ {{ .Scope }} }[{{ .Step }}])`, `v="1"`, time.Minute)
	if err != nil || got != `rate(x{ v="1" }[60s])` {
		t.Fatalf("Expand = %q, %v", got, err)
	}
	if _, err := Expand(`{{ .Steps }}`, "", time.Minute); err == nil {
		t.Error("Expand accepted {{ .Steps }}")
	}
	for d, want := range map[time.Duration]string{
		time.Minute: "60s", 90 * time.Second: "90s", 1500 * time.Millisecond: "1500ms", time.Hour: "3600s", 15 * time.Second: "15s",
	} {
		if got := PromDuration(d); got != want {
			t.Errorf("PromDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
