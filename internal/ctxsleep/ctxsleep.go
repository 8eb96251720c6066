// Package ctxsleep holds the one context-aware sleep that the Prometheus
// source's retries and watch's checks use unless a test passes its own.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, whichever is first, and returns
// ctx's error if it is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
