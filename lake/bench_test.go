package lake_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// benchAccessRows makes n access-log rows shaped like real ones: a few
// buckets and operations, random request and host IDs, keys with shared
// prefixes, a day of times.
func benchAccessRows(n int) ([]event.AccessLog, int64) {
	r := rand.New(rand.NewPCG(1, 2))
	ops := []string{"REST.GET.OBJECT", "REST.PUT.OBJECT", "REST.HEAD.OBJECT", "REST.GET.BUCKET", "REST.DELETE.OBJECT"}
	agents := []string{"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5", "aws-cli/2.17.20 Python/3.11.9 Linux/6.1", "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#6.1"}
	rows := make([]event.AccessLog, n)
	var size int64
	day := time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	random := func(digits string, k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = digits[r.IntN(len(digits))]
		}
		return string(b)
	}
	hex := func(k int) string { return random("0123456789ABCDEF", k) }
	// Host IDs are base64 of random bytes, like S3's x-amz-id-2.
	hostID := func() string {
		return random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 75) + "="
	}
	for i := range rows {
		st, sent, obj, tt, ta := int32(200), int64(r.IntN(1<<20)), int64(r.IntN(1<<22)), int64(r.IntN(200)), int64(r.IntN(50))
		key := fmt.Sprintf("data/%04d/part-%05d.parquet", r.IntN(500), r.IntN(20000))
		rows[i] = event.AccessLog{
			BucketOwner: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
			Bucket:      fmt.Sprintf("acme-data-%02d", r.IntN(8)),
			Time:        day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))).Truncate(time.Second)),
			RemoteIP:    fmt.Sprintf("10.%d.%d.%d", r.IntN(4), r.IntN(256), r.IntN(256)),
			Requester:   fmt.Sprintf("arn:aws:sts::123456789012:assumed-role/role-%d/session", r.IntN(30)),
			RequestID:   hex(16), Operation: ops[r.IntN(len(ops))], Key: key, KeyRaw: key,
			RequestURI: "GET /" + key + " HTTP/1.1", HTTPStatus: &st, BytesSent: &sent, ObjectSize: &obj,
			TotalTimeMS: &tt, TurnAroundTimeMS: &ta, UserAgent: agents[r.IntN(len(agents))],
			HostID: hostID(), SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256",
			AuthenticationType: "AuthHeader", HostHeader: "acme-data.s3.us-east-1.amazonaws.com", TLSVersion: "TLSv1.3",
			FieldCount: 26, Provenance: event.Provenance{SourceObject: fmt.Sprintf("/logs/%d", i/2000), SourceLine: int64(i%2000 + 1)},
		}
		size += 600 // about the length of such a log line
	}
	return rows, size
}

// BenchmarkWriteAccessLogs measures staging sorted Parquet files; bytes are
// the log text the rows came from (about 600 bytes a line).
func BenchmarkWriteAccessLogs(b *testing.B) {
	rows, size := benchAccessRows(200_000)
	benchWrite(b, rows, size)
}

// BenchmarkWriteAccessLogsInOrder writes rows that arrive in the order
// they are stored in, as an object's time-ordered lines mostly do.
func BenchmarkWriteAccessLogsInOrder(b *testing.B) {
	rows, size := benchAccessRows(200_000)
	slices.SortStableFunc(rows, func(x, y event.AccessLog) int {
		if c := cmp.Compare(x.Bucket, y.Bucket); c != 0 {
			return c
		}
		return x.Time.Compare(y.Time)
	})
	benchWrite(b, rows, size)
}

func benchWrite(b *testing.B, rows []event.AccessLog, size int64) {
	chunks := lake.NewChunks(rows)
	l, err := lake.Open(context.Background(), b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.SetBytes(size)
	start := cpuTime()
	for b.Loop() {
		seg := l.NewSegment()
		if err := seg.WriteAccessLogs(chunks, chunks.Len()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(seg.Bytes())/float64(size), "parquet/text")
		seg.Abort()
	}
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
		b.ReportMetric(float64(len(rows))*float64(b.N)/used.Seconds(), "cpu-rows/s")
	}
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
