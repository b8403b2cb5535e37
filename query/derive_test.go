package query_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/lake"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/source"
)

// genIngest generates a data set into logs and ingests it into lake.
func genIngest(tb testing.TB, logs, lake string, cfg gen.Config) {
	tb.Helper()
	if _, err := gen.Generate(logs, cfg); err != nil {
		tb.Fatalf("generating: %v", err)
	}
	ingestDir(tb, logs, lake)
}

func ingestDir(tb testing.TB, logs, lake string) {
	tb.Helper()
	src, err := source.NewLocal([]string{logs})
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := ingest.Run(context.Background(), ingest.Config{Lake: lake, Sources: []source.Source{src},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatalf("ingesting %s: %v", logs, err)
	}
	if len(sum.Failed) > 0 {
		tb.Fatalf("ingesting %s: failed objects %v", logs, sum.Failed)
	}
}

func derive(tb testing.TB, lake string, force bool) query.DeriveSummary {
	tb.Helper()
	sum, err := query.Derive(context.Background(), query.DeriveConfig{Lake: lake, Threads: 2, Force: force})
	if err != nil {
		tb.Fatalf("Derive(%s): %v", lake, err)
	}
	return sum
}

// count runs a query returning one integer.
func count(tb testing.TB, db *query.DB, q string) int64 {
	tb.Helper()
	rows := queryRows(tb, db, q)
	if len(rows) != 1 || len(rows[0]) != 1 {
		tb.Fatalf("%s: got %v, want one value", q, rows)
	}
	for _, v := range rows[0] {
		switch n := v.(type) {
		case int64:
			return n
		case int32:
			return int64(n)
		}
		tb.Fatalf("%s: got %T %v, want an integer", q, v, v)
	}
	return 0
}

// sameAsLive checks that s3_requests and s3_requests_live hold the same
// multiset of rows with the same columns and types.
func sameAsLive(tb testing.TB, lake string) *query.DB {
	tb.Helper()
	db := openLake(tb, lake)
	desc := func(view string) []string {
		var out []string
		for _, r := range queryRows(tb, db, "DESCRIBE "+view) {
			out = append(out, fmt.Sprint(r["column_name"], " ", r["column_type"]))
		}
		return out
	}
	if got, want := desc("s3_requests"), desc("s3_requests_live"); !slices.Equal(got, want) {
		tb.Fatalf("columns of s3_requests:\n got %v\nwant %v", got, want)
	}
	n := count(tb, db, "SELECT count(*) FROM s3_requests")
	live := count(tb, db, "SELECT count(*) FROM s3_requests_live")
	if n != live || n == 0 {
		tb.Fatalf("rows: got %d stored, want %d (live), not 0", n, live)
	}
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT * FROM s3_requests EXCEPT ALL SELECT * FROM s3_requests_live)",
		"SELECT count(*) FROM (SELECT * FROM s3_requests_live EXCEPT ALL SELECT * FROM s3_requests)",
	} {
		if got := count(tb, db, q); got != 0 {
			tb.Fatalf("%s: got %d rows, want 0", q, got)
		}
	}
	return db
}

// storedFiles lists the files under <lake>/s3_requests.
func storedFiles(tb testing.TB, lake string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(lake, "s3_requests", "*", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	for i, f := range files {
		files[i], _ = filepath.Rel(lake, f)
	}
	return files
}

func TestDeriveIncremental(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	start := time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	genIngest(t, filepath.Join(dir, "a"), lake, gen.Config{Seed: 7, Start: start, Days: 3, RequestsPerDay: 500})

	db := openLake(t, lake)
	if st := db.Requests(); !st.Stale() || st.StoredDays != 0 || st.Reason == "" {
		t.Errorf("before Derive: got %+v, want every day live with a reason", st)
	}
	sum := derive(t, lake, false)
	if len(sum.Computed) != sum.Days || sum.Days < 3 || sum.Rows == 0 || sum.Reason == "" {
		t.Fatalf("first Derive: got %+v, want every day computed with a reason", sum)
	}
	db = sameAsLive(t, lake)
	if st := db.Requests(); st.Stale() || st.StoredDays != st.Days {
		t.Errorf("after Derive: got %+v, want every day stored", st)
	}
	files := storedFiles(t, lake)
	if len(files) != sum.Days {
		t.Errorf("stored files: got %v, want one for each of %d days", files, sum.Days)
	}

	// Nothing changed: nothing recomputed.
	if again := derive(t, lake, false); len(again.Computed) != 0 || again.Unchanged != sum.Days {
		t.Errorf("Derive again: got %+v, want every day unchanged", again)
	}

	// New days: only they and the day before are recomputed, as long as
	// the role paths CloudTrail shows are the same. Another seed: the same
	// seed would repeat the request IDs, which real logs never do.
	genIngest(t, filepath.Join(dir, "b"), lake, gen.Config{Seed: 8, Start: start.AddDate(0, 0, 3), Days: 2, RequestsPerDay: 500})
	db = openLake(t, lake)
	st := db.Requests()
	if !st.Stale() {
		t.Fatalf("after a new ingest: got %+v, want stale", st)
	}
	if got := count(t, db, "SELECT count(*) FROM (SELECT * FROM s3_requests EXCEPT ALL SELECT * FROM s3_requests_live)"); got != 0 {
		t.Errorf("stale s3_requests differs from the live view by %d rows", got)
	}
	sum2 := derive(t, lake, false)
	want := []string{"2024-11-06", "2024-11-07", "2024-11-08"}
	if !slices.Equal(sum2.Computed, want) || sum2.Reason != "" {
		t.Errorf("second Derive: got %+v, want only %v computed, no reason", sum2, want)
	}
	sameAsLive(t, lake)

	// A changed object of an old day: its day and neighbours.
	changeAccessLog(t, filepath.Join(dir, "a"), "2024-11-05")
	ingestDir(t, filepath.Join(dir, "a"), lake)
	if st := openLake(t, lake).Requests(); !st.Stale() {
		t.Fatalf("after replacing an object: got %+v, want stale", st)
	}
	sum3 := derive(t, lake, false)
	if want := []string{"2024-11-04", "2024-11-05", "2024-11-06"}; !slices.Equal(sum3.Computed, want) {
		t.Errorf("third Derive computed %v, want %v (the changed day and either side)", sum3.Computed, want)
	}
	sameAsLive(t, lake)

	// Forced: everything again, same rows.
	if f := derive(t, lake, true); len(f.Computed) != f.Days {
		t.Errorf("forced Derive: got %+v, want every day", f)
	}
	sameAsLive(t, lake)
	if left := leftovers(t, lake); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// changeAccessLog drops the last line of the largest access-log object of day.
func changeAccessLog(tb testing.TB, logs, day string) {
	tb.Helper()
	var target string
	var size int64
	filepath.WalkDir(filepath.Join(logs, "s3-access"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.Base(p), day) {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() > size {
			target, size = p, fi.Size()
		}
		return nil
	})
	if target == "" {
		tb.Fatalf("no access log of %s under %s", day, logs)
	}
	b, err := os.ReadFile(target)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) < 2 {
		tb.Fatalf("%s has %d lines, want at least 2", target, len(lines))
	}
	kept := strings.Join(lines[:len(lines)-1], "")
	if err := os.WriteFile(target, []byte(kept), 0o644); err != nil {
		tb.Fatal(err)
	}
	// The version is size and mtime: make sure it moves.
	later := time.Now().Add(time.Minute)
	os.Chtimes(target, later, later)
}

// leftovers lists what Derive's scratch folders still hold.
func leftovers(tb testing.TB, lake string) []string {
	tb.Helper()
	var out []string
	for _, d := range []string{"tmp", "spill"} {
		entries, _ := os.ReadDir(filepath.Join(lake, "_s3sift", "derive", d))
		for _, e := range entries {
			out = append(out, filepath.Join(d, e.Name()))
		}
	}
	return out
}

func TestDeriveStale(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "a"), lake, gen.Config{Seed: 7, RequestsPerDay: 500})
	derive(t, lake, false)

	tests := []struct {
		name   string
		change func(tb testing.TB)
	}{
		{"stored file removed", func(tb testing.TB) {
			files := storedFiles(tb, lake)
			if len(files) == 0 {
				tb.Fatal("no stored file")
			}
			if err := os.Remove(filepath.Join(lake, files[0])); err != nil {
				tb.Fatal(err)
			}
		}},
		{"state record removed", func(tb testing.TB) {
			if err := os.Remove(filepath.Join(lake, "_s3sift", "derive", "s3_requests.json")); err != nil {
				tb.Fatal(err)
			}
		}},
		{"state record damaged", func(tb testing.TB) {
			if err := os.WriteFile(filepath.Join(lake, "_s3sift", "derive", "s3_requests.json"), []byte("{"), 0o644); err != nil {
				tb.Fatal(err)
			}
		}},
		{"access-log file of a day added", func(tb testing.TB) {
			files, _ := filepath.Glob(filepath.Join(lake, "s3_access_logs", "date=*", "*.parquet"))
			if len(files) == 0 {
				tb.Fatal("no access-log file")
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(filepath.Dir(files[0]), "copy.parquet"), b, 0o644); err != nil {
				tb.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st := openLake(t, lake).Requests(); st.Stale() {
				t.Fatalf("before the change: got %+v, want fresh", st)
			}
			tt.change(t)
			db := openLake(t, lake)
			if st := db.Requests(); !st.Stale() || st.Reason == "" {
				t.Errorf("after the change: got %+v, want stale with a reason", st)
			}
			if got := count(t, db, "SELECT count(*) FROM (SELECT * FROM s3_requests_live EXCEPT ALL SELECT * FROM s3_requests)"); got != 0 {
				t.Errorf("stale s3_requests differs from the live view by %d rows", got)
			}
			if sum := derive(t, lake, false); len(sum.Computed) == 0 {
				t.Errorf("Derive after the change: got %+v, want days computed", sum)
			}
			sameAsLive(t, lake)
		})
	}
}

// TestDeriveChild is the child process of TestDeriveCrash: it derives the
// lake named by the environment, printing each day stored.
func TestDeriveChild(t *testing.T) {
	lake := os.Getenv("S3SIFT_DERIVE_CHILD_LAKE")
	if lake == "" {
		return // only run as the child
	}
	_, err := query.Derive(context.Background(), query.DeriveConfig{Lake: lake, Threads: 1, Force: true,
		Progress: func(day string, left int) { fmt.Printf("stored %s\n", day) }})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeriveCrash(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "a"), lake, gen.Config{Seed: 7, Days: 4, RequestsPerDay: 500})
	derive(t, lake, false)

	// Kill the child right after its k-th day, while it works on the next
	// (forced, so it rewrites days that are already stored).
	for k := 1; k <= 3; k++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDeriveChild$", "-test.v")
		cmd.Env = append(os.Environ(), "S3SIFT_DERIVE_CHILD_LAKE="+lake)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		seen := 0
		for seen < k && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "stored ") {
				seen++
			}
		}
		cmd.Process.Kill()
		io.Copy(io.Discard, out)
		cmd.Wait()
		if seen < k {
			t.Fatalf("child %d: stored %d days before it ended, want %d", k, seen, k)
		}
		// Whatever the kill left, every file under s3_requests is whole
		// and s3_requests equals the live view.
		db := openLake(t, lake)
		for _, f := range storedFiles(t, lake) {
			rel := filepath.ToSlash(f)
			if got := count(t, db, "SELECT count(*) FROM read_parquet('"+filepath.ToSlash(filepath.Join(db.Lake(), rel))+"')"); got == 0 {
				t.Errorf("after kill %d: %s has no rows", k, rel)
			}
		}
		sameAsLive(t, lake)
	}
	if sum := derive(t, lake, false); len(sum.Computed) == 0 && sum.Unchanged != sum.Days {
		t.Errorf("rerun: got %+v", sum)
	}
	db := sameAsLive(t, lake)
	if st := db.Requests(); st.Stale() {
		t.Errorf("after the rerun: got %+v, want fresh", st)
	}
	if left := leftovers(t, lake); len(left) > 0 {
		t.Errorf("left behind after the rerun: %v", left)
	}
	if files := storedFiles(t, lake); len(files) != db.Requests().Days {
		t.Errorf("stored files: got %v, want one per day (%d)", files, db.Requests().Days)
	}
}

// TestDeriveWaitsForWriter checks that Derive takes the lake's writer lock:
// while another writer (an ingest) holds it, Derive waits and writes
// nothing.
func TestDeriveWaitsForWriter(t *testing.T) {
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "a"), lakeDir, gen.Config{Seed: 7, Days: 1, RequestsPerDay: 200})
	lk, err := lake.Open(context.Background(), lakeDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := query.Derive(ctx, query.DeriveConfig{Lake: lakeDir}); err == nil {
		t.Errorf("Derive while the lake is locked: got no error, want it to wait until the context ends")
	}
	if files := storedFiles(t, lakeDir); len(files) != 0 {
		t.Errorf("Derive while the lake is locked wrote %v", files)
	}
	if err := lk.Close(); err != nil {
		t.Fatal(err)
	}
	if sum := derive(t, lakeDir, false); len(sum.Computed) == 0 {
		t.Errorf("Derive after the lock is released: got %+v, want days computed", sum)
	}
}

// TestDeriveOutOfMemory checks that DuckDB running out of its memory limit
// (after the retry on one thread) is reported as ErrOutOfMemory, leaves the
// lake answering right, and that a larger limit then stores the day.
func TestDeriveOutOfMemory(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	genIngest(t, filepath.Join(dir, "logs"), lake, gen.Config{Seed: 9, Days: 1, RequestsPerDay: 20000})
	_, err := query.Derive(context.Background(), query.DeriveConfig{Lake: lake, MemoryLimit: "4MB"})
	if !errors.Is(err, query.ErrOutOfMemory) {
		t.Fatalf("Derive with 4 MB: got %v, want ErrOutOfMemory", err)
	}
	if st := openLake(t, lake).Requests(); !st.Stale() {
		t.Errorf("after the failure: got %+v, want the day computed at query time", st)
	}
	if sum := derive(t, lake, false); len(sum.Computed) == 0 || sum.Direct != 0 {
		t.Errorf("Derive: got %+v, want the day merged and stored", sum)
	}
	sameAsLive(t, lake)
}
