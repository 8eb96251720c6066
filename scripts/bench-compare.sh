#!/usr/bin/env bash
# bench-compare.sh times verdict's analysis.Compare against R's
# wilcox.test(c, b, conf.int = TRUE) and scipy.stats.mannwhitneyu (p-value
# only) on the same lognormal samples, 1k, 10k and 100k per side, and prints
# the figures side by side with the ratios. Each tool reads the same files.
#
# Times are per call: wall clock, and CPU time (user+system of the process),
# which is the fairer figure on a shared machine. Go runs with GOMAXPROCS=1.
#   scripts/bench-compare.sh            # all sizes
#   SIZES="10000" scripts/bench-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000 10000 100000"}
PY=/usr/bin/python3
command -v Rscript >/dev/null || { echo "bench-compare: Rscript missing (apt-get install r-base-core)" >&2; exit 1; }
$PY -c 'import scipy' 2>/dev/null || { echo "bench-compare: scipy missing (apt-get install python3-scipy)" >&2; exit 1; }

tmp=$(mktemp -d)
gotmp=$(mktemp -d -p . .bench-compare-XXXXXX) # inside the module, so it can import analysis
trap 'rm -rf "$tmp" "$gotmp"' EXIT

# the data: lognormal latencies, canary 5% slower, 17 significant digits
$PY - "$tmp" $SIZES <<'EOF'
import sys, numpy as np
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
rng = np.random.default_rng(20240601)
for n in sizes:
    np.savetxt(f"{out}/c{n}.txt", rng.lognormal(np.log(210), 0.3, n), fmt="%.17g")
    np.savetxt(f"{out}/b{n}.txt", rng.lognormal(np.log(200), 0.3, n), fmt="%.17g")
EOF

cat > "$gotmp/main.go" <<'EOF'
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/analysis"
)

func read(path string) []float64 {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var v []float64
	s := bufio.NewScanner(f)
	for s.Scan() {
		x, err := strconv.ParseFloat(s.Text(), 64)
		if err != nil {
			panic(err)
		}
		v = append(v, x)
	}
	return v
}

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	c, b := read(os.Args[1]), read(os.Args[2])
	// What one comparison allocates, measured before the loop: Compare
	// reuses pooled memory, so the loop's B/op is near zero.
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	if _, err := analysis.Compare(c, b, 0.95); err != nil {
		panic(err)
	}
	runtime.ReadMemStats(&m1)
	held := m1.TotalAlloc - m0.TotalAlloc
	var cpuNs float64
	r := testing.Benchmark(func(bb *testing.B) {
		bb.ReportAllocs()
		t0 := cpu()
		for bb.Loop() {
			if _, err := analysis.Compare(c, b, 0.95); err != nil {
				panic(err)
			}
		}
		cpuNs = float64(cpu()-t0) / float64(bb.N)
	})
	fmt.Printf("%d %.0f %d\n", r.NsPerOp(), cpuNs, held)
}
EOF
GOMAXPROCS=1 go build -o "$tmp/gobench" "./$gotmp"

row() { printf '%-7s %-34s %14s %14s %s\n' "$@"; }
row size tool "wall ns/op" "cpu ns/op" "notes"
for n in $SIZES; do
  c="$tmp/c$n.txt" b="$tmp/b$n.txt"
  read -r go_wall go_cpu go_bytes < <(GOMAXPROCS=1 "$tmp/gobench" "$c" "$b")
  reps=$(( n >= 100000 ? 1 : (n >= 10000 ? 3 : 20) ))
  read -r r_wall r_cpu < <(Rscript -e "
    c <- scan('$c', quiet = TRUE); b <- scan('$b', quiet = TRUE)
    invisible(wilcox.test(c, b, conf.int = TRUE))
    t <- system.time(for (i in 1:$reps) r <- wilcox.test(c, b, conf.int = TRUE))
    cat(sprintf('%.0f %.0f\n', t[['elapsed']] / $reps * 1e9, (t[['user.self']] + t[['sys.self']]) / $reps * 1e9))")
  read -r py_wall py_cpu < <($PY - "$c" "$b" <<'EOF'
import sys, time, numpy as np
from scipy.stats import mannwhitneyu
c, b = np.loadtxt(sys.argv[1]), np.loadtxt(sys.argv[2])
f = lambda: mannwhitneyu(c, b, alternative="two-sided")
f()
reps, t0, p0 = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - t0 < 1.0 or reps < 3:
    f(); reps += 1
print(f"{(time.perf_counter() - t0) / reps * 1e9:.0f} {(time.process_time() - p0) / reps * 1e9:.0f}")
EOF
)
  row "$n" "verdict analysis.Compare (Go)" "$go_wall" "$go_cpu" "U, p, HL estimate, 95% CI; one comparison allocates $go_bytes B ($(( go_bytes / (2 * n) )) B per value), reused by the next"
  row "$n" "R wilcox.test(conf.int=TRUE)" "$r_wall" "$r_cpu" "$reps reps; $(awk -v r="$r_cpu" -v g="$go_cpu" 'BEGIN{printf "Go is %.0fx faster (cpu)", r/g}')"
  row "$n" "scipy mannwhitneyu (p only)" "$py_wall" "$py_cpu" "$(awk -v p="$py_cpu" -v g="$go_cpu" 'BEGIN{printf "Go is %.1fx faster (cpu)", p/g}')"
done
