package source

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Config says which bucket and prefix to read, how to reach S3 and which
// objects to keep.
type S3Config struct {
	// Bucket and Prefix name the objects to list (s3://Bucket/Prefix).
	Bucket, Prefix string
	// Conn says how to reach and sign in to S3.
	Conn S3Conn
	// Selection prunes the listing by time, region, account and shard.
	Selection Selection
	// MaxResumes bounds how often one object's download is resumed after
	// a dropped connection; zero means 5.
	MaxResumes int
	// Logger receives retries, resumes and pruning (debug); nil discards.
	// Credentials are never logged.
	Logger *slog.Logger
}

// S3 is a Source reading log objects from an S3 bucket or any
// S3-compatible server. Object.ID is s3://bucket/key and Object.Version the
// ETag; Open reads exactly that version. It is safe for concurrent use.
type S3 struct {
	client *s3.Client
	region string
	cfg    S3Config
	log    *slog.Logger

	listCalls  atomic.Int64
	listedKeys atomic.Int64
	getCalls   atomic.Int64
	resumes    atomic.Int64
}

var _ Source = (*S3)(nil)

// NewS3 connects to the bucket cfg names: it loads credentials through the
// AWS default chain (or cfg.Conn's provider), finds the bucket's region
// when it was not given, and checks the selection.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("source: s3: %w: no bucket", ErrS3URL)
	}
	if err := cfg.Selection.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, region, err := newS3Client(ctx, cfg.Bucket, cfg.Conn, log)
	if err != nil {
		return nil, err
	}
	if cfg.MaxResumes == 0 {
		cfg.MaxResumes = 5
	}
	return &S3{client: client, region: region, cfg: cfg, log: log}, nil
}

// ParseS3URL splits s3://bucket/prefix.
func ParseS3URL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("source: %w: %q does not start with s3://", ErrS3URL, u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("source: %w: %q names no bucket; want s3://bucket/prefix", ErrS3URL, u)
	}
	return bucket, prefix, nil
}

// Region returns the region the client signs for: the bucket's region
// when it was discovered.
func (s *S3) Region() string { return s.region }

// S3Stats counts a source's S3 calls.
type S3Stats struct {
	ListCalls  int64 // ListObjectsV2 calls
	ListedKeys int64 // keys and common prefixes those calls returned
	GetCalls   int64 // GetObject calls, resumes included (SDK retries not)
	Resumes    int64 // downloads resumed after a dropped connection
}

// Stats returns the calls made so far.
func (s *S3) Stats() S3Stats {
	return S3Stats{
		ListCalls:  s.listCalls.Load(),
		ListedKeys: s.listedKeys.Load(),
		GetCalls:   s.getCalls.Load(),
		Resumes:    s.resumes.Load(),
	}
}

// List walks the bucket below the prefix, listing only the folders the
// layout and selection leave in (see WalkLayout).
func (s *S3) List(ctx context.Context, fn func(Object) error) error {
	return WalkLayout(ctx, s, s.cfg.Prefix, s.cfg.Selection, s.log, func(o ListedObject, info KeyInfo) error {
		return fn(Object{
			ID:      "s3://" + s.cfg.Bucket + "/" + o.Key,
			Size:    o.Size,
			Version: o.ETag,
			ModTime: o.ModTime,
			Skip:    info.Skip,
		})
	})
}

// ListPage makes one ListObjectsV2 call (Lister).
func (s *S3) ListPage(ctx context.Context, req ListRequest) (ListPage, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(req.Prefix)}
	if req.Delimiter != "" {
		in.Delimiter = aws.String(req.Delimiter)
	}
	if req.StartAfter != "" {
		in.StartAfter = aws.String(req.StartAfter)
	}
	if req.Token != "" {
		in.ContinuationToken = aws.String(req.Token)
	}
	if req.MaxKeys > 0 {
		in.MaxKeys = aws.Int32(req.MaxKeys)
	}
	s.listCalls.Add(1)
	out, err := s.client.ListObjectsV2(ctx, in)
	if err != nil {
		return ListPage{}, s3Err("list", s.cfg.Bucket, req.Prefix, err)
	}
	p := ListPage{Objects: make([]ListedObject, 0, len(out.Contents))}
	for _, o := range out.Contents {
		p.Objects = append(p.Objects, ListedObject{
			Key:     aws.ToString(o.Key),
			Size:    aws.ToInt64(o.Size),
			ETag:    strings.Trim(aws.ToString(o.ETag), `"`),
			ModTime: aws.ToTime(o.LastModified).UTC(),
		})
	}
	for _, cp := range out.CommonPrefixes {
		p.Prefixes = append(p.Prefixes, aws.ToString(cp.Prefix))
	}
	s.listedKeys.Add(int64(len(p.Objects) + len(p.Prefixes)))
	if aws.ToBool(out.IsTruncated) {
		p.NextToken = aws.ToString(out.NextContinuationToken)
		if p.NextToken == "" {
			return ListPage{}, fmt.Errorf("source: s3: list s3://%s/%s: truncated page without a continuation token", s.cfg.Bucket, req.Prefix)
		}
	}
	return p, nil
}

// Open streams the object's content, pinned to the listed ETag: if the
// object changed since it was listed, Open or a later Read fails with
// ErrS3Changed rather than mixing two versions. A dropped connection is
// resumed with a Range request where it broke off. Throttling and server
// errors are retried with backoff by the SDK; an object that keeps failing
// returns the error, and ingest tries it again next run.
func (s *S3) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	bucket, key, err := ParseS3URL(o.ID)
	if err != nil {
		return nil, err
	}
	if bucket != s.cfg.Bucket {
		return nil, fmt.Errorf("source: s3: open %s: not in bucket %s", o.ID, s.cfg.Bucket)
	}
	r := &s3Body{s: s, ctx: ctx, bucket: bucket, key: key, etag: o.Version, size: -1}
	if err := r.get(0); err != nil {
		return nil, err
	}
	return r, nil
}

// retryPause is the pause before a resumed download: short, because the
// SDK already backs off on the GetObject itself.
func retryPause(n int) time.Duration {
	return min(time.Duration(n)*50*time.Millisecond, 500*time.Millisecond)
}
