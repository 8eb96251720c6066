//go:build unix

package metrics

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) this process has used, 0 where
// getrusage is not available: the fast-path benchmarks report it per
// operation, steadier than wall time on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
