package query_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// benchRequests is the number of access-log lines in the benchmark lake;
// CloudTrail holds a data event for every third of them plus 10% of
// requests only CloudTrail saw.
const benchRequests = 1_000_000

var (
	benchOnce sync.Once
	benchDir  string
	benchSize int64
)

// benchLake writes (once per process) a lake of benchRequests requests
// over 10 days with synthLake, one file per day and table.
func benchLake(b *testing.B) string {
	benchOnce.Do(func() {
		if dir := os.Getenv("S3SIFT_BENCH_LAKE"); dir != "" {
			// A lake written by an earlier run (kept with S3SIFT_BENCH_KEEP=1).
			benchDir, benchSize = dir, dirSize(dir)
			return
		}
		dir, err := os.MkdirTemp("", "s3sift-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		const days = 10
		synthLake(b, dir, days, benchRequests/days)
		benchSize = dirSize(dir)
	})
	if benchDir == "" {
		b.Fatal("benchmark lake not written")
	}
	return benchDir
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// TestMain removes the benchmark lake unless S3SIFT_BENCH_KEEP is set.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" && os.Getenv("S3SIFT_BENCH_LAKE") == "" {
		if os.Getenv("S3SIFT_BENCH_KEEP") != "" {
			fmt.Fprintln(os.Stderr, "benchmark lake kept in", benchDir)
		} else {
			os.RemoveAll(benchDir)
		}
	}
	os.Exit(code)
}

func benchQuery(b *testing.B, q string) {
	lake := benchLake(b)
	db := openLake(b, lake)
	ctx := context.Background()
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := db.Query(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
		if n == 0 {
			b.Fatal("no rows")
		}
	}
}

// BenchmarkRequestsAccessHistory is the access-history report's shape:
// principals and actions on one bucket.
func BenchmarkRequestsAccessHistory(b *testing.B) {
	benchQuery(b, `SELECT principal_arn, principal_type, action, count(*) AS requests,
		count(*) FILTER (WHERE NOT succeeded) AS denied, min(time), max(time),
		count(*) FILTER (WHERE in_access_log), count(*) FILTER (WHERE in_cloudtrail)
		FROM s3_requests WHERE bucket = 'bucket-3' GROUP BY ALL ORDER BY 1, 3`)
}

// BenchmarkRequestsAll aggregates every request of both logs.
func BenchmarkRequestsAll(b *testing.B) {
	benchQuery(b, `SELECT source, count(*), sum(bytes_sent) FROM s3_requests GROUP BY ALL`)
}

// BenchmarkRequestsOneDay filters on the partition date.
func BenchmarkRequestsOneDay(b *testing.B) {
	benchQuery(b, `SELECT remote_ip, count(*), sum(bytes_sent) FROM s3_requests WHERE date = DATE '2024-05-03' GROUP BY ALL`)
}

// BenchmarkAccessLogsOnly is the same aggregation over the access-log view
// alone, the floor for s3_requests.
func BenchmarkAccessLogsOnly(b *testing.B) {
	benchQuery(b, `SELECT requester, operation, count(*) FROM s3_access_logs WHERE bucket = 'bucket-3' GROUP BY ALL`)
}
