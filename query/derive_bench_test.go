package query_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/report"
)

// The reports benchmark's lake. Generating and ingesting 10 million
// requests takes many minutes, so:
//
//	S3SIFT_BENCH_REQUESTS_LAKE=/path/lake  builds the lake there once (if the
//	                                       folder does not exist) and reuses it
//	S3SIFT_BENCH_REQUESTS_DAYS=20          days generated (default 20)
//	S3SIFT_BENCH_REQUESTS_PER_DAY=500000   requests a day (default 500 000)
//
//	S3SIFT_BENCH_REQUESTS_SYNTHETIC=1      writes the lake's Parquet files
//	                                       directly (10 buckets, 40 roles,
//	                                       a CloudTrail record for every third
//	                                       request plus 10% CloudTrail-only):
//	                                       a minute instead of many
//
// Without S3SIFT_BENCH_REQUESTS_LAKE the lake is built in a temporary
// folder and removed afterwards.
func requestsBenchLake(b *testing.B) string {
	b.Helper()
	lake := os.Getenv("S3SIFT_BENCH_REQUESTS_LAKE")
	if lake != "" {
		if _, err := os.Stat(lake); err == nil {
			return lake
		}
	} else {
		lake = filepath.Join(b.TempDir(), "lake")
	}
	if os.Getenv("S3SIFT_BENCH_REQUESTS_SYNTHETIC") != "" {
		start := time.Now()
		days, perDay := envInt(b, "S3SIFT_BENCH_REQUESTS_DAYS", 20), envInt(b, "S3SIFT_BENCH_REQUESTS_PER_DAY", 500_000)
		synthLake(b, lake, days, perDay)
		b.Logf("wrote %d days × %d requests in %v", days, perDay, time.Since(start))
		return lake
	}
	cfg := gen.Config{Seed: 7, Days: envInt(b, "S3SIFT_BENCH_REQUESTS_DAYS", 20),
		RequestsPerDay:    envInt(b, "S3SIFT_BENCH_REQUESTS_PER_DAY", 500_000),
		AccessLogInterval: 15 * time.Minute, CloudTrailInterval: 15 * time.Minute}
	logs, err := os.MkdirTemp(filepath.Dir(lake), "logs-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(logs)
	start := time.Now()
	genIngest(b, logs, lake, cfg)
	b.Logf("generated and ingested %d days × %d requests in %v", cfg.Days, cfg.RequestsPerDay, time.Since(start))
	return lake
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// storedBytes is the size of the stored s3_requests files.
func storedBytes(b *testing.B, lake string) int64 {
	var n int64
	for _, f := range storedFiles(b, lake) {
		if fi, err := os.Stat(filepath.Join(lake, f)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BenchmarkDerive measures storing s3_requests of the whole benchmark lake
// from scratch (Force). Bytes are those of the Parquet written.
func BenchmarkDerive(b *testing.B) {
	lake := requestsBenchLake(b)
	for i := 0; i < b.N; i++ {
		sum, err := query.Derive(context.Background(), query.DeriveConfig{Lake: lake, Force: true})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(sum.Bytes)
		b.ReportMetric(float64(sum.Rows)/sum.Elapsed.Seconds(), "rows/s")
		b.Logf("Derive: %d days, %d rows, %d bytes in %v", sum.Days, sum.Rows, sum.Bytes, sum.Elapsed)
	}
}

// BenchmarkReports runs every report over the stored s3_requests of the
// benchmark lake (derived first if stale), with a busy bucket, one of its
// objects and a principal as parameters.
func BenchmarkReports(b *testing.B) {
	lake := requestsBenchLake(b)
	ctx := context.Background()
	sum, err := query.Derive(ctx, query.DeriveConfig{Lake: lake})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("Derive (incremental): %d days computed, %d unchanged, in %v", len(sum.Computed), sum.Unchanged, sum.Elapsed)
	db, err := query.Open(ctx, query.Config{Lake: lake, MemoryLimit: "3GB"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if st := db.Requests(); st.Stale() {
		b.Fatalf("s3_requests not stored after Derive: %+v", st)
	}
	total := count(b, db, "SELECT count(*) FROM s3_requests")
	var p report.Params
	row := queryStrings(b, db, "SELECT bucket, count(*) FROM s3_requests WHERE key IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
	p.Bucket = row[0]
	p.Key = queryStrings(b, db, "SELECT key FROM s3_requests WHERE bucket = ? AND key IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", p.Bucket)[0]
	p.Principal = queryStrings(b, db, "SELECT principal_arn FROM s3_requests WHERE principal_arn LIKE 'arn:%' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
	b.Logf("lake %s: %d requests; bucket %s, key %s, principal %s", lake, total, p.Bucket, p.Key, p.Principal)
	size := storedBytes(b, lake)
	for _, r := range report.List() {
		b.Run(r.Name, func(b *testing.B) {
			rp := report.Params{}
			for _, n := range r.Needs {
				switch n {
				case "bucket":
					rp.Bucket = p.Bucket
				case "key":
					rp.Key = p.Key
				case "principal":
					rp.Principal = p.Principal
				}
			}
			q, args, err := r.SQL(rp)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rows, err := db.Query(ctx, q, args...)
				if err != nil {
					b.Fatalf("%s: %v", r.Name, err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
				if i == 0 {
					b.ReportMetric(float64(n), "rows")
				}
			}
		})
	}
}

// queryStrings runs q and returns its first row as strings.
func queryStrings(tb testing.TB, db *query.DB, q string, args ...any) []string {
	tb.Helper()
	rows, err := db.Query(context.Background(), q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		tb.Fatalf("%s: no row", q)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(cols))
	for i, v := range vals {
		out[i] = v.String
	}
	return out
}

// synthLake writes days × perDay access-log lines straight into the lake's
// tables, with CloudTrail records for a third of them (straddling midnight
// now and then) and 10% more only CloudTrail saw.
func synthLake(b *testing.B, lake string, days, perDay int) {
	ops := []string{"REST.GET.OBJECT", "REST.PUT.OBJECT", "REST.HEAD.OBJECT", "REST.GET.BUCKET", "REST.DELETE.OBJECT"}
	names := map[string]string{"REST.GET.OBJECT": "GetObject", "REST.PUT.OBJECT": "PutObject", "REST.HEAD.OBJECT": "HeadObject", "REST.GET.BUCKET": "ListObjects", "REST.DELETE.OBJECT": "DeleteObject"}
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < days; d++ {
		logs := make([]event.AccessLog, 0, perDay)
		var cts []event.CloudTrail
		for i := 0; i < perDay; i++ {
			n := d*perDay + i
			bucket := fmt.Sprintf("bucket-%d", n%10)
			role := fmt.Sprintf("role-%d", n%40)
			op := ops[n%len(ops)]
			ts := t0.Add(time.Duration(d)*24*time.Hour + time.Duration(i)*time.Second*86400/time.Duration(perDay))
			id := fmt.Sprintf("REQ%012d", n)
			requester := assumedRole(role, fmt.Sprintf("s%d", n%7))
			if n%9 == 0 {
				requester = ""
			}
			al := accessLog(bucket, ts.Format(time.RFC3339), requester, id, op, fmt.Sprintf("data/%d.csv", n%50000), 200)
			al.RemoteIP = fmt.Sprintf("10.%d.%d.%d", n%7, n%251, n%13)
			al.Provenance.SourceLine = int64(n)
			logs = append(logs, al)
			if n%3 == 0 {
				cts = append(cts, ctS3(ts.Format(time.RFC3339), id, names[op], bucket, al.Key, roleIdentity("/svc/", role, fmt.Sprintf("s%d", n%7))))
			}
			if n%10 == 0 {
				cts = append(cts, ctS3(ts.Format(time.RFC3339), "CT"+id, "GetObject", bucket, "ct/only", roleIdentity("/svc/", role, "x")))
			}
		}
		day := t0.AddDate(0, 0, d).Format(time.DateOnly)
		writeParquet(b, lake, "s3_access_logs/date="+day+"/part-0.parquet", logs)
		writeParquet(b, lake, "cloudtrail/date="+day+"/region=us-east-1/part-0.parquet", cts)
	}
}
