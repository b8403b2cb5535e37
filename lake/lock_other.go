//go:build !unix

package lake

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// acquireLock opens the lock file. Without flock (non-Unix systems) two
// concurrent writers are not kept apart: run one ingest per lake at a time.
func acquireLock(ctx context.Context, path string, logger *slog.Logger) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lake: opening lock %s: %w", path, err)
	}
	return f, nil
}

func releaseLock(f *os.File) error { return f.Close() }
