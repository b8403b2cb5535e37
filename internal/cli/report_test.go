package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/report"
)

func TestReportCommand(t *testing.T) {
	lake, truth := policyLake(t)
	bucket := truth.Buckets[0].Name

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"report"},
			{"report", "no-such-report"},
			{"report", "access-history", "--lake", lake},
			{"report", "errors", "--source", "both", "--lake", lake},
			{"report", "errors", "--since", "yesterday-ish", "--lake", lake},
			{"report", "errors", "sigv2", "--lake", lake},
		} {
			code, _, stderr := runCLI(args...)
			if code != 2 || stderr == "" {
				t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		code, out, _ := runCLI("report", "list")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, r := range report.List() {
			if !strings.Contains(out, r.Name) || !strings.Contains(out, strings.Join(r.Columns, ", ")) {
				t.Errorf("list lacks %s and its columns:\n%s", r.Name, out)
			}
		}
	})

	t.Run("explain", func(t *testing.T) {
		code, out, _ := runCLI("report", "access-history", "--bucket", bucket, "--since", "2024-11-04", "--explain")
		if code != 0 || !strings.Contains(out, "FROM s3_requests") || !strings.Contains(out, "'"+bucket+"'") || !strings.Contains(out, "2024-11-04T00:00:00Z") {
			t.Errorf("exit %d, output:\n%s", code, out)
		}
	})

	t.Run("json keys are the column contract", func(t *testing.T) {
		code, out, stderr := runCLI("report", "access-history", "--lake", lake, "--bucket", bucket, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("output is not a JSON array: %v\n%s", err, out)
		}
		r, _ := report.Lookup("access-history")
		if len(rows) == 0 {
			t.Fatal("no rows")
		}
		for _, c := range r.Columns {
			if _, ok := rows[0][c]; !ok {
				t.Errorf("row lacks key %q: %v", c, rows[0])
			}
		}
		if len(rows[0]) != len(r.Columns) {
			t.Errorf("row has %d keys, want %d", len(rows[0]), len(r.Columns))
		}
	})

	t.Run("limit says rows were cut", func(t *testing.T) {
		code, out, stderr := runCLI("report", "top-objects", "--lake", lake, "--limit", "3", "--format", "jsonl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 3 {
			t.Errorf("%d rows, want 3:\n%s", n, out)
		}
		if !strings.Contains(stderr, "raise --limit") {
			t.Errorf("stderr %q does not say rows were cut", stderr)
		}
	})

	t.Run("athena dialect", func(t *testing.T) {
		code, want, stderr := runCLI("sql", "--lake", lake, "--format", "csv",
			"SELECT count(*) FROM s3_access_logs WHERE operation = 'REST.GET.OBJECT'")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		code, got, stderr := runCLI("sql", "--lake", lake, "--format", "csv", "--dialect", "athena",
			"SELECT count(*) FROM s3_access_logs_db WHERE Operation = \u2018REST.GET.OBJECT'")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got != want {
			t.Errorf("athena count %q, want %q", got, want)
		}
		if strings.Count(stderr, "corrected") != 2 {
			t.Errorf("stderr should report two corrections:\n%s", stderr)
		}
		code, _, stderr = runCLI("sql", "--lake", lake, "--dialect", "presto", "SELECT 1")
		if code != 2 || !strings.Contains(stderr, "presto") {
			t.Errorf("bad dialect: exit %d, stderr %q", code, stderr)
		}
	})
}
