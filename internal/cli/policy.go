package cli

import (
	"context"
	"errors"
)

// runPolicy is being written.
func runPolicy(ctx context.Context, e *env, args []string) error {
	return errors.New("policy: not implemented yet")
}
