package cli

import (
	"context"
	"errors"
)

// runSQL is being written.
func runSQL(ctx context.Context, e *env, args []string) error {
	return errors.New("sql: not implemented yet")
}
