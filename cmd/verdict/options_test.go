package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCommandsBindOptions: each command's RunE only binds its flags into
// the options and hands them to its run function.
func TestCommandsBindOptions(t *testing.T) {
	e, _ := newEnv(&bytes.Buffer{}, &bytes.Buffer{}, []string{"VERDICT_CONFIG=env.yaml"})
	var jo *JudgeOptions
	cmd := NewCmdJudge(e, func(_ context.Context, o *JudgeOptions) error { jo = o; return nil })
	cmd.SetArgs([]string{"-c", "c.yaml", "--output", "json", "--report", "json=r.json", "--report", "html=r.html", "--end", "2024-01-01T00:00:00Z"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if jo == nil || jo.Env != e || jo.Config.Path != "c.yaml" || jo.Output != "json" ||
		!slices.Equal(jo.ReportSpecs, []string{"json=r.json", "html=r.html"}) {
		t.Fatalf("judge options %+v", jo)
	}
	if f := jo.Config.Flags["window.end"]; f == nil || !f.Changed || f.Value.String() != "2024-01-01T00:00:00Z" {
		t.Errorf("--end is not bound to window.end: %+v", f)
	}
	if f := jo.Config.Flags["window.start"]; f == nil || f.Changed {
		t.Errorf("--start is marked changed: %+v", f)
	}

	var co *CheckOptions
	cmd = NewCmdCheck(e, func(_ context.Context, o *CheckOptions) error { co = o; return nil })
	cmd.SetArgs([]string{"--online", "--prometheus-url", "http://p:9090"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if co == nil || !co.Online || co.Config.Path != "" || co.Config.Flags["source.prometheus.url"].Value.String() != "http://p:9090" {
		t.Fatalf("check options %+v", co)
	}

	var ro *RecordOptions
	cmd = NewCmdRecord(e, func(_ context.Context, o *RecordOptions) error { ro = o; return nil })
	cmd.SetArgs([]string{"-c", "c.yaml", "-o", "rec.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if ro == nil || ro.Out != "rec.json" || ro.Config.Path != "c.yaml" {
		t.Fatalf("record options %+v", ro)
	}
}

// TestActionJudgeOptions: the action builds the judge's options from its
// inputs (no argv, no change of directory): paths are taken from the
// working directory and the flags the inputs set are marked changed.
func TestActionJudgeOptions(t *testing.T) {
	dir := t.TempDir()
	in := actionInputs{Config: "canary.yaml", PrometheusURL: "http://p:9090", Duration: "30m",
		ReportFormats: []string{"junit", "json=out/r.json"}, WorkingDirectory: dir}
	e, _ := newEnv(&bytes.Buffer{}, &bytes.Buffer{}, nil)
	o, err := in.judgeOptions(e)
	if err != nil {
		t.Fatal(err)
	}
	if o.Config.inDir(o.Config.Path) != dir+"/canary.yaml" {
		t.Errorf("config path %q in %q", o.Config.Path, o.Config.Dir)
	}
	want := []reportSpec{{"json", dir + "/out/r.json"}, {"junit", dir + "/verdict-report/junit.xml"}}
	if !slices.Equal(o.Reports, want) {
		t.Errorf("reports %v, want %v", o.Reports, want)
	}
	for key, v := range map[string]string{"source.prometheus.url": "http://p:9090", "window.duration": "30m"} {
		if f := o.Config.Flags[key]; !f.Changed || f.Value.String() != v {
			t.Errorf("%s: %+v", key, f)
		}
	}
	if f := o.Config.Flags["window.end"]; f.Changed {
		t.Errorf("window.end set without an input")
	}
	in.WorkingDirectory = dir + "/missing"
	if _, err := in.judgeOptions(e); err == nil {
		t.Error("a missing working directory is accepted")
	}
}

// TestNoProcessStateMutation: outside main() no code changes the process's
// environment or working directory (issue 12 item 2): the action builds
// options instead.
func TestNoProcessStateMutation(t *testing.T) {
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, call := range []string{"os.Setenv(", "os.Chdir(", "os.Unsetenv(", "os.Clearenv("} {
			if bytes.Contains(b, []byte(call)) {
				t.Errorf("%s calls %s", p, strings.TrimSuffix(call, "("))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
