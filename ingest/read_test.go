package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/source"
)

// TestReadStopsAtEnd reads objects from a source that counts the reads
// made after it said io.EOF: each is a system call for a file, and the
// buffers between the source and the decoder used to ask again.
func TestReadStopsAtEnd(t *testing.T) {
	line := `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-west-1` + "\n"
	plain := []byte(line + line + line)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	tests := []struct {
		name    string
		content []byte
		rows    int64
	}{
		{"plain", plain, 3},
		{"gzip", gz.Bytes(), 3},
		{"empty", nil, 0},
		{"not a log", []byte("hello\n"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &eofSource{content: tt.content, objects: 5}
			sum := run(t, t.TempDir(), ingest.Config{}, src)
			if got, want := sum.Rows["s3_access_logs"], tt.rows*int64(src.objects); got != want {
				t.Errorf("rows = %d, want %d", got, want)
			}
			if src.afterEOF != 0 {
				t.Errorf("%d reads after io.EOF, want 0", src.afterEOF)
			}
		})
	}
}

// eofSource offers objects with the same content and counts the reads
// made after a reader returned io.EOF.
type eofSource struct {
	content []byte
	objects int

	mu       sync.Mutex
	afterEOF int
}

func (s *eofSource) List(ctx context.Context, fn func(source.Object) error) error {
	for i := range s.objects {
		if err := fn(source.Object{ID: fmt.Sprintf("mem://%d", i), Size: int64(len(s.content)), Version: "1"}); err != nil {
			return err
		}
	}
	return nil
}

func (s *eofSource) Open(ctx context.Context, o source.Object) (io.ReadCloser, error) {
	return &eofReader{r: bytes.NewReader(s.content), s: s}, nil
}

type eofReader struct {
	r   io.Reader
	s   *eofSource
	eof bool
}

func (r *eofReader) Read(p []byte) (int, error) {
	if r.eof {
		r.s.mu.Lock()
		r.s.afterEOF++
		r.s.mu.Unlock()
	}
	n, err := r.r.Read(p)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

func (r *eofReader) Close() error { return nil }
