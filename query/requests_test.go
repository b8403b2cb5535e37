package query_test

import (
	"fmt"
	"testing"

	"github.com/s3sift/s3sift/event"
)

const acct = "111122223333"

func assumedRole(role, session string) string {
	return "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session
}

// ctS3 is a hand-made CloudTrail S3 data event.
func ctS3(ts, reqID, name, bucket, key string, ui event.UserIdentity) event.CloudTrail {
	rp := fmt.Sprintf(`{"bucketName":%q,"Host":"%s.s3.us-east-1.amazonaws.com"`, bucket, bucket)
	if key != "" {
		rp += fmt.Sprintf(`,"key":%q`, key)
	}
	rp += "}"
	return event.CloudTrail{
		EventVersion: "1.09", UserIdentity: ui, EventTime: at(ts), EventSource: "s3.amazonaws.com",
		EventName: name, AWSRegion: "us-east-1", SourceIPAddress: "198.51.100.7", UserAgent: "Boto3/1.34",
		RequestParameters:   rp,
		AdditionalEventData: `{"SignatureVersion":"SigV4","AuthenticationMethod":"AuthHeader","bytesTransferredIn":42.0,"bytesTransferredOut":7}`,
		RequestID:           reqID, EventID: "ev-" + reqID, EventType: "AwsApiCall", EventCategory: "Data",
		RecipientAccountID: acct, VPCEndpointID: "vpce-0abc",
		TLSDetails: event.TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: bucket + ".s3.us-east-1.amazonaws.com"},
	}
}

func roleIdentity(path, role, session string) event.UserIdentity {
	return event.UserIdentity{
		Type: "AssumedRole", PrincipalID: "AROAEXAMPLE:" + session, ARN: assumedRole(role, session), AccountID: acct,
		SessionContext: event.SessionContext{SessionIssuer: event.SessionIssuer{
			Type: "Role", PrincipalID: "AROAEXAMPLE", ARN: "arn:aws:iam::" + acct + ":role" + path + role, AccountID: acct, UserName: role,
		}},
	}
}

// requestsLake writes access-log lines and CloudTrail records covering the
// cases s3_requests normalises.
func requestsLake(tb testing.TB) string {
	tb.Helper()
	lake := tb.TempDir()
	day := "2024-05-01T"
	logs := []event.AccessLog{
		accessLog("b", day+"10:00:00Z", assumedRole("etl-role", "s1"), "R1", "REST.GET.OBJECT", "data/1.csv", 200),
		accessLog("b", day+"10:01:00Z", assumedRole("etl-role", "s2"), "R2", "REST.GET.OBJECT", "data/2.csv", 200),
		accessLog("b", day+"10:02:00Z", assumedRole("other", "s3"), "R3", "REST.PUT.OBJECT", "data/3.csv", 200),
		accessLog("b", day+"10:03:00Z", "", "R4", "REST.GET.OBJECT", "public/x.html", 200),
		accessLog("b", day+"10:04:00Z", "svc:delivery.logs.amazonaws.com", "R5", "REST.PUT.OBJECT", "AWSLogs/x.gz", 200),
		accessLog("b", day+"10:05:00Z", "AmazonS3", "R6", "S3.EXPIRE.OBJECT", "old/y", 0),
		accessLog("b", day+"10:06:00Z", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "R10", "REST.GET.VERSIONING", "", 200),
		accessLog("b", day+"10:07:00Z", "arn:aws:iam::"+acct+":user/alice", "R11", "REST.POST.MULTI_OBJECT_DELETE", "", 200),
		accessLog("b", day+"10:07:00Z", "arn:aws:iam::"+acct+":user/alice", "R11", "BATCH.DELETE.OBJECT", "k1", 204),
		accessLog("b", day+"10:07:00Z", "arn:aws:iam::"+acct+":user/alice", "R11", "BATCH.DELETE.OBJECT", "k2", 204),
		accessLog("b", day+"10:08:00Z", "arn:aws:iam::"+acct+":user/alice", "R12", "REST.GET.ACL", "k1", 200),
		accessLog("b", day+"10:08:01Z", "arn:aws:iam::"+acct+":user/alice", "R13", "REST.GET.ACL", "", 200),
		accessLog("b", day+"10:09:00Z", "arn:aws:iam::"+acct+":user/alice", "R14", "REST.GET.OBJECT", "k1", 200),
		accessLog("b", day+"10:10:00Z", "arn:aws:iam::"+acct+":user/alice", "R15", "REST.GET.BUCKET", "", 200),
		accessLog("b", day+"10:11:00Z", assumedRole("ops", "s9"), "R16", "REST.HEAD.OBJECT", "k1", 200),
		accessLog("b", day+"10:12:00Z", "arn:aws:iam::"+acct+":root", "R17", "REST.GET.OBJECT", "secret", 403),
	}
	logs[5].HTTPStatus, logs[5].RemoteIP, logs[5].SignatureVersion, logs[5].TLSVersion = nil, "", "", ""
	logs[6].SignatureVersion, logs[6].TLSVersion = "SigV2", "TLSV1.1"
	logs[10].RequestURI = "GET /b/k1?acl HTTP/1.1"
	logs[12].RequestURI = "GET /b/k1?versionId=3HL4kqtJlcpXroDTDmJ HTTP/1.1"
	logs[13].RequestURI = "GET /b/?list-type=2&prefix=a HTTP/1.1"
	logs[15].ErrorCode = "AccessDenied"
	logs[3].SignatureVersion, logs[3].AuthenticationType = "", ""
	writeParquet(tb, lake, "s3_access_logs/date=2024-05-01/part-0.parquet", logs)

	alice := event.UserIdentity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLE", ARN: "arn:aws:iam::" + acct + ":user/alice", AccountID: acct, UserName: "alice"}
	cts := []event.CloudTrail{
		ctS3(day+"10:00:00Z", "R1", "GetObject", "b", "data/1.csv", roleIdentity("/data/", "etl-role", "s1")),
		ctS3(day+"11:00:00Z", "R7", "PutObject", "b", "in/7.csv", alice),
		ctS3(day+"11:01:00Z", "R8", "PutObject", "b", "AWSLogs/t.json.gz", event.UserIdentity{Type: "AWSService", InvokedBy: "cloudtrail.amazonaws.com"}),
		ctS3(day+"11:02:00Z", "R9", "GetObject", "b", "public/y.html", event.UserIdentity{Type: "AWSAccount", AccountID: "ANONYMOUS_PRINCIPAL"}),
		ctS3(day+"10:07:00Z", "R11", "DeleteObjects", "b", "", alice),
		ctS3(day+"11:03:00Z", "R18", "GetObject", "b", "k1", event.UserIdentity{Type: "AWSAccount", PrincipalID: "AROAOTHER:x", AccountID: "444455556666"}),
		// Not S3: only its session issuer (a role with a path) is used.
		{EventSource: "sts.amazonaws.com", EventName: "GetCallerIdentity", EventTime: at(day + "09:00:00Z"), RequestID: "STS1",
			UserIdentity: roleIdentity("/team/", "ops", "s9")},
	}
	// The same request delivered to a second account's trail.
	dup := ctS3(day+"10:00:00Z", "R1", "GetObject", "b", "data/1.csv", roleIdentity("/data/", "etl-role", "s1"))
	dup.EventID, dup.RecipientAccountID, dup.SharedEventID = "ev-R1-copy", "999988887777", "shared-R1"
	cts[0].SharedEventID = "shared-R1"
	cts = append(cts, dup)
	cts[1].RequestParameters = `{"bucketName":"b","key":"in/7.csv","versionId":null}`
	cts[5].ErrorCode = "AccessDenied"
	writeParquet(tb, lake, "cloudtrail/date=2024-05-01/region=us-east-1/part-0.parquet", cts)
	return lake
}

func TestRequests(t *testing.T) {
	db := openLake(t, requestsLake(t))
	role := func(path, name string) string { return "arn:aws:iam::" + acct + ":role" + path + name }
	alice := "arn:aws:iam::" + acct + ":user/alice"
	cases := []struct {
		name  string
		id    string    // request_id
		extra [2]string // optional column = value narrowing to one row
		want  map[string]any
	}{
		{"merged assumed role, path from sessionIssuer", "R1", [2]string{}, map[string]any{
			"operation": "GetObject", "action": "s3:GetObject", "principal_arn": role("/data/", "etl-role"),
			"principal_type": "AssumedRole", "session_name": "s1", "account_id": acct, "source": "both",
			"in_access_log": true, "in_cloudtrail": true, "vpc_endpoint_id": "vpce-0abc", "bytes_sent": int64(100),
			"remote_ip": "192.0.2.3", "event_name": "GetObject", "log_operation": "REST.GET.OBJECT", "succeeded": true,
			"event_id": "ev-R1", "http_status": int32(200), "internal": false}},
		{"access log only, role path recovered from CloudTrail", "R2", [2]string{}, map[string]any{
			"principal_arn": role("/data/", "etl-role"), "principal_type": "AssumedRole", "session_name": "s2",
			"source": "access_log", "in_cloudtrail": false, "event_name": nil, "vpc_endpoint_id": nil}},
		{"access log only, role path unknown", "R3", [2]string{}, map[string]any{
			"principal_arn": role("/", "other"), "operation": "PutObject", "action": "s3:PutObject", "bytes_received": int64(100)}},
		{"role path from a non-S3 CloudTrail event", "R16", [2]string{}, map[string]any{
			"principal_arn": role("/team/", "ops"), "operation": "HeadObject", "action": "s3:GetObject"}},
		{"anonymous", "R4", [2]string{}, map[string]any{
			"principal_arn": "anonymous", "principal_type": "Anonymous", "account_id": nil, "signature_version": nil,
			"authentication_type": nil, "requester": nil}},
		{"service principal in the access log", "R5", [2]string{}, map[string]any{
			"principal_arn": "delivery.logs.amazonaws.com", "principal_type": "AWSService", "action": "s3:PutObject"}},
		{"lifecycle is internal", "R6", [2]string{}, map[string]any{
			"action": nil, "internal": true, "operation": "LifecycleExpiration", "principal_arn": "s3.amazonaws.com",
			"principal_type": "AWSService", "log_operation": "S3.EXPIRE.OBJECT", "tls_version": nil}},
		{"canonical user, SigV2, TLS spelling", "R10", [2]string{}, map[string]any{
			"principal_type": "CanonicalUser", "principal_arn": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
			"signature_version": "SigV2", "tls_version": "TLSv1.1", "operation": "GetBucketVersioning", "action": "s3:GetBucketVersioning",
			"account_id": nil}},
		{"multi-object delete request line", "R11", [2]string{"log_operation", "REST.POST.MULTI_OBJECT_DELETE"}, map[string]any{
			"operation": "DeleteObjects", "action": "s3:DeleteObject", "source": "both", "principal_arn": alice, "principal_type": "IAMUser"}},
		{"multi-object delete key line", "R11", [2]string{"key", "k2"}, map[string]any{
			"operation": "DeleteObjects", "action": "s3:DeleteObject", "source": "both", "log_operation": "BATCH.DELETE.OBJECT"}},
		{"object ACL", "R12", [2]string{}, map[string]any{"operation": "GetObjectAcl", "action": "s3:GetObjectAcl"}},
		{"bucket ACL", "R13", [2]string{}, map[string]any{"operation": "GetBucketAcl", "action": "s3:GetBucketAcl", "key": nil}},
		{"versioned GET", "R14", [2]string{}, map[string]any{"operation": "GetObject", "action": "s3:GetObjectVersion"}},
		{"ListObjectsV2", "R15", [2]string{}, map[string]any{"operation": "ListObjectsV2", "action": "s3:ListBucket"}},
		{"denied", "R17", [2]string{}, map[string]any{
			"succeeded": false, "error_code": "AccessDenied", "principal_type": "Root", "principal_arn": "arn:aws:iam::" + acct + ":root"}},
		{"CloudTrail only", "R7", [2]string{}, map[string]any{
			"bucket": "b", "key": "in/7.csv", "operation": "PutObject", "action": "s3:PutObject", "principal_arn": alice,
			"principal_type": "IAMUser", "account_id": acct, "source": "cloudtrail", "in_access_log": false, "in_cloudtrail": true,
			"bytes_received": int64(42), "bytes_sent": int64(7), "signature_version": "SigV4", "authentication_type": "AuthHeader",
			"tls_version": "TLSv1.3", "cipher_suite": "TLS_AES_128_GCM_SHA256", "http_status": nil, "log_operation": nil,
			"remote_ip": "198.51.100.7", "host_header": "b.s3.us-east-1.amazonaws.com", "version_id": nil, "succeeded": true,
			"time": at("2024-05-01T11:00:00Z")}},
		{"CloudTrail service principal", "R8", [2]string{}, map[string]any{
			"principal_arn": "cloudtrail.amazonaws.com", "principal_type": "AWSService", "account_id": nil}},
		{"CloudTrail anonymous", "R9", [2]string{}, map[string]any{
			"principal_arn": "anonymous", "principal_type": "Anonymous", "account_id": nil}},
		{"CloudTrail bare cross-account caller", "R18", [2]string{}, map[string]any{
			"principal_arn": "arn:aws:iam::444455556666:root", "principal_type": "AWSAccount", "account_id": "444455556666",
			"succeeded": false, "error_code": "AccessDenied"}},
	}
	all := queryRows(t, db, "SELECT * FROM s3_requests")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rows []map[string]any
			for _, r := range all {
				if r["request_id"] == tc.id && (tc.extra[0] == "" || r[tc.extra[0]] == tc.extra[1]) {
					rows = append(rows, r)
				}
			}
			if len(rows) != 1 {
				t.Fatalf("request %s %v: %d rows, want 1", tc.id, tc.extra, len(rows))
			}
			for col, want := range tc.want {
				got, ok := rows[0][col]
				if !ok {
					t.Errorf("no column %s", col)
					continue
				}
				if fmt.Sprint(got) != fmt.Sprint(want) || (got == nil) != (want == nil) {
					t.Errorf("%s = %#v, want %#v", col, got, want)
				}
			}
		})
	}

	t.Run("row counts", func(t *testing.T) {
		got := queryRows(t, db, `SELECT source, count(*) AS n FROM s3_requests GROUP BY source ORDER BY source`)
		want := map[string]int64{"access_log": 12, "both": 4, "cloudtrail": 4}
		if len(got) != len(want) {
			t.Fatalf("sources %v, want %v", got, want)
		}
		for _, r := range got {
			if n := r["n"].(int64); n != want[r["source"].(string)] {
				t.Errorf("source %v: %d rows, want %d", r["source"], n, want[r["source"].(string)])
			}
		}
	})
}
