package query_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/query"
)

// ctCorpus is the shared CloudTrail sample corpus, from this package's
// folder.
const ctCorpus = "../../shared/corpus/cloudtrail"

// ctRequestColumns pairs each s3_requests column the CloudTrail-only branch
// computes from one record with the column event.DeriveCloudTrail stores
// for it.
var ctRequestColumns = []struct {
	view, stored string
	text         bool // VARCHAR: the lake cannot tell '' from NULL
}{
	{"operation", "s3r_operation", true},
	{"action", "s3r_action", true},
	{"principal_arn", "s3r_principal_arn", true},
	{"principal_type", "s3r_principal_type", true},
	{"session_name", "s3r_session_name", true},
	{"account_id", "s3r_account_id", true},
	{"bytes_sent", "s3r_bytes_sent", false},
	{"bytes_received", "s3r_bytes_received", false},
	{"signature_version", "s3r_signature_version", true},
	{"authentication_type", "s3r_authentication_type", true},
	{"cipher_suite", "s3r_cipher_suite", true},
	{"host_header", "s3r_host_header", true},
	{"version_id", "s3r_version_id", true},
	{"internal", "s3r_internal", false},
}

// TestCloudTrailRequestColumns checks that the s3r_ columns stored with
// every CloudTrail S3 record equal what s3_requests_live computes for it
// when no access-log line has the request: for the sample corpus, a
// generated data set (CloudTrail only, so that no access-log line takes
// the requests) and hand-made records that probe every rule.
func TestCloudTrailRequestColumns(t *testing.T) {
	dir := t.TempDir()
	logs, lake := filepath.Join(dir, "logs"), filepath.Join(dir, "lake")
	if _, err := gen.Generate(filepath.Join(logs, "gen"), gen.Config{Seed: 23, Days: 1, RequestsPerDay: 1500, Only: "cloudtrail"}); err != nil {
		t.Fatalf("generating: %v", err)
	}
	tricky := filepath.Join(logs, "tricky", "records.jsonl")
	if err := os.MkdirAll(filepath.Dir(tricky), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tricky, []byte(strings.Join(trickyRecords(), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testlake.Ingest(t, logs, lake)
	testlake.Ingest(t, ctCorpus, lake)

	db, err := query.Open(context.Background(), query.Config{Lake: lake})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var sel, differ []string
	for _, c := range ctRequestColumns {
		v, s := "v."+c.view, "p."+c.stored
		if c.text {
			v, s = "nullif("+v+", '')", "nullif("+s+", '')"
		}
		sel = append(sel, fmt.Sprintf("%s AS view_%s, %s AS stored_%s", v, c.view, s, c.view))
		differ = append(differ, fmt.Sprintf("%s IS DISTINCT FROM %s", v, s))
	}
	files := quoteSQL(filepath.ToSlash(filepath.Join(lake, "cloudtrail", "*", "*", "*.parquet")))
	// Event IDs are unique in these inputs (checked below), so the join
	// pairs each row with its own record.
	base := fmt.Sprintf(`FROM s3_requests_live v
		JOIN read_parquet(%s, union_by_name = true) p ON p.event_id = v.event_id
		WHERE v.source = 'cloudtrail'`, files)

	if n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM (SELECT event_id FROM read_parquet(%s)
		WHERE event_source = 's3.amazonaws.com' GROUP BY event_id HAVING count(*) > 1)`, files)); n != 0 {
		t.Fatalf("%d event IDs name more than one S3 record: the join would pair them wrongly", n)
	}
	total := count(t, db, "SELECT count(*) "+base)
	if total < 1000 {
		t.Fatalf("compared %d CloudTrail-only rows, want at least 1000", total)
	}
	if n := count(t, db, "SELECT count(*) FROM s3_requests_live WHERE source = 'cloudtrail'"); n != total {
		t.Errorf("%d CloudTrail-only rows joined to their record, want all %d", total, n)
	}
	// The corpus holds few S3 records (3 when written); each must be in.
	corpus := count(t, db, "SELECT count(*) "+base+" AND p.source_object LIKE '%corpus%'")
	corpusS3 := count(t, db, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE event_source = 's3.amazonaws.com' AND source_object LIKE '%%corpus%%'", files))
	if corpus != corpusS3 || corpus < 3 {
		t.Errorf("compared %d rows of the sample corpus, want all its %d S3 records (at least 3)", corpus, corpusS3)
	}
	if n, want := count(t, db, "SELECT count(*) "+base+" AND v.event_id LIKE 'tricky-%'"), len(trickyRecords()); n != int64(want) {
		t.Errorf("hand-made records compared: got %d, want %d", n, want)
	}
	if n := count(t, db, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s) WHERE event_source <> 's3.amazonaws.com' AND (s3r_operation IS NOT NULL OR s3r_internal)", files)); n != 0 {
		t.Errorf("%d records of other services have s3r_ columns, want none", n)
	}

	rows, err := db.Query(context.Background(), "SELECT v.event_id, "+strings.Join(sel, ", ")+" "+base+
		" AND ("+strings.Join(differ, " OR ")+") ORDER BY v.event_id LIMIT 20")
	if err != nil {
		t.Fatal(err)
	}
	cols, diffs := testlake.Scan(t, rows)
	for _, r := range diffs {
		var b strings.Builder
		for i := 1; i+1 < len(r); i += 2 {
			if fmt.Sprint(r[i]) != fmt.Sprint(r[i+1]) {
				fmt.Fprintf(&b, " %s: view %v, stored %v;", strings.TrimPrefix(cols[i], "view_"), show(r[i]), show(r[i+1]))
			}
		}
		t.Errorf("event %v:%s", r[0], b.String())
	}
	t.Logf("compared %d CloudTrail-only rows, %d of them from the sample corpus", total, corpus)
}

func show(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// trickyRecords returns hand-made CloudTrail S3 records, one JSON object
// each, with IDs tricky-1, tricky-2, …: every principal shape, the
// spellings of the members s3_requests reads, and values of the wrong type.
func trickyRecords() []string {
	const role = `"userIdentity":{"type":"AssumedRole","principalId":"AROAX:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s-1","accountId":"111122223333"`
	const issuer = `"sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/path/app","accountId":"111122223333","userName":"app"}}`
	bodies := []string{
		// 1-5: principals.
		`"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"},"eventName":"GetObject"`,
		`"userIdentity":{"invokedBy":"cloudtrail.amazonaws.com"},"eventName":"PutObject"`,
		`"userIdentity":{"type":"AWSAccount","principalId":"AIDAX","accountId":"444455556666"},"eventName":"GetObject","awsRegion":"us-gov-west-1"`,
		`"userIdentity":{"type":"AWSAccount","principalId":"AIDAX","accountId":"4444-5555"},"eventName":"GetObject","awsRegion":"cn-north-1"`,
		role + `},"eventName":"GetObject"`,
		// 6-10: more principals.
		role + `,` + issuer + `},"eventName":"HeadObject"`,
		`"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"User","arn":"arn:aws:iam::111122223333:user/u"}}},"eventName":"GetObject"`,
		`"userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventName":"ListObjects"`,
		`"userIdentity":{"type":"Root","principalId":"111122223333","accountId":"111122223333"},"eventName":"ListBuckets"`,
		`"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com","accountId":"anonymous"},"eventName":"GetObject"`,
		// 11-16: operations and versions.
		`"eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k","versionId":"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}`,
		`"eventName":"DeleteObject","requestParameters":{"bucketName":"b","key":"k","versionId":""}`,
		`"eventName":"GetObject","requestParameters":{"bucketName":"b","key":"k","versionId":null}`,
		`"eventName":"PutObjectAcl","requestParameters":{"bucketName":"b","key":"k","versionId":12}`,
		`"eventName":"PutBucketLifecycle","requestParameters":{"bucketName":"b","versi\u006fnId":"v","Host":"h1","Host":"h2"}`,
		`"eventName":"REST.GET.ACL","requestParameters":{"bucketName":"b","key":"k"}`,
		// 17-20: operations.
		`"eventName":"S3.EXPIRE.OBJECT"`,
		`"eventName":"SomethingNew","requestParameters":{"bucketName":"b"}`,
		`"eventName":"REST.GET.OBJECT","requestParameters":{"versionId":"v"}`,
		`"eventName":"ListObjectsV1"`,
		// 21-28: byte counts.
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":2.5,"bytesTransferredOut":3.5}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":"  17 ","bytesTransferredOut":"1_024"}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":"12abc","bytesTransferredOut":true}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":-0.5,"bytesTransferredOut":1e3}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":"+.5e1","bytesTransferredOut":{"n":1}}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":9007199254740993,"bytesTransferredOut":"-4.5"}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":null,"bytesTransferredOut":""}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":12345678901234567,"bytesTransferredOut":0.49999999999999994}`,
		// 29-36: signatures, cipher suites, host headers.
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"s3v4","AuthenticationMethod":"QueryString","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"AWS","AuthenticationMethod":""},"requestParameters":{"Host":"b.s3.amazonaws.com"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"SigV2"},"tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"TLS_AES_256","clientProvidedHostHeader":"tls.host"},"requestParameters":{"Host":"rp.host"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"AWS4-HMAC-SHA256"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"-"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"weird"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":4,"CipherSuite":1.50,"AuthenticationMethod":["a", 1e2, {"k" : "\u00e9\n\u001f"}]}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"aws"},"requestParameters":{"Host":{"h":-0,"f":1e-7,"g":100000000000000000000000,"z":-1e-400}}`,
		// 37-40: JSON documents that are not objects, and escapes.
		`"eventName":"GetObject","additionalEventData":"text","requestParameters":[1,2]`,
		`"eventName":"GetObject","additionalEventData":{"CipherSuite":"tab\there \"q\" \ud83d\ude00"},"requestParameters":{"Host":"\u0041\/b"}`,
		`"eventName":"GetObject","additionalEventData":{"SignatureVersion":"Sig\u0056\u0034","CipherSuite":"x","CipherSuite":"y"}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":9223372036854774784,"bytesTransferredOut":-9223372036854775808}`,
		// Not numbers BIGINT holds: NULL, and no query fails because of them.
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":"NaN","bytesTransferredOut":1e30}`,
		`"eventName":"GetObject","additionalEventData":{"bytesTransferredIn":"-Infinity","bytesTransferredOut":9223372036854775808}`,
	}
	out := make([]string, len(bodies))
	for i, b := range bodies {
		if !strings.Contains(b, `"userIdentity"`) {
			b = role + `,` + issuer + `},` + b
		}
		if !strings.Contains(b, `"awsRegion"`) {
			b += `,"awsRegion":"eu-west-1"`
		}
		out[i] = fmt.Sprintf(`{"eventVersion":"1.10","eventTime":"2024-11-04T10:00:%02dZ","eventSource":"s3.amazonaws.com","eventID":"tricky-%d","requestID":"TRICKY%d",%s}`,
			i%60, i+1, i+1, b)
	}
	return out
}
