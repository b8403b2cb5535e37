//go:build !linux

package s3test

import "testing"

// Seed stores many objects; outside Linux it uploads them with PutAll.
func (s *Server) Seed(tb testing.TB, bucket string, objects map[string][]byte) {
	tb.Helper()
	s.PutAll(tb, bucket, objects)
}
