package policy_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/s3sift/s3sift/policy"
)

// benchRows is the size of the benchmark's traffic: the target is
// generate plus check over 10 million requests in under 5 seconds.
const benchRows = 10_000_000

// benchDB writes benchRows synthetic requests of 80 principals, a dozen
// actions, 20 000 keys and 5 000 IPs to a Parquet file (as the lake holds
// them) and serves s3_requests as a view over it.
func benchDB(b *testing.B) memDB {
	b.Helper()
	m := newMemDB(b)
	m.exec(b, "DROP TABLE s3_requests")
	path := filepath.Join(b.TempDir(), "requests.parquet")
	m.exec(b, fmt.Sprintf(`COPY (
	SELECT TIMESTAMP '2024-01-01' + to_seconds((i * 7919) %% 7776000) AS time,
		'acme' AS bucket,
		'p' || ((i // 7) %% 40) || '/k' || (i %% 20000) AS key,
		NULL::VARCHAR AS operation,
		['s3:GetObject','s3:PutObject','s3:ListBucket','s3:GetObject','s3:DeleteObject','s3:GetObjectTagging',
		 's3:GetObject','s3:GetBucketLocation','s3:PutObjectTagging','s3:GetObject','s3:AbortMultipartUpload','s3:GetObjectVersion'][1 + (i %% 12)] AS action,
		CASE WHEN i %% 80 = 0 THEN 'anonymous'
		     WHEN i %% 80 = 1 THEN 'logging.s3.amazonaws.com'
		     WHEN i %% 80 < 50 THEN 'arn:aws:iam::444455556666:role/app-' || (i %% 80)
		     ELSE 'arn:aws:iam::111122223333:user/u-' || (i %% 80) END AS principal_arn,
		CASE WHEN i %% 80 = 0 THEN 'Anonymous' WHEN i %% 80 = 1 THEN 'AWSService'
		     WHEN i %% 80 < 50 THEN 'AssumedRole' ELSE 'IAMUser' END AS principal_type,
		'session-' || (i %% 17) AS session_name,
		CASE WHEN i %% 80 = 0 THEN NULL WHEN i %% 80 < 50 THEN '444455556666' ELSE '111122223333' END AS account_id,
		'203.0.' || ((i // 3) %% 70) || '.' || (i %% 71) AS remote_ip,
		CASE WHEN i %% 97 = 0 THEN 403 WHEN i %% 89 = 0 THEN 404 ELSE 200 END AS http_status,
		CASE WHEN i %% 97 = 0 THEN 'AccessDenied' WHEN i %% 89 = 0 THEN 'NoSuchKey' END AS error_code,
		'SigV4' AS signature_version, 'AuthHeader' AS authentication_type,
		CASE WHEN i %% 2 = 0 THEN 'TLSv1.2' ELSE 'TLSv1.3' END AS tls_version,
		CASE WHEN i %% 5 = 0 THEN 'vpce-0abc' END AS vpc_endpoint_id,
		'R' || i AS request_id,
		i %% 3 <> 0 AS in_access_log, i %% 3 <> 1 AS in_cloudtrail,
		false AS internal,
		NULL::VARCHAR AS log_operation
	FROM range(%d) t(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 100000)`, benchRows, path))
	m.exec(b, fmt.Sprintf("CREATE VIEW s3_requests AS SELECT * FROM read_parquet('%s')", path))
	m.exec(b, `INSERT INTO cloudtrail VALUES ('s3.amazonaws.com', [{'arn': 'arn:aws:s3:::acme', 'account_id': '444455556666', 'type': 'AWS::S3::Bucket'}])`)
	return m
}

// BenchmarkPolicy builds the traffic once and runs, as sub-benchmarks:
// one generate plus one check of the generated policy (what `policy
// generate` and `policy check` run), and a check against a policy that
// looks at source IPs, VPC endpoints, time and key prefixes, the worst case
// for grouping.
func BenchmarkPolicy(b *testing.B) {
	m := benchDB(b)
	ctx := context.Background()
	w := policy.Window{Bucket: "acme"}
	b.Run("GenerateAndCheck", func(b *testing.B) {
		b.SetBytes(benchRows) // "bytes" are requests: MB/s reads as million requests/s
		c := cpuTime()
		for b.Loop() {
			u, err := policy.LoadUsage(ctx, m, policy.LoadConfig{Window: w})
			if err != nil {
				b.Fatal(err)
			}
			g, err := policy.Generate(u, policy.GenerateOptions{AllowAnonymous: true})
			if err != nil {
				b.Fatal(err)
			}
			doc, err := policy.ParseDocument(g.JSON)
			if err != nil {
				b.Fatal(err)
			}
			p, err := policy.Compile(doc)
			if err != nil {
				b.Fatal(err)
			}
			rep, err := policy.Check(ctx, m, p, policy.CheckConfig{Window: w})
			if err != nil {
				b.Fatal(err)
			}
			if rep.Requests != benchRows || len(rep.Broken) != 0 {
				b.Fatalf("replayed %d requests, %d broken findings; want %d, 0", rep.Requests, len(rep.Broken), benchRows)
			}
		}
		b.ReportMetric((cpuTime()-c).Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("CheckIPPolicy", func(b *testing.B) {
		p := compile(b, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::acme/p1*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.1.0/24"},"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-0abc"}}},
		{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::acme/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2024-02-01T00:00:00Z"}}}]}`)
		b.SetBytes(benchRows)
		c := cpuTime()
		for b.Loop() {
			rep, err := policy.Check(ctx, m, p, policy.CheckConfig{Window: w})
			if err != nil {
				b.Fatal(err)
			}
			if rep.Requests != benchRows {
				b.Fatalf("replayed %d requests, want %d", rep.Requests, benchRows)
			}
		}
		b.ReportMetric((cpuTime()-c).Seconds()/float64(b.N), "cpu-s/op")
	})
}
