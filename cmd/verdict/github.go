package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// publishGitHub publishes a finished judge run to GitHub Actions when
// GITHUB_ACTIONS=true (the source's secrets are masked when it is built, see
// source): it writes an annotation at the config line of each failing metric, the outputs verdict, score,
// reason and report (the JSON report's path), and a Markdown step summary.
// reports maps each written report format to its path. Workflow commands go
// to stderr, so stdout keeps only the report. A missing or unwritable
// GITHUB_OUTPUT or GITHUB_STEP_SUMMARY is reported, never a panic.
func publishGitHub(getenv func(string) string, rep *judge.Report, reports map[string]string, stderr io.Writer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("github: workflow command failed: %v", p)
		}
	}()
	gh := githubactions.New(githubactions.WithWriter(stderr), githubactions.WithGetenv(getenv))
	configPath := workspacePath(getenv, rep.ConfigPath)
	gh.Group(fmt.Sprintf("verdict: %s, score %s, %d metrics", rep.Verdict, report.ScoreText(rep), len(rep.Metrics)))
	for _, m := range rep.Metrics {
		gh.Infof("- %s [%s]: %s", singleLine(m.Name), m.Classification, singleLine(m.Reason))
	}
	gh.EndGroup()
	annotate(gh, rep, configPath)

	var errs []error
	if getenv("GITHUB_OUTPUT") == "" {
		gh.Warningf("verdict: GITHUB_OUTPUT is not set; the step's outputs are not written")
	} else {
		errs = append(errs, setOutputs(gh, rep, workspacePath(getenv, reports["json"])))
	}
	if path := getenv("GITHUB_STEP_SUMMARY"); path == "" {
		gh.Warningf("verdict: GITHUB_STEP_SUMMARY is not set; no job summary is written")
	} else {
		shown := map[string]string{}
		for f, p := range reports {
			shown[f] = workspacePath(getenv, p)
		}
		budget := report.GitHubSummaryLimit - fileSize(path) - 1024 // room for the newline go-githubactions adds
		errs = append(errs, fileCommand(func() { gh.AddStepSummary(report.GitHubSummary(rep, shown, budget)) }))
	}
	return errors.Join(errs...)
}

// maskSecrets issues ::add-mask:: for every secret and, for multi-line
// secrets, for each of their lines (the runner masks line by line).
func maskSecrets(gh *githubactions.Action, secrets []string) {
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		gh.AddMask(s)
		if strings.ContainsAny(s, "\r\n") {
			for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.TrimSpace(line) != "" {
					gh.AddMask(line)
				}
			}
		}
	}
}

// annotate writes an ::error (or ::warning when the canary is promoted anyway)
// at the config line of each failing metric, a ::warning for each metric
// without data or with warnings, and one annotation for the verdict itself.
func annotate(gh *githubactions.Action, rep *judge.Report, configPath string) {
	at := func(m judge.Metric, title string) *githubactions.Action {
		f := map[string]string{"title": title}
		if configPath != "" {
			f["file"] = configPath
			if m.Line > 0 {
				f["line"] = fmt.Sprint(m.Line)
			}
		}
		return gh.WithFieldsMap(f)
	}
	for _, m := range rep.Metrics {
		title := fmt.Sprintf("verdict: %s is %s", m.Name, m.Classification)
		msg := singleLine(m.Reason) + fmt.Sprintf(" (baseline median %s, canary median %s, change %s, interval %s, p=%s)",
			report.MedianText(m.Baseline), report.MedianText(m.Canary), report.ChangeText(m), report.IntervalText(m), report.PValueText(m))
		switch {
		case m.Failing() && rep.Verdict != judge.Promote:
			at(m, title).Errorf("%s", msg)
		case m.Failing(), m.Classification == judge.NoData:
			at(m, title).Warningf("%s", msg)
		}
		for _, w := range m.Warnings {
			at(m, "verdict: "+m.Name).Warningf("%s", singleLine(w))
		}
	}
	f := map[string]string{"title": fmt.Sprintf("verdict: %s (score %s)", rep.Verdict, report.ScoreText(rep))}
	if configPath != "" {
		f["file"] = configPath
	}
	v := gh.WithFieldsMap(f)
	switch rep.Verdict {
	case judge.Promote:
		v.Noticef("%s", singleLine(rep.Reason))
	case judge.Inconclusive:
		v.Warningf("%s", singleLine(rep.Reason))
	default:
		v.Errorf("%s", singleLine(rep.Reason))
	}
	for _, w := range rep.Warnings {
		gh.WithFieldsMap(map[string]string{"title": "verdict"}).Warningf("%s", singleLine(w))
	}
}

// setOutputs writes the step outputs verdict, score, reason and report.
func setOutputs(gh *githubactions.Action, rep *judge.Report, jsonPath string) error {
	outputs := [][2]string{{"verdict", string(rep.Verdict)}}
	if score, ok := report.Score(rep); ok { // an error carries no score
		outputs = append(outputs, [2]string{"score", judge.Num(score)})
	}
	outputs = append(outputs, [2]string{"reason", singleLine(rep.Reason)}, [2]string{"report", singleLine(jsonPath)})
	var errs []error
	for _, o := range outputs {
		errs = append(errs, writeOutput(gh, o[0], o[1]))
	}
	return errors.Join(errs...)
}

// writeOutput appends the output name=value to GITHUB_OUTPUT through the
// library's file-command API, as GitHub documents for any value: a heredoc
// (name<<DELIM, the value, DELIM) whose delimiter is random and checked not
// to occur in the value, so no line of the value can end it early.
func writeOutput(gh *githubactions.Action, name, value string) error {
	var delim string
	for delim == "" || strings.Contains(value, delim) {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("github: output %s: %w", name, err)
		}
		delim = "ghadelimiter_" + hex.EncodeToString(b)
	}
	return fileCommand(func() {
		gh.IssueFileCommand(&githubactions.Command{Name: "output", Message: name + "<<" + delim + "\n" + value + "\n" + delim})
	})
}

// fileCommand runs a go-githubactions file command, which panics when its
// file cannot be written, and turns the panic into an error.
func fileCommand(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("github: %v", p)
		}
	}()
	f()
	return nil
}

// workspacePath makes p relative to GITHUB_WORKSPACE when it lies inside it:
// the form annotations need, and the one later steps (which start in the
// workspace, outside the action's container) can open. Other paths are kept.
func workspacePath(getenv func(string) string, p string) string {
	ws := getenv("GITHUB_WORKSPACE")
	if p == "" || ws == "" {
		return filepath.ToSlash(p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

func fileSize(path string) int {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return int(fi.Size())
	}
	return 0
}

func singleLine(s string) string { return report.OneLine(s) }
