package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLongFuncs(t *testing.T) {
	dir := t.TempDir()
	body := strings.Repeat("\t_ = 1\n", 5)
	src := "package p\n\n" +
		"func short() {\n" + body + "}\n\n" +
		"// table is long.\n//\n// Long: one row per case.\nfunc table() {\n" + body + body + "}\n\n" +
		"type T struct{}\n\nfunc (*T) method() {\n" + body + body + body + "}\n"
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("p.go", src)
	write("p_test.go", "package p\n\nfunc TestX() {\n"+strings.Repeat(body, 10)+"}\n")
	if err := os.Mkdir(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("testdata/q.go", "package q\n\nfunc big() {\n"+strings.Repeat(body, 10)+"}\n")

	got, err := longFuncs(dir, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].name != "(T).method" || got[0].lines != 17 || got[0].reason != "" ||
		got[1].name != "table" || got[1].lines != 12 || got[1].reason != "one row per case." {
		t.Fatalf("got %+v; want (T).method (17 lines, no reason) then table (12, with its reason)", got)
	}
	var out strings.Builder
	if n := print(&out, got, 8); n != 1 || !strings.Contains(out.String(), "NO REASON") || !strings.Contains(out.String(), "2 functions over 8 lines, 1 without a reason") {
		t.Errorf("print returned %d:\n%s", n, out.String())
	}
}
