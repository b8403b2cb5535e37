//go:build unix

package cloudtrail_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used (all threads).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
