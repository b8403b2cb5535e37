package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Body streams one object and resumes it with a Range request when the
// connection drops mid-body. Every request carries If-Match with the
// listed ETag, so a resumed read never splices two versions together.
type s3Body struct {
	s           *S3
	ctx         context.Context
	bucket, key string
	etag        string
	body        io.ReadCloser
	off, size   int64 // bytes delivered; total size or -1
	resumes     int
	closed      bool
}

// get issues GetObject from offset off.
func (r *s3Body) get(off int64) error {
	in := &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String(r.key)}
	if r.etag != "" {
		in.IfMatch = aws.String(`"` + r.etag + `"`)
	}
	if off > 0 {
		in.Range = aws.String("bytes=" + strconv.FormatInt(off, 10) + "-")
	}
	r.s.getCalls.Add(1)
	out, err := r.s.client.GetObject(r.ctx, in)
	if err != nil {
		return s3Err("get", r.bucket, r.key, err)
	}
	if off == 0 && out.ContentLength != nil {
		r.size = *out.ContentLength
	}
	r.body = out.Body
	return nil
}

// Read reads from the body, resuming after a broken connection.
func (r *s3Body) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("source: s3: read s3://%s/%s: %w", r.bucket, r.key, io.ErrClosedPipe)
	}
	for {
		n, err := r.body.Read(p)
		r.off += int64(n)
		if err == io.EOF && r.size >= 0 && r.off < r.size {
			err = io.ErrUnexpectedEOF
		}
		if err == nil || err == io.EOF {
			return n, err
		}
		if cerr := r.ctx.Err(); cerr != nil {
			return n, fmt.Errorf("source: s3: read s3://%s/%s: %w", r.bucket, r.key, cerr)
		}
		if r.resumes >= r.s.cfg.MaxResumes || r.size >= 0 && r.off >= r.size {
			return n, fmt.Errorf("source: s3: read s3://%s/%s at byte %d (after %d resumes): %w; it is retried on the next run",
				r.bucket, r.key, r.off, r.resumes, err)
		}
		r.resumes++
		r.s.resumes.Add(1)
		r.s.log.Warn("s3 download interrupted; resuming", "object", "s3://"+r.bucket+"/"+r.key, "offset", r.off, "error", err.Error())
		r.body.Close()
		select {
		case <-time.After(retryPause(r.resumes)):
		case <-r.ctx.Done():
			return n, fmt.Errorf("source: s3: read s3://%s/%s: %w", r.bucket, r.key, r.ctx.Err())
		}
		if gerr := r.get(r.off); gerr != nil {
			r.body = io.NopCloser(eofReader{})
			r.resumes = r.s.cfg.MaxResumes
			return n, gerr
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Close releases the connection.
func (r *s3Body) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.body.Close()
}

// eofReader fails every read after a resume could not be started.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, errors.New("source: s3: download abandoned") }
