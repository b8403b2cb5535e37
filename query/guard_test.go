package query_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/query"
)

// TestReadOnly proves that statements that write, escape the lake, change
// settings or load code are refused with a clear message, while reads over
// the views work.
func TestReadOnly(t *testing.T) {
	lake := t.TempDir()
	writeParquet(t, lake, "s3_access_logs/date=2024-05-01/a.parquet", []event.AccessLog{
		accessLog("b", "2024-05-01T10:00:00Z", "arn:aws:iam::111122223333:user/alice", "R1", "REST.GET.OBJECT", "k", 200),
	})
	outside := t.TempDir()
	writeParquet(t, outside, "x.parquet", []event.Reject{{Format: "s3access", Reason: "secret"}})
	db := openLake(t, lake)
	inLake := filepath.ToSlash(filepath.Join(lake, "x.csv"))

	refused := []struct {
		name, sql string
		want      error
		msg       string // part of the message a user sees
	}{
		{"copy to outside", "COPY (SELECT 1) TO '/tmp/s3sift-escape.csv'", query.ErrReadOnly, "COPY"},
		{"copy into the lake", "COPY (SELECT * FROM s3_access_logs) TO '" + inLake + "'", query.ErrReadOnly, "COPY"},
		{"copy table", "COPY s3_operations TO '" + inLake + "'", query.ErrReadOnly, "COPY"},
		{"read_csv outside", "SELECT * FROM read_csv('/etc/passwd')", nil, "Permission Error"},
		{"replacement scan outside", "SELECT * FROM '" + filepath.ToSlash(outside) + "/x.parquet'", nil, "Permission Error"},
		{"read_parquet elsewhere", "SELECT * FROM read_parquet('" + filepath.ToSlash(outside) + "/*.parquet')", nil, "Permission Error"},
		{"dot-dot out of the lake", "SELECT * FROM read_parquet('" + filepath.ToSlash(lake) + "/../" + filepath.Base(outside) + "/x.parquet')", nil, "Permission Error"},
		{"glob outside", "SELECT * FROM glob('/etc/*')", nil, "Permission Error"},
		{"attach", "ATTACH '" + filepath.ToSlash(filepath.Join(lake, "x.db")) + "' AS x", query.ErrReadOnly, "ATTACH"},
		{"detach", "DETACH memory", query.ErrReadOnly, "DETACH"},
		{"install", "INSTALL httpfs", query.ErrReadOnly, "INSTALL"},
		{"load", "LOAD httpfs", query.ErrReadOnly, "LOAD"},
		{"set", "SET enable_external_access = true", query.ErrReadOnly, "SET"},
		{"set threads", "SET threads = 1", query.ErrReadOnly, "SET"},
		{"reset", "RESET allowed_directories", query.ErrReadOnly, "SET"},
		{"create table", "CREATE TABLE t AS SELECT 1", query.ErrReadOnly, "CREATE"},
		{"create macro", "CREATE MACRO m(x) AS x", query.ErrReadOnly, "CREATE"},
		{"create view", "CREATE OR REPLACE VIEW s3_requests AS SELECT 1", query.ErrReadOnly, "CREATE"},
		{"drop", "DROP VIEW s3_requests", query.ErrReadOnly, "DROP"},
		{"insert", "INSERT INTO s3_operations (name) VALUES ('x')", query.ErrReadOnly, "INSERT"},
		{"update", "UPDATE s3_operations SET action = 's3:*'", query.ErrReadOnly, "UPDATE"},
		{"delete", "DELETE FROM s3_operations", query.ErrReadOnly, "DELETE"},
		{"export", "EXPORT DATABASE '" + filepath.ToSlash(filepath.Join(lake, "exp")) + "'", query.ErrReadOnly, "EXPORT"},
		{"checkpoint", "CHECKPOINT", query.ErrReadOnly, "CHECKPOINT"},
		{"call", "CALL enable_logging()", query.ErrReadOnly, "CALL"},
		{"pragma that writes", "PRAGMA enable_profiling", query.ErrReadOnly, "PRAGMA"},
		{"transaction", "BEGIN TRANSACTION", query.ErrReadOnly, "BEGIN"},
		{"select then copy", "SELECT 1; COPY (SELECT 1) TO '" + inLake + "'", query.ErrMultipleStatements, "one statement"},
		{"two selects", "SELECT 1; SELECT 2", query.ErrMultipleStatements, "one statement"},
		{"explain analyze copy", "EXPLAIN ANALYZE COPY (SELECT 1) TO '" + inLake + "'", query.ErrReadOnly, "COPY"},
		{"explain analyze comment copy", "EXPLAIN /* x */ ANALYZE -- y\n COPY (SELECT 1) TO '" + inLake + "'", query.ErrReadOnly, "COPY"},
		{"logging to the lake", "SELECT * FROM enable_logging(storage = 'file', storage_path = '" + filepath.ToSlash(filepath.Join(lake, "log")) + "')", query.ErrReadOnly, "enable_logging"},
		{"side effect in a CTE", "WITH x AS (SELECT * FROM checkpoint()) SELECT * FROM x", query.ErrReadOnly, "checkpoint"},
		{"side effect in a subquery", "SELECT (SELECT count(*) FROM truncate_duckdb_logs())", query.ErrReadOnly, "truncate_duckdb_logs"},
		{"query() runs text", "SELECT * FROM query('SELECT 1')", query.ErrReadOnly, "query"},
		{"empty", "  -- nothing\n", query.ErrEmptyQuery, "empty"},
		{"syntax error", "SELECT 1 FROM\nWHERE", nil, "line 2, column 1"},
		{"unknown column", "SELECT nope FROM s3_requests", nil, "nope"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.Query(context.Background(), tc.sql)
			if err == nil {
				rows.Close()
				t.Fatalf("Query(%q) succeeded, want it refused", tc.sql)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Query(%q) error = %v, want %v", tc.sql, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Query(%q) error = %q, want it to mention %q", tc.sql, err, tc.msg)
			}
		})
	}
	for _, p := range []string{inLake, "/tmp/s3sift-escape.csv", filepath.Join(lake, "x.db"), filepath.Join(lake, "exp"), filepath.Join(lake, "log")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists: a refused statement wrote it", p)
		}
	}

	allowed := []struct{ name, sql string }{
		{"select", "SELECT count(*) FROM s3_access_logs"},
		{"with", "WITH x AS (SELECT * FROM s3_requests) SELECT count(*) FROM x"},
		{"values", "VALUES (1), (2)"},
		{"from first", "FROM s3_operations LIMIT 1"},
		{"explain", "EXPLAIN SELECT * FROM s3_requests WHERE bucket = 'b'"},
		{"explain analyze", "EXPLAIN ANALYZE SELECT count(*) FROM s3_access_logs"},
		{"describe", "DESCRIBE s3_requests"},
		{"show tables", "SHOW TABLES"},
		{"summarize", "SUMMARIZE s3_access_logs"},
		{"pragma table_info", "PRAGMA table_info('s3_access_logs')"},
		{"read_parquet in the lake", "SELECT count(*) FROM read_parquet('" + filepath.ToSlash(lake) + "/s3_access_logs/*/*.parquet')"},
		{"table function", "SELECT * FROM range(3)"},
		{"trailing semicolon", "SELECT 1;"},
		{"parameter", "SELECT ? + 1"},
	}
	for _, tc := range allowed {
		t.Run(tc.name, func(t *testing.T) {
			var args []any
			if strings.Contains(tc.sql, "?") {
				args = []any{1}
			}
			rows, err := db.Query(context.Background(), tc.sql, args...)
			if err != nil {
				t.Fatalf("Query(%q): %v", tc.sql, err)
			}
			scanAll(t, rows)
			rows.Close()
		})
	}
}

func TestOpenMissingLake(t *testing.T) {
	_, err := query.Open(context.Background(), query.Config{Lake: filepath.Join(t.TempDir(), "nope")})
	if !errors.Is(err, query.ErrNoLake) {
		t.Fatalf("Open(missing) error = %v, want ErrNoLake", err)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	db := openLake(t, t.TempDir())
	q := "SELECT 1\nFROM s3_requests\nWHERE bucket = = 'x'"
	err := db.Check(context.Background(), q)
	var se *query.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Check(%q) = %v, want a *query.SyntaxError", q, err)
	}
	line, col, text := se.Location()
	if line != 3 || col != 16 || text != "WHERE bucket = = 'x'" {
		t.Errorf("Location() = %d, %d, %q; want 3, 16, the third line", line, col, text)
	}
	if err := db.Check(context.Background(), "SELECT count(*) FROM s3_requests"); err != nil {
		t.Errorf("Check(read) = %v, want nil", err)
	}
	if err := db.Check(context.Background(), "COPY s3_requests TO 'x'"); !errors.Is(err, query.ErrReadOnly) {
		t.Errorf("Check(COPY) = %v, want ErrReadOnly", err)
	}
}
