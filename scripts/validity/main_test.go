package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/verdict-ci/verdict/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBenchmarkThroughTheBinary builds verdict and runs the benchmark on two
// scenarios with a few runs: a +20% regression of a critical metric aborts
// every run under both configs, and the table names both scenarios.
func TestBenchmarkThroughTheBinary(t *testing.T) {
	bin := testenv.GoBuild(t, "../../cmd/verdict")
	var stdout, stderr bytes.Buffer
	opt := options{bin: bin, runs: 4, seed: 1, workers: 2, only: `^(aa-iid|reg-iid\+20%)$`}
	if _, err := run(context.Background(), opt, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	var reg, aa string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "| reg-iid+20% |"):
			reg = line
		case strings.HasPrefix(line, "| aa-iid |"):
			aa = line
		}
	}
	if aa == "" || reg == "" {
		t.Fatalf("table lacks a scenario:\n%s", out)
	}
	if strings.Count(reg, "0.0% / 0.0% / 100.0%") != 2 {
		t.Errorf("a +20%% critical regression did not abort every run under both configs:\n%s", reg)
	}
	if strings.Count(out, "\n| ") != 3 {
		t.Errorf("want a header and two rows:\n%s", out)
	}
}

func TestBadOptions(t *testing.T) {
	for _, opt := range []options{
		{bin: "bin/verdict", runs: 0},
		{bin: "bin/verdict", runs: 1, only: "("},
		{bin: "/nonexistent/verdict", runs: 1},
	} {
		if _, err := run(context.Background(), opt, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}
