package main

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// actionReportDir is where the GitHub Action writes its reports, relative to
// the working directory.
const actionReportDir = "verdict-report"

// actionTokenEnv carries the action's token input to the Prometheus client
// (as source.prometheus.bearer_token_env), so it never appears in arguments.
const actionTokenEnv = "VERDICT_ACTION_TOKEN"

// actionReportFile names the file a report format gets in actionReportDir.
func actionReportFile(format string) string {
	switch format {
	case "json":
		return "report.json"
	case "markdown":
		return "report.md"
	case "junit":
		return "junit.xml"
	case "dotenv":
		return "verdict.env"
	case "openmetrics":
		return "metrics.txt"
	case "table":
		return "report.txt"
	}
	return "report." + format
}

// actionInputs are the inputs action.yml declares, read from the INPUT_*
// variables the runner sets (upper case, spaces as _, dashes kept).
type actionInputs struct {
	Mode               string // judge or watch
	Config             string
	PrometheusURL      string
	Token              string
	End                string
	Duration           string
	FailOnInconclusive bool
	ReportFormats      []string
	WorkingDirectory   string
}

// readActionInputs reads the action's inputs from the environment.
func readActionInputs(getenv func(string) string) (actionInputs, error) {
	gh := githubactions.New(githubactions.WithGetenv(getenv))
	in := actionInputs{
		Mode:             cmp.Or(gh.GetInput("mode"), "judge"),
		Config:           gh.GetInput("config"),
		PrometheusURL:    gh.GetInput("prometheus-url"),
		Token:            getenv("INPUT_TOKEN"), // not trimmed: a secret is used as given
		End:              gh.GetInput("end"),
		Duration:         gh.GetInput("duration"),
		WorkingDirectory: gh.GetInput("working-directory"),
	}
	if in.Mode != "judge" && in.Mode != "watch" {
		return in, fmt.Errorf("input mode: %q is not judge or watch", in.Mode)
	}
	fail, err := parseActionBool(gh.GetInput("fail-on-inconclusive"), true)
	if err != nil {
		return in, fmt.Errorf("input fail-on-inconclusive: %w", err)
	}
	in.FailOnInconclusive = fail
	in.ReportFormats = strings.FieldsFunc(gh.GetInput("report-formats"), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
	return in, nil
}

// parseActionBool reads a boolean input the way @actions/core's getBooleanInput
// does (YAML 1.2 core schema: true, True, TRUE, false, False, FALSE); empty is def.
func parseActionBool(s string, def bool) (bool, error) {
	switch s {
	case "":
		return def, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true or false)", s)
}

// actionFlag is one judge flag an input sets.
type actionFlag struct{ name, value string }

// judgeFlags are the judge flags the inputs set and the reports they ask
// for; the JSON report is always written (it is the action's `report` output).
// Report paths are relative to the working directory.
func (in actionInputs) judgeFlags() ([]actionFlag, []reportSpec, error) {
	var flags []actionFlag
	for _, f := range []actionFlag{{"prometheus-url", in.PrometheusURL}, {"end", in.End}, {"duration", in.Duration}} {
		if f.value != "" {
			flags = append(flags, f)
		}
	}
	formats := map[string]string{"json": path.Join(actionReportDir, actionReportFile("json"))}
	order := []string{"json"}
	for _, spec := range in.ReportFormats {
		format, file, explicit := strings.Cut(spec, "=")
		if _, err := report.Lookup(format); err != nil {
			return nil, nil, fmt.Errorf("input report-formats: %w", err)
		}
		if !explicit || file == "" {
			file = path.Join(actionReportDir, actionReportFile(format))
		}
		if !slices.Contains(order, format) {
			order = append(order, format)
		}
		formats[format] = file
	}
	reports := make([]reportSpec, len(order))
	for i, f := range order {
		reports[i] = reportSpec{f, formats[f]}
	}
	return flags, reports, nil
}

// judgeArgs is the `verdict judge` command line the inputs amount to, as
// the action's log shows it (run in the working directory).
func (in actionInputs) judgeArgs() ([]string, error) {
	flags, reports, err := in.judgeFlags()
	if err != nil {
		return nil, err
	}
	args := []string{in.Mode}
	if in.Config != "" {
		args = append(args, "--config", in.Config)
	}
	for _, f := range flags {
		args = append(args, "--"+f.name, redactURL(f.value))
	}
	for _, r := range reports {
		args = append(args, "--report", r.format+"="+r.path)
	}
	return args, nil
}

// judgeOptions are the options `verdict judge` runs with for these inputs,
// in e's environment: paths are taken from the working directory, and the
// token reaches the Prometheus client as source.prometheus.bearer_token_env.
func (in actionInputs) judgeOptions(e *env) (*JudgeOptions, error) {
	flags, reports, err := in.judgeFlags()
	if err != nil {
		return nil, err
	}
	if in.WorkingDirectory != "" {
		if fi, err := os.Stat(in.WorkingDirectory); err != nil || !fi.IsDir() {
			if err == nil {
				err = fmt.Errorf("%s is not a directory", in.WorkingDirectory)
			}
			return nil, fmt.Errorf("input working-directory: %w", err)
		}
	}
	fs := pflag.NewFlagSet("github-action", pflag.ContinueOnError)
	co := bindConfigFlags(fs)
	co.Path, co.Dir, co.FlagsFrom = in.Config, in.WorkingDirectory, "input "
	for _, f := range flags {
		if err := fs.Set(f.name, f.value); err != nil {
			return nil, fmt.Errorf("input %s: %w", f.name, err)
		}
	}
	for i := range reports {
		reports[i].path = co.inDir(reports[i].path)
	}
	je := *e
	if in.Token != "" {
		je.environ = append(slices.Clone(e.environ), actionTokenEnv+"="+in.Token, "VERDICT_PROMETHEUS_BEARER_TOKEN_ENV="+actionTokenEnv)
		je.getenv = func(k string) string {
			switch k {
			case actionTokenEnv:
				return in.Token
			case "VERDICT_PROMETHEUS_BEARER_TOKEN_ENV":
				return actionTokenEnv
			}
			return e.getenv(k)
		}
	}
	return &JudgeOptions{Env: &je, Config: co, OutputOptions: OutputOptions{Output: "table", Reports: reports}}, nil
}

// GitHubActionOptions are what `verdict github-action` runs with: everything
// else comes from the INPUT_* variables in Env.
type GitHubActionOptions struct {
	Env *env
}

// NewCmdGitHubAction is `verdict github-action`, the entrypoint of the Docker
// action in action.yml; its RunE calls runF (githubActionRun when nil).
func NewCmdGitHubAction(e *env, runF func(context.Context, *GitHubActionOptions) error) *cobra.Command {
	opts := &GitHubActionOptions{Env: e}
	return &cobra.Command{
		Use:   "github-action",
		Short: "Run as the GitHub Action: read the INPUT_* variables, judge, publish outputs and a summary",
		Long: `github-action is the entrypoint of verdict's GitHub Action (action.yml). It reads
the inputs from INPUT_MODE, INPUT_CONFIG, INPUT_PROMETHEUS-URL, INPUT_TOKEN, INPUT_END,
INPUT_DURATION, INPUT_FAIL-ON-INCONCLUSIVE, INPUT_REPORT-FORMATS and
INPUT_WORKING-DIRECTORY, runs verdict judge (or watch, with mode: watch), and sets the outputs verdict,
score, reason and report. Relative paths are taken from the working directory.`,
		Args: cobra.NoArgs,
		RunE: runE(opts, runF, githubActionRun),
	}
}

// githubActionRun masks the token, reads the inputs, judges as `verdict
// judge` would in the working directory with the JSON report always written,
// and ends with the judge's code (inconclusive ends 0 when
// fail-on-inconclusive is false).
func githubActionRun(ctx context.Context, opts *GitHubActionOptions) error {
	e := opts.Env
	gh := githubactions.New(githubactions.WithWriter(e.stderr), githubactions.WithGetenv(e.getenv))
	// Mask before anything else can print the token or the URL's password.
	maskSecrets(gh, []string{e.getenv("INPUT_TOKEN"), urlPassword(e.getenv("INPUT_PROMETHEUS-URL"))})
	in, err := readActionInputs(e.getenv)
	if err == nil {
		var args []string
		if args, err = in.judgeArgs(); err == nil {
			var jopts *JudgeOptions
			if jopts, err = in.judgeOptions(e); err == nil {
				logActionInputs(gh, in, args)
				if in.Mode == "watch" {
					jopts.Config.Watch = true
					wopts := &WatchOptions{Env: jopts.Env, Config: jopts.Config, OutputOptions: jopts.OutputOptions}
					return actionExit(gh, in, watchRun(ctx, wopts))
				}
				return actionExit(gh, in, judgeRun(ctx, jopts))
			}
		}
	}
	gh.Errorf("verdict: %s", singleLine(err.Error()))
	return usageErr(err)
}

// urlPassword is the password in a URL's userinfo ("" when none).
func urlPassword(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// redactURL is a URL with its password replaced by "xxxxx"; text that is
// not a URL with a password is returned unchanged.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return raw
}

// logActionInputs shows the inputs in a log group.
func logActionInputs(gh *githubactions.Action, in actionInputs, args []string) {
	gh.Group("verdict: inputs")
	gh.Infof("working directory: %s", singleLine(cmp.Or(in.WorkingDirectory, ".")))
	if in.Token != "" {
		gh.Infof("token: set (masked), passed as source.prometheus.bearer_token_env=%s", actionTokenEnv)
	}
	gh.Infof("fail-on-inconclusive: %t", in.FailOnInconclusive)
	gh.Infof("command: verdict %s", singleLine(strings.Join(args, " ")))
	gh.EndGroup()
}

// actionExit is how the action ends after the judge ended with err.
func actionExit(gh *githubactions.Action, in actionInputs, err error) error {
	switch codeOf(err) {
	case judge.ExitInconclusive:
		if !in.FailOnInconclusive {
			gh.Noticef("verdict: inconclusive, let through because fail-on-inconclusive is false")
			return nil
		}
	case judge.ExitUsage:
		gh.Errorf("verdict: usage or config error (exit 2); nothing was judged — see the log above")
	}
	return err
}
