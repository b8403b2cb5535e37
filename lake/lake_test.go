package lake_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

func openLake(tb testing.TB, dir string) *lake.Lake {
	tb.Helper()
	l, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

func writeAccess(s *lake.Segment, rows []event.AccessLog) error {
	return s.WriteAccessLogs(lake.NewChunks(rows), len(rows))
}

func writeTrail(s *lake.Segment, rows []event.CloudTrail) error {
	return s.WriteCloudTrail(lake.NewChunks(rows), len(rows))
}

func writeRejects(s *lake.Segment, rows []event.Reject, day time.Time) error {
	return s.WriteRejects(lake.NewChunks(rows), len(rows), day)
}

func accessRows(object string, n int, day time.Time, buckets ...string) []event.AccessLog {
	rows := make([]event.AccessLog, n)
	for i := range rows {
		st := int32(200)
		rows[i] = event.AccessLog{
			Bucket:     buckets[i%len(buckets)],
			Time:       day.Add(time.Duration(n-i) * time.Minute),
			Operation:  "REST.GET.OBJECT",
			HTTPStatus: &st,
			Provenance: event.Provenance{SourceObject: object, SourceLine: int64(i + 1)},
		}
	}
	return rows
}

// tableFiles lists the files under the table folders, relative to the lake.
func tableFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && rel == lake.InternalDir {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func queryInt(tb testing.TB, q string) int64 {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

func glob(dir, table string) string {
	return "read_parquet('" + filepath.Join(dir, table) + "/**/*.parquet', hive_partitioning = true)"
}

func TestCommitLayout(t *testing.T) {
	dir := t.TempDir()
	l := openLake(t, dir)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	seg := l.NewSegment()
	// Rows across midnight land in two date partitions.
	if err := writeAccess(seg, accessRows("/logs/a", 100, day.Add(23*time.Hour), "b2", "b1")); err != nil {
		t.Fatal(err)
	}
	trail := []event.CloudTrail{
		{EventName: "PutObject", AWSRegion: "us-east-1", EventTime: day, Provenance: event.Provenance{SourceObject: "/logs/t", SourceLine: 1}},
		{EventName: "GetObject", AWSRegion: "", EventTime: day, Provenance: event.Provenance{SourceObject: "/logs/t", SourceLine: 2}},
		{EventName: "X", AWSRegion: "../etc", EventTime: day.Add(48 * time.Hour), Provenance: event.Provenance{SourceObject: "/logs/t", SourceLine: 3}},
	}
	if err := writeTrail(seg, trail); err != nil {
		t.Fatal(err)
	}
	if err := writeRejects(seg, []event.Reject{{Format: "s3access", Reason: "bad", Raw: "x", Provenance: event.Provenance{SourceObject: "/logs/a", SourceLine: 7}}}, day.Add(5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Nothing is visible before the commit.
	if got := tableFiles(t, dir); len(got) != 0 {
		t.Fatalf("files visible before commit: %q", got)
	}
	objs := []lake.Object{{ID: "/logs/a", Version: "1", Rows: 100, Rejects: 1}, {ID: "/logs/t", Version: "1", Rows: 3}}
	if err := l.Commit(seg, objs); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, f := range tableFiles(t, dir) {
		dirs = append(dirs, filepath.ToSlash(filepath.Dir(f)))
		if !strings.HasSuffix(f, ".parquet") {
			t.Errorf("table file %s: want only .parquet files", f)
		}
	}
	wantDirs := []string{
		"cloudtrail/date=2024-03-01/region=unknown",
		"cloudtrail/date=2024-03-01/region=us-east-1",
		"cloudtrail/date=2024-03-03/region=unknown",
		"rejects/date=2024-03-06",
		"s3_access_logs/date=2024-03-01",
		"s3_access_logs/date=2024-03-02",
	}
	slices.Sort(dirs)
	if !slices.Equal(dirs, wantDirs) {
		t.Errorf("partitions = %q\nwant %q", dirs, wantDirs)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); n != lake.InternalDir && !slices.Contains([]string{"cloudtrail", "rejects", "s3_access_logs"}, n) {
			t.Errorf("lake root holds %s: want only tables and %s", n, lake.InternalDir)
		}
	}
	o, ok := l.Lookup("/logs/a")
	if !ok || o.Version != "1" || o.Rows != 100 || len(o.Files) != 3 || o.IngestedAt.IsZero() {
		t.Errorf("Lookup(/logs/a) = %+v, %v; want version 1, 100 rows, 3 files (2 days + rejects)", o, ok)
	}
	if n := queryInt(t, "SELECT count(*) FROM "+glob(dir, "s3_access_logs")); n != 100 {
		t.Errorf("access rows = %d, want 100", n)
	}
	// Each file is sorted by (bucket, time).
	db, _ := sql.Open("duckdb", "")
	defer db.Close()
	rows, err := db.Query("SELECT filename, bucket, time FROM read_parquet('" + filepath.Join(dir, "s3_access_logs") + "/**/*.parquet', filename = true)")
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		b string
		t time.Time
	}
	last := map[string]key{}
	for rows.Next() {
		var f, b string
		var tm time.Time
		if err := rows.Scan(&f, &b, &tm); err != nil {
			t.Fatal(err)
		}
		if k, ok := last[f]; ok && (b < k.b || b == k.b && tm.Before(k.t)) {
			t.Errorf("%s: row (%s, %v) after (%s, %v): not sorted by (bucket, time)", f, b, tm, k.b, k.t)
		}
		last[f] = key{b, tm}
	}
}

func TestDuckDBTypesAndNulls(t *testing.T) {
	dir := t.TempDir()
	l := openLake(t, dir)
	st := int32(404)
	sent := int64(0)
	at := time.Date(2019, 2, 6, 0, 0, 38, 123456000, time.FixedZone("", -5*3600))
	rows := []event.AccessLog{{
		Bucket: "b", Time: at, Operation: "REST.GET.OBJECT", Key: "a b", KeyRaw: "a%20b",
		HTTPStatus: &st, BytesSent: &sent, ErrorCode: "NoSuchKey", ExtraFields: []string{"x", "y"}, FieldCount: 28,
		Provenance: event.Provenance{SourceObject: "/o", SourceLine: 1},
	}}
	seg := l.NewSegment()
	if err := writeAccess(seg, rows); err != nil {
		t.Fatal(err)
	}
	ro := true
	if err := writeTrail(seg, []event.CloudTrail{{EventTime: at, EventName: "GetObject", AWSRegion: "us-east-1", ReadOnly: &ro,
		RequestParameters: `{"bucketName":"b"}`, Resources: []event.Resource{{ARN: "arn:aws:s3:::b", Type: "AWS::S3::Bucket"}},
		UserIdentity: event.UserIdentity{Type: "AssumedRole", SessionContext: event.SessionContext{SessionIssuer: event.SessionIssuer{ARN: "arn:aws:iam::1:role/r"}}},
		Provenance:   event.Provenance{SourceObject: "/t", SourceLine: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(seg, []lake.Object{{ID: "/o", Version: "1"}, {ID: "/t", Version: "1"}}); err != nil {
		t.Fatal(err)
	}
	db, _ := sql.Open("duckdb", "")
	defer db.Close()
	tests := []struct {
		query string
		want  string
	}{
		{"SELECT typeof(time) FROM " + glob(dir, "s3_access_logs"), "TIMESTAMP"},
		{"SELECT strftime(time, '%Y-%m-%d %H:%M:%S.%f') FROM " + glob(dir, "s3_access_logs"), "2019-02-06 05:00:38.123456"},
		{"SELECT typeof(http_status) || ' ' || http_status FROM " + glob(dir, "s3_access_logs"), "INTEGER 404"},
		{"SELECT typeof(bytes_sent) || ' ' || bytes_sent FROM " + glob(dir, "s3_access_logs"), "BIGINT 0"},
		{"SELECT (object_size IS NULL) || ' ' || (requester IS NULL) || ' ' || (version_id IS NULL) FROM " + glob(dir, "s3_access_logs"), "true true true"},
		{"SELECT key || '|' || key_raw || '|' || error_code FROM " + glob(dir, "s3_access_logs"), "a b|a%20b|NoSuchKey"},
		{"SELECT typeof(extra_fields) || ' ' || extra_fields[2] FROM " + glob(dir, "s3_access_logs"), "VARCHAR[] y"},
		{"SELECT CAST(date AS VARCHAR) FROM " + glob(dir, "s3_access_logs"), "2019-02-06"},
		{"SELECT typeof(event_time) FROM " + glob(dir, "cloudtrail"), "TIMESTAMP"},
		{"SELECT region FROM " + glob(dir, "cloudtrail"), "us-east-1"},
		// JSON text is stored as plain strings (see event.JSONColumns); the
		// query views type it.
		{"SELECT typeof(request_parameters) || ' ' || (CAST(request_parameters AS JSON)->>'bucketName') FROM " + glob(dir, "cloudtrail"), "VARCHAR b"},
		{"SELECT (response_elements IS NULL) || ' ' || (error_code IS NULL) || ' ' || (user_identity.arn IS NULL) FROM " + glob(dir, "cloudtrail"), "true true true"},
		{"SELECT user_identity.session_context.session_issuer.arn FROM " + glob(dir, "cloudtrail"), "arn:aws:iam::1:role/r"},
		{"SELECT resources[1].type || ' ' || read_only FROM " + glob(dir, "cloudtrail"), "AWS::S3::Bucket true"},
	}
	for _, tt := range tests {
		var got string
		if err := db.QueryRow(tt.query).Scan(&got); err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestReplaceChangedObject(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	l := openLake(t, dir)
	seg := l.NewSegment()
	rows := append(accessRows("/a", 10, day, "b"), accessRows("/b", 5, day, "b")...)
	if err := writeAccess(seg, rows); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(seg, []lake.Object{{ID: "/a", Version: "1"}, {ID: "/b", Version: "1"}}); err != nil {
		t.Fatal(err)
	}
	// /a changes: its 10 old rows go, its 3 new rows come; /b stays.
	seg = l.NewSegment()
	if err := writeAccess(seg, accessRows("/a", 3, day, "b")); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(seg, []lake.Object{{ID: "/a", Version: "2"}}); err != nil {
		t.Fatal(err)
	}
	check := func(stage string) {
		t.Helper()
		for obj, want := range map[string]int64{"/a": 3, "/b": 5} {
			if n := queryInt(t, "SELECT count(*) FROM "+glob(dir, "s3_access_logs")+" WHERE source_object = '"+obj+"'"); n != want {
				t.Errorf("%s: rows of %s = %d, want %d", stage, obj, n, want)
			}
		}
	}
	check("after replace")
	// A third version after reopening: the manifest knows where /a's and
	// /b's rows are now.
	l.Close()
	l = openLake(t, dir)
	if o, _ := l.Lookup("/b"); len(o.Files) != 1 {
		t.Errorf("after reopen /b files = %q, want 1", o.Files)
	}
	seg = l.NewSegment()
	if err := writeAccess(seg, accessRows("/a", 3, day, "b")); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(seg, []lake.Object{{ID: "/a", Version: "3"}}); err != nil {
		t.Fatal(err)
	}
	check("after second replace")
}

func TestRecovery(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		crash    func(tb testing.TB, dir string) // leaves the lake as a crash would
		wantRows int64
		wantObjs int
	}{
		{"staged, not committed", func(tb testing.TB, dir string) {
			l := openLake(tb, dir)
			seg := l.NewSegment()
			if err := writeAccess(seg, accessRows("/x", 10, day, "b")); err != nil {
				tb.Fatal(err)
			}
			l.Close() // no commit: the process died here
		}, 0, 0},
		{"committed, not published", func(tb testing.TB, dir string) {
			l := openLake(tb, dir)
			seg := l.NewSegment()
			if err := writeAccess(seg, accessRows("/x", 10, day, "b")); err != nil {
				tb.Fatal(err)
			}
			if err := l.Commit(seg, []lake.Object{{ID: "/x", Version: "1"}}); err != nil {
				tb.Fatal(err)
			}
			l.Close()
			// Put the published file back into staging, as if the
			// process died between the manifest append and the rename.
			files := tableFiles(tb, dir)
			stage := filepath.Join(dir, lake.InternalDir, "staging", seg.ID())
			for _, f := range files {
				to := filepath.Join(stage, filepath.FromSlash(f))
				os.MkdirAll(filepath.Dir(to), 0o755)
				if err := os.Rename(filepath.Join(dir, filepath.FromSlash(f)), to); err != nil {
					tb.Fatal(err)
				}
			}
		}, 10, 1},
		{"torn manifest record", func(tb testing.TB, dir string) {
			l := openLake(tb, dir)
			seg := l.NewSegment()
			if err := writeAccess(seg, accessRows("/x", 10, day, "b")); err != nil {
				tb.Fatal(err)
			}
			if err := l.Commit(seg, []lake.Object{{ID: "/x", Version: "1"}}); err != nil {
				tb.Fatal(err)
			}
			seg = l.NewSegment()
			if err := writeAccess(seg, accessRows("/y", 4, day, "b")); err != nil {
				tb.Fatal(err)
			}
			l.Close()
			f, err := os.OpenFile(filepath.Join(dir, lake.InternalDir, "manifest.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				tb.Fatal(err)
			}
			f.WriteString(`{"segment":"` + seg.ID() + `","objects":[{"id":"/y"`) // cut short
			f.Close()
		}, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.crash(t, dir)
			l := openLake(t, dir)
			if got := l.Len(); got != tt.wantObjs {
				t.Errorf("objects after recovery = %d, want %d", got, tt.wantObjs)
			}
			staging, _ := os.ReadDir(filepath.Join(dir, lake.InternalDir, "staging"))
			if len(staging) != 0 {
				t.Errorf("staging after recovery holds %d entries, want none", len(staging))
			}
			var n int64
			if files := tableFiles(t, dir); len(files) > 0 {
				n = queryInt(t, "SELECT count(*) FROM "+glob(dir, "s3_access_logs"))
			}
			if n != tt.wantRows {
				t.Errorf("rows after recovery = %d, want %d", n, tt.wantRows)
			}
			// The lake takes new commits after recovery.
			seg := l.NewSegment()
			if err := writeAccess(seg, accessRows("/z", 2, day, "b")); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(seg, []lake.Object{{ID: "/z", Version: "1"}}); err != nil {
				t.Fatal(err)
			}
			l.Close()
			l = openLake(t, dir)
			if got := l.Len(); got != tt.wantObjs+1 {
				t.Errorf("objects after a commit on the recovered lake = %d, want %d", got, tt.wantObjs+1)
			}
		})
	}
}

func TestOpenWaitsForLock(t *testing.T) {
	dir := t.TempDir()
	l := openLake(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := lake.Open(ctx, dir, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Open while locked: error = %v, want it to wait until the deadline", err)
	}
	done := make(chan error, 1)
	go func() {
		l2, err := lake.Open(context.Background(), dir, nil)
		if err == nil {
			l2.Close()
		}
		done <- err
	}()
	l.Close()
	if err := <-done; err != nil {
		t.Errorf("Open after the holder closed: %v", err)
	}
}

func TestOpenNotAFolder(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := lake.Open(context.Background(), f, nil); !errors.Is(err, lake.ErrNotLake) {
		t.Errorf("Open(file) error = %v, want ErrNotLake", err)
	}
}
