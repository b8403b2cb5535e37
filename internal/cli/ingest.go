package cli

import (
	"context"
	"errors"
)

// runIngest is being written.
func runIngest(ctx context.Context, e *env, args []string) error {
	return errors.New("ingest: not implemented yet")
}
