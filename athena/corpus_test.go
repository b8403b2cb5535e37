package athena_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/athena"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/query"
)

const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

// accessLine builds one 26-field access-log line.
func accessLine(when, ip, requester, id, op, key string, status int, bytes, size, sigv string) string {
	uri := "GET /mybucket/" + key + " HTTP/1.1"
	if key == "-" {
		uri = "GET /mybucket HTTP/1.1"
	}
	return fmt.Sprintf(`%s mybucket [%s] %s %s %s %s %s "%s" %d - %s %s 10 5 "-" "aws-cli/2.0" - hostid= %s ECDHE-RSA-AES128-GCM-SHA256 AuthHeader mybucket.s3.us-east-1.amazonaws.com TLSv1.2 - -`,
		owner, when, ip, requester, id, op, key, uri, status, bytes, size, sigv)
}

const user = "arn:aws:iam::123456789123:user/user_name"

var accessLines = []string{
	accessLine("18/Feb/2017:07:30:00 +0000", "1.2.3.4", user, "A1", "REST.DELETE.OBJECT", "images/picture.jpg", 204, "-", "-", "SigV4"),
	accessLine("18/Feb/2017:07:10:00 +0000", "1.2.3.4", owner, "A2", "REST.GET.OBJECT", "prefix/images/picture.jpg", 200, "100", "100", "SigV4"),
	accessLine("18/Feb/2017:09:00:00 +0000", "9.9.9.9", owner, "A3", "REST.GET.OBJECT", "prefix/images/picture.jpg", 200, "100", "100", "SigV4"),
	accessLine("10/Jun/2017:12:00:00 +0000", "1.2.3.4", owner, "A4", "REST.GET.OBJECT", "data/big.bin", 200, "500", "1000", "SigV2"),
	accessLine("01/Jul/2019:10:00:00 +0000", "5.6.7.8", user, "A5", "REST.PUT.OBJECT", "up/load.txt", 200, "-", "42", "SigV4"),
	accessLine("01/Jul/2019:12:00:00 +0000", "5.6.7.9", "-", "A6", "REST.GET.OBJECT", "public/index.html", 200, "7", "7", "SigV2"),
	accessLine("02/Jul/2019:01:00:00 +0000", "5.6.7.8", user, "A7", "REST.GET.OBJECT", "up/load.txt", 200, "42", "42", "SigV4"),
}

func ctRecord(when, name, sig, region string, identity string, key string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","userIdentity":%s,"eventTime":"%s","eventSource":"s3.amazonaws.com","eventName":"%s","awsRegion":"%s","sourceIPAddress":"1.2.3.4","userAgent":"[aws-cli/2.0]","requestParameters":{"bucketName":"mybucket","Host":"mybucket.s3.amazonaws.com","key":"%s"},"responseElements":null,"additionalEventData":{"SignatureVersion":"%s","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"x","bytesTransferredOut":10},"requestID":"C-%s-%s","eventID":"e-%s-%s","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::mybucket/%s"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789123","eventCategory":"Data"}`,
		identity, when, name, region, key, sig, name, when, name, when, key)
}

const iamUser = `{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789123:user/alice","accountId":"123456789123","accessKeyId":"AKIAEXAMPLE","userName":"alice"}`
const anonymous = `{"type":"AWSAccount","principalId":"ANONYMOUS_PRINCIPAL","accountId":"ANONYMOUS_PRINCIPAL"}`

var ctRecords = []string{
	ctRecord("2019-07-05T10:00:00Z", "PutObject", "SigV2", "us-east-1", iamUser, "a.txt"),
	ctRecord("2019-07-05T11:00:00Z", "GetObject", "SigV4", "us-east-1", anonymous, "b.txt"),
	ctRecord("2019-07-07T11:00:00Z", "GetObject", "SigV4", "us-east-1", iamUser, "c.txt"),
	ctRecord("2019-02-19T08:00:00Z", "GetObject", "SigV2", "us-east-1", iamUser, "d.txt"),
	ctRecord("2019-02-19T09:00:00Z", "GetObject", "SigV2", "eu-west-1", iamUser, "e.txt"),
}

// want holds each corpus query's expected rows, computed by hand from the
// lines and records above, as "|"-joined values in the query's order.
var want = map[string][]string{
	"cloudtrail-01-sigv2-events.sql": {
		`2019-07-05T10:00:00Z|PutObject|{"bucketName":"mybucket","Host":"mybucket.s3.amazonaws.com","key":"a.txt"}|us-east-1|1.2.3.4|[aws-cli/2.0]`,
		`2019-02-19T08:00:00Z|GetObject|{"bucketName":"mybucket","Host":"mybucket.s3.amazonaws.com","key":"d.txt"}|us-east-1|1.2.3.4|[aws-cli/2.0]`,
		`2019-02-19T09:00:00Z|GetObject|{"bucketName":"mybucket","Host":"mybucket.s3.amazonaws.com","key":"e.txt"}|eu-west-1|1.2.3.4|[aws-cli/2.0]`,
	},
	"cloudtrail-02-sigv2-requesters.sql": {"arn:aws:iam::123456789123:user/alice|3"},
	"cloudtrail-03-put-object.sql": {
		"2019-07-05T10:00:00Z|PutObject|s3.amazonaws.com|1.2.3.4|[aws-cli/2.0]|mybucket|a.txt|arn:aws:iam::123456789123:user/alice",
	},
	"cloudtrail-04-get-object.sql": {
		"2019-07-05T11:00:00Z|GetObject|s3.amazonaws.com|1.2.3.4|[aws-cli/2.0]|mybucket|b.txt|NULL",
	},
	"cloudtrail-05-anonymous.sql": {
		"2019-07-05T11:00:00Z|GetObject|s3.amazonaws.com|1.2.3.4|[aws-cli/2.0]|mybucket|NULL|ANONYMOUS_PRINCIPAL",
	},
	"cloudtrail-06-sigv2-requesters-partitioned.sql": {"arn:aws:iam::123456789123:user/alice|1"},
	"s3access-01-who-deleted.sql":                    {"18/Feb/2017:07:30:00 +0000|1.2.3.4|" + user + "|images/picture.jpg"},
	"s3access-02-by-iam-user.sql":                    {"A1", "A5", "A7"},
	"s3access-03-object-in-period.sql":               {"A2"},
	"s3access-04-bytes-by-ip.sql":                    {"500|1000|1500"},
	"s3access-05-sigv2-requesters.sql": {
		owner + "|SigV2|1", owner + "|SigV4|2", "-|SigV2|1", user + "|SigV4|3",
	},
	"s3access-06-put-in-period.sql":       {"mybucket|" + user + "|5.6.7.8|up/load.txt|200|-|01/Jul/2019:10:00:00 +0000"},
	"s3access-07-get-in-period.sql":       {"mybucket|-|5.6.7.9|public/index.html|200|-|01/Jul/2019:12:00:00 +0000"},
	"s3access-08-anonymous-in-period.sql": {"mybucket|-|5.6.7.9|public/index.html|200|-|01/Jul/2019:12:00:00 +0000"},
}

func openLake(tb testing.TB) *query.DB {
	tb.Helper()
	dir := tb.TempDir()
	logs, lake := filepath.Join(dir, "logs"), filepath.Join(dir, "lake")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		tb.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(logs, name), []byte(data), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("access.log", strings.Join(accessLines, "\n")+"\n")
	write("trail.json", `{"Records":[`+strings.Join(ctRecords, ",")+`]}`)
	if sum := testlake.Ingest(tb, logs, lake); sum.Rejects != 0 {
		tb.Fatalf("test input has %d rejects", sum.Rejects)
	}
	ctx := context.Background()
	db, err := query.Open(ctx, query.Config{Lake: lake, Setup: athena.Statements(athena.DefaultTables())})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestDocumentedQueries(t *testing.T) {
	db := openLake(t)
	files, err := filepath.Glob("../../shared/corpus/queries/athena/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus queries found: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expected rows for %s", name)
			}
			q, _, err := athena.Rewrite(string(data), athena.DefaultAccessLogTable)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(context.Background(), q)
			if err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			cols, vals := testlake.Scan(t, rows)
			var got []string
			for _, row := range vals {
				got = append(got, render(name, cols, row))
			}
			if !sameRows(got, w) {
				t.Errorf("rows:\n got %q\nwant %q", got, w)
			}
		})
	}
}

// render prints a row; for SELECT * queries only the request id, which
// names the line.
func render(name string, cols []string, vals []any) string {
	if name == "s3access-02-by-iam-user.sql" || name == "s3access-03-object-in-period.sql" {
		for i, c := range cols {
			if strings.EqualFold(c, "RequestID") {
				return fmt.Sprint(vals[i])
			}
		}
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
			parts[i] = "NULL"
		case time.Time:
			parts[i] = x.UTC().Format(time.RFC3339)
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	return strings.Join(parts, "|")
}

// sameRows compares rows ignoring order: none of the documented queries
// sorts.
func sameRows(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	for _, w := range want {
		count[w]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
