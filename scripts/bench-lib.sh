# bench-lib.sh: shared steps of bench-prom.sh and bench-load.sh. Source it,
# set METRICS, HOURS, STEP, END and GO, then call bench_setup.

# bench_setup NAME: check the tools the benchmarks run, make the scratch
# directory tmp, and stop Prometheus and remove tmp on exit.
bench_setup() {
  local name=$1 bin
  for bin in prometheus promtool /usr/bin/time curl python3; do
    command -v "$bin" >/dev/null || { echo "$name: $bin is missing (run make deps as root)" >&2; exit 2; }
  done
  tmp=$(mktemp -d)
  prom_pid=
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}

# bench_prometheus NAME: backfill METRICS gauges (KIND=ratio: pairs of
# counters; KIND=both: both; PODS gauges a metric and scope, default 1)
# × 2 scopes × HOURS h at STEP (ending END) into $tmp/data and start
# Prometheus on a free loopback port.
# Sets url and prom_pid; bench_cleanup stops it on exit.
bench_prometheus() {
  local name=$1 t0 port
  echo "$name: generating ${METRICS} metrics × 2 scopes × ${HOURS}h at ${STEP}" >&2
  $GO run ./testdata/prom/gen -bench "$METRICS" -kind "${KIND:-series}" -pods "${PODS:-1}" -hours "$HOURS" -step "$STEP" -end "$END" > "$tmp/bench.om"
  t0=$(date +%s.%N)
  promtool tsdb create-blocks-from openmetrics "$tmp/bench.om" "$tmp/data" >/dev/null
  echo "$name: backfill took $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s ($(du -sh "$tmp/data" | cut -f1))" >&2
  rm "$tmp/bench.om"

  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url=http://127.0.0.1:$port
  printf 'global:\n  scrape_interval: 1h\n' > "$tmp/prometheus.yml"
  prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" --log.level=warn \
    >"$tmp/prometheus.log" 2>&1 &
  prom_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$url/-/ready" >/dev/null 2>&1 && break
    kill -0 "$prom_pid" 2>/dev/null || { cat "$tmp/prometheus.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS "$url/-/ready" >/dev/null || { echo "$name: prometheus not ready" >&2; exit 1; }
}

# bench_config FILE PROMETHEUS_EXTRA: a config judging every bench metric,
# v1 against v2; PROMETHEUS_EXTRA is added to source.prometheus's flow map.
bench_config() {
  local file=$1 extra=$2 m
  {
    printf 'version: 1\nsource:\n  prometheus: {url: %s%s}\n' "$url" "$extra"
    printf 'window: {end: %s, duration: %sh, step: %s}\n' "$END" "$HOURS" "$STEP"
    printf "baseline: {scope: 'version=\"v1\"'}\ncanary: {scope: 'version=\"v2\"'}\nmetrics:\n"
    for ((m = 0; m < METRICS; m++)); do
      if [ "${KIND:-series}" = ratio ]; then
        printf "  - name: m%03d\n    kind: ratio\n    numerator: 'bench_errors_total{ {{ .Scope }}, metric=\"%03d\" }'\n    denominator: 'bench_requests_total{ {{ .Scope }}, metric=\"%03d\" }'\n" "$m" "$m" "$m"
      else
        printf "  - name: m%03d\n    query: 'bench_metric_%03d{ {{ .Scope }} }'\n" "$m" "$m"
      fi
    done
  } > "$file"
}

# bench_judge NAME [CONFIG [ARG...]]: run `verdict judge` over CONFIG
# (default $tmp/canary.yaml) with the ARGs once, writing $tmp/report.json. Sets code (its exit code), wall (seconds, to the
# millisecond: /usr/bin/time's own figure has 10 ms steps, a twentieth of
# bench-prom's whole run), cpu (user + system seconds) and kb (peak RSS),
# both from /usr/bin/time -v. Exits the script when the judge fails with 2
# or 4.
bench_judge() {
  local name=$1 config=${2:-$tmp/canary.yaml} t0 t1
  shift $(($# < 2 ? $# : 2))
  set +e
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$tmp/time.txt" "$tmp/verdict" judge -c "$config" --output json "$@" >"$tmp/report.json" 2>"$tmp/judge.log"
  code=$?
  t1=$(date +%s%N)
  set -e
  if [ "$code" -eq 2 ] || [ "$code" -eq 4 ]; then
    echo "$name: verdict judge exited $code:" >&2; tail -5 "$tmp/judge.log" >&2; exit 1
  fi
  wall=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", d / 1e9}')
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time.txt")
}

# prom_cpu: Prometheus' CPU time so far, in seconds (utime + stime from
# /proc, in clock ticks).
prom_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$prom_pid/stat"
}
