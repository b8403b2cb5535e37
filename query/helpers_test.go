package query_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/query"
)

// writeParquet writes rows as one Parquet file at lake/rel, the way the lake
// writer does (zstd, from the event structs), with the s3r_ columns the
// ingest derives.
func writeParquet[T any](tb testing.TB, lake, rel string, rows []T) {
	tb.Helper()
	switch rs := any(rows).(type) {
	case []event.AccessLog:
		for i := range rs {
			event.DeriveAccessLog(&rs[i])
		}
	case []event.CloudTrail:
		for i := range rs {
			event.DeriveCloudTrail(&rs[i])
		}
	}
	path := filepath.Join(lake, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		tb.Fatalf("writing %s: %v", rel, err)
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("closing %s: %v", rel, err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// openLake opens lake for querying and closes it when the test ends.
func openLake(tb testing.TB, lake string) *query.DB {
	tb.Helper()
	db, err := query.Open(context.Background(), query.Config{Lake: lake, Threads: 2})
	if err != nil {
		tb.Fatalf("Open(%s): %v", lake, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// queryRows runs q and returns its rows as maps keyed by column name.
func queryRows(tb testing.TB, db *query.DB, q string, args ...any) []map[string]any {
	tb.Helper()
	rows, err := db.Query(context.Background(), q, args...)
	if err != nil {
		tb.Fatalf("Query(%s): %v", q, err)
	}
	defer rows.Close()
	return scanAll(tb, rows)
}

func scanAll(tb testing.TB, rows *sql.Rows) []map[string]any {
	tb.Helper()
	cols, vals := testlake.Scan(tb, rows)
	out := make([]map[string]any, len(vals))
	for r, row := range vals {
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			m[c] = row[i]
		}
		out[r] = m
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// accessLog is a hand-made access-log row with the fields tests vary.
func accessLog(bucket, ts, requester, reqID, op, key string, status int32) event.AccessLog {
	return event.AccessLog{
		BucketOwner: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
		Bucket:      bucket, Time: at(ts), RemoteIP: "192.0.2.3", Requester: requester, RequestID: reqID,
		Operation: op, Key: key, KeyRaw: key, HTTPStatus: ptr(status), BytesSent: ptr(int64(100)),
		ObjectSize: ptr(int64(100)), UserAgent: "aws-cli/2.15.0", SignatureVersion: "SigV4",
		CipherSuite: "ECDHE-RSA-AES128-GCM-SHA256", AuthenticationType: "AuthHeader",
		HostHeader: bucket + ".s3.us-east-1.amazonaws.com", TLSVersion: "TLSv1.2", FieldCount: 25,
		Provenance: event.Provenance{SourceObject: "test.log", SourceLine: 1},
	}
}
