// Package report renders a judge.Report in the formats people and CI tools
// read: table, markdown, json, junit, html, dotenv, openmetrics.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/verdict-ci/verdict/judge"
)

// Renderer writes one format of a report.
type Renderer func(w io.Writer, r *judge.Report) error

// formats maps a format name to its renderer. Each renderer lives in its own file.
var formats = map[string]Renderer{
	"json":        JSON,
	"table":       Table,
	"markdown":    Markdown,
	"junit":       JUnit,
	"dotenv":      Dotenv,
	"openmetrics": OpenMetrics,
	"html":        HTML,
}

// Charts reports whether a format draws the sides' time series, and so needs
// judge.Side.Points: markdown (its Mermaid charts) and html.
func Charts(format string) bool { return format == "markdown" || format == "html" }

// Formats lists the known format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the renderer of a format, or an error naming the known ones.
func Lookup(format string) (Renderer, error) {
	if f, ok := formats[format]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown report format %q (known: %s)", format, strings.Join(Formats(), ", "))
}

// Write renders r in format to w.
func Write(format string, w io.Writer, r *judge.Report) error {
	f, err := Lookup(format)
	if err != nil {
		return err
	}
	return f(w, r)
}
