package exec_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
	"github.com/s3sift/s3sift/format/s3access"
	"github.com/s3sift/s3sift/query"
)

// This file builds test lakes: it decodes log files with the format
// packages and writes their rows as Parquet in the lake's layout
// (<table>/date=…[/region=…]/*.parquet), which is all the query package
// reads.

// testLake collects decoded rows.
type testLake struct {
	ct  []event.CloudTrail
	al  []event.AccessLog
	rej int64
}

// add decodes one log file: CloudTrail when it starts with { or [, else
// access log lines; .gz is undone first. Files CloudTrail's decoder skips
// as a whole (digests) add nothing.
func (l *testLake) add(name string, data []byte) error {
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	reject := func(r *event.Reject) error { l.rej++; return nil }
	trimmed := bytes.TrimSpace(data)
	var err error
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		_, err = cloudtrail.Decode(bytes.NewReader(data), name, func(r *event.CloudTrail) error {
			l.ct = append(l.ct, *r)
			return nil
		}, reject)
	} else {
		_, err = s3access.Decode(bytes.NewReader(data), name, func(r *event.AccessLog) error {
			l.al = append(l.al, *r)
			return nil
		}, reject)
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %w", name, err)
	}
	return nil
}

// addDir decodes every file below dir.
func (l *testLake) addDir(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return l.add(path, data)
	})
}

// write writes the rows into lakeDir.
func (l *testLake) write(lakeDir string) error {
	ct := map[string][]event.CloudTrail{}
	for _, r := range l.ct {
		region := r.AWSRegion
		if region == "" {
			region = "unknown"
		}
		p := filepath.Join(event.TableCloudTrail, "date="+r.EventTime.UTC().Format(time.DateOnly), "region="+region)
		ct[p] = append(ct[p], r)
	}
	for p, rows := range ct {
		if err := writeParquet(filepath.Join(lakeDir, p, "part-0.parquet"), rows); err != nil {
			return err
		}
	}
	al := map[string][]event.AccessLog{}
	for _, r := range l.al {
		p := filepath.Join(event.TableAccessLogs, "date="+r.Time.UTC().Format(time.DateOnly))
		al[p] = append(al[p], r)
	}
	for p, rows := range al {
		if err := writeParquet(filepath.Join(lakeDir, p, "part-0.parquet"), rows); err != nil {
			return err
		}
	}
	return os.MkdirAll(lakeDir, 0o755)
}

func writeParquet[T any](path string, rows []T) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		f.Close()
		return err
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openLake opens lakeDir for queries; the DB is closed when tb ends
// unless keep is set.
func openLake(tb testing.TB, lakeDir string, keep bool) *query.DB {
	tb.Helper()
	db, err := query.Open(context.Background(), query.Config{Lake: lakeDir, Threads: 2})
	if err != nil {
		tb.Fatal(err)
	}
	if !keep {
		tb.Cleanup(func() { db.Close() })
	}
	return db
}
