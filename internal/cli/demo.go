package cli

import (
	"context"
	"errors"
)

// runDemo is being written.
func runDemo(ctx context.Context, e *env, args []string) error {
	return errors.New("demo: not implemented yet")
}
