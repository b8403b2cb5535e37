package cli

import (
	"context"
	"errors"
	"flag"

	"github.com/s3sift/s3sift/source"
)

// s3Flags are the flags of commands that read from S3.
type s3Flags struct{}

// addS3Flags registers the S3 flags on fs.
func addS3Flags(fs *flag.FlagSet) *s3Flags { return &s3Flags{} }

// newS3Source returns the source for an s3:// argument.
func newS3Source(ctx context.Context, e *env, f *s3Flags, arg string) (source.Source, error) {
	return nil, errors.New("reading from s3:// is not implemented yet")
}
