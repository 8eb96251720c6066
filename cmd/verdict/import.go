package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdict-ci/verdict/kayenta"
)

// NewCmdImport is `verdict import`, the parent of one command per format.
func NewCmdImport(e *env, runF func(context.Context, *ImportKayentaOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FORMAT ...",
		Short: "Convert another tool's canary config to a verdict config",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErr(errors.New("import: name the format, e.g. verdict import kayenta CONFIG.json"))
		},
	}
	cmd.AddCommand(NewCmdImportKayenta(e, runF))
	return cmd
}

// ImportKayentaOptions are what `verdict import kayenta` runs with.
type ImportKayentaOptions struct {
	Env *env
	// File is the Kayenta canary config (JSON).
	File string
	// BaselineScope and CanaryScope are the execution request's controlScope
	// and experimentScope; Location its location.
	BaselineScope, CanaryScope, Location string
	// Vars, BaselineVars and CanaryVars are name=value extendedScopeParams
	// for both sides, the baseline's and the canary's.
	Vars, BaselineVars, CanaryVars []string
	// ScopeLabel is Kayenta's prometheus.scopeLabel (resourceType gce_instance).
	ScopeLabel string
	// PrometheusURL goes into source.prometheus.url.
	PrometheusURL string
	// Out is the file to write; "" writes to stdout.
	Out string
}

// NewCmdImportKayenta is `verdict import kayenta`; its RunE binds the flags
// and calls runF (importKayentaRun when nil).
func NewCmdImportKayenta(e *env, runF func(context.Context, *ImportKayentaOptions) error) *cobra.Command {
	opts := &ImportKayentaOptions{Env: e}
	cmd := &cobra.Command{
		Use:   "kayenta CONFIG.json --baseline-scope S --canary-scope S [--location L] [--var name=value]... [-o canary.yaml]",
		Short: "Convert a Kayenta canary config (Prometheus) to a verdict config",
		Long: `import kayenta converts a Spinnaker Kayenta canary config whose metrics are
Prometheus queries into a verdict config, written to stdout or -o. The scopes,
location and variables are what Kayenta's execution request would give
(controlScope, experimentScope, location, extendedScopeParams): the
converted queries select the series Kayenta would. What cannot be converted
is listed on stderr with its JSON path; the command exits 2 only when no
metric is left. docs/kayenta.md has the mapping.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(fmt.Errorf("import kayenta: give one Kayenta config file, not %d arguments", len(args)))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.BaselineScope, "baseline-scope", "", "${scope} for the baseline: the execution request's controlScope (required)")
	f.StringVar(&opts.CanaryScope, "canary-scope", "", "${scope} for the canary: the execution request's experimentScope (required)")
	f.StringVar(&opts.Location, "location", "", "${location}: the execution request's location (region)")
	f.StringArrayVar(&opts.Vars, "var", nil, "another ${name} for both sides, name=value (extendedScopeParams); repeatable")
	f.StringArrayVar(&opts.BaselineVars, "baseline-var", nil, "a ${name} for the baseline only, name=value; repeatable")
	f.StringArrayVar(&opts.CanaryVars, "canary-var", nil, "a ${name} for the canary only, name=value; repeatable")
	f.StringVar(&opts.ScopeLabel, "scope-label", "instance", "Kayenta's prometheus.scopeLabel, used by resourceType gce_instance queries")
	f.StringVar(&opts.PrometheusURL, "prometheus-url", "", "source.prometheus.url to write (default "+kayenta.DefaultPrometheusURL+")")
	f.StringVarP(&opts.Out, "out", "o", "", "write the config here instead of stdout")
	run := runE(opts, runF, importKayentaRun)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.File = args[0]
		return run(cmd, args)
	}
	return cmd
}

// importKayentaRun converts opts.File and writes the config; the notes go to stderr.
func importKayentaRun(_ context.Context, opts *ImportKayentaOptions) error {
	e := opts.Env
	if opts.BaselineScope == "" || opts.CanaryScope == "" {
		return usageErr(errors.New("import kayenta: --baseline-scope and --canary-scope are required (the execution request's controlScope and experimentScope)"))
	}
	ko := kayenta.Options{
		Baseline:      kayenta.Side{Scope: opts.BaselineScope, Location: opts.Location, Vars: map[string]string{}},
		Canary:        kayenta.Side{Scope: opts.CanaryScope, Location: opts.Location, Vars: map[string]string{}},
		ScopeLabel:    opts.ScopeLabel,
		PrometheusURL: opts.PrometheusURL,
		Source:        filepath.Base(opts.File),
	}
	for _, set := range []struct {
		flag string
		vals []string
		to   []map[string]string
	}{
		{"--var", opts.Vars, []map[string]string{ko.Baseline.Vars, ko.Canary.Vars}},
		{"--baseline-var", opts.BaselineVars, []map[string]string{ko.Baseline.Vars}},
		{"--canary-var", opts.CanaryVars, []map[string]string{ko.Canary.Vars}},
	} {
		for _, kv := range set.vals {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usageErr(fmt.Errorf("import kayenta: %s %q: want name=value", set.flag, kv))
			}
			for _, m := range set.to {
				m[k] = v
			}
		}
	}
	data, err := os.ReadFile(opts.File)
	if err != nil {
		return usageErr(fmt.Errorf("import kayenta: %w", err))
	}
	res, err := kayenta.Convert(data, ko)
	if res != nil {
		for _, p := range res.Problems {
			fmt.Fprintf(e.stderr, "verdict: %s: %s\n", opts.File, p)
		}
	}
	if err != nil {
		return usageErr(fmt.Errorf("import kayenta: %s: %w", opts.File, err))
	}
	if opts.Out == "" {
		if _, err := e.stdout.Write(res.YAML); err != nil {
			return dataErr(fmt.Errorf("import kayenta: %w", err))
		}
		return nil
	}
	if err := writeFile(opts.Out, func(w io.Writer) error { _, err := w.Write(res.YAML); return err }); err != nil {
		return dataErr(fmt.Errorf("import kayenta: %w", err))
	}
	fmt.Fprintf(e.stderr, "verdict: wrote %s (%d metrics converted)\n", opts.Out, res.Metrics)
	return nil
}
