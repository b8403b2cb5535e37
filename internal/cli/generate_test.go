package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/cli"
)

// runGenCLI runs s3sift with args and returns its exit code and output.
func runGenCLI(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestGenerateCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	truthFile := filepath.Join(dir, "truth.json")
	code, stdout, stderr := runGenCLI(t, "generate", "--seed", "5", "--days", "1", "--requests", "500", out, "--truth", truthFile)
	if code != 0 {
		t.Fatalf("generate exit %d, stderr:\n%s", code, stderr)
	}
	want, err := gen.Generate(t.TempDir(), gen.Config{Seed: 5, Days: 1, RequestsPerDay: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"wrote " + out, "(seed 5, 2024-11-04 to 2024-11-04)"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	var got struct {
		Requests int64 `json:"requests"`
		Rows     gen.Rows
	}
	data, err := os.ReadFile(truthFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("truth file: %v", err)
	}
	if got.Requests != want.Requests || got.Rows != want.Rows {
		t.Errorf("truth file: %d requests, rows %+v; the same config in Go gives %d, %+v", got.Requests, got.Rows, want.Requests, want.Rows)
	}
	if _, err := os.Stat(filepath.Join(out, "s3-access", gen.BucketProd)); err != nil {
		t.Errorf("no access logs of %s: %v", gen.BucketProd, err)
	}
	if _, err := os.Stat(filepath.Join(out, "cloudtrail", "AWSLogs", gen.Account, "CloudTrail", gen.RegionUSEast1)); err != nil {
		t.Errorf("no CloudTrail of %s: %v", gen.RegionUSEast1, err)
	}
}

func TestGenerateOnly(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := runGenCLI(t, "generate", "--days", "1", "--requests", "200", "--only", "cloudtrail", out); code != 0 {
		t.Fatalf("generate exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "s3-access")); !os.IsNotExist(err) {
		t.Errorf("--only cloudtrail wrote access logs (stat: %v)", err)
	}
	if _, err := os.Stat(filepath.Join(out, "cloudtrail")); err != nil {
		t.Errorf("--only cloudtrail wrote no CloudTrail: %v", err)
	}
}

func TestGenerateUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no outdir", []string{"generate"}, "want exactly one OUTDIR"},
		{"two outdirs", []string{"generate", "a", "b"}, "want exactly one OUTDIR"},
		{"bad scale", []string{"generate", "--scale", "huge", "x"}, "--scale must be"},
		{"bad only", []string{"generate", "--only", "vpc", "x"}, "--only must be"},
		{"bad start", []string{"generate", "--start", "yesterday", "x"}, "--start must be"},
		{"negative days", []string{"generate", "--days", "-1", "x"}, "--days must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runGenCLI(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
