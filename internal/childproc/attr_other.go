//go:build !unix

package childproc

import "syscall"

func attr() *syscall.SysProcAttr { return nil }
