package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/s3sift/s3sift/internal/s3test"
	"github.com/s3sift/s3sift/source"
)

// bigLog is an access log large enough that a dropped connection breaks
// it off in the middle.
func bigLog(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	t := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; b.Len() < n; i++ {
		b.Write(genObj{key: fmt.Sprintf("k%06d", i), t: t.Add(time.Duration(i) * time.Second)}.body(tb))
	}
	return b.Bytes()
}

// oneObject returns a fixture whose bucket holds one big access log, and
// its listed object.
func oneObject(t *testing.T) (*fixture, *source.S3, source.Object, []byte) {
	t.Helper()
	hermetic(t)
	f := &fixture{srv: s3test.Start(t), bucket: "logs"}
	f.proxy = s3test.NewProxy(t, f.srv)
	f.srv.CreateBucket(t, f.bucket)
	body := bigLog(t, 256<<10)
	const key = "logs/2024-03-01-00-00-00-0123456789ABCDEF"
	f.srv.Put(t, f.bucket, key, body)
	s := f.source(t, "logs/", source.Selection{})
	objs := list(t, s)
	if len(objs) != 1 {
		t.Fatalf("listed %d objects, want 1", len(objs))
	}
	return f, s, objs[0], body
}

func TestS3Faults(t *testing.T) {
	const key = "logs/2024-03-01-00-00-00-0123456789ABCDEF"
	tests := []struct {
		fault       s3test.Fault
		times       int
		wantErr     error // nil: the read succeeds
		wantGets    int
		wantResumes int64
	}{
		{s3test.SlowDown, 2, nil, 3, 0},
		{s3test.InternalErr, 3, nil, 4, 0},
		{s3test.Drop, 1, nil, 2, 1},
		{s3test.Drop, 3, nil, 4, 3},
		{s3test.AccessDenied, 1, source.ErrS3AccessDenied, 1, 0},
		{s3test.Archived, 1, errArchived, 1, 0},
		// MaxAttempts is 4 in these tests: the SDK gives up after 4.
		{s3test.InternalErr, -1, errAny, 4, 0},
		{s3test.SlowDown, -1, errAny, 4, 0},
		// MaxResumes is 5: the first GET and 5 resumes.
		{s3test.Drop, -1, errAny, 6, 5},
	}
	f, _, obj, body := oneObject(t)
	for _, tt := range tests {
		name := fmt.Sprintf("%v×%d", tt.fault, tt.times)
		s := f.source(t, "logs/", source.Selection{})
		f.proxy.ResetStats()
		f.proxy.Inject(f.bucket, key, tt.fault, tt.times)
		got, err := readAll(t, s, obj)
		f.proxy.Inject(f.bucket, key, 0, 0)
		switch {
		case tt.wantErr == nil && err != nil:
			t.Errorf("%s: read: %v", name, err)
		case tt.wantErr == nil && !bytes.Equal(got, body):
			t.Errorf("%s: read %d bytes, want %d, equal to what was stored", name, len(got), len(body))
		case tt.wantErr != nil && err == nil:
			t.Errorf("%s: read succeeded, want an error", name)
		case tt.wantErr == errArchived && (errors.Is(err, source.ErrS3AccessDenied) || !strings.Contains(err.Error(), "restore it")):
			t.Errorf("%s: error %v, want one saying to restore the object", name, err)
		case tt.wantErr != nil && tt.wantErr != errAny && tt.wantErr != errArchived && !errors.Is(err, tt.wantErr):
			t.Errorf("%s: error %v, want %v", name, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "s3://logs/"+key) {
			t.Errorf("%s: error %q does not name s3://logs/%s", name, err, key)
		}
		if st := f.proxy.Stats(); st.Gets["logs/"+key] != tt.wantGets {
			t.Errorf("%s: %d GET requests, want %d", name, st.Gets["logs/"+key], tt.wantGets)
		}
		if got := s.Stats().Resumes; got != tt.wantResumes {
			t.Errorf("%s: %d resumes, want %d", name, got, tt.wantResumes)
		}
	}
	checkNoSecret(t, f.srv.SecretKey, f.logs.String())
}

// errAny stands for any error in test tables, errArchived for the error
// about an archived object.
var (
	errAny      = errors.New("any error")
	errArchived = errors.New("archived")
)

func TestS3AccessDeniedNamesBucketAndKey(t *testing.T) {
	f, s, obj, _ := oneObject(t)
	const key = "logs/2024-03-01-00-00-00-0123456789ABCDEF"
	f.proxy.Inject(f.bucket, key, s3test.AccessDenied, -1)
	_, err := readAll(t, s, obj)
	if !errors.Is(err, source.ErrS3AccessDenied) {
		t.Fatalf("error %v, want ErrS3AccessDenied", err)
	}
	var se *source.S3Error
	if !errors.As(err, &se) || se.Bucket != "logs" || se.Key != key || se.Code != "AccessDenied" || se.Status != 403 {
		t.Fatalf("error %#v, want an S3Error for logs/%s with code AccessDenied and status 403", se, key)
	}
	for _, want := range []string{"s3://logs/" + key, "AccessDenied", "s3:GetObject"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestS3ETagPinned(t *testing.T) {
	f, s, obj, body := oneObject(t)
	const key = "logs/2024-03-01-00-00-00-0123456789ABCDEF"

	// Rewritten after listing and before reading: the listed version is
	// gone, and reading says so rather than read the new one.
	f.srv.Put(t, f.bucket, key, append(body, "more\n"...))
	if _, err := readAll(t, s, obj); !errors.Is(err, source.ErrS3Changed) {
		t.Errorf("read after rewrite: error %v, want ErrS3Changed", err)
	}

	// Rewritten while a dropped download waits to resume: the resume must
	// not splice the new version onto the old one.
	objs := list(t, s)
	if len(objs) != 1 || objs[0].Version == obj.Version {
		t.Fatalf("after rewrite listed %+v, want one object with a new version", objs)
	}
	f.proxy.Inject(f.bucket, key, s3test.Drop, 1)
	rc, err := s.Open(context.Background(), objs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f.srv.Put(t, f.bucket, key, body)
	if _, err := io.ReadAll(rc); !errors.Is(err, source.ErrS3Changed) {
		t.Errorf("resume after rewrite: error %v, want ErrS3Changed", err)
	}
}

func TestS3Credentials(t *testing.T) {
	hermetic(t)
	srv := s3test.Start(t)
	srv.CreateBucket(t, "logs")
	srv.Put(t, "logs", "logs/2024-03-01-00-00-00-0123456789ABCDEF", []byte("x\n"))
	dir := t.TempDir()
	credFile := filepath.Join(dir, "credentials")
	profiles := fmt.Sprintf("[audit]\naws_access_key_id = %s\naws_secret_access_key = %s\n", srv.AccessKey, srv.SecretKey)
	if err := os.WriteFile(credFile, []byte(profiles), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tests := []struct {
		name    string
		env     map[string]string
		conn    source.S3Conn
		wantErr string // "" for success
	}{
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey, "AWS_ENDPOINT_URL": srv.URL, "AWS_REGION": srv.Region}, source.S3Conn{}, ""},
		{"environment", map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey}, source.S3Conn{}, ""},
		{"profile", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": credFile}, source.S3Conn{Profile: "audit"}, ""},
		{"AWS_PROFILE", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": credFile, "AWS_PROFILE": "audit"}, source.S3Conn{}, ""},
		{"missing profile", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": credFile}, source.S3Conn{Profile: "nosuch"}, "nosuch"},
		{"wrong secret", nil, source.S3Conn{Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, "wrong-"+srv.SecretKey, "")}, "credentials are not valid"},
		{"no credentials", nil, source.S3Conn{}, "no usable AWS credentials"},
		{"unknown key", nil, source.S3Conn{Credentials: credentials.NewStaticCredentialsProvider("AKIANOSUCHKEY", srv.SecretKey, "")}, "s3://logs/"},
	}
	for _, tt := range tests {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		conn := tt.conn
		conn.MaxAttempts = 2
		// The endpoint comes from the conn, or from AWS_ENDPOINT_URL.
		if _, envURL := tt.env["AWS_ENDPOINT_URL"]; !envURL {
			conn.EndpointURL, conn.Region = srv.URL, srv.Region
		}
		s, err := source.NewS3(context.Background(), source.S3Config{Bucket: "logs", Conn: conn, Logger: log})
		var objs []source.Object
		if err == nil {
			err = s.List(context.Background(), func(o source.Object) error {
				objs = append(objs, o)
				return nil
			})
		}
		for k := range tt.env {
			t.Setenv(k, "")
		}
		if tt.wantErr == "" {
			if err != nil || len(objs) != 1 {
				t.Errorf("%s: listed %d objects, error %v; want 1 object", tt.name, len(objs), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.wantErr)
			continue
		}
		checkNoSecret(t, srv.SecretKey, err.Error())
	}
	checkNoSecret(t, srv.SecretKey, logs.String())
}

func TestS3DiscoversBucketRegion(t *testing.T) {
	hermetic(t)
	srv := s3test.Start(t, s3test.Options{Region: "eu-central-1"})
	srv.CreateBucket(t, "logs")
	s, err := source.NewS3(context.Background(), source.S3Config{Bucket: "logs",
		Conn: source.S3Conn{EndpointURL: srv.URL, Credentials: srv.Credentials(), MaxAttempts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Region(); got != "eu-central-1" {
		t.Errorf("Region() = %q, want eu-central-1", got)
	}
	if err := s.List(context.Background(), func(source.Object) error { return nil }); err != nil {
		t.Errorf("List after discovery: %v", err)
	}
}

// checkNoSecret fails when text contains the secret key or any long
// piece of it.
func checkNoSecret(t *testing.T, secret, text string) {
	t.Helper()
	if text == "" {
		return
	}
	for i := 0; i+12 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+12]) {
			t.Errorf("output contains the secret key (%q…)", secret[i:i+12])
			return
		}
	}
}
