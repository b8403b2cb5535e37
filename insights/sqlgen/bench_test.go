package sqlgen_test

import (
	"errors"
	"testing"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/sqlgen"
)

var benchQueries = map[string]string{
	"corpus": `fields @message
| filter eventCategory == "Data"
| filter eventSource == 's3.amazonaws.com'
| filter requestParameters.bucketName == 'lucas-test-bucket'
| stats count(*) as count by eventSource, eventName, requestParameters.bucketName, userIdentity.sessionContext.sessionIssuer.userName`,
	"pipeline": `fields @timestamp, eventName, userIdentity.arn as who
| parse userAgent "*/*" as tool, version
| filter (errorCode like /Denied/ or isIpInSubnet(sourceIPAddress, "10.0.0.0/8")) and eventName not in ["HeadObject", "GetObjectAcl"]
| stats count(*) as n, count_distinct(sourceIPAddress) as ips, latest(eventName) as last by bin(1h), who, tool
| sort n desc
| limit 50`,
}

// BenchmarkParseCompile measures turning query text into SQL.
func BenchmarkParseCompile(b *testing.B) {
	for name, src := range benchQueries {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				q, err := insights.Parse(src)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sqlgen.Compile(q, sqlgen.Config{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzCompile checks that whatever parses compiles or fails with an
// ErrorList, never a panic.
func FuzzCompile(f *testing.F) {
	for _, s := range benchQueries {
		f.Add(s, 0)
	}
	for _, tc := range cases {
		f.Add(tc.src, len(tc.src)%3)
	}
	tables := []string{"cloudtrail", "s3_access_logs", "s3_requests"}
	f.Fuzz(func(t *testing.T, src string, table int) {
		q, err := insights.Parse(src)
		if err != nil {
			return
		}
		if table < 0 {
			table = -table
		}
		_, err = sqlgen.Compile(q, sqlgen.Config{Table: tables[table%len(tables)]})
		if err != nil {
			var el insights.ErrorList
			if !errors.As(err, &el) || len(el) == 0 {
				t.Fatalf("Compile error %T %v is not a non-empty ErrorList", err, err)
			}
		}
	})
}
