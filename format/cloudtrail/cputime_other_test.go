//go:build !unix

package cloudtrail_test

import (
	"testing"
	"time"
)

// cpuTime is not measured here; the benchmark then reports wall time only.
func cpuTime(testing.TB) time.Duration { return 0 }
