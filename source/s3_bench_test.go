package source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3sift/s3sift/internal/s3test"
	"github.com/s3sift/s3sift/source"
)

// benchWorkers is how many objects the benchmarks fetch at once.
const benchWorkers = 16

// benchBucket describes one benchmark data set.
type benchBucket struct {
	name   string
	prefix string
	n      int
	gen    func(tb testing.TB, i int) (key string, body []byte)
}

func benchBuckets() []benchBucket {
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return []benchBucket{
		{"access-20000", "logs/", 20000, func(tb testing.TB, i int) (string, []byte) {
			t := start.Add(time.Duration(i) * 13 * time.Second)
			var b bytes.Buffer
			for j := range 5 {
				b.Write(genObj{key: fmt.Sprintf("data/obj-%d-%d", i, j), t: t}.body(tb))
			}
			return "logs/" + t.Format("2006-01-02-15-04-05-") + fmt.Sprintf("%016X", i), b.Bytes()
		}},
		{"cloudtrail-2000", "AWSLogs/", 2000, func(tb testing.TB, i int) (string, []byte) {
			t := start.Add(time.Duration(i) * 5 * time.Minute)
			const acct, region = "111122223333", "us-east-1"
			key := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s%s_CloudTrail_%s_%s_%08X.json.gz",
				acct, region, t.Format("2006/01/02/"), acct, region, t.Format("20060102T1504Z"), i)
			return key, cloudTrailFile(tb, t, 100)
		}},
	}
}

// cloudTrailFile returns a gzipped CloudTrail file of n S3 data events.
func cloudTrailFile(tb testing.TB, t time.Time, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	io.WriteString(zw, `{"Records":[`)
	for i := range n {
		if i > 0 {
			io.WriteString(zw, ",")
		}
		fmt.Fprintf(zw, `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:session-%d","arn":"arn:aws:sts::111122223333:assumed-role/app/session-%d","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE%05d","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/app","accountId":"111122223333","userName":"app"},"attributes":{"creationDate":%q,"mfaAuthenticated":"false"}}},"eventTime":%q,"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","userAgent":"[aws-sdk-go-v2/1.30.0]","requestParameters":{"bucketName":"data","Host":"data.s3.us-east-1.amazonaws.com","key":"reports/%d.csv"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"abc","bytesTransferredOut":%d},"requestID":"REQ%08X%04X","eventID":"%08x-0000-4000-8000-%012x","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::data/reports/%d.csv"},{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::data"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"data.s3.us-east-1.amazonaws.com"}}`,
			i%7, i%7, i, t.Add(-time.Hour).Format(time.RFC3339), t.Add(-time.Duration(i)*time.Second).Format(time.RFC3339), i%250, i, 1000+i, uint32(t.Unix()), i, uint32(t.Unix()), i, i)
	}
	io.WriteString(zw, `]}`)
	zw.Close()
	return b.Bytes()
}

// startBench starts a server holding bb's objects and returns it with the
// total size stored.
func startBench(b *testing.B, bb benchBucket) (*s3test.Server, int64) {
	b.Helper()
	srv := s3test.Start(b)
	srv.CreateBucket(b, "logs")
	objs := make(map[string][]byte, bb.n)
	var total int64
	for i := range bb.n {
		k, body := bb.gen(b, i)
		objs[k] = body
		total += int64(len(body))
	}
	srv.Seed(b, "logs", objs)
	return srv, total
}

// BenchmarkS3Fetch lists and downloads whole buckets with benchWorkers
// downloads at once, the way ingest drives a source.
func BenchmarkS3Fetch(b *testing.B) {
	for _, bb := range benchBuckets() {
		b.Run(bb.name, func(b *testing.B) {
			srv, total := startBench(b, bb)
			s, err := source.NewS3(context.Background(), source.S3Config{Bucket: "logs", Prefix: bb.prefix,
				Conn: source.S3Conn{EndpointURL: srv.URL, Region: srv.Region, Credentials: srv.Credentials(), MaxConns: benchWorkers}})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				n, bytes, err := fetchAll(s, benchWorkers)
				if err != nil {
					b.Fatal(err)
				}
				if n != bb.n || bytes != total {
					b.Fatalf("fetched %d objects, %d bytes; want %d, %d", n, bytes, bb.n, total)
				}
			}
			b.ReportMetric(float64(bb.n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

// fetchAll reads every object s lists with workers downloads at once.
func fetchAll(s source.Source, workers int) (int, int64, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan source.Object, workers)
	var n, size atomic.Int64
	var once sync.Once
	var firstErr error
	fail := func(err error) {
		once.Do(func() { firstErr = err; cancel() })
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for o := range jobs {
				rc, err := s.Open(ctx, o)
				if err != nil {
					fail(err)
					continue
				}
				m, err := io.CopyBuffer(io.Discard, rc, buf)
				rc.Close()
				if err != nil {
					fail(err)
					continue
				}
				n.Add(1)
				size.Add(m)
			}
		}()
	}
	err := s.List(ctx, func(o source.Object) error {
		select {
		case jobs <- o:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return int(n.Load()), size.Load(), err
}

// BenchmarkS3FetchLatency fetches 2,000 small access logs through a proxy
// adding 10ms to every request, as a distant S3 would, with more and more
// downloads at once: the rate follows the concurrency, not the CPU.
func BenchmarkS3FetchLatency(b *testing.B) {
	bb := benchBuckets()[0]
	bb.n = 2000
	srv, total := startBench(b, bb)
	proxy := s3test.NewProxy(b, srv)
	proxy.Latency = 10 * time.Millisecond
	for _, workers := range []int{2, 16, 64} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			s, err := source.NewS3(context.Background(), source.S3Config{Bucket: "logs", Prefix: bb.prefix,
				Conn: source.S3Conn{EndpointURL: proxy.URL, Region: srv.Region, Credentials: srv.Credentials(), MaxConns: workers}})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(total)
			for b.Loop() {
				if n, _, err := fetchAll(s, workers); err != nil || n != bb.n {
					b.Fatalf("fetched %d objects, error %v; want %d", n, err, bb.n)
				}
			}
			b.ReportMetric(float64(bb.n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}
