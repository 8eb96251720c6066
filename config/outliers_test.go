package config

import (
	"strings"
	"testing"
)

func TestRemoveOutliers(t *testing.T) {
	cfg := mustLoad(t, base+"    remove_outliers: 3\n", Options{})
	if got := cfg.Metrics[0].RemoveOutliers; got != 3 {
		t.Fatalf("remove_outliers = %v, want 3", got)
	}
	if got := mustLoad(t, base, Options{}).Metrics[0].RemoveOutliers; got != 0 {
		t.Fatalf("default remove_outliers = %v, want 0 (off)", got)
	}
	errs := loadErrs(t, writeConfig(t, base+"    remove_outliers: -1\n"), Options{})
	if len(errs) != 1 || errs[0].Path != "metrics[0].remove_outliers" || errs[0].Line != 10 || !strings.Contains(errs[0].Msg, "positive IQR factor") {
		t.Fatalf("errors %v", errs)
	}
}
