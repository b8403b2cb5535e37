package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/lake"
	"github.com/s3sift/s3sift/source"
)

// corpusIsLog says which corpus files hold logs. Everything else is
// documentation or test metadata that ingest must skip as not a log:
// MANIFEST.md and other .md/.txt/.yaml files, licences, the
// "-expected.json" documents, the CloudTrail digest, and the two JSONL
// files that wrap lines or records in test-case objects
// (s3access/logstash-patterns-core/*.jsonl, cloudtrail/awsdocs/*.jsonl).
func corpusIsLog(path string) bool {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, "-expected.json"), strings.Contains(base, "digest"):
		return false
	}
	return strings.HasSuffix(base, ".log") || strings.Contains(path, "detonation-logs") && strings.HasSuffix(base, ".json")
}

func TestCorpus(t *testing.T) {
	dir := t.TempDir()
	roots := []string{filepath.Join(corpus, "s3access"), filepath.Join(corpus, "cloudtrail")}
	sum := run(t, dir, ingest.Config{}, localSource(t, roots...))
	if sum.Rejects != 0 || len(sum.Failed) != 0 {
		t.Errorf("corpus: %d rejects, failed %v; want none", sum.Rejects, sum.Failed)
	}
	// Every access-log line of the .log files is a row.
	var wantLines int64
	var files int64
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			files++
			if strings.Contains(p, "s3access") && corpusIsLog(p) {
				b, _ := os.ReadFile(p)
				for _, l := range bytes.Split(b, []byte("\n")) {
					if len(bytes.TrimSpace(l)) > 0 {
						wantLines++
					}
				}
			}
			return nil
		})
	}
	if sum.Objects != files {
		t.Errorf("objects = %d, want every file (%d)", sum.Objects, files)
	}
	if got := sum.Rows[event.TableAccessLogs]; got != wantLines {
		t.Errorf("access log rows = %d, want %d (the lines of the .log files)", got, wantLines)
	}
	for _, table := range []string{event.TableAccessLogs, event.TableCloudTrail} {
		if got := count(t, dir, table, ""); got != sum.Rows[table] || got == 0 {
			t.Errorf("%s: DuckDB counts %d rows, summary says %d; want equal and non-zero", table, got, sum.Rows[table])
		}
	}
	l, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for o := range l.Objects() {
		isLog := corpusIsLog(o.ID)
		switch {
		case isLog && (o.Skipped != "" || o.Rows == 0):
			t.Errorf("%s: skipped %q with %d rows, want rows", o.ID, o.Skipped, o.Rows)
		case !isLog && !strings.HasPrefix(o.Skipped, "not a log: "):
			t.Errorf("%s: skipped %q with %d rows, want skipped as not a log", o.ID, o.Skipped, o.Rows)
		}
	}
}

func TestReingestIsNoopAndChangedObjectIsReread(t *testing.T) {
	in, truth := generate(t, gen.Config{})
	dir := t.TempDir()
	first := run(t, dir, ingest.Config{}, localSource(t, in))
	if first.Rows[event.TableAccessLogs] != truth.Rows.AccessLogs || first.Rows[event.TableCloudTrail] != truth.Rows.CloudTrail {
		t.Fatalf("first run rows = %v, want %d access and %d cloudtrail", first.Rows, truth.Rows.AccessLogs, truth.Rows.CloudTrail)
	}
	before := snapshot(t, dir)

	again := run(t, dir, ingest.Config{}, localSource(t, in))
	if again.Objects != 0 || again.Unchanged != first.Objects || len(again.Rows) != 0 {
		t.Errorf("second run: %d objects, %d unchanged, rows %v; want 0, %d, none", again.Objects, again.Unchanged, again.Rows, first.Objects)
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("second run changed the lake:\nbefore %s\nafter  %s", before, after)
	}

	// Touch one access log: it is read again, its old rows replaced.
	var victim string
	filepath.WalkDir(filepath.Join(in, "s3-access"), func(p string, d fs.DirEntry, err error) error {
		if victim == "" && err == nil && !d.IsDir() {
			victim = p
		}
		return err
	})
	victimAbs, _ := filepath.Abs(victim)
	rowsBefore := count(t, dir, event.TableAccessLogs, "source_object = '"+victimAbs+"'")
	touch(t, victim)
	third := run(t, dir, ingest.Config{}, localSource(t, in))
	if third.Objects != 1 || third.Replaced != 1 || third.Rows[event.TableAccessLogs] != rowsBefore {
		t.Errorf("after touch: %d objects, %d replaced, %d rows; want 1, 1, %d", third.Objects, third.Replaced, third.Rows[event.TableAccessLogs], rowsBefore)
	}
	for table, want := range map[string]int64{event.TableAccessLogs: truth.Rows.AccessLogs, event.TableCloudTrail: truth.Rows.CloudTrail} {
		if got, distinct := count(t, dir, table, ""), distinctRows(t, dir, table); got != want || distinct != want {
			t.Errorf("%s after re-read: %d rows, %d distinct, want %d", table, got, distinct, want)
		}
	}
	checkLakeFiles(t, dir)
}

// snapshot describes the lake's table files and manifest size.
func snapshot(tb testing.TB, dir string) string {
	tb.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "lock") {
			fi, _ := d.Info()
			rel, _ := filepath.Rel(dir, p)
			b.WriteString(rel + ":" + string(rune('0'+fi.Size()%10)) + " ")
		}
		return err
	})
	return b.String()
}

func TestTruncatedGzip(t *testing.T) {
	in, truth := generate(t, gen.Config{Only: "s3access", Days: 1, RequestsPerDay: 3000})
	var all bytes.Buffer
	filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all.Write(b)
		}
		return err
	})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(all.Bytes())
	zw.Close()
	src := t.TempDir()
	cut := filepath.Join(src, "cut.log.gz")
	if err := os.WriteFile(cut, gz.Bytes()[:gz.Len()*6/10], 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum := run(t, dir, ingest.Config{}, localSource(t, src))
	rows := sum.Rows[event.TableAccessLogs]
	if sum.Objects != 1 || sum.Rejects != 1 || len(sum.Failed) != 0 {
		t.Errorf("truncated gzip: %d objects, %d rejects, failed %v; want 1 object, 1 reject", sum.Objects, sum.Rejects, sum.Failed)
	}
	if rows < truth.Rows.AccessLogs/3 || rows >= truth.Rows.AccessLogs {
		t.Errorf("truncated gzip kept %d of %d rows, want the lines before the cut", rows, truth.Rows.AccessLogs)
	}
	if n := count(t, dir, event.TableRejects, "reason LIKE '%cut short%' AND source_object LIKE '%cut.log.gz'"); n != 1 {
		t.Errorf("rejects naming the cut = %d, want 1", n)
	}
	if again := run(t, dir, ingest.Config{}, localSource(t, src)); again.Objects != 0 || again.Unchanged != 1 {
		t.Errorf("rerun after truncated gzip: %d objects, %d unchanged; want 0, 1", again.Objects, again.Unchanged)
	}
}

// flakySource serves generated access logs from memory; objects named in
// failOpen cannot be opened and those in failRead break after half their
// bytes, as a network source might.
type flakySource struct {
	objects            map[string][]byte
	failOpen, failRead map[string]bool
}

func (s *flakySource) List(ctx context.Context, fn func(source.Object) error) error {
	for _, id := range []string{"s3://b/1", "s3://b/2", "s3://b/3"} {
		if err := fn(source.Object{ID: id, Size: int64(len(s.objects[id])), Version: "v1"}); err != nil {
			return err
		}
	}
	return nil
}

var errNetwork = errors.New("connection reset by peer")

func (s *flakySource) Open(ctx context.Context, o source.Object) (io.ReadCloser, error) {
	if s.failOpen[o.ID] {
		return nil, errNetwork
	}
	b := s.objects[o.ID]
	if s.failRead[o.ID] {
		return io.NopCloser(io.MultiReader(bytes.NewReader(b[:len(b)/2]), iotestErr{})), nil
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errNetwork }

func TestFailingSource(t *testing.T) {
	in, _ := generate(t, gen.Config{Only: "s3access", Days: 1, RequestsPerDay: 6000})
	src := &flakySource{objects: map[string][]byte{}}
	var blobs [][]byte
	filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			blobs = append(blobs, b)
		}
		return err
	})
	for i, id := range []string{"s3://b/1", "s3://b/2", "s3://b/3"} {
		src.objects[id] = bytes.Join(blobs[i*len(blobs)/3:(i+1)*len(blobs)/3], nil)
	}
	lines := func(id string) int64 { return int64(bytes.Count(src.objects[id], []byte("\n"))) }
	src.failOpen = map[string]bool{"s3://b/1": true}
	src.failRead = map[string]bool{"s3://b/3": true}
	dir := t.TempDir()
	// A tiny memory bound makes the broken object spill rows to staging
	// before it fails: they must not reach the lake.
	sum := run(t, dir, ingest.Config{Memory: 64 << 10, Workers: 1}, src)
	if len(sum.Failed) != 2 || sum.Failed[0].ID != "s3://b/1" || sum.Failed[1].ID != "s3://b/3" || !errors.Is(sum.Failed[1].Err, errNetwork) {
		t.Fatalf("failed = %v, want s3://b/1 and s3://b/3 with the source's error", sum.Failed)
	}
	if got := count(t, dir, event.TableAccessLogs, ""); sum.Objects != 1 || got != lines("s3://b/2") {
		t.Errorf("after failures: %d objects, %d rows; want 1 object with %d rows", sum.Objects, got, lines("s3://b/2"))
	}
	checkLakeFiles(t, dir)

	src.failOpen, src.failRead = nil, nil
	sum = run(t, dir, ingest.Config{Memory: 64 << 10}, src)
	if sum.Objects != 2 || sum.Unchanged != 1 {
		t.Errorf("retry: %d objects, %d unchanged; want the 2 failed ones read, 1 unchanged", sum.Objects, sum.Unchanged)
	}
	want := lines("s3://b/1") + lines("s3://b/2") + lines("s3://b/3")
	if got, distinct := count(t, dir, event.TableAccessLogs, ""), distinctRows(t, dir, event.TableAccessLogs); got != want || distinct != want {
		t.Errorf("after retry: %d rows, %d distinct; want %d", got, distinct, want)
	}
}

func TestConcurrentRunsIntoOneLake(t *testing.T) {
	in, truth := generate(t, gen.Config{})
	dir := t.TempDir()
	var wg sync.WaitGroup
	sums := make([]ingest.Summary, 2)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i] = run(t, dir, ingest.Config{Workers: 1}, localSource(t, in))
		}()
	}
	wg.Wait()
	if got := sums[0].Objects + sums[1].Objects; got != sums[0].Objects+sums[0].Unchanged {
		t.Errorf("two runs read %d objects in all, want each object once (%d)", got, sums[0].Objects+sums[0].Unchanged)
	}
	for table, want := range map[string]int64{event.TableAccessLogs: truth.Rows.AccessLogs, event.TableCloudTrail: truth.Rows.CloudTrail} {
		if got, distinct := count(t, dir, table, ""), distinctRows(t, dir, table); got != want || distinct != want {
			t.Errorf("%s: %d rows, %d distinct, want %d", table, got, distinct, want)
		}
	}
}

func TestSpillBigObject(t *testing.T) {
	// One object much bigger than the memory bound: rows go out in several
	// files before the object ends, and are committed with it.
	in, truth := generate(t, gen.Config{Only: "s3access", Days: 1, RequestsPerDay: 8000})
	var all bytes.Buffer
	filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all.Write(b)
		}
		return err
	})
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "big.log"), all.Bytes(), 0o644)
	dir := t.TempDir()
	var progress []ingest.Progress
	sum := run(t, dir, ingest.Config{Memory: 256 << 10, Workers: 1, Progress: func(p ingest.Progress) { progress = append(progress, p) }}, localSource(t, src))
	if got := count(t, dir, event.TableAccessLogs, ""); got != truth.Rows.AccessLogs || sum.Rows[event.TableAccessLogs] != got {
		t.Errorf("big object: %d rows in the lake, summary %d, want %d", got, sum.Rows[event.TableAccessLogs], truth.Rows.AccessLogs)
	}
	l, _ := lake.Open(context.Background(), dir, nil)
	o, _ := l.Lookup(filepath.Join(src, "big.log"))
	l.Close()
	if len(o.Files) < 3 {
		t.Errorf("big object went to %d files, want several (spilled)", len(o.Files))
	}
	last := progress[len(progress)-1]
	if last.ObjectsDone != 1 || last.ObjectsTotal != 1 || last.BytesDone != int64(all.Len()) || last.Listing {
		t.Errorf("last progress = %+v, want 1/1 objects and %d bytes, listing done", last, all.Len())
	}
	checkLakeFiles(t, dir)
}

func TestCancelCommitsWhatWasRead(t *testing.T) {
	in, truth := generate(t, gen.Config{Only: "s3access"})
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := ingest.Run(ctx, ingest.Config{Lake: dir, Sources: []source.Source{localSource(t, in)}, Workers: 1,
		ProgressEvery: time.Millisecond, Progress: func(p ingest.Progress) {
			if p.ObjectsDone >= 3 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: error %v, want context.Canceled", err)
	}
	l, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept := l.Len()
	l.Close()
	if kept == 0 {
		t.Errorf("cancelled run committed nothing, want the objects read before the cancel")
	}
	sum := run(t, dir, ingest.Config{}, localSource(t, in))
	if sum.Unchanged != int64(kept) {
		t.Errorf("rerun: %d unchanged, want the %d committed before the cancel", sum.Unchanged, kept)
	}
	if got, distinct := count(t, dir, event.TableAccessLogs, ""), distinctRows(t, dir, event.TableAccessLogs); got != truth.Rows.AccessLogs || distinct != got {
		t.Errorf("after cancel and rerun: %d rows, %d distinct, want %d", got, distinct, truth.Rows.AccessLogs)
	}
}

func TestCompact(t *testing.T) {
	in, truth := generate(t, gen.Config{Days: 1, RequestsPerDay: 6000})
	dir := t.TempDir()
	// A tiny memory bound leaves many small files.
	run(t, dir, ingest.Config{Memory: 256 << 10}, localSource(t, in))
	before := len(tableFilesOf(t, dir))
	l, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := l.Compact(context.Background())
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	after := len(tableFilesOf(t, dir))
	t.Logf("compact: %+v, files %d → %d", st, before, after)
	if st.FilesIn == 0 || after != before-st.FilesIn+st.FilesOut || after >= before {
		t.Errorf("compact: %+v, files %d → %d; want fewer files", st, before, after)
	}
	check := func(stage string) {
		t.Helper()
		for table, want := range map[string]int64{event.TableAccessLogs: truth.Rows.AccessLogs, event.TableCloudTrail: truth.Rows.CloudTrail} {
			if got, distinct := count(t, dir, table, ""), distinctRows(t, dir, table); got != want || distinct != want {
				t.Errorf("%s %s: %d rows, %d distinct, want %d", stage, table, got, distinct, want)
			}
		}
		checkLakeFiles(t, dir)
	}
	check("after compact")

	// Objects still find their rows: a changed object replaces them.
	var victim string
	filepath.WalkDir(filepath.Join(in, "s3-access"), func(p string, d fs.DirEntry, err error) error {
		if victim == "" && err == nil && !d.IsDir() {
			victim = p
		}
		return err
	})
	touch(t, victim)
	if sum := run(t, dir, ingest.Config{}, localSource(t, in)); sum.Replaced != 1 {
		t.Errorf("after compact and touch: %d replaced, want 1", sum.Replaced)
	}
	check("after compact and re-read")
}

// tableFilesOf lists the Parquet files under the lake's tables.
func tableFilesOf(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	for _, table := range []string{event.TableAccessLogs, event.TableCloudTrail, event.TableRejects} {
		filepath.WalkDir(filepath.Join(dir, table), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}
