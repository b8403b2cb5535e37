package s3test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Seed stores many objects fast by writing them straight into the posix
// backend: one file per object, the ETag in the user.etag extended
// attribute, as versitygw itself stores them. The bucket must exist. It
// checks one object through the S3 API, so a versitygw that stores
// objects differently fails the test instead of misleading it.
func (s *Server) Seed(tb testing.TB, bucket string, objects map[string][]byte) {
	tb.Helper()
	root := filepath.Join(s.Dir, bucket)
	var probe, probeTag string
	for key, body := range objects {
		if strings.HasSuffix(key, "/") || strings.Contains(key, "..") {
			tb.Fatalf("s3test: seed: key %q cannot be seeded; use Put", key)
		}
		path := filepath.Join(root, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("s3test: seed: %v", err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			tb.Fatalf("s3test: seed: %v", err)
		}
		sum := md5.Sum(body)
		etag := hex.EncodeToString(sum[:])
		if err := syscall.Setxattr(path, "user.etag", []byte(`"`+etag+`"`), 0); err != nil {
			tb.Fatalf("s3test: seed %s: set ETag attribute: %v (the temporary folder's file system needs user extended attributes)", key, err)
		}
		probe, probeTag = key, etag
	}
	if probe == "" {
		return
	}
	out, err := s.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(probe)})
	if err != nil {
		tb.Fatalf("s3test: seed: head seeded object %s: %v", probe, err)
	}
	if got := strings.Trim(aws.ToString(out.ETag), `"`); got != probeTag {
		tb.Fatalf("s3test: seed: versitygw reports ETag %q for seeded object %s, want %q; use PutAll", got, probe, probeTag)
	}
}
