#!/usr/bin/env bash
# bench-judge.sh: the whole `verdict judge` process over a recording of
# 100 metrics × 2 scopes × 5,760 points (24 h at 15 s). Prints the median wall
# time of 7 runs and the peak RSS (targets: ≤ 300 ms, ≤ 100 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -trimpath -o "$work/verdict" ./cmd/verdict
go run ./examples/gen -bench "$n" -dir "$work/data"
echo "input: $n metrics × 2 scopes × 5760 points, recording $(du -h "$work/data/recording.json" | cut -f1)"
times=()
for i in 1 2 3 4 5 6 7; do
  s=$(date +%s%N)
  "$work/verdict" judge -c "$work/data/canary.yaml" --output json >/dev/null || [ $? -le 4 ]
  e=$(date +%s%N)
  times+=($(( (e - s) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)
read -r rss cpu < <( { /usr/bin/time -f '%M %U %S' "$work/verdict" judge -c "$work/data/canary.yaml" --output json >/dev/null; } 2>&1 | tail -1 | awk '{printf "%d %d\n", $1, ($2+$3)*1000}')
echo "judge wall time: median ${median} ms of 7 runs (${times[*]} ms); target ≤ 300 ms"
echo "judge CPU time (user+sys, one run): ${cpu} ms — less sensitive to a loaded machine than wall time"
echo "judge peak RSS: $((rss / 1024)) MB; target ≤ 100 MB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
