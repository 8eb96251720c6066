// Package childproc holds how the test harnesses (internal/promtest,
// internal/lab) start the servers and services they run as child processes.
package childproc

import "syscall"

// Attr is the SysProcAttr for such a child: its own process group, so a
// Ctrl-C in the terminal reaches only the test binary, which then stops its
// children in order; and, on Linux, SIGKILL to the child when the test
// binary dies without that chance (SIGKILL, a crash, `go test`'s -timeout
// panic), so no Prometheus or service is left running after it. nil where
// neither exists.
//
// Linux sends the parent-death signal when the thread that started the
// child ends, not the process. Go ends a thread only when a goroutine that
// locked it with runtime.LockOSThread returns still locked; the harnesses
// start children from ordinary goroutines, whose threads last as long as
// the process.
func Attr() *syscall.SysProcAttr { return attr() }
