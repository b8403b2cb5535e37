package ingest_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/klauspost/compress/gzip"
	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/lake"
	"github.com/s3sift/s3sift/source"
)

// corpus is the shared sample logs, from this package's folder.
var corpus = filepath.Join("..", "..", "shared", "corpus")

func localSource(tb testing.TB, paths ...string) source.Source {
	tb.Helper()
	src, err := source.NewLocal(paths)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// run ingests sources into dir and fails the test on a run error.
func run(tb testing.TB, dir string, cfg ingest.Config, sources ...source.Source) ingest.Summary {
	tb.Helper()
	cfg.Lake = dir
	cfg.Sources = sources
	sum, err := ingest.Run(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return sum
}

// generate writes a synthetic data set without malformed lines.
func generate(tb testing.TB, cfg gen.Config) (string, *gen.Truth) {
	tb.Helper()
	dir := tb.TempDir()
	cfg.NoIncidents = true
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	truth, err := gen.Generate(dir, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, truth
}

// count runs a query returning one integer over the lake's table files.
func count(tb testing.TB, dir, table, where string) int64 {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(dir, table)); err != nil {
		return 0
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	q := "SELECT count(*) FROM read_parquet('" + filepath.Join(dir, table) + "/**/*.parquet', hive_partitioning = true)"
	if where != "" {
		q += " WHERE " + where
	}
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// distinctRows counts the distinct (source_object, source_line) pairs of a
// table: equal to count(*) when no row is duplicated.
func distinctRows(tb testing.TB, dir, table string) int64 {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var n int64
	q := "SELECT count(*) FROM (SELECT DISTINCT source_object, source_line FROM read_parquet('" + filepath.Join(dir, table) + "/**/*.parquet'))"
	if err := db.QueryRow(q).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

var lakeFile = regexp.MustCompile(`^(s3_access_logs/date=\d{4}-\d\d-\d\d|cloudtrail/date=\d{4}-\d\d-\d\d/region=[A-Za-z0-9_-]+|rejects/date=\d{4}-\d\d-\d\d)/\d{8}T\d{6}Z-[0-9a-f]{12}-\d{4}\.parquet$`)

// checkLakeFiles fails for anything under the lake other than complete
// table files named as the lake names them and the internal folder, and
// for any table file the manifest does not know.
func checkLakeFiles(tb testing.TB, dir string) {
	tb.Helper()
	l, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	known := map[string]bool{}
	for o := range l.Objects() {
		for _, f := range o.Files {
			known[f] = true
		}
	}
	l.Close()
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == lake.InternalDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !lakeFile.MatchString(rel) {
			tb.Errorf("stray file in the lake: %s", rel)
		} else if !known[rel] {
			tb.Errorf("table file %s is in no manifest record", rel)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	staging, _ := os.ReadDir(filepath.Join(dir, lake.InternalDir, "staging"))
	if len(staging) != 0 {
		tb.Errorf("staging holds %d entries after recovery, want none", len(staging))
	}
}

// touch moves a file's modification time forward, as an editor would.
func touch(tb testing.TB, path string) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	later := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		tb.Fatal(err)
	}
}

// gzLen returns the gzipped size of b at the default level.
func gzLen(b []byte) int64 {
	var c countWriter
	zw := gzip.NewWriter(&c)
	zw.Write(b)
	zw.Close()
	return int64(c)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
