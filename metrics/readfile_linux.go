//go:build linux

package metrics

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// readOutsideHeap reads the whole file f of size bytes into anonymous
// memory mapped for it (the kernel populates its pages at once) and returns
// the bytes with the function that unmaps them. A recording's text is
// garbage once decoded and as large as the decoded points: outside the Go
// heap it costs no collection to hand back (os.ReadFile's buffer took a
// forced GC that marks every decoded point, and new page faults when the
// judge grew into it again: docs/performance.md). Nothing decoded refers to
// the bytes: strings are copies.
func readOutsideHeap(f *os.File, size int64) ([]byte, func(), error) {
	if size <= 0 || size > MaxRecordingSize {
		return readInHeap(f, size)
	}
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		return readInHeap(f, size)
	}
	release := func() { syscall.Munmap(b) }
	if _, err := io.ReadFull(f, b); err != nil {
		release()
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("changed while being read: shorter than its %d bytes at the start", size)
		}
		return nil, nil, err
	}
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		release()
		return nil, nil, fmt.Errorf("changed while being read: longer than its %d bytes at the start", size)
	}
	return b, release, nil
}
