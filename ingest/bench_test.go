package ingest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
)

// benchIngest ingests a generated data set of one format into a fresh lake
// per iteration. Bytes are the decoded (uncompressed) log bytes; the
// lake/gz metric is the lake's size over the input's gzipped size.
func benchIngest(b *testing.B, only string, requestsPerDay int) {
	in, _ := generate(b, gen.Config{Only: only, Days: 1, RequestsPerDay: requestsPerDay,
		AccessLogInterval: 5 * time.Minute, CloudTrailInterval: 5 * time.Minute})
	gzBytes := gzipSize(b, in)
	var sum ingest.Summary
	var lakeBytes int64
	b.ResetTimer()
	for b.Loop() {
		dir := b.TempDir()
		sum = run(b, dir, ingest.Config{}, localSource(b, in))
		b.StopTimer()
		lakeBytes = dirSize(b, dir)
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.SetBytes(sum.BytesDecoded)
	b.ReportMetric(float64(lakeBytes)/float64(gzBytes), "lake/gz")
	b.ReportMetric(float64(sum.Rows["s3_access_logs"]+sum.Rows["cloudtrail"])/sum.Elapsed.Seconds(), "rows/s")
}

func BenchmarkIngestAccessLogs(b *testing.B) { benchIngest(b, "s3access", 200_000) }

func BenchmarkIngestCloudTrail(b *testing.B) { benchIngest(b, "cloudtrail", 60_000) }

func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return err
	})
	return n
}

// gzipSize is the size of the input as gzip (level 6) would store it:
// the .gz files as they are, other files compressed in memory.
func gzipSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			n += int64(len(b))
			return nil
		}
		n += gzLen(b)
		return nil
	})
	return n
}
