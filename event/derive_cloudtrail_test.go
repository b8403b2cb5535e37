package event_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/event"
)

// want is the expected CloudTrailRequest of a case, with the byte counts
// as text ("" for NULL) so that a table row stays one line.
type want struct {
	op, action, arn, ptype, session, account string
	sent, received                           string
	sig, auth, cipher, host, version         string
	internal                                 bool
}

func got(r event.CloudTrailRequest) want {
	n := func(p *int64) string {
		if p == nil {
			return ""
		}
		return fmt.Sprint(*p)
	}
	return want{r.ReqOperation, r.ReqAction, r.ReqPrincipalARN, r.ReqPrincipalType, r.ReqSessionName, r.ReqAccountID,
		n(r.ReqBytesSent), n(r.ReqBytesReceived), r.ReqSignatureVersion, r.ReqAuthenticationType, r.ReqCipherSuite,
		r.ReqHostHeader, r.ReqVersionID, r.ReqInternal}
}

const (
	acctA       = "111122223333"
	sessionARN  = "arn:aws:sts::111122223333:assumed-role/app/s-1"
	roleNoPath  = "arn:aws:iam::111122223333:role/app"
	roleWithDir = "arn:aws:iam::111122223333:role/team/app"
)

// s3rec is an S3 GetObject record by an assumed role whose session issuer
// is known, changed by edit.
func s3rec(edit func(r *event.CloudTrail)) event.CloudTrail {
	r := event.CloudTrail{
		EventSource: "s3.amazonaws.com", EventName: "GetObject", AWSRegion: "eu-west-1",
		UserIdentity: event.UserIdentity{Type: "AssumedRole", PrincipalID: "AROAX:s-1", ARN: sessionARN, AccountID: acctA,
			SessionContext: event.SessionContext{SessionIssuer: event.SessionIssuer{Type: "Role", ARN: roleWithDir, AccountID: acctA}}},
		RequestParameters: `{"bucketName":"b","key":"k"}`,
	}
	if edit != nil {
		edit(&r)
	}
	return r
}

// base is what s3rec(nil) derives.
var base = want{op: "GetObject", action: "s3:GetObject", arn: roleWithDir, ptype: "AssumedRole", session: "s-1", account: acctA}

func with(edit func(w *want)) want {
	w := base
	edit(&w)
	return w
}

func aed(doc string) func(r *event.CloudTrail) {
	return func(r *event.CloudTrail) { r.AdditionalEventData = doc }
}

func rp(doc string) func(r *event.CloudTrail) {
	return func(r *event.CloudTrail) { r.RequestParameters = doc }
}

func TestDeriveCloudTrail(t *testing.T) {
	tests := []struct {
		name string
		rec  event.CloudTrail
		want want
	}{
		{"assumed role, issuer with path", s3rec(nil), base},
		{"assumed role, no issuer", s3rec(func(r *event.CloudTrail) { r.UserIdentity.SessionContext = event.SessionContext{} }),
			with(func(w *want) { w.arn = roleNoPath })},
		{"assumed role, issuer not a role", s3rec(func(r *event.CloudTrail) { r.UserIdentity.SessionContext.SessionIssuer.Type = "User" }),
			with(func(w *want) { w.arn = roleNoPath })},
		{"assumed role, session ARN without session", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity.ARN = "arn:aws:sts::111122223333:assumed-role/app"
			r.UserIdentity.SessionContext = event.SessionContext{}
		}), with(func(w *want) { w.arn, w.session = roleNoPath, "" })},
		{"assumed role, odd ARN taking LIKE's long way", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity.ARN = "arn:a/b:sts::1:x:assumed-role/r/s/t"
			r.UserIdentity.SessionContext = event.SessionContext{}
		}), with(func(w *want) { w.arn, w.session = "arn:a/b:iam::1:role/b:sts::1:x:assumed-role", "r" })},
		{"anonymous", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "AWSAccount", AccountID: "ANONYMOUS_PRINCIPAL"}
		}), with(func(w *want) { w.arn, w.ptype, w.session, w.account = "anonymous", "Anonymous", "", "" })},
		{"account spelled anonymous", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "AWSService", AccountID: "anonymous", InvokedBy: "x"}
		}), with(func(w *want) { w.arn, w.ptype, w.session, w.account = "anonymous", "Anonymous", "", "anonymous" })},
		{"service by invokedBy alone", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{InvokedBy: "cloudtrail.amazonaws.com"}
		}), with(func(w *want) { w.arn, w.ptype, w.session, w.account = "cloudtrail.amazonaws.com", "AWSService", "", "" })},
		{"cross-account caller, GovCloud", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "AWSAccount", PrincipalID: "AIDAX", AccountID: "444455556666"}
			r.AWSRegion = "us-gov-west-1"
		}), with(func(w *want) {
			w.arn, w.ptype, w.session, w.account = "arn:aws-us-gov:iam::444455556666:root", "AWSAccount", "", "444455556666"
		})},
		{"cross-account caller, China", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "AWSAccount", AccountID: "444455556666"}
			r.AWSRegion = "cn-north-1"
		}), with(func(w *want) {
			w.arn, w.ptype, w.session, w.account = "arn:aws-cn:iam::444455556666:root", "AWSAccount", "", "444455556666"
		})},
		{"cross-account caller, not an account ID", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "AWSAccount", PrincipalID: "AIDAX", AccountID: "4444555566667"}
		}), with(func(w *want) { w.arn, w.ptype, w.session, w.account = "", "AWSAccount", "", "4444555566667" })},
		{"root without ARN", s3rec(func(r *event.CloudTrail) {
			r.UserIdentity = event.UserIdentity{Type: "Root", PrincipalID: acctA, AccountID: acctA}
		}), with(func(w *want) { w.arn, w.ptype, w.session = acctA, "Root", "" })},

		{"version ID", s3rec(rp(`{"bucketName":"b","key":"k","versionId":"v1"}`)),
			with(func(w *want) { w.action, w.version = "s3:GetObjectVersion", "v1" })},
		{"empty version ID still names a version", s3rec(func(r *event.CloudTrail) {
			r.EventName = "DeleteObject"
			r.RequestParameters = `{"versionId":""}`
		}), with(func(w *want) { w.op, w.action = "DeleteObject", "s3:DeleteObjectVersion" })},
		{"null version ID", s3rec(rp(`{"versionId":null}`)), base},
		{"numeric version ID, escaped name", s3rec(rp(`{"versi\u006fnId":12}`)),
			with(func(w *want) { w.action, w.version = "s3:GetObjectVersion", "12" })},
		{"first of repeated members", s3rec(rp(`{"Host":"h1","Host":"h2","versionId":null,"versionId":"v"}`)),
			with(func(w *want) { w.host = "h1" })},
		{"version ID of an action without a version", s3rec(func(r *event.CloudTrail) {
			r.EventName = "PutObject"
			r.RequestParameters = `{"versionId":"v"}`
		}), with(func(w *want) { w.op, w.action, w.version = "PutObject", "s3:PutObject", "v" })},
		{"older eventName", s3rec(func(r *event.CloudTrail) { r.EventName = "PutBucketLifecycle" }),
			with(func(w *want) { w.op, w.action = "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration" })},
		{"internal operation", s3rec(func(r *event.CloudTrail) { r.EventName = "S3.EXPIRE.OBJECT" }),
			with(func(w *want) { w.op, w.action, w.internal = "LifecycleExpiration", "", true })},
		{"unknown internal operation", s3rec(func(r *event.CloudTrail) { r.EventName = "S3.SOMETHING" }),
			with(func(w *want) { w.op, w.action = "S3.SOMETHING", "" })},
		{"operation of a bucket and an object API", s3rec(func(r *event.CloudTrail) { r.EventName = "REST.GET.ACL" }),
			with(func(w *want) { w.op, w.action = "REST.GET.ACL", "" })},
		{"unknown operation", s3rec(func(r *event.CloudTrail) { r.EventName = "Brand-New" }),
			with(func(w *want) { w.op, w.action = "Brand-New", "" })},

		{"byte counts round half to even", s3rec(aed(`{"bytesTransferredIn":2.5,"bytesTransferredOut":3.5}`)),
			with(func(w *want) { w.received, w.sent = "2", "4" })},
		{"byte counts as text", s3rec(aed(`{"bytesTransferredIn":"  17 ","bytesTransferredOut":"1_024"}`)),
			with(func(w *want) { w.received, w.sent = "17", "1024" })},
		{"byte counts that do not cast", s3rec(aed(`{"bytesTransferredIn":"12abc","bytesTransferredOut":true}`)), base},
		{"byte counts beyond BIGINT, where the SQL fails", s3rec(aed(`{"bytesTransferredIn":1e30,"bytesTransferredOut":"NaN"}`)), base},
		{"byte counts, infinities", s3rec(aed(`{"bytesTransferredIn":"-Infinity","bytesTransferredOut":9223372036854775808}`)), base},
		{"byte counts, edges", s3rec(aed(`{"bytesTransferredIn":-0.5,"bytesTransferredOut":-9223372036854775808}`)),
			with(func(w *want) { w.received, w.sent = "0", "-9223372036854775808" })},
		{"byte counts, exponent and big integers", s3rec(aed(`{"bytesTransferredIn":"+.5e1","bytesTransferredOut":9007199254740993}`)),
			with(func(w *want) { w.received, w.sent = "5", "9007199254740992" })},
		{"byte counts, fraction of zeros", s3rec(aed(`{"bytesTransferredIn":0.0,"bytesTransferredOut":1024.000}`)),
			with(func(w *want) { w.received, w.sent = "0", "1024" })},

		{"SigV2 as AWS", s3rec(aed(`{"SignatureVersion":"AWS"}`)), with(func(w *want) { w.sig = "SigV2" })},
		{"SigV2 as aws with a long s", s3rec(aed(`{"SignatureVersion":"aw\u017f"}`)), with(func(w *want) { w.sig = "SigV2" })},
		{"SigV2 as s3v2", s3rec(aed(`{"SignatureVersion":"S3V2"}`)), with(func(w *want) { w.sig = "SigV2" })},
		{"SigV4 as s3v4", s3rec(aed(`{"SignatureVersion":"s3v4"}`)), with(func(w *want) { w.sig = "SigV4" })},
		{"SigV4 as AWS4-HMAC-SHA256", s3rec(aed(`{"SignatureVersion":"aws4-hmac-sha256"}`)), with(func(w *want) { w.sig = "SigV4" })},
		{"signature dash", s3rec(aed(`{"SignatureVersion":"-"}`)), base},
		{"signature unknown", s3rec(aed(`{"SignatureVersion":"weird"}`)), with(func(w *want) { w.sig = "weird" })},
		{"signature as a number", s3rec(aed(`{"SignatureVersion":4}`)), with(func(w *want) { w.sig = "4" })},

		{"cipher suite and host from the JSON documents", s3rec(func(r *event.CloudTrail) {
			r.AdditionalEventData = `{"CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","AuthenticationMethod":"QueryString"}`
			r.RequestParameters = `{"Host":"b.s3.amazonaws.com"}`
		}), with(func(w *want) {
			w.cipher, w.auth, w.host = "ECDHE-RSA-AES128-GCM-SHA256", "QueryString", "b.s3.amazonaws.com"
		})},
		{"tlsDetails first", s3rec(func(r *event.CloudTrail) {
			r.AdditionalEventData = `{"CipherSuite":"aed"}`
			r.RequestParameters = `{"Host":"rp"}`
			r.TLSDetails = event.TLSDetails{CipherSuite: "tls", ClientProvidedHostHeader: "tls.host"}
		}), with(func(w *want) { w.cipher, w.host = "tls", "tls.host" })},
		{"values of other types as DuckDB writes them", s3rec(func(r *event.CloudTrail) {
			r.AdditionalEventData = `{"CipherSuite":1.50,"AuthenticationMethod":["a",1e2,{"k":"\u00e9\n\u001f\/"},-0,1e21,1.5e-7,0.000001,1E400,123456789012345678901234]}`
			r.RequestParameters = `{"Host":{"t":true,"n":null,"z":-1e-400,"e":1e-7}}`
		}), with(func(w *want) {
			w.cipher = "1.5"
			w.auth = `["a",100.0,{"k":"é\n\u001F/"},0,1e21,1.5e-7,0.000001,1E400,123456789012345678901234]`
			w.host = `{"t":true,"n":null,"z":-0.0,"e":1e-7}`
		})},
		{"escapes", s3rec(aed(`{"CipherSuite":"tab\there \"q\" \ud83d\ude00 \ud800"}`)),
			with(func(w *want) { w.cipher = "tab\there \"q\" 😀 \uFFFD" })},
		{"documents that are not objects", s3rec(func(r *event.CloudTrail) {
			r.AdditionalEventData = `"text"`
			r.RequestParameters = `[{"versionId":"v"}]`
		}), base},
		{"members of nested objects do not count", s3rec(rp(`{"x":{"versionId":"v","Host":"h"},"y":["Host"]}`)), base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.rec
			event.DeriveCloudTrail(&rec)
			if g := got(rec.CloudTrailRequest); g != tt.want {
				t.Errorf("got  %+v\nwant %+v", g, tt.want)
			}
		})
	}
}

// TestDeriveCloudTrailOtherServices checks that a record of another
// service gets no s3_requests columns, even if it had some before.
func TestDeriveCloudTrailOtherServices(t *testing.T) {
	for _, src := range []string{"iam.amazonaws.com", "", "S3.amazonaws.com", "aws:s3"} {
		rec := s3rec(nil)
		event.DeriveCloudTrail(&rec)
		rec.EventSource = src
		event.DeriveCloudTrail(&rec)
		if rec.CloudTrailRequest != (event.CloudTrailRequest{}) {
			t.Errorf("eventSource %q: got %+v, want no columns", src, got(rec.CloudTrailRequest))
		}
	}
}

// TestDeriveWith checks that members collected by a decoder give what
// DeriveCloudTrail finds itself, and that a deriver's batched byte counts
// stay distinct.
func TestDeriveWith(t *testing.T) {
	rec := s3rec(func(r *event.CloudTrail) {
		r.RequestParameters = `{"Host":"h","versionId":"v"}`
		r.AdditionalEventData = `{"bytesTransferredIn":1,"bytesTransferredOut":2,"SignatureVersion":"AWS","CipherSuite":"c","AuthenticationMethod":"a"}`
	})
	var m event.S3Members
	for _, kv := range [][2]string{{"Host", `"h"`}, {"versionId", `"v"`}, {"other", `"x"`}} {
		if p := m.RequestParameter([]byte(kv[0])); p != nil {
			*p = kv[1]
		}
	}
	if p := m.RequestParameter([]byte("Host")); p != nil {
		t.Errorf("RequestParameter(Host) a second time: got a place to store, want nil (the first counts)")
	}
	for _, kv := range [][2]string{{"bytesTransferredIn", "1"}, {"bytesTransferredOut", "2"}, {"SignatureVersion", `"AWS"`},
		{"CipherSuite", `"c"`}, {"AuthenticationMethod", `"a"`}, {"x-amz-id-2", `"y"`}} {
		if p := m.AdditionalEventData([]byte(kv[0])); p != nil {
			*p = kv[1]
		}
	}
	var d event.CloudTrailDeriver
	var recs []event.CloudTrail
	for i := 0; i < 3000; i++ { // past one batch of byte counts
		r := rec
		d.DeriveWith(&r, &m)
		recs = append(recs, r)
	}
	want := rec
	event.DeriveCloudTrail(&want)
	for i, r := range recs {
		if got(r.CloudTrailRequest) != got(want.CloudTrailRequest) {
			t.Fatalf("record %d: got %+v, want %+v", i, got(r.CloudTrailRequest), got(want.CloudTrailRequest))
		}
	}
	if recs[0].ReqBytesSent == recs[1].ReqBytesSent || recs[0].ReqBytesSent == recs[0].ReqBytesReceived {
		t.Errorf("byte counts of different values or records share memory")
	}
}

func TestLookupEventName(t *testing.T) {
	tests := []struct {
		name, api string
		ok        bool
	}{
		{"GetObject", "GetObject", true},
		{"PutBucketLifecycle", "PutBucketLifecycleConfiguration", true},
		{"REST.GET.OBJECT", "GetObject", true},
		{"S3.EXPIRE.OBJECT", "LifecycleExpiration", true},
		{"REST.GET.ACL", "", false},
		{"REST.GET.ACL#object", "GetObjectAcl", true},
		{"S3.UNLISTED", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		op, ok := event.LookupEventName(tt.name)
		if ok != tt.ok || op.API != tt.api {
			t.Errorf("LookupEventName(%q) = %q, %v; want %q, %v", tt.name, op.API, ok, tt.api, tt.ok)
		}
	}
	for _, op := range event.Operations() {
		if got, ok := event.LookupEventName(op.LookupKey()); !ok || got != op {
			t.Errorf("LookupEventName(%q): got %+v, %v; want %+v", op.LookupKey(), got, ok, op)
		}
	}
}

var benchRecord = s3rec(func(r *event.CloudTrail) {
	r.UserIdentity.ARN = "arn:aws:sts::123456789012:assumed-role/etl-role/i-0abc1234"
	r.RequestParameters = `{"bucketName":"data-bucket","Host":"data-bucket.s3.eu-west-1.amazonaws.com","key":"raw/2026/03/14/part-0001.parquet"}`
	r.AdditionalEventData = `{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ=","bytesTransferredOut":52311}`
	r.TLSDetails = event.TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: "data-bucket.s3.eu-west-1.amazonaws.com"}
})

// BenchmarkDeriveCloudTrail derives one typical S3 data event, finding the
// members in its JSON documents.
func BenchmarkDeriveCloudTrail(b *testing.B) {
	rec := benchRecord
	var d event.CloudTrailDeriver
	b.SetBytes(int64(len(rec.RequestParameters) + len(rec.AdditionalEventData)))
	b.ReportAllocs()
	for b.Loop() {
		d.Derive(&rec)
	}
}

// BenchmarkDeriveWith is BenchmarkDeriveCloudTrail with the members
// collected beforehand, as the decoder does.
func BenchmarkDeriveWith(b *testing.B) {
	rec := benchRecord
	var m event.S3Members
	for _, doc := range []struct {
		json string
		slot func([]byte) *string
	}{{rec.RequestParameters, m.RequestParameter}, {rec.AdditionalEventData, m.AdditionalEventData}} {
		for _, kv := range strings.Split(strings.Trim(doc.json, "{}"), `,"`) {
			k, v, _ := strings.Cut(kv, ":")
			if p := doc.slot([]byte(strings.Trim(k, `"`))); p != nil {
				*p = v
			}
		}
	}
	var d event.CloudTrailDeriver
	b.SetBytes(int64(len(rec.RequestParameters) + len(rec.AdditionalEventData)))
	b.ReportAllocs()
	for b.Loop() {
		d.DeriveWith(&rec, &m)
	}
}
