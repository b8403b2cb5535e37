package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/internal/cli"
	"github.com/s3sift/s3sift/internal/s3test"
)

// s3Env points the AWS default chain at srv's keys and nothing else.
func s3Env(t *testing.T, srv *s3test.Server) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_SESSION_TOKEN": "", "AWS_ENDPOINT_URL": "",
		"AWS_ENDPOINT_URL_S3": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey,
	} {
		t.Setenv(k, v)
	}
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestIngestS3(t *testing.T) {
	srv := s3test.Start(t)
	s3Env(t, srv)
	srv.CreateBucket(t, "trail")
	line := "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket [01/Mar/2024:10:00:00 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT k \"GET /amzn-s3-demo-bucket/k HTTP/1.1\" 200 - 10 10 7 - \"-\" \"curl/8\" - host= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com TLSv1.2 - -\n"
	srv.Seed(t, "trail", map[string][]byte{
		"logs/2024-03-01-10-05-00-0000000000000001": []byte(line),
		"logs/2024-03-01-11-05-00-0000000000000002": []byte(line),
		"logs/2024-03-09-11-05-00-0000000000000003": []byte(line),
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240301T100000Z.json.gz": []byte("not read"),
	})
	lake := t.TempDir()
	base := []string{"ingest", "--lake", lake, "--endpoint-url", srv.URL, "--format", "json", "--progress", "never"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     int64 // objects ingested
	}{
		{"one day", []string{"s3://trail/logs/", "--since", "2024-03-01", "--until", "2024-03-02"}, 0, 2},
		{"again", []string{"s3://trail/logs/", "--since", "2024-03-01", "--until", "2024-03-02"}, 0, 0},
		{"shard 0/1 rest", []string{"s3://trail/", "--shard", "0/1", "--region", srv.Region}, 0, 1},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(append(base, tt.args...)...)
		if code != tt.wantCode {
			t.Fatalf("%s: exit %d, want %d; stderr:\n%s", tt.name, code, tt.wantCode, stderr)
		}
		var sum struct {
			Objects int64 `json:"objects"`
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("%s: stdout is not the JSON summary: %v\n%s", tt.name, err, stdout)
		}
		if sum.Objects != tt.want {
			t.Errorf("%s: ingested %d objects, want %d\n%s", tt.name, sum.Objects, tt.want, stdout)
		}
		for _, out := range []string{stdout, stderr} {
			if strings.Contains(out, srv.SecretKey) {
				t.Errorf("%s: output contains the secret key", tt.name)
			}
		}
	}
}

func TestIngestS3Errors(t *testing.T) {
	srv := s3test.Start(t)
	s3Env(t, srv)
	srv.CreateBucket(t, "trail")
	lake := t.TempDir()
	base := []string{"ingest", "--lake", lake, "--endpoint-url", srv.URL, "--progress", "never"}
	tests := []struct {
		args     []string
		wantCode int
		want     string // in stderr
	}{
		{[]string{"s3://trail/", "--shard", "2/2"}, 2, "--shard wants i/n"},
		{[]string{"s3://trail/", "--shard", "x"}, 2, "--shard wants i/n"},
		{[]string{"s3://trail/", "--since", "yesterday"}, 2, `"yesterday"`},
		{[]string{"s3://trail/", "--since", "2024-03-02", "--until", "2024-03-01"}, 2, "before --since"},
		{[]string{"s3://trail/", "--account", "12345"}, 2, "12-digit"},
		{[]string{"s3://trail/", "--delivery-slack", "-1h"}, 2, "--delivery-slack"},
		{[]string{"s3:///nobucket"}, 2, "names no bucket"},
		{[]string{"s3://no-such-bucket/logs/"}, 1, "s3://no-such-bucket/logs/"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(append(base, tt.args...)...)
		if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.wantCode, tt.want)
		}
		if strings.Contains(stderr, srv.SecretKey) {
			t.Errorf("%v: stderr contains the secret key", tt.args)
		}
	}
}
