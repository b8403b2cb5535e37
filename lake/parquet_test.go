package lake_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// TestWriteOrder writes rows whose sorted order mixes long runs already in
// place (an object's lines in time order, across chunk boundaries) with
// scattered rows, and reads every file back: each must hold exactly its
// rows, sorted by (bucket, time), in row groups of at most RowGroupRows.
func TestWriteOrder(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rows func() []event.AccessLog
	}{
		{"runs and scattered rows", func() []event.AccessLog {
			var rows []event.AccessLog
			for i := range 9000 { // one object in order, over three chunks
				rows = append(rows, event.AccessLog{Bucket: "b", Time: day.Add(time.Duration(i) * time.Second),
					Provenance: event.Provenance{SourceObject: "in-order", SourceLine: int64(i + 1)}})
			}
			for i := range 3000 { // reversed and spread over two buckets
				rows = append(rows, event.AccessLog{Bucket: []string{"a", "b"}[i%2], Time: day.Add(time.Duration(3000-i)*time.Second + time.Millisecond),
					Provenance: event.Provenance{SourceObject: "reversed", SourceLine: int64(i + 1)}})
			}
			return rows
		}},
		{"more than a row group", func() []event.AccessLog {
			rows := make([]event.AccessLog, lake.RowGroupRows+5000)
			for i := range rows {
				t := day.Add(time.Duration(i) * time.Millisecond)
				if i%1000 < 10 { // a few out of place
					t = day.Add(-time.Duration(i) * time.Millisecond)
				}
				rows[i] = event.AccessLog{Bucket: "b", Time: t, Provenance: event.Provenance{SourceObject: "big", SourceLine: int64(i + 1)}}
			}
			return rows
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openLake(t, dir)
			rows := tt.rows()
			seg := l.NewSegment()
			if err := writeAccess(seg, rows); err != nil {
				t.Fatal(err)
			}
			var objs []lake.Object
			for _, o := range []string{"in-order", "reversed", "big"} {
				objs = append(objs, lake.Object{ID: o, Version: "1"})
			}
			if err := l.Commit(seg, objs); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(rows)
			slices.SortStableFunc(want, func(a, b event.AccessLog) int {
				if a.Bucket != b.Bucket {
					return map[bool]int{true: -1, false: 1}[a.Bucket < b.Bucket]
				}
				return a.Time.Compare(b.Time)
			})
			var got []event.AccessLog
			for _, f := range tableFiles(t, dir) {
				got = append(got, readAccess(t, filepath.Join(dir, f))...)
			}
			if len(got) != len(want) {
				t.Fatalf("read %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Bucket != w.Bucket || !g.Time.Equal(w.Time) || g.SourceObject != w.SourceObject || g.SourceLine != w.SourceLine {
					t.Fatalf("row %d = (%s, %v, %s:%d), want (%s, %v, %s:%d)", i,
						g.Bucket, g.Time, g.SourceObject, g.SourceLine, w.Bucket, w.Time, w.SourceObject, w.SourceLine)
				}
			}
		})
	}
}

// readAccess reads a file's rows, checking its row groups' sizes.
func readAccess(tb testing.TB, path string) []event.AccessLog {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		tb.Fatalf("opening %s: %v", path, err)
	}
	for i, rg := range pf.RowGroups() {
		if n := rg.NumRows(); n > lake.RowGroupRows || n == 0 {
			tb.Errorf("%s: row group %d has %d rows, want 1 to %d", path, i, n, lake.RowGroupRows)
		}
	}
	rows, err := parquet.Read[event.AccessLog](f, fi.Size())
	if err != nil {
		tb.Fatal(fmt.Errorf("reading %s: %w", path, err))
	}
	return rows
}
