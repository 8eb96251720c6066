package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Outcome is what one judge of one run said.
type Outcome struct {
	Verdict string // promote | inconclusive | abort | error
	// Flagged is how many metrics were classified high, low or missing.
	Flagged int
	// Metrics is how many metrics the report holds.
	Metrics int
	// BlockLength is the critical (first) metric's test.blockLength, 0 when
	// the report gives none.
	BlockLength int
}

// report is the part of the JSON report (SPEC §5) the benchmark reads.
type report struct {
	Verdict string `json:"verdict"`
	Metrics []struct {
		Classification string `json:"classification"`
		Test           *struct {
			BlockLength int `json:"blockLength"`
		} `json:"test"`
	} `json:"metrics"`
}

// JudgeBinary runs `bin judge -c cfg --output json` and reads its verdict.
// Exit codes 0, 1 and 3 are verdicts; 4 is an error verdict; anything else
// (2: the config was refused) is an error of the benchmark.
func JudgeBinary(ctx context.Context, bin, cfg string) (Outcome, error) {
	cmd := exec.CommandContext(ctx, bin, "judge", "-c", cfg, "--output", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() != 2) {
		return Outcome{}, fmt.Errorf("%s judge -c %s: %v: %s", bin, cfg, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return ParseReport(stdout.Bytes())
}

// ParseReport reads the verdict and per-metric figures from a JSON report.
func ParseReport(b []byte) (Outcome, error) {
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return Outcome{}, fmt.Errorf("judge report: %w", err)
	}
	switch r.Verdict {
	case "promote", "inconclusive", "abort", "error":
	default:
		return Outcome{}, fmt.Errorf("judge report: verdict %q", r.Verdict)
	}
	o := Outcome{Verdict: r.Verdict, Metrics: len(r.Metrics)}
	for i, m := range r.Metrics {
		switch m.Classification {
		case "high", "low", "missing":
			o.Flagged++
		}
		if i == 0 && m.Test != nil {
			o.BlockLength = m.Test.BlockLength
		}
	}
	return o, nil
}

// Shares are the shares of runs per verdict.
type Shares struct {
	Runs                                int
	Promote, Inconclusive, Abort, Error float64
	// FlaggedMetric is the share of metric results classified high, low or missing.
	FlaggedMetric float64
	// BlockLength is the median block length of the critical metric (0: none reported).
	BlockLength int
}

// Tally sums outcomes.
type Tally struct {
	verdicts         map[string]int
	flagged, metrics int
	blocks           []int
}

// Add counts one outcome.
func (t *Tally) Add(o Outcome) {
	if t.verdicts == nil {
		t.verdicts = map[string]int{}
	}
	t.verdicts[o.Verdict]++
	t.flagged += o.Flagged
	t.metrics += o.Metrics
	if o.BlockLength > 0 {
		t.blocks = append(t.blocks, o.BlockLength)
	}
}

// Shares divides the counts by the number of runs.
func (t *Tally) Shares() Shares {
	n := 0
	for _, c := range t.verdicts {
		n += c
	}
	s := Shares{Runs: n}
	if n == 0 {
		return s
	}
	f := func(v string) float64 { return float64(t.verdicts[v]) / float64(n) }
	s.Promote, s.Inconclusive, s.Abort, s.Error = f("promote"), f("inconclusive"), f("abort"), f("error")
	if t.metrics > 0 {
		s.FlaggedMetric = float64(t.flagged) / float64(t.metrics)
	}
	if len(t.blocks) > 0 {
		b := append([]int(nil), t.blocks...)
		sort.Ints(b)
		s.BlockLength = b[len(b)/2]
	}
	return s
}

// Bench judges simulated runs through a verdict binary.
type Bench struct {
	Bin     string // the verdict binary
	Dir     string // scratch directory
	Runs    int    // runs per scenario
	Seed    uint64
	Workers int
	// Rev1Keys: the binary knows test:, multiple_testing: and margin_test:
	// (revision 2). Without them the "revision 1" config is the default one.
	Rev1Keys bool
}

// Result is one scenario's shares under the default config and revision 1's test.
type Result struct {
	Scenario      Scenario
	Default, Rev1 Shares
}

// Run judges b.Runs runs of sc, each under both configs.
func (b Bench) Run(ctx context.Context, sc Scenario) (Result, error) {
	runs := make(chan int)
	type judged struct{ def, rev1 Outcome }
	out := make([]judged, b.Runs)
	errs := make([]error, max(b.Workers, 1))
	var wg sync.WaitGroup
	for w := range errs {
		dir := filepath.Join(b.Dir, fmt.Sprintf("w%d", w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range runs {
				if errs[w] != nil {
					continue
				}
				out[r].def, out[r].rev1, errs[w] = b.one(ctx, dir, sc, r)
			}
		}()
	}
	for r := 0; r < b.Runs; r++ {
		runs <- r
	}
	close(runs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Result{}, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	var def, rev1 Tally
	for _, j := range out {
		def.Add(j.def)
		rev1.Add(j.rev1)
	}
	return Result{Scenario: sc, Default: def.Shares(), Rev1: rev1.Shares()}, nil
}

// one generates run r of sc into dir and judges it under both configs.
func (b Bench) one(ctx context.Context, dir string, sc Scenario, r int) (def, rev1 Outcome, err error) {
	if err = WriteRun(dir, Rand(b.Seed, sc.Name, r), sc, b.Rev1Keys); err != nil {
		return
	}
	if def, err = JudgeBinary(ctx, b.Bin, filepath.Join(dir, "default.yaml")); err != nil {
		return
	}
	rev1, err = JudgeBinary(ctx, b.Bin, filepath.Join(dir, "rev1.yaml"))
	return
}

// WriteRun writes one run into dir: recording.json, default.yaml (the
// default config) and rev1.yaml (revision 1's test).
func WriteRun(dir string, rng *rand.Rand, sc Scenario, rev1Keys bool) error {
	rec, err := Recording(rng, sc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rec.Write(&buf); err != nil {
		return err
	}
	files := map[string]string{
		"recording.json": buf.String(),
		"default.yaml":   Config(sc, false, rev1Keys),
		"rev1.yaml":      Config(sc, true, rev1Keys),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Supports reports whether the binary judges the config text cfg over a run
// of sc written into dir: false, with the binary's reason, when it refuses
// the config (exit 2) or judges it an error.
func Supports(ctx context.Context, bin, dir string, sc Scenario, cfg string) (ok bool, why string, err error) {
	if err := WriteRun(dir, Rand(0, sc.Name, 0), sc, false); err != nil {
		return false, "", err
	}
	path := filepath.Join(dir, "probe.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return false, "", err
	}
	cmd := exec.CommandContext(ctx, bin, "judge", "-c", path, "--output", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return false, line, nil
	case err != nil && !errors.As(err, &ee):
		return false, "", fmt.Errorf("%s: %w", bin, err)
	}
	var r struct{ Verdict, Reason string }
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return false, "", fmt.Errorf("%s judge -c %s: %w", bin, path, err)
	}
	if r.Verdict == "error" {
		return false, r.Reason, nil
	}
	return true, "", nil
}
