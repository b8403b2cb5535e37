package sqlgen_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/sqlgen"
	"github.com/s3sift/s3sift/internal/testlake"
)

// copyParams are requestParameters of every shape the copies
// (request_bucket_name, request_key) must give the same answers for as
// the JSON they are copied from.
var copyParams = []string{
	`{"bucketName":"b","key":"a/x.txt"}`,
	`{"bucketName":"b","key":"a/y.txt","Host":"b.s3.amazonaws.com"}`,
	`{"bucketName":"c","key":"12"}`,
	`{"bucketName":"12","key":12}`,
	`{"bucketName":12,"key":1.5}`,
	`{"bucketName":true,"key":null}`,
	`{"bucketName":"","key":""}`,
	`{"bucketName":{"name":"b"},"key":["a/x.txt"]}`,
	`{"bucketName":"a","bucketName":"b","key":"k","key":"a/x.txt"}`,
	`{"bucket\u004eame":"b","k\u0065y":"a\/x.txt"}`,
	`{"x":{"bucketName":"b"},"Host":"b"}`,
	`["bucketName","b"]`,
	`"b"`,
	`null`,
	`{}`,
}

// TestCopiesAgreeWithJSON runs queries over the same decoded records
// twice, once with the copies as ingest writes them and once with them
// NULL, as in a lake written before they existed (where every row reads
// the JSON): each query must give the same rows both times.
func TestCopiesAgreeWithJSON(t *testing.T) {
	var in strings.Builder
	in.WriteString(`{"Records":[`)
	for i, p := range copyParams {
		if i > 0 {
			in.WriteString(",")
		}
		fmt.Fprintf(&in, `{"eventVersion":"1.09","eventTime":"2026-03-14T10:00:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"E%02d","requestParameters":%s}`, i, i, p)
	}
	in.WriteString(`,{"eventVersion":"1.09","eventTime":"2026-03-14T10:01:00Z","eventName":"NoParams","eventID":"E99"}]}`)
	var recs []event.CloudTrail
	_, err := cloudtrail.Decode(strings.NewReader(in.String()), "copies", func(r *event.CloudTrail) error {
		recs = append(recs, *r)
		return nil
	}, func(r *event.Reject) error {
		return fmt.Errorf("reject: %s", r.Reason)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(copyParams)+1 {
		t.Fatalf("decoded %d records, want %d", len(recs), len(copyParams)+1)
	}
	file := writeParquet(t, recs)
	copies := openView(t, file, "*")
	blank := openView(t, file, "* REPLACE (CAST(NULL AS VARCHAR) AS request_bucket_name, CAST(NULL AS VARCHAR) AS request_key)")

	var n int
	if err := copies.QueryRow(`SELECT count(request_bucket_name) + count(request_key) FROM cloudtrail`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Fatalf("only %d copies are set; the test needs the copies filled", n)
	}

	queries := []string{
		"fields eventID, requestParameters.bucketName, requestParameters.key",
		"stats count(*) as n by requestParameters.bucketName, requestParameters.key",
		"stats count(*) as n by requestParameters.bucketName",
		"filter requestParameters.bucketName == 'b' | fields eventID",
		"filter requestParameters.bucketName == '12' | fields eventID",
		"filter requestParameters.bucketName == 12 | fields eventID",
		"filter requestParameters.bucketName == 'true' | fields eventID",
		"filter requestParameters.bucketName != 'b' | fields eventID",
		"filter requestParameters.key like 'a/' | fields eventID",
		"filter requestParameters.key not like /x/ | fields eventID",
		"filter requestParameters.key in ['a/x.txt', '12', '1.5'] | fields eventID",
		"filter ispresent(requestParameters.bucketName) | fields eventID",
		"filter isblank(requestParameters.key) | fields eventID",
		"stats count_distinct(requestParameters.key) as k, max(requestParameters.bucketName) as m",
	}
	for _, src := range queries {
		t.Run(src, func(t *testing.T) {
			q, err := insights.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := sqlgen.Compile(q, sqlgen.Config{})
			if err != nil {
				t.Fatal(err)
			}
			got, want := queryRows(t, copies, plan.SQL), queryRows(t, blank, plan.SQL)
			if got != want {
				t.Errorf("with copies:\n%s\nwithout (JSON only):\n%s\nSQL: %s", got, want, plan.SQL)
			}
			if want == "" {
				t.Errorf("no rows either way; every query here must match some record")
			}
		})
	}
}

func writeParquet(tb testing.TB, recs []event.CloudTrail) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ct.parquet")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := parquet.NewGenericWriter[event.CloudTrail](f)
	if _, err := w.Write(recs); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// openView opens an in-memory DuckDB whose cloudtrail view selects cols
// from file, with the lake's partition columns.
func openView(tb testing.TB, file, cols string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	view := fmt.Sprintf(`CREATE VIEW cloudtrail AS SELECT %s, DATE '2026-03-14' AS "date", 'us-east-1' AS region FROM read_parquet('%s')`,
		cols, strings.ReplaceAll(file, "'", "''"))
	if _, err := db.Exec(view); err != nil {
		tb.Fatalf("%s: %v", view, err)
	}
	return db
}

// queryRows runs q and returns its rows, one line each, sorted.
func queryRows(tb testing.TB, db *sql.DB, q string) string {
	tb.Helper()
	rows, err := db.Query(q)
	if err != nil {
		tb.Fatalf("%v\nSQL: %s", err, q)
	}
	_, vals := testlake.Scan(tb, rows)
	var out []string
	for _, row := range vals {
		var line []string
		for _, v := range row {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			line = append(line, fmt.Sprintf("%#v", v))
		}
		out = append(out, strings.Join(line, " | "))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
