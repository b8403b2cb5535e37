// Package s3test runs a real S3 server for tests: versitygw with its posix
// backend in a temporary folder on 127.0.0.1, plus helpers to fill buckets
// and a proxy that counts requests and injects faults.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server is a running versitygw.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:<port>.
	URL string
	// AccessKey and SecretKey sign requests; the secret is random per
	// server, so tests can check it never leaks into output.
	AccessKey, SecretKey string
	// Region is the region the server answers for.
	Region string
	// Dir is the posix backend's root: one folder per bucket.
	Dir string

	client *s3.Client
}

// Options tune a server.
type Options struct {
	// Region defaults to us-east-1.
	Region string
}

// Binary returns the path of versitygw: on PATH, or in $(go env GOPATH)/bin.
func Binary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.SplitList(strings.TrimSpace(string(out)))...)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.SplitList(gp)...)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bin", "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("s3test: versitygw not found on PATH or in $(go env GOPATH)/bin; run ./test.sh, which installs it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
}

// Start starts versitygw and stops it when the test ends. A missing
// binary fails the test: the S3 tests are part of the suite.
func Start(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	bin, err := Binary()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{
		AccessKey: "S3SIFTTEST" + strings.ToUpper(randHex(5)),
		SecretKey: "secret-" + randHex(16),
		Region:    o.Region,
		Dir:       tb.TempDir(),
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = s.start(tb, bin); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		tb.Fatalf("s3test: start versitygw: %v", lastErr)
	}
	s.client = s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  s.Credentials(),
		// Checksums in aws-chunked trailers cost more than they check on
		// loopback; tests fill buckets fast.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		HTTPClient:                 &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
	})
	return s
}

// start runs the binary on a free port and waits until it answers.
func (s *Server) start(tb testing.TB, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// --keep-alive: S3 keeps connections open, and the benchmarks should
	// measure the same.
	cmd := exec.Command(bin, "--port", addr, "--region", s.Region, "--quiet", "--keep-alive", "posix", s.Dir)
	// The keys go through the environment, not the command line, where
	// any process could read them.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	url := "http://" + addr
	if err := waitReady(url, done); err != nil {
		cmd.Process.Kill()
		return fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	s.URL = url
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return nil
}

// waitReady polls url until any HTTP answer comes back.
func waitReady(url string, exited <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited: %v", err)
		default:
		}
		resp, err := client.Get(url + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("versitygw did not answer within 15s")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Credentials returns a provider of the server's keys.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, "")
}

// Client returns a client talking to the server directly.
func (s *Server) Client() *s3.Client { return s.client }

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(tb testing.TB, bucket string) {
	tb.Helper()
	_, err := s.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil {
		tb.Fatalf("s3test: create bucket %s: %v", bucket, err)
	}
}

// Put stores one object and returns its ETag without quotes.
func (s *Server) Put(tb testing.TB, bucket, key string, body []byte) string {
	tb.Helper()
	out, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		tb.Fatalf("s3test: put s3://%s/%s: %v", bucket, key, err)
	}
	return strings.Trim(aws.ToString(out.ETag), `"`)
}

// PutAll stores many objects with a few uploads in flight at once.
func (s *Server) PutAll(tb testing.TB, bucket string, objects map[string][]byte) {
	tb.Helper()
	type job struct {
		key  string
		body []byte
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				_, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(j.key), Body: bytes.NewReader(j.body),
				})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("put s3://%s/%s: %w", bucket, j.key, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for k, b := range objects {
		jobs <- job{k, b}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		tb.Fatalf("s3test: %v", firstErr)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
