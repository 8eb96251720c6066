#!/usr/bin/env bash
# bench-load.sh: verdict judge over 1,000 metrics on a real Prometheus, and
# kind: ratio beside kind: series at the same sample count.
#
# Backfills METRICS series metrics (PODS gauges a scope) and METRICS ratio
# metrics (an error and a request counter a scope) × 2 scopes × HOURS h at
# STEP into a fresh Prometheus. With PODS=2 (the default) both kinds fetch
# the same samples: a series metric's query returns 2 series a side, a
# ratio metric's numerator and denominator 1 each. For each kind it then
# times, RUNS times each (medians):
#
#   live       verdict judge against Prometheus (series: 2 × METRICS range
#              queries; ratio: 4 × METRICS; `concurrency` in flight), wall
#              time and peak RSS (/usr/bin/time -v);
#   recording  verdict judge --recording of what `verdict record` fetched:
#              the same process without the fetch (wall and CPU time);
#   judge      the judge phase alone, in memory (go test -bench
#              BenchmarkJudgeLoad ./judge: 1,000 metrics, 1 h at 15 s, the
#              same sample count per kind, whatever METRICS and HOURS say);
#
# and prints them side by side with ratio ÷ series. Exits 1 when a run
# fails (exit 2 or 4), judges fewer metrics than asked, peaks above
# MAX_RSS_MB (default 300), or the judge phase of ratio metrics costs more
# than 1.10 × that of series metrics (issue 14's target).
#
#   scripts/bench-load.sh                    # or: make bench-load
#   METRICS=1000 HOURS=6 RUNS=5 scripts/bench-load.sh
#   VERDICT=/path/to/verdict scripts/bench-load.sh   # measure another build
#   KIND=series scripts/bench-load.sh        # one kind only, live only (PODS=1: 1 series a side)
#   KIND=ratio scripts/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

METRICS=${METRICS:-1000}
HOURS=${HOURS:-1}
STEP=${STEP:-15s}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-8}
MAX_RSS_MB=${MAX_RSS_MB:-300}
KIND=${KIND:-both}
END=2024-01-02T00:00:00Z
GO=${GO:-go}
case $KIND in
  both) kinds=(series ratio) PODS=${PODS:-2} ;;
  series | ratio) kinds=("$KIND") PODS=${PODS:-1} ;;
  *) echo "bench-load: KIND=$KIND: want both, series or ratio" >&2; exit 2 ;;
esac

bench_setup bench-load

echo "bench-load: building verdict" >&2
if [ -n "${VERDICT:-}" ]; then cp "$VERDICT" "$tmp/verdict"; else CGO_ENABLED=0 $GO build -trimpath -o "$tmp/verdict" ./cmd/verdict; fi

bench_prometheus bench-load
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# judged FILE: how many metrics of a JSON report were judged (not error or nodata), and its verdict.
judged() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for m in r["metrics"] if m["classification"] not in ("error", "nodata")), r["verdict"])' "$1"
}

points=$(( HOURS * 3600 / ${STEP%s} + 1 ))
declare -A live live_rss rec rec_cpu n verdict queries samples
fail=0
for kind in "${kinds[@]}"; do
  cfg=$tmp/$kind.yaml
  KIND=$kind bench_config "$cfg" ", timeout: 60s, concurrency: $CONCURRENCY"
  queries[$kind]=$((2 * METRICS)) samples[$kind]=$((METRICS * 2 * PODS * points))
  [ "$kind" = ratio ] && queries[$kind]=$((4 * METRICS)) samples[$kind]=$((METRICS * 4 * points))

  # One warm-up run so that the first timed run does not pay for Prometheus' cold caches.
  "$tmp/verdict" judge -c "$cfg" --output json >/dev/null 2>&1 || true
  walls=() rss=0
  for ((r = 1; r <= RUNS; r++)); do
    bench_judge bench-load "$cfg"
    walls+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
    echo "bench-load: $kind live run $r: ${wall} s, peak RSS $((kb / 1024)) MB (exit $code)" >&2
  done
  live[$kind]=$(median "${walls[@]}") live_rss[$kind]=$rss
  read -r n[$kind] verdict[$kind] <<<"$(judged "$tmp/report.json")"
  [ "${n[$kind]}" -eq "$METRICS" ] || { echo "bench-load: $kind: judged ${n[$kind]} of $METRICS metrics" >&2; fail=1; }
  [ "$rss" -le $((MAX_RSS_MB * 1024)) ] || { echo "bench-load: $kind: peak RSS $((rss / 1024)) MB > $MAX_RSS_MB MB" >&2; fail=1; }
  cp "$tmp/report.json" "$tmp/$kind-live.json"

  [ "$KIND" = both ] || continue
  "$tmp/verdict" record -c "$cfg" -o "$tmp/$kind-rec.json" 2>"$tmp/record.log" ||
    { echo "bench-load: verdict record failed:" >&2; tail -5 "$tmp/record.log" >&2; exit 1; }
  walls=() cpus=()
  for ((r = 1; r <= RUNS; r++)); do
    bench_judge bench-load "$cfg" --recording "$tmp/$kind-rec.json"
    walls+=("$wall") cpus+=("$cpu")
    echo "bench-load: $kind recording run $r: ${wall} s, CPU ${cpu} s (exit $code)" >&2
  done
  rec[$kind]=$(median "${walls[@]}") rec_cpu[$kind]=$(median "${cpus[@]}")
  # The recording must judge as live did (docs/recording.md): same verdict, same classifications.
  python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ca = [(m["name"], m["classification"]) for m in a["metrics"]]
cb = [(m["name"], m["classification"]) for m in b["metrics"]]
sys.exit(0 if a["verdict"] == b["verdict"] and ca == cb else 1)' "$tmp/$kind-live.json" "$tmp/report.json" ||
    { echo "bench-load: $kind: the recording judged differently from live" >&2; fail=1; }
done

echo
echo "metrics: ${METRICS} a kind, ${points} points per series (${HOURS} h at ${STEP}), ${CONCURRENCY} queries in flight; medians of ${RUNS} runs"
if [ "$KIND" != both ]; then
  echo "kind:                   ${KIND} (${queries[$KIND]} range queries, ${samples[$KIND]} samples)"
  echo "judged:                 ${n[$KIND]} of ${METRICS} (verdict: ${verdict[$KIND]})"
  echo "verdict judge (median): ${live[$KIND]} s over ${RUNS} runs"
  echo "peak RSS (max):         $(python3 -c "print(round(${live_rss[$KIND]} / 1024, 1))") MB (limit ${MAX_RSS_MB} MB)"
  exit $fail
fi

echo "bench-load: the judge phase alone (go test -bench BenchmarkJudgeLoad ./judge, ${RUNS} counts)" >&2
bench=$($GO test -run '^$' -bench '^BenchmarkJudgeLoad$' -count "$RUNS" ./judge) || { echo "$bench" >&2; exit 1; }
declare -A phase
for kind in series ratio; do
  phase[$kind]=$(median $(awk -v k="BenchmarkJudgeLoad/$kind-" 'index($1, k) == 1 {printf "%.1f\n", $3 / 1e6}' <<<"$bench"))
done
x() { python3 -c "print(f'{$2 / $1:.2f}×')"; }
printf '%-34s %14s %14s %15s\n' "" "series" "ratio" "ratio ÷ series"
printf '%-34s %14s %14s %15s\n' "series a side" "$PODS" "1 + 1" ""
printf '%-34s %14s %14s %15s\n' "samples fetched" "${samples[series]}" "${samples[ratio]}" "$(x "${samples[series]}" "${samples[ratio]}")"
printf '%-34s %14s %14s %15s\n' "range queries" "${queries[series]}" "${queries[ratio]}" "$(x "${queries[series]}" "${queries[ratio]}")"
printf '%-34s %14s %14s %15s\n' "judged (verdict)" "${n[series]} (${verdict[series]})" "${n[ratio]} (${verdict[ratio]})" ""
printf '%-34s %12s s %12s s %15s\n' "live, real Prometheus: wall" "${live[series]}" "${live[ratio]}" "$(x "${live[series]}" "${live[ratio]}")"
printf '%-34s %11s MB %11s MB %15s\n' "live: peak RSS" "$((live_rss[series] / 1024))" "$((live_rss[ratio] / 1024))" ""
printf '%-34s %12s s %12s s %15s\n' "from a recording: wall" "${rec[series]}" "${rec[ratio]}" "$(x "${rec[series]}" "${rec[ratio]}")"
printf '%-34s %12s s %12s s %15s\n' "from a recording: CPU" "${rec_cpu[series]}" "${rec_cpu[ratio]}" "$(x "${rec_cpu[series]}" "${rec_cpu[ratio]}")"
printf '%-34s %11s ms %11s ms %15s\n' "judge phase alone (in memory)" "${phase[series]}" "${phase[ratio]}" "$(x "${phase[series]}" "${phase[ratio]}")"
ok=$(python3 -c "print(1 if ${phase[ratio]} <= 1.10 * ${phase[series]} else 0)")
echo "target: the judge phase of ratio ≤ 1.10 × series: $([ "$ok" = 1 ] && echo met || echo MISSED)"
[ "$ok" = 1 ] || fail=1
exit $fail
