#!/usr/bin/env bash
# bench-judge.sh: the whole `verdict judge --output json` process over a
# recording of 100 metrics × 2 scopes × 5,760 points (24 h at 15 s). Prints
# the median wall time, CPU time (user+sys) and peak RSS of RUNS runs
# (targets: ≤ 300 ms, ≤ 100 MB). With BASE="<git revision> ..." it also
# builds those revisions and runs every binary in turn on the same
# recording (the work tree's examples/gen writes it), so all see the same load:
#   scripts/bench-judge.sh                        # 100 metrics
#   BASE=aa7a5e7 scripts/bench-judge.sh           # against revision 1's statistics
#   BASE="aa7a5e7 main" RUNS=15 scripts/bench-judge.sh 50
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
runs=${RUNS:-7}
work=$(mktemp -d)
cleanup() {
  for r in ${BASE:-}; do git worktree remove --force "$work/src-$r" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
go build -trimpath -o "$work/verdict" ./cmd/verdict
bins=()
for r in ${BASE:-}; do
  git worktree add --detach "$work/src-$r" "$r" >/dev/null 2>&1
  (cd "$work/src-$r" && go build -trimpath -o "$work/rev-$r" ./cmd/verdict)
  bins+=("rev-$r")
done
bins+=(verdict)
go run ./examples/gen -bench "$n" -dir "$work/data"
echo "input: $n metrics × 2 scopes × 5760 points, recording $(du -h "$work/data/recording.json" | cut -f1)"
for i in $(seq "$runs"); do
  for b in "${bins[@]}"; do
    s=$(date +%s%N)
    { /usr/bin/time -f '%M %U %S' "$work/$b" judge -c "$work/data/canary.yaml" --output json >/dev/null || [ $? -le 4 ]; } 2>"$work/$b.time"
    e=$(date +%s%N)
    tail -1 "$work/$b.time" | awk -v w=$(( (e - s) / 1000000 )) '{printf "%d %d %d\n", w, ($2+$3)*1000, $1/1024}' >>"$work/$b.runs"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for b in "${bins[@]}"; do
  label="work tree"
  [ "$b" != verdict ] && label="${b#rev-}"
  wall=$(cut -d' ' -f1 "$work/$b.runs" | median)
  cpu=$(cut -d' ' -f2 "$work/$b.runs" | median)
  rss=$(cut -d' ' -f3 "$work/$b.runs" | median)
  echo "$label: median of $runs runs: wall ${wall} ms, CPU (user+sys) ${cpu} ms, peak RSS ${rss} MB (walls: $(cut -d' ' -f1 "$work/$b.runs" | tr '\n' ' '))"
done
echo "targets: wall ≤ 300 ms, peak RSS ≤ 100 MB; CPU time is less sensitive to a loaded machine than wall time"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
