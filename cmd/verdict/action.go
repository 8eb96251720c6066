package main

import (
	"cmp"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"

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
		Config:           gh.GetInput("config"),
		PrometheusURL:    gh.GetInput("prometheus-url"),
		Token:            getenv("INPUT_TOKEN"), // not trimmed: a secret is used as given
		End:              gh.GetInput("end"),
		Duration:         gh.GetInput("duration"),
		WorkingDirectory: gh.GetInput("working-directory"),
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

// judgeArgs turns the inputs into the `verdict judge` command line; the JSON
// report is always written (it is the action's `report` output).
func (in actionInputs) judgeArgs() ([]string, error) {
	args := []string{"judge"}
	if in.Config != "" {
		args = append(args, "--config", in.Config)
	}
	for _, f := range [][2]string{{"--prometheus-url", in.PrometheusURL}, {"--end", in.End}, {"--duration", in.Duration}} {
		if f[1] != "" {
			args = append(args, f[0], f[1])
		}
	}
	formats := map[string]string{"json": path.Join(actionReportDir, actionReportFile("json"))}
	order := []string{"json"}
	for _, spec := range in.ReportFormats {
		format, file, explicit := strings.Cut(spec, "=")
		if _, err := report.Lookup(format); err != nil {
			return nil, fmt.Errorf("input report-formats: %w", err)
		}
		if !explicit || file == "" {
			file = path.Join(actionReportDir, actionReportFile(format))
		}
		if !slices.Contains(order, format) {
			order = append(order, format)
		}
		formats[format] = file
	}
	for _, f := range order {
		args = append(args, "--report", f+"="+formats[f])
	}
	return args, nil
}

// newGitHubActionCmd is `verdict github-action`, the entrypoint of the Docker
// action in action.yml: it masks the token, reads the INPUT_* variables, runs
// `verdict judge` in the working directory with the JSON report always
// written, publishes outputs and a summary, and exits with the judge's code
// (inconclusive exits 0 when fail-on-inconclusive is false).
func newGitHubActionCmd(e *env, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "github-action",
		Short: "Run as the GitHub Action: read the INPUT_* variables, judge, publish outputs and a summary",
		Long: `github-action is the entrypoint of verdict's GitHub Action (action.yml). It reads
the inputs from INPUT_CONFIG, INPUT_PROMETHEUS-URL, INPUT_TOKEN, INPUT_END,
INPUT_DURATION, INPUT_FAIL-ON-INCONCLUSIVE, INPUT_REPORT-FORMATS and
INPUT_WORKING-DIRECTORY, runs verdict judge, and sets the outputs verdict,
score, reason and report. It changes into the working directory first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gh := githubactions.New(githubactions.WithWriter(e.stderr), githubactions.WithGetenv(e.getenv))
			// Mask before anything else can print the token.
			maskSecrets(gh, []string{e.getenv("INPUT_TOKEN")})
			in, err := readActionInputs(e.getenv)
			if err != nil {
				gh.Errorf("verdict: %v", err)
				return usageErr(err)
			}
			args, err := in.judgeArgs()
			if err != nil {
				gh.Errorf("verdict: %v", err)
				return usageErr(err)
			}
			if in.WorkingDirectory != "" {
				if err := os.Chdir(in.WorkingDirectory); err != nil {
					err = fmt.Errorf("input working-directory: %w", err)
					gh.Errorf("verdict: %v", err)
					return usageErr(err)
				}
			}
			environ := slices.Clone(e.environ)
			if in.Token != "" {
				// The Prometheus client reads bearer_token_env from the process
				// environment: this command is the process's entrypoint, so set it there too.
				if err := os.Setenv(actionTokenEnv, in.Token); err != nil {
					return usageErr(fmt.Errorf("input token: %w", err))
				}
				environ = append(environ, actionTokenEnv+"="+in.Token, "VERDICT_PROMETHEUS_BEARER_TOKEN_ENV="+actionTokenEnv)
			}
			gh.Group("verdict: inputs")
			gh.Infof("working directory: %s", cmp.Or(in.WorkingDirectory, "."))
			if in.Token != "" {
				gh.Infof("token: set (masked), passed as source.prometheus.bearer_token_env=%s", actionTokenEnv)
			}
			gh.Infof("fail-on-inconclusive: %t", in.FailOnInconclusive)
			gh.Infof("command: verdict %s", strings.Join(args, " "))
			gh.EndGroup()
			c := run(cmd.Context(), args, e.stdout, e.stderr, environ)
			switch {
			case c == exitInconclusive && !in.FailOnInconclusive:
				gh.Noticef("verdict: inconclusive, let through because fail-on-inconclusive is false")
				c = exitPromote
			case c == exitUsage:
				gh.Errorf("verdict: usage or config error (exit 2); nothing was judged — see the log above")
			}
			*code = c
			return nil
		},
	}
}
