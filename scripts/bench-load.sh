#!/usr/bin/env bash
# bench-load.sh: verdict judge over 1,000 metrics on a real Prometheus.
#
# Backfills METRICS metrics × 2 scopes × HOURS h at STEP into a fresh
# Prometheus, judges them all (2 × METRICS range queries, `concurrency`
# in flight) RUNS times with the built binary, and prints the wall time and
# the peak RSS of each run (from /usr/bin/time -v). Exits 1 when a run
# fails (exit 2 or 4), judges fewer metrics than asked, or peaks above
# MAX_RSS_MB (default 300).
#
#   scripts/bench-load.sh                    # or: make bench-load
#   METRICS=1000 HOURS=6 RUNS=5 scripts/bench-load.sh
#   VERDICT=/path/to/verdict scripts/bench-load.sh   # measure another build
#   KIND=ratio scripts/bench-load.sh         # kind: ratio metrics (4 × METRICS queries of counters)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

METRICS=${METRICS:-1000}
HOURS=${HOURS:-1}
STEP=${STEP:-15s}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-8}
MAX_RSS_MB=${MAX_RSS_MB:-300}
END=2024-01-02T00:00:00Z
GO=${GO:-go}

bench_setup bench-load

echo "bench-load: building verdict" >&2
if [ -n "${VERDICT:-}" ]; then cp "$VERDICT" "$tmp/verdict"; else CGO_ENABLED=0 $GO build -trimpath -o "$tmp/verdict" ./cmd/verdict; fi

bench_prometheus bench-load
bench_config "$tmp/canary.yaml" ", timeout: 60s, concurrency: $CONCURRENCY"

# One warm-up run so that the first timed run does not pay for Prometheus' cold caches.
"$tmp/verdict" judge -c "$tmp/canary.yaml" --output json >/dev/null 2>&1 || true

walls=() rss=0
for ((r = 1; r <= RUNS; r++)); do
  bench_judge bench-load
  walls+=("$wall")
  [ "$kb" -gt "$rss" ] && rss=$kb
  echo "bench-load: run $r: ${wall} s, peak RSS $((kb / 1024)) MB (exit $code)" >&2
done
judged=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for m in r["metrics"] if m["classification"] not in ("error", "nodata")), r["verdict"])' "$tmp/report.json")
median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
rss_mb=$(python3 -c "print(round($rss / 1024, 1))")
ok_rss=$(python3 -c "print(1 if $rss / 1024 <= $MAX_RSS_MB else 0)")
read -r n verdict <<<"$judged"

echo
queries=$((2 * METRICS))
[ "${KIND:-series}" = ratio ] && queries=$((4 * METRICS))
echo "metrics:                ${METRICS} ${KIND:-series} (${queries} range queries, ${CONCURRENCY} in flight), $(( HOURS * 3600 / ${STEP%s} + 1 )) points per series"
echo "judged:                 ${n} of ${METRICS} (verdict: ${verdict})"
echo "verdict judge (median): ${median} s over ${RUNS} runs"
echo "peak RSS (max):         ${rss_mb} MB (limit ${MAX_RSS_MB} MB) $([ "$ok_rss" = 1 ] && echo ok || echo EXCEEDED)"
[ "$n" -eq "$METRICS" ] && [ "$ok_rss" = 1 ]
