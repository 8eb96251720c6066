// Command longfuncs lists the functions of a Go tree's non-test code that are
// longer than a limit (80 lines), longest first, so that the next engineer can
// see where reading gets hard:
//
//	go run ./scripts/longfuncs [-max 80] [dir ...]
//
// A long function may be honest (a table, one case per flag): it says why in a
// line of its doc comment that starts with "Long:". The listing marks those;
// the command exits 1 when a long function gives no reason, else 0. Test
// files, testdata, vendor and hidden directories are skipped.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	limit := flag.Int("max", 80, "longest function, in lines from `func` to its closing brace, that is not listed")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	var all []long
	for _, d := range dirs {
		found, err := longFuncs(d, *limit)
		if err != nil {
			fmt.Fprintln(os.Stderr, "longfuncs:", err)
			os.Exit(2)
		}
		all = append(all, found...)
	}
	if print(os.Stdout, all, *limit) > 0 {
		os.Exit(1)
	}
}

// long is one function over the limit.
type long struct {
	pos    token.Position
	name   string
	lines  int
	reason string // the doc comment's "Long:" line, without the prefix; "" without one
}

// longFuncs parses every non-test .go file under root and returns its
// functions longer than limit lines, longest first.
func longFuncs(root string, limit int) ([]long, error) {
	fset := token.NewFileSet()
	var out []long
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start := fset.Position(fd.Pos())
			n := fset.Position(fd.End()).Line - start.Line + 1
			if n > limit {
				out = append(out, long{pos: start, name: funcName(fd), lines: n, reason: reason(fd.Doc)})
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].lines > out[j].lines })
	return out, err
}

// funcName is a declaration's name, with its receiver's type for a method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if g, ok := t.(*ast.IndexExpr); ok {
		t = g.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return "(" + id.Name + ")." + fd.Name.Name
	}
	return fd.Name.Name
}

// reason is the text after "Long:" on a line of doc, or "".
func reason(doc *ast.CommentGroup) string {
	if doc == nil {
		return ""
	}
	for _, l := range strings.Split(doc.Text(), "\n") {
		if r, ok := strings.CutPrefix(strings.TrimSpace(l), "Long:"); ok {
			return strings.TrimSpace(r)
		}
	}
	return ""
}

// print lists ls and returns how many give no reason.
func print(w io.Writer, ls []long, limit int) int {
	missing := 0
	for _, l := range ls {
		why := "NO REASON: split it, or say why in a doc comment line starting with \"Long:\""
		if l.reason != "" {
			why = "long: " + l.reason
		} else {
			missing++
		}
		fmt.Fprintf(w, "%4d lines  %s:%d  %s  (%s)\n", l.lines, l.pos.Filename, l.pos.Line, l.name, why)
	}
	fmt.Fprintf(w, "%d functions over %d lines, %d without a reason\n", len(ls), limit, missing)
	return missing
}
