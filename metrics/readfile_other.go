//go:build !linux

package metrics

import "os"

// readOutsideHeap is readInHeap where anonymous mappings are not used.
func readOutsideHeap(f *os.File, size int64) ([]byte, func(), error) { return readInHeap(f, size) }
