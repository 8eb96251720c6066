// Command verdict is a CI-native canary analysis judge: it compares baseline
// and canary metric series and exits with promote, inconclusive or abort.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/report"
)

// Set by -ldflags at build time.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// exitErr carries the exit code a command ends with; err nil is a silent
// exit (the verdict's own code, already reported on stdout).
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitErr) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitErr{judge.ExitUsage, err} }
func dataErr(err error) error  { return &exitErr{judge.ExitError, err} }

// exitCode ends a command with code and no message of its own; 0 is nil.
func exitCode(code int) error {
	if code == judge.ExitPromote {
		return nil
	}
	return &exitErr{code: code}
}

// codeOf is the exit code err ends the process with: cobra's own errors
// (an unknown command or flag) are usage errors.
func codeOf(err error) int {
	var ee *exitErr
	switch {
	case err == nil:
		return judge.ExitPromote
	case errors.As(err, &ee):
		return ee.code
	}
	return judge.ExitUsage
}

// env is the process environment a command sees; tests pass their own.
type env struct {
	stdout, stderr io.Writer
	environ        []string
	getenv         func(string) string
	log            *slog.Logger
}

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// GC defaults for a short batch run, used unless GOGC or GOMEMLIMIT is set.
// verdict's live heap is small next to what it allocates (every sample is
// decoded, judged and let go), so the collector's default of running each
// time the heap doubles costs a few percent of a judge's CPU; it runs when
// the heap has grown threefold instead, and more often near the memory
// limit. Fivefold (GOGC 400) saved 2-4% more CPU but held 13 MB more at peak
// over a real Prometheus (docs/performance.md, "The collector's level").
const (
	gcPercent   = 200
	memoryLimit = 256 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// printf is fmt.Fprintf with every string, error and Stringer argument
// reduced to one line of printable text (report.OneLine): what it prints
// quotes servers, configs and CI inputs, which must not start a line of their
// own (a "::" workflow command), carry terminal escapes or a CR.
func printf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = report.OneLine(v)
		case error:
			args[i] = report.OneLine(v.Error())
		case fmt.Stringer:
			args[i] = report.OneLine(v.String())
		}
	}
	fmt.Fprintf(w, format, args...)
}

// newEnv is the environment a command sees: the writers, the process
// environment (os.Environ form) and a logger on stderr.
func newEnv(stdout, stderr io.Writer, environ []string) (*env, *slog.LevelVar) {
	e := &env{stdout: stdout, stderr: stderr, environ: environ}
	vals := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vals[k] = v
		}
	}
	e.getenv = func(k string) string { return vals[k] }
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return e, level
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	e, level := newEnv(stdout, stderr, environ)
	root := &cobra.Command{
		Use:           "verdict",
		Short:         "CI-native canary analysis judge",
		Long:          "verdict compares baseline and canary metric series and answers promote, inconclusive or abort.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var verbose bool
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log progress and retries to stderr")
	root.PersistentPreRun = func(*cobra.Command, []string) {
		if verbose {
			level.Set(slog.LevelInfo)
		}
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.AddCommand(NewCmdJudge(e, nil), NewCmdWatch(e, nil), NewCmdCheck(e, nil), NewCmdRecord(e, nil), NewCmdVersion(e, nil), NewCmdGitHubAction(e, nil))
	root.AddCommand(NewCmdImport(e, nil))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	err := root.ExecuteContext(ctx)
	var ee *exitErr
	if err != nil && (!errors.As(err, &ee) || ee.err != nil) {
		// One line per line of the error (a config's errors are one a line),
		// each reduced to printable text: errors quote servers and files.
		for _, l := range strings.Split(err.Error(), "\n") {
			if l = report.OneLine(l); l != "" {
				fmt.Fprintln(stderr, "verdict:", l)
			}
		}
	}
	return codeOf(err)
}

// VersionOptions are what `verdict version` prints with.
type VersionOptions struct {
	Env *env
}

// NewCmdVersion is `verdict version`; runF replaces versionRun in tests.
func NewCmdVersion(e *env, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Env: e}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE:  runE(opts, runF, versionRun),
	}
}

func versionRun(_ context.Context, opts *VersionOptions) error {
	_, err := fmt.Fprintf(opts.Env.stdout, "verdict %s (commit %s, built %s)\n", version, commit, date)
	return err
}
