//go:build unix

package judge

import "syscall"

// cpuNanos is the process's CPU time so far, user and system, in
// nanoseconds (0 when it cannot be read).
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
