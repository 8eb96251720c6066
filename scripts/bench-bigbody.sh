#!/usr/bin/env bash
# bench-bigbody.sh: peak memory of verdict judge when the server's answers
# are huge (issue 11 item 20).
#
# Starts testdata/prom/bigbody (a fake Prometheus whose every range answer
# is a valid matrix of MB megabytes, streamed without Content-Length),
# judges a config of METRICS metrics (2 × METRICS queries, CONCURRENCY in
# flight) with the built binary under /usr/bin/time -v, and prints the exit
# code, the first error line and the peak RSS. With the default
# source.prometheus.max_buffered_bytes (256 MiB) a 300 MB answer fails as
# "response larger than 268435456 bytes" and the bytes buffered across the
# queries in flight stay within the budget. Exits 1 when the peak RSS is
# above MAX_RSS_MB (default 1000) or the run does not exit 4.
#
#   scripts/bench-bigbody.sh                         # or: make bench-bigbody
#   MB=600 METRICS=4 scripts/bench-bigbody.sh
#   MAX_BUFFERED=1073741824 MB=300 scripts/bench-bigbody.sh   # a budget the answer fits
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-300}
METRICS=${METRICS:-4}
CONCURRENCY=${CONCURRENCY:-8}
MAX_RSS_MB=${MAX_RSS_MB:-1000}
MAX_BUFFERED=${MAX_BUFFERED:-}
GO=${GO:-go}

tmp=$(mktemp -d)
trap 'kill "${srv:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 $GO build -trimpath -o "$tmp/verdict" ./cmd/verdict
$GO build -o "$tmp/bigbody" ./testdata/prom/bigbody
"$tmp/bigbody" -mb "$MB" -addr-file "$tmp/addr" &
srv=$!
for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
url=$(cat "$tmp/addr")

extra=""
[ -n "$MAX_BUFFERED" ] && extra=", max_buffered_bytes: $MAX_BUFFERED"
{
  echo "version: 1"
  echo "source: {prometheus: {url: \"$url\", timeout: 120s, retries: 0, concurrency: $CONCURRENCY$extra}}"
  echo "window: {end: 2024-01-01T01:00:00Z, duration: 1h, step: 15s}"
  echo "baseline: {scope: 'version=\"v1\"'}"
  echo "canary: {scope: 'version=\"v2\"'}"
  echo "metrics:"
  for ((i = 0; i < METRICS; i++)); do echo "  - {name: m$i, query: 'm$i{ {{ .Scope }} }'}"; done
} >"$tmp/canary.yaml"

set +e
/usr/bin/time -v "$tmp/verdict" judge -c "$tmp/canary.yaml" --output json >"$tmp/out.json" 2>"$tmp/err"
code=$?
set -e
kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/err")
wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$tmp/err")
rss_mb=$((kb / 1024))
echo "answers:    ${MB} MB each, ${METRICS} metrics ($((2 * METRICS)) queries, ${CONCURRENCY} in flight), max_buffered_bytes ${MAX_BUFFERED:-default}"
echo "exit:       ${code} (${wall} wall)"
echo "first error: $(grep -m1 '^verdict: error' "$tmp/err" | cut -c1-200)"
echo "peak RSS:   ${rss_mb} MB (limit ${MAX_RSS_MB} MB) $([ "$rss_mb" -le "$MAX_RSS_MB" ] && echo ok || echo EXCEEDED)"
[ "$rss_mb" -le "$MAX_RSS_MB" ] && { [ -n "$MAX_BUFFERED" ] || [ "$code" -eq 4 ]; }
