package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCheckCmd(e *env) *cobra.Command {
	var online bool
	cmd := &cobra.Command{
		Use:   "check -c canary.yaml",
		Short: "Validate a config; --online also runs every query once",
		Args:  cobra.NoArgs,
	}
	cf := addConfigFlags(cmd)
	cmd.Flags().BoolVar(&online, "online", false, "also run every query once and report series and point counts")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, _, err := cf.load(e)
		if err != nil {
			return err
		}
		if online {
			return checkOnline(cmd, e, cf)
		}
		fmt.Fprintf(e.stdout, "%s: ok (%d metrics, window %s … %s, step %s)\n", cfg.Path, len(cfg.Metrics),
			cfg.Window.Start.UTC().Format("2006-01-02T15:04:05Z"), cfg.Window.End.UTC().Format("2006-01-02T15:04:05Z"), cfg.Window.Step)
		return nil
	}
	return cmd
}

func checkOnline(cmd *cobra.Command, e *env, cf *configFlags) error {
	return usageErr(fmt.Errorf("check --online: not available in this build yet"))
}

func newRecordCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "record -c canary.yaml -o recording.json",
		Short: "Fetch both scopes of every metric and save them as a recording",
		Args:  cobra.NoArgs,
	}
	addConfigFlags(cmd)
	cmd.Flags().StringP("out", "o", "", "recording file to write")
	cmd.RunE = func(*cobra.Command, []string) error {
		return usageErr(fmt.Errorf("record: not available in this build yet"))
	}
	return cmd
}
