//go:build unix

package lake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"
)

// acquireLock takes an exclusive flock on path, waiting while another
// process holds it. The kernel drops the lock when the process dies, so a
// killed ingest never leaves the lake locked.
func acquireLock(ctx context.Context, path string, logger *slog.Logger) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lake: opening lock %s: %w", path, err)
	}
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lake: locking %s: %w", path, err)
		}
		if !logged {
			logger.Info("waiting for another s3sift writing to this lake", "lock", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lake: waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func releaseLock(f *os.File) error {
	// Closing the descriptor releases the flock.
	return f.Close()
}
