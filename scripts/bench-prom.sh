#!/usr/bin/env bash
# bench-prom.sh: verdict's end-to-end cost over a real Prometheus.
#
# Backfills 100 metrics × 2 scopes × 24 h at 15 s (5,761 points per series)
# into a fresh Prometheus, then times (a) the 200 range queries alone through
# verdict's client (testdata/prom/benchq) and (b) the whole `verdict judge`
# over a config of those 100 metrics, alternating, RUNS rounds. Prints
# both times, their ratio (target ≤ 1.3×), the judge's peak RSS (target
# ≤ 150 MB, from /usr/bin/time -v), and the CPU time each side and
# Prometheus took: with both cores busy, the judge's extra CPU is what
# lengthens its run. Exits 1 when a target is missed.
#
#   scripts/bench-prom.sh            # or: make bench-prom
#   RUNS=9 METRICS=100 scripts/bench-prom.sh
#   VERDICT=/path/to/verdict scripts/bench-prom.sh   # time another build
#   BASE_VERDICT=/path/to/old/verdict scripts/bench-prom.sh   # and another in turn
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

METRICS=${METRICS:-100}
HOURS=${HOURS:-24}
STEP=${STEP:-15s}
RUNS=${RUNS:-5}
END=2024-01-02T00:00:00Z
GO=${GO:-go}

bench_setup bench-prom

echo "bench-prom: building verdict and benchq" >&2
if [ -n "${VERDICT:-}" ]; then cp "$VERDICT" "$tmp/verdict"; else $GO build -o "$tmp/verdict" ./cmd/verdict; fi
cp "$tmp/verdict" "$tmp/verdict.work"
$GO build -o "$tmp/benchq" ./testdata/prom/benchq

bench_prometheus bench-prom
bench_config "$tmp/canary.yaml" ""

# Warm Prometheus' caches once so that neither side pays for a cold start.
"$tmp/benchq" -url "$url" -metrics "$METRICS" -end "$END" -duration "${HOURS}h" -step "$STEP" -runs 1 >/dev/null 2>&1
uptime >&2

# (a) and (b) alternate, so that load from elsewhere on the machine hits both alike.
echo "bench-prom: ${RUNS} rounds of (a) the 200 range queries alone and (b) verdict judge" >&2
alones=() walls=() ratios=() rss=0 qcpus=() jcpus=() pqs=() pjs=() bwalls=() bcpus=() bkbs=()
for ((r = 0; r < RUNS; r++)); do
  if [ -n "${BASE_VERDICT:-}" ]; then # the other build first, in the same round
    cp "$BASE_VERDICT" "$tmp/verdict"
    bench_judge bench-prom
    bwalls+=("$wall") bcpus+=("$cpu") bkbs+=("$kb")
    cp "$tmp/verdict.work" "$tmp/verdict"
  fi
  p0=$(prom_cpu)
  out=$("$tmp/benchq" -url "$url" -metrics "$METRICS" -end "$END" -duration "${HOURS}h" -step "$STEP" -runs 1 2>"$tmp/benchq.log") ||
    { echo "bench-prom: the queries alone failed:" >&2; tail -5 "$tmp/benchq.log" >&2; exit 1; }
  read -r alone qcpu <<<"$out"
  p1=$(prom_cpu)
  bench_judge bench-prom
  p2=$(prom_cpu)
  pq=$(echo "$p1 - $p0" | bc) pj=$(echo "$p2 - $p1" | bc)
  alones+=("$alone") walls+=("$wall") ratios+=("$(echo "scale=3; $wall / $alone" | bc)")
  qcpus+=("$qcpu") jcpus+=("$cpu") pqs+=("$pq") pjs+=("$pj")
  [ "$kb" -gt "$rss" ] && rss=$kb
  echo "bench-prom: round $((r + 1)): queries alone ${alone}s (CPU ${qcpu}s, Prometheus ${pq}s), judge ${wall}s (CPU ${cpu}s, Prometheus ${pj}s; exit $code, ${kb} KB)" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
alone=$(median "${alones[@]}")
judge=$(median "${walls[@]}")
verdict=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["verdict"], len(r["metrics"]), "metrics")' "$tmp/report.json")

ratio=$(median "${ratios[@]}")
rss_mb=$(echo "scale=1; $rss / 1024" | bc)
ok_ratio=$(echo "$ratio <= 1.3" | bc)
ok_rss=$(echo "$rss_mb <= 150" | bc)
echo
echo "series:                 $((2 * METRICS)) × $(( HOURS * 3600 / ${STEP%s} + 1 )) points (${HOURS}h at ${STEP})"
echo "queries alone (median): ${alone} s"
echo "verdict judge (median): ${judge} s   (verdict: ${verdict})"
echo "ratio judge/queries:    ${ratio}× (median of the rounds' ratios)   (target ≤ 1.3×) $([ "$ok_ratio" = 1 ] && echo ok || echo MISSED)"
echo "CPU time (median):      queries alone $(median "${qcpus[@]}") s + Prometheus $(median "${pqs[@]}") s; judge $(median "${jcpus[@]}") s + Prometheus $(median "${pjs[@]}") s, on $(nproc) cores"
echo "judge peak RSS:         ${rss_mb} MB (target ≤ 150 MB) $([ "$ok_rss" = 1 ] && echo ok || echo MISSED)"
if [ -n "${BASE_VERDICT:-}" ]; then
  echo "BASE_VERDICT judge:     wall $(median "${bwalls[@]}") s, CPU $(median "${bcpus[@]}") s, peak RSS $(echo "scale=1; $(median "${bkbs[@]}") / 1024" | bc) MB (medians; this build: wall ${judge} s, CPU $(median "${jcpus[@]}") s)"
fi
[ "$ok_ratio" = 1 ] && [ "$ok_rss" = 1 ]
