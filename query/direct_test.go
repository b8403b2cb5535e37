package query_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/query"
)

// TestDirectDays checks the days logged by only one log: Derive writes
// nothing for them, and s3_requests, reading the access logs' s3r_ columns,
// equals the live view, which computes the same columns in SQL. The
// corpus's access logs bring requesters, operations and keys of every kind.
func TestDirectDays(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "a"), lake, gen.Config{Seed: 7, Days: 3, RequestsPerDay: 3000, Only: "s3access",
		Start: time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)})
	ingestDir(t, filepath.Join("..", "..", "shared", "corpus", "s3access"), lake)

	sum := derive(t, lake, false)
	if sum.Direct != len(sum.Computed) || sum.Direct < 3 || sum.Bytes != 0 {
		t.Errorf("Derive: got %+v, want every computed day direct (at least 3), nothing written", sum)
	}
	if files := storedFiles(t, lake); len(files) != 0 {
		t.Errorf("stored files: got %v, want none", files)
	}
	db := sameAsLive(t, lake)
	if st := db.Requests(); st.Stale() || st.StoredDays != sum.Days {
		t.Errorf("Requests() = %+v, want all %d days fresh", st, sum.Days)
	}
	// The lake stores an empty string as NULL, as the views expect.
	for _, c := range tableColumns(t, db, "s3_access_logs", "VARCHAR") {
		if n := count(t, db, fmt.Sprintf("SELECT count(*) FROM s3_access_logs WHERE %q = ''", c)); n != 0 {
			t.Errorf("s3_access_logs.%s: %d empty strings, want NULL instead", c, n)
		}
	}
	// Every kind of principal the corpus has went through the Go rules.
	var types []string
	for _, r := range queryRows(t, db, "SELECT DISTINCT principal_type AS t FROM s3_requests ORDER BY 1") {
		if s, ok := r["t"].(string); ok {
			types = append(types, s)
		}
	}
	for _, want := range []string{"Anonymous", "AssumedRole", "IAMUser"} {
		if !slices.Contains(types, want) {
			t.Errorf("principal types %v: want %s among them", types, want)
		}
	}
}

// TestDirectDaysWithRolePaths checks that direct days take role paths from
// CloudTrail records of other days, and that a day whose neighbour has
// CloudTrail S3 records is merged, not direct.
func TestDirectDaysWithRolePaths(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	day := func(d int) time.Time { return time.Date(2024, 11, d, 0, 0, 0, 0, time.UTC) }
	genIngest(t, filepath.Join(dir, "ct"), lake, gen.Config{Seed: 3, Days: 2, RequestsPerDay: 2000, Only: "cloudtrail", Start: day(4)})
	// CloudTrail alone: its days are direct, and the role paths are not
	// needed yet.
	if sum := derive(t, lake, false); sum.Direct != 2 {
		t.Errorf("CloudTrail alone: got %+v, want 2 direct days", sum)
	}
	genIngest(t, filepath.Join(dir, "a"), lake, gen.Config{Seed: 3, Days: 5, RequestsPerDay: 2000, Only: "s3access", Start: day(4)})

	sum := derive(t, lake, false)
	if sum.Direct == 0 || sum.Direct == len(sum.Computed) {
		t.Errorf("Derive: got %+v, want some days direct and some merged", sum)
	}
	db := sameAsLive(t, lake)
	direct := count(t, db, "SELECT count(*) FROM s3_requests WHERE date >= DATE '2024-11-07'")
	withPath := count(t, db, "SELECT count(*) FROM s3_requests WHERE date >= DATE '2024-11-07' AND principal_type = 'AssumedRole' AND principal_arn LIKE 'arn:%:role/%/%'")
	if direct == 0 || withPath == 0 {
		t.Errorf("direct days: %d requests, %d by roles with a path; want both > 0", direct, withPath)
	}
}

// TestDirectEdgeCases holds the Go rules (event.DeriveAccessLog) to the
// view's SQL on requesters, operations and request URIs that real logs
// rarely show: malformed ARNs, empty pieces, unknown and internal
// operations, version and ListObjectsV2 requests, upload sizes.
func TestDirectEdgeCases(t *testing.T) {
	lake := t.TempDir()
	requesters := []string{
		"", "-", "AmazonS3", "svc:logging.s3.amazonaws.com", "svc:",
		"arn:aws:sts::111122223333:assumed-role/Reader/alice",
		"arn:aws:sts::111122223333:assumed-role/Reader",
		"arn:aws:sts::111122223333:assumed-role//",
		"arn:a/b:sts::1:assumed-role/x/y/z",
		"arn:aws:sts::111122223333:federated-user/bob",
		"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/ops/carol",
		"arn:aws-cn:iam:::user/x", "arn:aws:iam::111122223333:rootx",
		"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
		"79A59DF900B949E55D96A1E698FBACEDFD6E09D98EACF8F8D5218E7CD47EF2B", // 63 digits
		"somebody", "arn:", "arn:aws:sts::", "arn:aws:s3:::bucket",
	}
	ops := []struct{ op, key, uri string }{
		{"REST.GET.OBJECT", "k", "GET /b/k?versionId=3 HTTP/1.1"},
		{"REST.GET.OBJECT", "k", "GET /b/k HTTP/1.1"},
		{"REST.PUT.OBJECT", "k", "PUT /b/k HTTP/1.1"},
		{"REST.GET.BUCKET", "", "GET /b?list-type=2&prefix=a HTTP/1.1"},
		{"REST.GET.BUCKET", "", "GET /b HTTP/1.1"},
		{"REST.GET.ACL", "", "GET /b?acl HTTP/1.1"},
		{"REST.GET.ACL", "k", "GET /b/k?acl HTTP/1.1"},
		{"REST.DELETE.OBJECT", "k", "DELETE /b/k?versionId=1 HTTP/1.1"},
		{"S3.EXPIRE.OBJECT", "k", ""},
		{"S3.SOMETHING.NEW", "k", ""},
		{"REST.NEW.THING", "k", "GET /b/k HTTP/1.1"},
		{"", "", ""},
		{"BATCH.DELETE.OBJECT", "k", "POST /b?delete HTTP/1.1"},
		{"WEBSITE.GET.OBJECT", "k", "GET /k HTTP/1.1"},
	}
	var rows []event.AccessLog
	n := 0
	for _, r := range requesters {
		for _, o := range ops {
			n++
			a := accessLog("b", "2024-05-01T10:00:00Z", r, fmt.Sprintf("R%05d", n), o.op, o.key, 200)
			a.RequestURI = o.uri
			if n%3 == 0 {
				a.HTTPStatus, a.ErrorCode = nil, "AccessDenied"
			}
			event.DeriveAccessLog(&a)
			rows = append(rows, a)
		}
	}
	writeParquet(t, lake, "s3_access_logs/date=2024-05-01/part-0.parquet", rows)
	if sum := derive(t, lake, false); sum.Direct != 1 {
		t.Fatalf("Derive: got %+v, want the day direct", sum)
	}
	db := sameAsLive(t, lake)
	if got := count(t, db, "SELECT count(*) FROM s3_requests"); got != int64(len(rows)) {
		t.Errorf("rows: got %d, want %d", got, len(rows))
	}
}

// tableColumns lists a view's columns of one type.
func tableColumns(tb testing.TB, db *query.DB, table, typ string) []string {
	tb.Helper()
	var cols []string
	for _, r := range queryRows(tb, db, "SELECT column_name AS c FROM (DESCRIBE "+table+") WHERE column_type = ?", typ) {
		cols = append(cols, r["c"].(string))
	}
	if len(cols) == 0 {
		tb.Fatalf("%s has no %s column", table, typ)
	}
	return cols
}

// TestDirectCloudTrailDays is TestDirectDays for a lake of CloudTrail
// only: the corpus's records (every identity type, cross-account copies
// with a sharedEventID) and a generated set.
func TestDirectCloudTrailDays(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "ct"), lake, gen.Config{Seed: 5, Days: 3, RequestsPerDay: 3000, Only: "cloudtrail",
		Start: time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)})
	ingestDir(t, filepath.Join("..", "..", "shared", "corpus", "cloudtrail"), lake)

	sum := derive(t, lake, false)
	if sum.Direct < 3 || sum.Bytes != 0 {
		t.Errorf("Derive: got %+v, want the CloudTrail days direct (at least 3), nothing written", sum)
	}
	db := sameAsLive(t, lake)
	if n := count(t, db, "SELECT count(*) FROM s3_requests WHERE source = 'cloudtrail' AND principal_arn IS NOT NULL AND action IS NOT NULL"); n == 0 {
		t.Errorf("no CloudTrail request with a principal and an action")
	}
}

// TestDirectDaysBesideManagementEvents checks that CloudTrail records of
// other services beside the access logs do not make a day merged (the
// footers say how many S3 records the files hold), and that one S3
// record does.
func TestDirectDaysBesideManagementEvents(t *testing.T) {
	lake := t.TempDir()
	writeParquet(t, lake, "s3_access_logs/date=2024-05-01/part-0.parquet", []event.AccessLog{
		accessLog("b", "2024-05-01T10:00:00Z", "", "R1", "REST.GET.OBJECT", "k", 200)})
	mgmt := event.CloudTrail{EventVersion: "1.09", EventTime: at("2024-05-01T11:00:00Z"), EventSource: "iam.amazonaws.com",
		EventName: "ListRoles", AWSRegion: "us-east-1", EventID: "e1"}
	writeParquet(t, lake, "cloudtrail/date=2024-05-01/region=us-east-1/part-0.parquet", []event.CloudTrail{mgmt})
	if sum := derive(t, lake, false); sum.Direct != 1 || sum.Rows != 1 {
		t.Errorf("beside management events: got %+v, want the day direct with 1 row", sum)
	}
	sameAsLive(t, lake)

	s3 := mgmt
	s3.EventSource, s3.EventName, s3.EventID, s3.RequestID = "s3.amazonaws.com", "GetObject", "e2", "R2"
	writeParquet(t, lake, "cloudtrail/date=2024-05-02/region=us-east-1/part-0.parquet", []event.CloudTrail{s3})
	if sum := derive(t, lake, false); sum.Direct != 0 || len(sum.Computed) != 2 {
		t.Errorf("with an S3 record the next day: got %+v, want both days merged", sum)
	}
	sameAsLive(t, lake)
}

// TestDirectNeedsDerivedColumns checks the lakes written before the s3r_
// columns existed: their days are merged and stored as before (CloudTrail
// S3 records then counted with DuckDB), and a file whose footer cannot be
// read makes Derive fail naming it, leaving the lake answering right.
func TestDirectNeedsDerivedColumns(t *testing.T) {
	lake := t.TempDir()
	al := "s3_access_logs/date=2024-05-01/part-0.parquet"
	ct := "cloudtrail/date=2024-05-01/region=us-east-1/part-0.parquet"
	writeParquet(t, lake, al, []event.AccessLog{accessLog("b", "2024-05-01T10:00:00Z", "", "R1", "REST.GET.OBJECT", "k", 200)})
	writeParquet(t, lake, ct, []event.CloudTrail{{EventVersion: "1.09", EventTime: at("2024-05-01T11:00:00Z"),
		EventSource: "iam.amazonaws.com", EventName: "ListRoles", AWSRegion: "us-east-1", EventID: "e1"}})
	for _, rel := range []string{al, ct} {
		dropDerivedColumns(t, filepath.Join(lake, filepath.FromSlash(rel)))
	}
	if sum := derive(t, lake, false); sum.Direct != 0 || len(sum.Computed) != 1 || sum.Rows != 1 {
		t.Errorf("files without s3r_ columns: got %+v, want the day merged and stored, 1 row", sum)
	}
	sameAsLive(t, lake)

	bad := filepath.Join(lake, "s3_access_logs", "date=2024-05-02", "part-0.parquet")
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := query.Derive(context.Background(), query.DeriveConfig{Lake: lake})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "2024-05-02") {
		t.Errorf("Derive with a broken file: got %v, want an error naming %s and its day", err, bad)
	}
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	sameAsLive(t, lake)
}

// dropDerivedColumns rewrites a Parquet file without its s3r_ columns, as
// an s3sift that did not write them would have.
func dropDerivedColumns(tb testing.TB, path string) {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	tmp := path + ".old"
	if _, err := db.Exec(fmt.Sprintf("COPY (SELECT COLUMNS(c -> NOT starts_with(c, '%s')) FROM read_parquet('%s')) TO '%s' (FORMAT parquet)",
		event.RequestColumnPrefix, path, tmp)); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}
