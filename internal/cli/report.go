package cli

import (
	"context"
	"errors"
)

// runReport is being written.
func runReport(ctx context.Context, e *env, args []string) error {
	return errors.New("report: not implemented yet")
}
