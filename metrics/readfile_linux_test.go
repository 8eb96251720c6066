//go:build linux

package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadOutsideHeapFileChanged: a recording that grows or shrinks between
// the size ReadRecording saw and the read is one clear error, never a
// truncated or partial text decoded as if whole.
func TestReadOutsideHeapFileChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recording.json")
	text := []byte(`{"version": 1}` + "\n")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(size int64) ([]byte, error) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, release, err := readOutsideHeap(f, size)
		if err != nil {
			return nil, err
		}
		defer release()
		return append([]byte(nil), b...), nil
	}
	n := int64(len(text))
	if b, err := read(n); err != nil || string(b) != string(text) {
		t.Fatalf("unchanged file: %q, %v; want the file's bytes", b, err)
	}
	for _, c := range []struct {
		size int64
		want string
	}{
		{n + 10, "changed while being read: shorter than its"}, // it shrank after the size was taken
		{n - 5, "changed while being read: longer than its"},   // it grew
	} {
		b, err := read(c.size)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("size %d of a %d-byte file: %q, %v; want one line with %q", c.size, n, b, err, c.want)
		}
	}
}
