package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
	"github.com/s3sift/s3sift/internal/cli"
)

// insightsLake writes the insights test events (CloudTrail) into a lake
// laid out as the query package reads it, and returns its folder.
func insightsLake(tb testing.TB) string {
	tb.Helper()
	f, err := os.Open("../../insights/exec/testdata/events/trail.json")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows []event.CloudTrail
	_, err = cloudtrail.Decode(f, "trail.json", func(r *event.CloudTrail) error {
		rows = append(rows, *r)
		return nil
	}, func(r *event.Reject) error {
		tb.Errorf("reject: %s", r.Reason)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	lake := tb.TempDir()
	dir := filepath.Join(lake, "cloudtrail", "date=2024-03-01", "region=us-east-1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "part-0.parquet"))
	if err != nil {
		tb.Fatal(err)
	}
	w := parquet.NewGenericWriter[event.CloudTrail](out)
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return lake
}

func TestInsightsCommand(t *testing.T) {
	lake := insightsLake(t)
	queryFile := filepath.Join(t.TempDir(), "q.insights")
	if err := os.WriteFile(queryFile, []byte("filter eventName == \"PutObject\"\n| stats count(*) as n by requestParameters.bucketName\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const byBucket = `filter eventSource == "s3.amazonaws.com" | stats count(*) as n by requestParameters.bucketName`
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string   // exact, when set
		contains   []string // in stdout
		stderrHas  []string
		stdoutNone bool
	}{
		{
			name:   "csv",
			args:   []string{"insights", "--lake", lake, "--format", "csv", byBucket},
			stdout: "requestParameters.bucketName,n\ndata-lake,7\nreports,1\nweb-assets,2\n",
		},
		{
			name:   "jsonl with flags after the query",
			args:   []string{"insights", byBucket, "--lake", lake, "--format", "jsonl"},
			stdout: "{\"requestParameters.bucketName\":\"data-lake\",\"n\":7}\n{\"requestParameters.bucketName\":\"reports\",\"n\":1}\n{\"requestParameters.bucketName\":\"web-assets\",\"n\":2}\n",
		},
		{
			name:     "table",
			args:     []string{"insights", "--lake", lake, "--format", "table", byBucket},
			contains: []string{"requestParameters.bucketName  n\n", "data-lake                     7\n"},
		},
		{
			name:   "time range",
			args:   []string{"insights", "--lake", lake, "--format", "csv", "--since", "2024-03-01T12:00:00Z", "--until", "2024-03-01T13:00:00Z", "fields eventName | sort @timestamp"},
			stdout: "eventName\nDeleteObject\nGetObject\n",
		},
		{
			name:   "query from a file",
			args:   []string{"insights", "--lake", lake, "--format", "csv", "-f", queryFile},
			stdout: "requestParameters.bucketName,n\ndata-lake,2\n",
		},
		{
			name:     "explain",
			args:     []string{"insights", "--explain", "--table", "s3_access_logs", "filter http_status >= 400 | stats count(*) by bin(1h), bucket"},
			contains: []string{`SELECT time_bucket(to_hours(1), "time", TIMESTAMP '1970-01-01') AS "bin(1h)"`, `FROM "s3_access_logs" WHERE ("http_status" >= 400)`},
		},
		{
			name:       "syntax error with a caret",
			args:       []string{"insights", "--lake", lake, "fields eventName\n| filter eventName === \"x\""},
			code:       1,
			stderrHas:  []string{"s3sift insights: 2:22: expected a field, value or function, found \"=\"", "  2 | | filter eventName === \"x\"\n    |                      ^\n"},
			stdoutNone: true,
		},
		{
			name:       "unknown field",
			args:       []string{"insights", "--lake", lake, "--table", "s3_access_logs", "stats count(*) by httpStatus"},
			code:       1,
			stderrHas:  []string{`did you mean "http_status"?`, "^^^^^^^^^^"},
			stdoutNone: true,
		},
		{name: "no query", args: []string{"insights", "--lake", lake}, code: 2, stderrHas: []string{"no query"}},
		{name: "bad table", args: []string{"insights", "--table", "s3", "fields a"}, code: 2, stderrHas: []string{`unknown --table "s3"; want one of cloudtrail, s3_access_logs, s3_requests`}},
		{name: "bad format", args: []string{"insights", "--format", "xml", "fields a"}, code: 2, stderrHas: []string{`unknown --format "xml"`}},
		{name: "bad time", args: []string{"insights", "--since", "yesterday", "fields a"}, code: 2, stderrHas: []string{"yesterday"}},
		{name: "empty range", args: []string{"insights", "--since", "2024-03-02", "--until", "2024-03-01", "fields a"}, code: 2, stderrHas: []string{"is not before --until"}},
		{name: "query and file", args: []string{"insights", "-f", queryFile, "fields a"}, code: 2, stderrHas: []string{"not both"}},
		{name: "no lake", args: []string{"insights", "--lake", filepath.Join(lake, "missing"), "fields a"}, code: 1, stderrHas: []string{"lake folder does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Run(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errb.String())
			}
			if tt.stdout != "" && out.String() != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), tt.stdout)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			if tt.stdoutNone && out.Len() > 0 {
				t.Errorf("stdout not empty:\n%s", out.String())
			}
		})
	}
}

func TestInsightsJSON(t *testing.T) {
	lake := insightsLake(t)
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"insights", "--lake", lake, "--format", "json",
		`filter eventName == "DeleteObject" | fields @timestamp, eventName, readOnly, additionalEventData.SignatureVersion as sig`}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	want := map[string]any{"@timestamp": "2024-03-01T12:00:00Z", "eventName": "DeleteObject", "readOnly": false, "sig": "SigV4"}
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	for k, v := range want {
		if rows[0][k] != v {
			t.Errorf("%s = %#v, want %#v", k, rows[0][k], v)
		}
	}
}
