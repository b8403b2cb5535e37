// Package source says where log objects come from: local files and folders,
// or S3 buckets. A Source lists objects and opens them; ingest decides what
// to do with them.
package source

import (
	"context"
	"io"
	"time"
)

// Object is one log object a source offers.
type Object struct {
	// ID names the object uniquely across sources: an absolute file path, or
	// s3://bucket/key. It is the manifest key and the rows' source_object.
	ID string
	// Size in bytes as stored (compressed size for .gz objects), or -1.
	Size int64
	// Version changes whenever the content does: the ETag for S3 objects,
	// size and modification time for files.
	Version string
	// ModTime is the object's modification time, when known.
	ModTime time.Time
	// Skip, when non-empty, says why the source decided not to read this
	// object (a CloudTrail digest file, say); ingest counts it as skipped
	// with this reason and never opens it.
	Skip string
}

// Source lists and opens log objects.
type Source interface {
	// List calls fn once for each object the source offers, in a stable
	// order, and stops at the first error fn returns.
	List(ctx context.Context, fn func(Object) error) error
	// Open returns the object's content as stored (gzip is undone by the
	// caller, which detects it from the magic bytes).
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}
