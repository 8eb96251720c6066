// Command verdict is a CI-native canary analysis judge: it compares baseline
// and canary metric series and exits with promote, inconclusive or abort.
package main

import (
	"fmt"
	"os"
)

// Set by -ldflags at build time.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	fmt.Fprintf(os.Stderr, "verdict %s (%s, %s): the judge is not built yet\n", version, commit, date)
	os.Exit(2)
}
