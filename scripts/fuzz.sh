#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target in the module briefly. The budget is a
# count of executions (10000x) rather than a duration: Go 1.26's fuzz
# coordinator can report a spurious "context deadline exceeded" when a
# -fuzztime duration expires mid-execution (golang/go#75804, fixed in 1.27).
set -euo pipefail
t=${1:-10000x}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >/tmp/verdict-fuzz.log 2>&1 || { cat /tmp/verdict-fuzz.log; exit 1; }
  done
done
