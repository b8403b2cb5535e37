// Package testlake builds lakes for tests: a generated data set, ingested
// and with s3_requests stored, the way `s3sift ingest` leaves a lake.
// Only tests import it.
package testlake

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/source"
)

// Build generates cfg's data set under dir/logs, ingests it into dir/lake
// and stores s3_requests. It returns the lake folder and the data set's
// known answers.
func Build(tb testing.TB, dir string, cfg gen.Config) (string, *gen.Truth) {
	tb.Helper()
	logs, lake := filepath.Join(dir, "logs"), filepath.Join(dir, "lake")
	truth, err := gen.Generate(logs, cfg)
	if err != nil {
		tb.Fatalf("generating the test data set: %v", err)
	}
	Ingest(tb, logs, lake)
	return lake, truth
}

// Ingest ingests the logs folder into lake and stores s3_requests, failing
// tb on any error or object that could not be read.
func Ingest(tb testing.TB, logs, lake string) ingest.Summary {
	tb.Helper()
	src, err := source.NewLocal([]string{logs})
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	sum, err := ingest.Run(ctx, ingest.Config{Lake: lake, Sources: []source.Source{src}, Logger: log})
	if err != nil {
		tb.Fatalf("ingesting %s: %v", logs, err)
	}
	if len(sum.Failed) > 0 {
		tb.Fatalf("ingesting %s: objects failed: %v", logs, sum.Failed)
	}
	if _, err := query.Derive(ctx, query.DeriveConfig{Lake: lake, Logger: log}); err != nil {
		tb.Fatalf("storing s3_requests of %s: %v", lake, err)
	}
	return sum
}

// Scan reads every row of rows and returns the column names and the
// values, one slice per row, failing tb on any error. It closes rows.
func Scan(tb testing.TB, rows *sql.Rows) ([]string, [][]any) {
	tb.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return cols, out
}
