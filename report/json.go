package report

import (
	"encoding/json"
	"io"

	"github.com/verdict-ci/verdict/judge"
)

// JSON writes the SPEC §5 report (schema version 1), indented, ending in a newline.
// The same report always gives the same bytes.
func JSON(w io.Writer, r *judge.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
