package source_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/internal/s3test"
	"github.com/s3sift/s3sift/lake"
	"github.com/s3sift/s3sift/source"
)

// ingestFixture is a small bucket of both layouts for end-to-end runs.
func ingestFixture(t *testing.T) (*fixture, []string) {
	t.Helper()
	g := &genBucket{}
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	g.cloudTrail("", "", []string{"111122223333"}, []string{"us-east-1", "eu-west-1"}, start, 2, 4*time.Hour)
	g.accessSimple("simple/", start, 2, 2*time.Hour)
	g.accessPartitioned("part/", []string{"111122223333"}, []string{"us-east-1"}, "src", start, 2, 3*time.Hour)
	f := newFixture(t, g)
	return f, g.want("", source.Selection{})
}

// runIngest ingests the whole bucket into dir.
func runIngest(t *testing.T, ctx context.Context, f *fixture, dir string, sel source.Selection) (ingest.Summary, error) {
	t.Helper()
	return ingest.Run(ctx, ingest.Config{Lake: dir, Sources: []source.Source{f.source(t, "", sel)}, Workers: 4})
}

func TestS3IngestIncremental(t *testing.T) {
	f, want := ingestFixture(t)
	dir := t.TempDir()

	// First run: every log once, one GET each.
	sum, err := runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != int64(len(want)) || len(sum.Failed) != 0 || sum.Rejects != 0 {
		t.Fatalf("first run: %d objects, %d failed, %d rejects; want %d, 0, 0", sum.Objects, len(sum.Failed), sum.Rejects, len(want))
	}
	if got := f.proxy.Stats().GetTotal(); got != len(want) {
		t.Errorf("first run: %d GETs, want %d", got, len(want))
	}
	rows := totalRows(sum)
	if rows != int64(len(want)) {
		t.Errorf("first run: %d rows, want one per object, %d", rows, len(want))
	}
	checkManifest(t, dir, f, want)

	// Second run: nothing new, nothing downloaded.
	f.proxy.ResetStats()
	sum, err = runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != 0 || sum.Unchanged != int64(len(want)) || f.proxy.Stats().GetTotal() != 0 {
		t.Errorf("second run: %d objects, %d unchanged, %d GETs; want 0, %d, 0", sum.Objects, sum.Unchanged, f.proxy.Stats().GetTotal(), len(want))
	}

	// A rewritten object (new ETag) is read again, and only it.
	key := want[len(want)/2]
	o := genObj{key: key, t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.srv.Put(t, f.bucket, key, o.body(t))
	f.proxy.ResetStats()
	sum, err = runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != 1 || sum.Replaced != 1 || f.proxy.Stats().Gets[f.bucket+"/"+key] != 1 || f.proxy.Stats().GetTotal() != 1 {
		t.Errorf("after rewrite: %d objects, %d replaced, GETs %v; want 1, 1, one GET of %s", sum.Objects, sum.Replaced, f.proxy.Stats().Gets, key)
	}
}

func TestS3IngestFailuresRetriedNextRun(t *testing.T) {
	f, want := ingestFixture(t)
	dir := t.TempDir()
	denied, broken := want[1], want[len(want)-2]
	f.proxy.Inject(f.bucket, denied, s3test.AccessDenied, -1)
	f.proxy.Inject(f.bucket, broken, s3test.InternalErr, -1)
	sum, err := runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != int64(len(want)-2) || len(sum.Failed) != 2 {
		t.Fatalf("faulty run: %d objects, %d failed; want %d, 2", sum.Objects, len(sum.Failed), len(want)-2)
	}
	for _, fl := range sum.Failed {
		key := strings.TrimPrefix(fl.ID, "s3://logs/")
		switch key {
		case denied:
			if !errors.Is(fl.Err, source.ErrS3AccessDenied) || !strings.Contains(fl.Err.Error(), "s3://logs/"+denied) {
				t.Errorf("denied object: error %v, want access denied naming s3://logs/%s", fl.Err, denied)
			}
		case broken:
			if !strings.Contains(fl.Err.Error(), "InternalError") {
				t.Errorf("broken object: error %v, want the S3 error InternalError", fl.Err)
			}
		default:
			t.Errorf("unexpected failure %s: %v", fl.ID, fl.Err)
		}
	}
	// The faults clear: the next run reads exactly the two failed objects.
	f.proxy.Inject(f.bucket, denied, 0, 0)
	f.proxy.Inject(f.bucket, broken, 0, 0)
	f.proxy.ResetStats()
	sum, err = runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != 2 || len(sum.Failed) != 0 || f.proxy.Stats().GetTotal() != 2 {
		t.Errorf("next run: %d objects, %d failed, %d GETs; want 2, 0, 2", sum.Objects, len(sum.Failed), f.proxy.Stats().GetTotal())
	}
	checkManifest(t, dir, f, want)
	checkNoSecret(t, f.srv.SecretKey, f.logs.String())
}

func TestS3IngestResumesAfterInterruption(t *testing.T) {
	f, want := ingestFixture(t)
	dir := t.TempDir()
	// Stop the first run after a few downloads, as a kill would.
	ctx, cancel := context.WithCancel(context.Background())
	var opened atomic.Int64
	src := &cancelAfter{Source: f.source(t, "", source.Selection{}), n: 5, opened: &opened, cancel: cancel}
	sum1, _ := ingest.Run(ctx, ingest.Config{Lake: dir, Sources: []source.Source{src}, Workers: 2, CommitEvery: time.Millisecond})
	if sum1.Objects >= int64(len(want)) {
		t.Fatalf("interrupted run ingested all %d objects; the test needs it to stop early", sum1.Objects)
	}
	sum2, err := runIngest(t, context.Background(), f, dir, source.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum1.Objects + sum2.Objects; got != int64(len(want)) {
		t.Errorf("objects over both runs: %d + %d = %d, want %d", sum1.Objects, sum2.Objects, got, len(want))
	}
	if got := totalRows(sum1) + totalRows(sum2); got != int64(len(want)) {
		t.Errorf("rows over both runs: %d, want %d (no duplicates)", got, len(want))
	}
	checkManifest(t, dir, f, want)
}

// TestS3IngestShards splits one bucket between shards and checks that
// together they ingest every object once.
func TestS3IngestShards(t *testing.T) {
	f, want := ingestFixture(t)
	const n = 3
	var total int64
	for i := range n {
		sum, err := runIngest(t, context.Background(), f, t.TempDir(), source.Selection{Shard: i, Shards: n})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Objects == 0 {
			t.Errorf("shard %d/%d ingested nothing", i, n)
		}
		total += sum.Objects
	}
	if total != int64(len(want)) || f.proxy.Stats().GetTotal() != len(want) {
		t.Errorf("shards ingested %d objects in %d GETs, want %d each", total, f.proxy.Stats().GetTotal(), len(want))
	}
}

// cancelAfter cancels a run once n objects were opened.
type cancelAfter struct {
	source.Source
	n      int64
	opened *atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Open(ctx context.Context, o source.Object) (io.ReadCloser, error) {
	if c.opened.Add(1) == c.n {
		c.cancel()
	}
	return c.Source.Open(ctx, o)
}

func totalRows(s ingest.Summary) int64 {
	var n int64
	for _, r := range s.Rows {
		n += r
	}
	return n
}

// checkManifest checks the lake holds every wanted object at its current
// ETag.
func checkManifest(t *testing.T, dir string, f *fixture, want []string) {
	t.Helper()
	lk, err := lake.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if lk.Len() != len(want) {
		t.Errorf("manifest holds %d objects, want %d", lk.Len(), len(want))
	}
	s := f.source(t, "", source.Selection{})
	for _, o := range list(t, s) {
		got, ok := lk.Lookup(o.ID)
		if !ok || got.Version != o.Version {
			t.Errorf("manifest: %s at version %q (present %v), want %q", o.ID, got.Version, ok, o.Version)
		}
	}
}

// BenchmarkS3Ingest ingests whole buckets into a new lake each time:
// listing, download, gzip, parsing and Parquet writing together. The
// "local" runs ingest the same files from the server's own folder, the
// mark an S3 ingest of large objects should reach.
func BenchmarkS3Ingest(b *testing.B) {
	for _, bb := range benchBuckets() {
		b.Run(bb.name, func(b *testing.B) {
			srv, total := startBench(b, bb)
			for _, from := range []string{"s3", "local"} {
				b.Run(from, func(b *testing.B) {
					b.SetBytes(total)
					var decoded int64
					for b.Loop() {
						var src source.Source
						var err error
						if from == "s3" {
							src, err = source.NewS3(context.Background(), source.S3Config{Bucket: "logs", Prefix: bb.prefix,
								Conn: source.S3Conn{EndpointURL: srv.URL, Region: srv.Region, Credentials: srv.Credentials(), MaxConns: benchWorkers}})
						} else {
							src, err = source.NewLocal([]string{filepath.Join(srv.Dir, "logs", filepath.FromSlash(bb.prefix))})
						}
						if err != nil {
							b.Fatal(err)
						}
						dir, err := os.MkdirTemp(b.TempDir(), "lake")
						if err != nil {
							b.Fatal(err)
						}
						sum, err := ingest.Run(context.Background(), ingest.Config{Lake: dir, Sources: []source.Source{src}, Workers: benchWorkers})
						if err != nil {
							b.Fatal(err)
						}
						if sum.Objects != int64(bb.n) || len(sum.Failed) > 0 || sum.Rejects > 0 {
							b.Fatalf("ingested %d objects, %d failed, %d rejects; want %d, 0, 0", sum.Objects, len(sum.Failed), sum.Rejects, bb.n)
						}
						decoded += sum.BytesDecoded
						os.RemoveAll(dir)
					}
					secs := b.Elapsed().Seconds()
					b.ReportMetric(float64(bb.n)*float64(b.N)/secs, "objects/s")
					b.ReportMetric(float64(decoded)/1e6/secs, "decoded-MB/s")
				})
			}
		})
	}
}
