package exec_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/insights/exec"
	"github.com/s3sift/s3sift/query"
)

// benchRecords is the size of the benchmark lake.
const benchRecords = 10_000_000

var (
	benchOnce  sync.Once
	benchDB    *query.DB
	benchBytes int64
	benchErr   error
)

// benchLake writes a lake of benchRecords CloudTrail records (Parquet as the
// lake stores it: zstd, dictionaries, 100k-row groups) once per process.
// It is built by the benchmark, never committed.
func benchLake(b *testing.B) (*query.DB, int64) {
	benchOnce.Do(func() {
		dir := filepath.Join(tmpRoot, "bench-lake")
		benchBytes, benchErr = writeBenchLake(dir, benchRecords)
		if benchErr == nil {
			benchDB, benchErr = query.Open(context.Background(), query.Config{Lake: dir})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchBytes
}

func writeBenchLake(dir string, n int) (int64, error) {
	const perFile = 1_000_000
	names := []string{"GetObject", "PutObject", "HeadObject", "ListObjects", "DeleteObject", "GetObjectAcl", "CopyObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var total int64
	rows := make([]event.CloudTrail, 0, 10_000)
	for f := 0; f*perFile < n; f++ {
		day := start.AddDate(0, 0, f)
		path := filepath.Join(dir, "cloudtrail", "date="+day.Format(time.DateOnly), "region=us-east-1", fmt.Sprintf("bench-%02d.parquet", f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return 0, err
		}
		out, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		w := parquet.NewGenericWriter[event.CloudTrail](out, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(100_000))
		for i := f * perFile; i < (f+1)*perFile && i < n; i++ {
			issuer := fmt.Sprintf("role-%02d", i%23)
			bucket := fmt.Sprintf("bucket-%02d", i%17)
			r := event.CloudTrail{
				EventVersion:      "1.09",
				EventTime:         day.Add(time.Duration(i%perFile) * 86400 * time.Second / perFile),
				EventSource:       "s3.amazonaws.com",
				EventName:         names[i%len(names)],
				AWSRegion:         "us-east-1",
				SourceIPAddress:   fmt.Sprintf("10.0.%d.%d", i%7, i%251),
				UserAgent:         "aws-sdk-go-v2/1.30.0",
				RequestParameters: `{"bucketName":"` + bucket + `","Host":"` + bucket + `.s3.us-east-1.amazonaws.com","key":"data/part-` + fmt.Sprint(i%1000) + `.parquet"}`,
				// The copies the decoder fills at ingest.
				RequestBucket:      bucket,
				RequestKey:         "data/part-" + fmt.Sprint(i%1000) + ".parquet",
				RequestID:          fmt.Sprintf("R%015d", i),
				EventID:            fmt.Sprintf("E%015d", i),
				EventType:          "AwsApiCall",
				EventCategory:      "Data",
				RecipientAccountID: "111122223333",
				Provenance:         event.Provenance{SourceObject: "bench", SourceLine: int64(i)},
			}
			if i%10 == 0 {
				r.EventCategory = "Management"
			}
			r.UserIdentity.Type = "AssumedRole"
			r.UserIdentity.ARN = "arn:aws:sts::111122223333:assumed-role/" + issuer + "/s"
			r.UserIdentity.SessionContext.SessionIssuer.UserName = issuer
			r.UserIdentity.SessionContext.SessionIssuer.Type = "Role"
			rows = append(rows, r)
			if len(rows) == cap(rows) {
				if _, err := w.Write(rows); err != nil {
					return 0, err
				}
				rows = rows[:0]
			}
		}
		if _, err := w.Write(rows); err != nil {
			return 0, err
		}
		rows = rows[:0]
		if err := w.Close(); err != nil {
			return 0, err
		}
		fi, err := out.Stat()
		if err != nil {
			return 0, err
		}
		total += fi.Size()
		if err := out.Close(); err != nil {
			return 0, err
		}
	}
	return total, nil
}

func benchQuery(b *testing.B, src string, wantRows int) {
	db, size := benchLake(b)
	p, err := exec.Prepare(src, exec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := p.Run(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) != wantRows {
			b.Fatalf("%d rows, want %d", len(res.Rows), wantRows)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStatsByStructFields groups 10M records by columns, including a
// field of the userIdentity struct.
func BenchmarkStatsByStructFields(b *testing.B) {
	benchQuery(b, `stats count(*) as n by eventSource, eventName, userIdentity.sessionContext.sessionIssuer.userName`, 10*23)
}

// BenchmarkCorpusQuery runs the bucket-history query, whose filter and
// grouping read requestParameters.bucketName out of JSON, over 10M records.
func BenchmarkCorpusQuery(b *testing.B) {
	benchQuery(b, `fields @message
| filter eventCategory == "Data"
| filter eventSource == 's3.amazonaws.com'
| filter requestParameters.bucketName == 'bucket-03'
| stats count(*) as count by eventSource, eventName, requestParameters.bucketName, userIdentity.sessionContext.sessionIssuer.userName`, 9*23)
}

// BenchmarkStatsByJSONMember groups by a member of a free-form object.
func BenchmarkStatsByJSONMember(b *testing.B) {
	benchQuery(b, `stats count(*) by requestParameters.bucketName`, 17)
}
