#!/usr/bin/env bash
# bench-watch.sh: simulated 30-minute rollouts (15 s points, a latency series
# and an error ratio, both critical, checked every minute) replayed through
# verdict watch's loop (judge.Watch) and, beside it, a naive loop that runs the
# fixed-horizon judge every minute and stops at its first abort. Prints, per
# scenario, how often each promotes and aborts and the median time to abort.
#   scripts/bench-watch.sh              # 200 rollouts per scenario
#   scripts/bench-watch.sh -runs 1000
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./scripts/benchwatch "$@"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
