#!/usr/bin/env bash
# same-reports.sh checks that a change left every reported number alone: it
# builds verdict at a git revision (default main) and from the work tree,
# runs `verdict judge --output json` with both on the example recordings and
# on variants of the judge benchmark's recording (examples/gen -bench: 24 h,
# 1 h and 10 min windows — the last small enough for the exact signed-rank
# branch —, both directions with margins, test: paired, blocked and
# mann-whitney, another confidence), and fails unless every pair of reports
# is byte-identical.
#   scripts/same-reports.sh            # against main
#   scripts/same-reports.sh aa7a5e7    # against any revision that reads the same configs
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-main}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/src" "$rev" >/dev/null 2>&1
(cd "$work/src" && go build -trimpath -o "$work/old" ./cmd/verdict)
go build -trimpath -o "$work/new" ./cmd/verdict
go run ./examples/gen -bench 40 -dir "$work/bench" >/dev/null

# variants of the bench config: name, then sed expressions on canary.yaml
variants=(
  "day|"
  "hour|s/start: 2024-01-01T00:00:15Z/start: 2024-01-01T23:00:15Z/"
  "tenmin|s/start: 2024-01-01T00:00:15Z/start: 2024-01-01T23:50:15Z/"
  "either|s/fail_on: increase, allowed_increase: 10%/fail_on: either, allowed_increase: 5%, allowed_decrease: 5%/"
  "paired|s/allowed_increase: 10%}/allowed_increase: 10%, test: paired}/"
  "mann-whitney|s/allowed_increase: 10%}/allowed_increase: 10%, test: mann-whitney}/"
  "conf90|s/^window:/confidence: 0.9\nwindow:/"
)
fail=0
compare() { # name config-path
  local name=$1 cfg=$2 rc_old=0 rc_new=0
  "$work/old" judge -c "$cfg" --output json >"$work/$name.old.json" 2>"$work/$name.old.err" || rc_old=$?
  "$work/new" judge -c "$cfg" --output json >"$work/$name.new.json" 2>"$work/$name.new.err" || rc_new=$?
  if [ "$rc_old" != "$rc_new" ] || ! cmp -s "$work/$name.old.json" "$work/$name.new.json"; then
    echo "DIFFERENT: $name (exit $rc_old vs $rc_new)"
    diff <(head -c 4000 "$work/$name.old.json") <(head -c 4000 "$work/$name.new.json") | head -20 || true
    fail=1
  else
    echo "same: $name (exit $rc_new, $(wc -c <"$work/$name.new.json") bytes; tests: $(grep -o '"method": "[a-z]*"' "$work/$name.new.json" | sort | uniq -c | tr -s " " | tr "\n" ";"))"
  fi
}
for cfg in examples/checkout/canary.yaml examples/checkout-promote/canary.yaml; do
  compare "$(basename "$(dirname "$cfg")")" "$cfg"
done
for v in "${variants[@]}"; do
  name=${v%%|*} expr=${v#*|}
  sed -e "$expr" "$work/bench/canary.yaml" >"$work/bench/$name.yaml"
  compare "bench-$name" "$work/bench/$name.yaml"
done
[ "$fail" = 0 ] && echo "every report byte-identical to $rev's"
exit "$fail"
