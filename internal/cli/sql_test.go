package cli_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/internal/cli"
)

var updateSQL = flag.Bool("update-sql", false, "rewrite the sql command's golden files")

// sqlLake writes a small lake of access-log lines for the sql command.
func sqlLake(tb testing.TB) string {
	tb.Helper()
	lake := tb.TempDir()
	i32 := func(v int32) *int32 { return &v }
	i64 := func(v int64) *int64 { return &v }
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	rows := []event.AccessLog{
		{Bucket: "acme-data", Time: t0, RemoteIP: "192.0.2.3", Requester: "arn:aws:iam::111122223333:user/alice",
			RequestID: "R1", Operation: "REST.GET.OBJECT", Key: "reports/q1.csv", HTTPStatus: i32(200), BytesSent: i64(2048)},
		{Bucket: "acme-data", Time: t0.Add(90 * time.Second), RemoteIP: "198.51.100.7", RequestID: "R2",
			Operation: "REST.GET.OBJECT", Key: "public/index.html", HTTPStatus: i32(403), ErrorCode: "AccessDenied"},
		{Bucket: "acme-logs", Time: t0.Add(time.Hour), RemoteIP: "203.0.113.9", Requester: "svc:delivery.logs.amazonaws.com",
			RequestID: "R3", Operation: "REST.PUT.OBJECT", Key: "AWSLogs/1.gz", HTTPStatus: i32(200), ObjectSize: i64(512)},
	}
	path := filepath.Join(lake, "s3_access_logs", "date=2024-05-01", "part-0.parquet")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := parquet.NewGenericWriter[event.AccessLog](f, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return lake
}

// runSQLCLI runs s3sift with args, stdin as standard input when not empty.
func runSQLCLI(tb testing.TB, stdin string, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	if stdin != "" {
		r, w, err := os.Pipe()
		if err != nil {
			tb.Fatal(err)
		}
		go func() { w.WriteString(stdin); w.Close() }()
		old := os.Stdin
		os.Stdin = r
		defer func() { os.Stdin = old; r.Close() }()
	}
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// checkGolden compares got with testdata/sql/name.golden (rewritten with
// -update-sql).
func checkGolden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", "sql", name+".golden")
	if *updateSQL {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update-sql to create it)", err)
	}
	if got != string(want) {
		tb.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestSQLCommand(t *testing.T) {
	lake := sqlLake(t)
	const rowsSQL = "SELECT bucket, key, http_status, error_code, time FROM s3_access_logs ORDER BY time"
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		golden bool     // compare stdout with testdata/sql/<name>.golden
		stderr []string // substrings stderr must hold
	}{
		{name: "csv-default", args: []string{"sql", "--lake", lake, rowsSQL}, golden: true},
		{name: "table", args: []string{"sql", "--lake", lake, "--format", "table", rowsSQL}, golden: true},
		{name: "json", args: []string{"sql", "--lake", lake, "--format", "json", rowsSQL}, golden: true},
		{name: "jsonl", args: []string{"sql", "--lake", lake, "--format", "jsonl", rowsSQL}, golden: true},
		{name: "flags-after-query", args: []string{"sql", "SELECT count(*) AS n FROM s3_requests", "--lake", lake, "--format", "json"}, golden: true},
		{name: "requests", args: []string{"sql", "--lake", lake, "--format", "table",
			"SELECT request_id, operation, action, principal_arn, principal_type, source FROM s3_requests ORDER BY request_id"}, golden: true},
		{name: "stdin", args: []string{"sql", "--lake", lake, "--format", "csv", "-"}, stdin: "SELECT key FROM s3_access_logs\nWHERE http_status >= 400\n", golden: true},
		{name: "empty-result", args: []string{"sql", "--lake", lake, "--format", "json", "SELECT * FROM cloudtrail"}, golden: true},
		{name: "bad-column", args: []string{"sql", "--lake", lake, "SELECT nope FROM s3_requests"}, code: 1,
			stderr: []string{"s3sift sql: Binder Error", "nope", "LINE 1"}},
		{name: "syntax-error", args: []string{"sql", "--lake", lake, "SELECT 1 FROM WHERE"}, code: 1,
			stderr: []string{"Parser Error", "line 1, column 15", "^"}},
		{name: "write-refused", args: []string{"sql", "--lake", lake, "COPY s3_access_logs TO 'x.csv'"}, code: 1,
			stderr: []string{"only read statements", "COPY"}},
		{name: "two-statements", args: []string{"sql", "--lake", lake, "SELECT 1; SELECT 2"}, code: 1,
			stderr: []string{"one statement at a time"}},
		{name: "missing-lake", args: []string{"sql", "--lake", filepath.Join(lake, "nope"), "SELECT 1"}, code: 1,
			stderr: []string{"lake folder does not exist"}},
		{name: "bad-flag", args: []string{"sql", "--nope", "SELECT 1"}, code: 2, stderr: []string{"flag provided but not defined"}},
		{name: "bad-format", args: []string{"sql", "--lake", lake, "--format", "xml", "SELECT 1"}, code: 2, stderr: []string{`unknown --format "xml"`}},
		{name: "no-query", args: []string{"sql", "--lake", lake}, code: 2, stderr: []string{"no query"}},
		{name: "help", args: []string{"sql", "--help"}, code: 0,
			stderr: []string{"-format", "-lake", "-threads", "s3_requests:", "principal_arn", "VARCHAR", "s3_access_logs:", "cloudtrail:", "rejects:", "s3_operations:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runSQLCLI(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.golden {
				checkGolden(t, tc.name, stdout)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr does not hold %q:\n%s", s, stderr)
				}
			}
			if tc.code != 0 && stdout != "" {
				t.Errorf("failed run printed to stdout:\n%s", stdout)
			}
		})
	}
}
