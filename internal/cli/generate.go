package cli

import (
	"context"
	"errors"
)

// runGenerate is being written.
func runGenerate(ctx context.Context, e *env, args []string) error {
	return errors.New("generate: not implemented yet")
}
