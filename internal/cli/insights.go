package cli

import (
	"context"
	"errors"
)

// runInsights is being written.
func runInsights(ctx context.Context, e *env, args []string) error {
	return errors.New("insights: not implemented yet")
}
