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
	"syscall"

	"github.com/spf13/cobra"
)

// Set by -ldflags at build time.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Exit codes (SPEC §2).
const (
	exitPromote      = 0
	exitAbort        = 1
	exitUsage        = 2
	exitInconclusive = 3
	exitError        = 4
)

// exitError carries the exit code a command failed with.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func usageErr(err error) error { return &exitErr{exitUsage, err} }
func dataErr(err error) error  { return &exitErr{exitError, err} }

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
// time the heap doubles costs about a tenth of a judge's CPU; it runs when
// the heap has grown fivefold instead, and more often near the memory limit.
const (
	gcPercent   = 400
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

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	e := &env{stdout: stdout, stderr: stderr, environ: environ}
	vals := map[string]string{}
	for _, kv := range environ {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				vals[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	e.getenv = func(k string) string { return vals[k] }
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	code := exitPromote
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
	root.AddCommand(newJudgeCmd(e, &code), newCheckCmd(e), newRecordCmd(e), newVersionCmd(e), newGitHubActionCmd(e, &code))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	err := root.ExecuteContext(ctx)
	if err == nil {
		return code
	}
	fmt.Fprintln(stderr, "verdict:", err)
	var ee *exitErr
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage // cobra's own errors: unknown command or flag
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.stdout, "verdict %s (commit %s, built %s)\n", version, commit, date)
			return err
		},
	}
}
