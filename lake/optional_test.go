package lake_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// TestOptionalNulls writes string columns with patterns of empty (NULL)
// and set values that parquet-go v0.32.1 writes wrongly on its own (a
// short run of set values followed by NULLs to the end of a 64-row
// group: the NULLs came out as empty strings) and reads the files back
// value by value: every empty string must be NULL, every set one present.
func TestOptionalNulls(t *testing.T) {
	// pattern turns a string of '.' (empty) and 'x' (set) into values.
	pattern := func(p string) []bool {
		set := make([]bool, len(p))
		for i := range p {
			set[i] = p[i] == 'x'
		}
		return set
	}
	random := func(seed uint64, n int, density float64) []bool {
		r := rand.New(rand.NewPCG(seed, 7))
		set := make([]bool, n)
		for i := range set {
			set[i] = r.Float64() < density
		}
		return set
	}
	tests := []struct {
		name                     string
		errorCode, referer, vers []bool
	}{
		{"one set value, then NULLs", pattern(".x.."), nil, nil},
		{"run of 3 at 3, then NULLs", pattern("...xxx" + strings.Repeat(".", 58) + "x"), nil, nil},
		{"run of 31 at 31", pattern(strings.Repeat(".", 31) + strings.Repeat("x", 31) + "..x"), nil, nil},
		{"run of 32 at 32", pattern(strings.Repeat(".", 32) + strings.Repeat("x", 32) + "..x"), nil, nil},
		{"a cut exposes another column's run", pattern(".x" + strings.Repeat(".", 8) + strings.Repeat("x", 60)),
			pattern(strings.Repeat(".", 10) + strings.Repeat("x", 10) + strings.Repeat(".", 50)), nil},
		{"sparse", random(1, 5000, 0.02), random(2, 5000, 0.1), random(3, 5000, 0.01)},
		{"dense", random(4, 5000, 0.9), random(5, 5000, 0.5), random(6, 5000, 0.3)},
		{"short runs", random(7, 20000, 0.4), random(8, 20000, 0.6), random(9, 20000, 0.05)},
	}
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := max(len(tt.errorCode), len(tt.referer), len(tt.vers))
			value := func(set []bool, i int, v string) string {
				if i < len(set) && set[i] {
					return v
				}
				return ""
			}
			rows := make([]event.AccessLog, n)
			for i := range rows {
				rows[i] = event.AccessLog{Bucket: "b", Time: day.Add(time.Duration(i) * time.Second),
					ErrorCode: value(tt.errorCode, i, "NoSuchKey"), Referer: value(tt.referer, i, "https://example.com/"),
					VersionID:  value(tt.vers, i, fmt.Sprint("v", i)),
					Provenance: event.Provenance{SourceObject: "o", SourceLine: int64(i + 1)}}
			}
			dir := t.TempDir()
			l := openLake(t, dir)
			seg := l.NewSegment()
			if err := writeAccess(seg, rows); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(seg, []lake.Object{{ID: "o", Version: "1"}}); err != nil {
				t.Fatal(err)
			}
			got := map[int64][3]*string{}
			for _, f := range tableFiles(t, dir) {
				readNullable(t, filepath.Join(dir, f), got, "error_code", "referer", "version_id")
			}
			if len(got) != n {
				t.Fatalf("read %d rows, want %d", len(got), n)
			}
			for i, r := range rows {
				for c, want := range []string{r.ErrorCode, r.Referer, r.VersionID} {
					g := got[int64(i+1)][c]
					switch {
					case want == "" && g != nil:
						t.Errorf("row %d column %d = %q, want NULL", i, c, *g)
					case want != "" && (g == nil || *g != want):
						t.Errorf("row %d column %d = %v, want %q", i, c, g, want)
					}
				}
			}
		})
	}
}

// readNullable reads the named string columns of every row of a file into
// got, by source_line, with nil for NULL.
func readNullable(tb testing.TB, path string, got map[int64][3]*string, names ...string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		tb.Fatal(err)
	}
	index := func(name string) int {
		c, ok := pf.Schema().Lookup(name)
		if !ok {
			tb.Fatalf("%s: no column %s", path, name)
		}
		return c.ColumnIndex
	}
	line := index("source_line")
	cols := make([]int, len(names))
	for i, n := range names {
		cols[i] = index(n)
	}
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 100)
		for {
			k, err := rr.ReadRows(buf)
			for _, row := range buf[:k] {
				var vals [3]*string
				var ln int64
				for _, v := range row {
					if v.Column() == line {
						ln = v.Int64()
					}
					for i, c := range cols {
						if v.Column() == c && !v.IsNull() {
							s := v.String()
							vals[i] = &s
						}
					}
				}
				got[ln] = vals
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
		}
		rr.Close()
	}
}
