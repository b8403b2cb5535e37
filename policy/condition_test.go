package policy_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/s3sift/s3sift/policy"
)

// baseRequest is a cross-account role session over TLS from a public IP,
// so an Allow statement's match shows directly as Allowed (matched),
// denied-implicit (not matched) or unknown.
func baseRequest() policy.Request {
	return policy.Request{
		PrincipalARN:     "arn:aws:iam::111122223333:role/app",
		Kind:             policy.KindRole,
		Account:          "111122223333",
		SessionName:      "s1",
		Action:           "s3:GetObject",
		Resource:         "arn:aws:s3:::b/data/k.csv",
		OwnerAccount:     "444455556666",
		Time:             time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		RemoteIP:         "203.0.113.7",
		TLSVersion:       "TLSv1.2",
		SignatureVersion: "SigV4",
		AuthType:         "AuthHeader",
	}
}

// allowWith compiles an Allow for everyone with the given Condition JSON.
func allowWith(tb testing.TB, condition string) *policy.Policy {
	tb.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + condition + `}]}`
	d, err := policy.ParseDocument([]byte(doc))
	if err != nil {
		tb.Fatalf("ParseDocument(%s): %v", doc, err)
	}
	p, err := policy.Compile(d)
	if err != nil {
		tb.Fatalf("Compile(%s): %v", doc, err)
	}
	return p
}

const (
	match   = policy.Allowed
	nomatch = policy.ImplicitDeny
	unknown = policy.Unknown
)

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string
		mod  func(r *policy.Request)
		want policy.Decision
	}{
		// String operators.
		{"StringEquals hit", `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, nil, match},
		{"StringEquals miss", `{"StringEquals":{"aws:PrincipalAccount":"999999999999"}}`, nil, nomatch},
		{"StringEquals any of list", `{"StringEquals":{"aws:PrincipalAccount":["1","111122223333"]}}`, nil, match},
		{"StringEquals case-sensitive", `{"StringEquals":{"aws:PrincipalType":"assumedrole"}}`, nil, nomatch},
		{"StringEquals absent key", `{"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, nil, nomatch},
		{"StringNotEquals hit", `{"StringNotEquals":{"aws:PrincipalAccount":"999999999999"}}`, nil, match},
		{"StringNotEquals miss", `{"StringNotEquals":{"aws:PrincipalAccount":["9","111122223333"]}}`, nil, nomatch},
		{"StringNotEquals absent key is true", `{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}`, nil, match},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalType":"assumedROLE"}}`, nil, match},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalType":"ASSUMEDROLE"}}`, nil, nomatch},
		{"StringLike star", `{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/a*"}}`, nil, match},
		{"StringLike question", `{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ap?"}}`, nil, match},
		{"StringLike miss", `{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/b*"}}`, nil, nomatch},
		{"StringLike star matches empty", `{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app*"}}`, nil, match},
		{"StringLike several stars", `{"StringLike":{"aws:PrincipalArn":"*:iam::*:*/a*p"}}`, nil, match},
		{"StringLike backtracking", `{"StringLike":{"aws:PrincipalArn":"*a*a*pp"}}`, nil, match},
		{"StringLike backtracking miss", `{"StringLike":{"aws:PrincipalArn":"*a*x*pp"}}`, nil, nomatch},
		{"StringLike question is one character", `{"StringLike":{"aws:username":"z?e"}}`, func(r *policy.Request) {
			r.PrincipalARN, r.Kind = "arn:aws:iam::111122223333:user/zoë", policy.KindUser
		}, nomatch},
		{"StringLike question on UTF-8", `{"StringLike":{"aws:username":"zo?"}}`, func(r *policy.Request) {
			r.PrincipalARN, r.Kind = "arn:aws:iam::111122223333:user/zoë", policy.KindUser
		}, match},
		{"StringNotLike", `{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/b*"}}`, nil, match},
		{"StringNotLike absent", `{"StringNotLike":{"aws:PrincipalArn":"x*"}}`, func(r *policy.Request) { r.Kind, r.PrincipalARN = policy.KindAnonymous, "anonymous" }, match},
		// Numeric.
		{"NumericEquals", `{"NumericEquals":{"s3:TlsVersion":"1.2"}}`, nil, match},
		{"NumericNotEquals", `{"NumericNotEquals":{"s3:TlsVersion":"1.2"}}`, nil, nomatch},
		{"NumericLessThan", `{"NumericLessThan":{"s3:TlsVersion":"1.3"}}`, nil, match},
		{"NumericLessThan equal", `{"NumericLessThan":{"s3:TlsVersion":"1.2"}}`, nil, nomatch},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:TlsVersion":"1.2"}}`, nil, match},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"s3:TlsVersion":1.1}}`, nil, match},
		{"NumericGreaterThanEquals miss", `{"NumericGreaterThanEquals":{"s3:TlsVersion":"1.3"}}`, nil, nomatch},
		{"NumericLessThan absent (no TLS)", `{"NumericLessThan":{"s3:TlsVersion":"1.2"}}`, func(r *policy.Request) { r.TLSVersion = "" }, nomatch},
		{"NumericLessThanIfExists absent", `{"NumericLessThanIfExists":{"s3:TlsVersion":"1.2"}}`, func(r *policy.Request) { r.TLSVersion = "" }, match},
		// Dates.
		{"DateEquals", `{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, match},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}`, nil, nomatch},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2024-07-01"}}`, nil, match},
		{"DateLessThanEquals epoch", `{"DateLessThanEquals":{"aws:CurrentTime":"1717243200"}}`, nil, match},
		{"DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2024-07-01T00:00:00Z"}}`, nil, nomatch},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00+00:00"}}`, nil, match},
		{"DateGreaterThan on EpochTime", `{"NumericGreaterThan":{"aws:EpochTime":"1700000000"}}`, nil, match},
		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, nil, match},
		{"Bool false", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, nomatch},
		{"Bool json boolean", `{"Bool":{"aws:SecureTransport":true}}`, nil, match},
		{"Bool plain HTTP", `{"Bool":{"aws:SecureTransport":"false"}}`, func(r *policy.Request) { r.TLSVersion = "" }, match},
		{"BoolIfExists service", `{"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}`, nil, match},
		// IP addresses.
		{"IpAddress CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, match},
		{"IpAddress single", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, nil, match},
		{"IpAddress miss", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}`, nil, nomatch},
		{"IpAddress IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, func(r *policy.Request) { r.RemoteIP = "2001:db8::5" }, match},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, match},
		{"NotIpAddress miss", `{"NotIpAddress":{"aws:SourceIp":"203.0.0.0/8"}}`, nil, nomatch},
		{"IpAddress via VPC endpoint: key absent", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, func(r *policy.Request) { r.RemoteIP, r.VPCEndpoint = "10.1.2.3", "vpce-1" }, nomatch},
		{"VpcSourceIp via VPC endpoint", `{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}`, func(r *policy.Request) { r.RemoteIP, r.VPCEndpoint = "10.1.2.3", "vpce-1" }, match},
		{"IpAddress private IP, endpoint not logged", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, func(r *policy.Request) { r.RemoteIP, r.Unknown = "10.1.2.3", policy.InputVPCEndpoint }, unknown},
		{"IpAddress public IP, endpoint not logged", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, func(r *policy.Request) { r.Unknown = policy.InputVPCEndpoint }, match},
		// ARN operators.
		{"ArnEquals", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}`, nil, match},
		{"ArnLike account wildcard", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, match},
		{"ArnLike does not cross parts", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::1111*app"}}`, nil, nomatch},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}`, nil, nomatch},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:user/*"]}}`, nil, match},
		// Null.
		{"Null true on absent", `{"Null":{"aws:SourceVpce":"true"}}`, nil, match},
		{"Null false on absent", `{"Null":{"aws:SourceVpce":"false"}}`, nil, nomatch},
		{"Null false on present", `{"Null":{"aws:PrincipalArn":"false"}}`, nil, match},
		{"Null on unknown key", `{"Null":{"aws:MultiFactorAuthPresent":"true"}}`, nil, unknown},
		// IfExists.
		{"StringEqualsIfExists absent", `{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}`, nil, match},
		{"StringEqualsIfExists present miss", `{"StringEqualsIfExists":{"aws:PrincipalAccount":"1"}}`, nil, nomatch},
		{"StringEqualsIfExists unknown", `{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}`, nil, unknown},
		// Set operators.
		{"ForAnyValue hit", `{"ForAnyValue:StringEquals":{"aws:PrincipalType":["User","AssumedRole"]}}`, nil, match},
		{"ForAnyValue absent", `{"ForAnyValue:StringEquals":{"aws:SourceVpce":["vpce-1"]}}`, nil, nomatch},
		{"ForAllValues absent", `{"ForAllValues:StringEquals":{"aws:SourceVpce":["vpce-1"]}}`, nil, match},
		{"ForAllValues miss", `{"ForAllValues:StringLike":{"aws:PrincipalType":["Us*"]}}`, nil, nomatch},
		{"ForAnyValue:StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:PrincipalType":["User"]}}`, nil, match},
		// S3 keys.
		{"s3:signatureversion", `{"StringEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}`, nil, match},
		{"s3:signatureversion SigV2", `{"StringEquals":{"s3:signatureversion":"AWS"}}`, func(r *policy.Request) { r.SignatureVersion = "SigV2" }, match},
		{"s3:authType", `{"StringNotEquals":{"s3:authType":"REST-QUERY-STRING"}}`, nil, match},
		{"s3:authType presigned", `{"StringNotEquals":{"s3:authType":"REST-QUERY-STRING"}}`, func(r *policy.Request) { r.AuthType = "QueryString" }, nomatch},
		{"s3:prefix absent for GetObject", `{"StringLike":{"s3:prefix":"home/*"}}`, nil, nomatch},
		{"s3:prefix unknown for ListBucket", `{"StringLike":{"s3:prefix":"home/*"}}`, func(r *policy.Request) { r.Action, r.Unknown = "s3:ListBucket", policy.InputPrefix }, unknown},
		{"s3:prefix known", `{"StringLike":{"s3:prefix":"home/*"}}`, func(r *policy.Request) { r.Action, r.Prefix = "s3:ListBucket", "home/x" }, match},
		{"aws:username for a user", `{"StringEquals":{"aws:username":"alice"}}`, func(r *policy.Request) {
			r.PrincipalARN, r.Kind = "arn:aws:iam::111122223333:user/dev/alice", policy.KindUser
		}, match},
		{"aws:username absent for a role", `{"StringEquals":{"aws:username":"alice"}}`, nil, nomatch},
		{"aws:userid unknown for a role", `{"StringLike":{"aws:userid":"AROA*"}}`, nil, unknown},
		{"aws:userid known", `{"StringLike":{"aws:userid":"AROA*:s1"}}`, func(r *policy.Request) { r.UserID = "AROAEXAMPLE:s1" }, match},
		{"aws:SourceAccount service", `{"StringEquals":{"aws:SourceAccount":"444455556666"}}`, func(r *policy.Request) {
			r.PrincipalARN, r.Kind, r.SourceAccount = "logging.s3.amazonaws.com", policy.KindService, "444455556666"
		}, match},
		{"aws:SourceArn service unknown", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::src"}}`, func(r *policy.Request) {
			r.PrincipalARN, r.Kind = "logging.s3.amazonaws.com", policy.KindService
		}, unknown},
		{"aws:SourceAccount absent for a role", `{"StringEquals":{"aws:SourceAccount":"1"}}`, nil, nomatch},
		{"TLS not logged", `{"Bool":{"aws:SecureTransport":"true"}}`, func(r *policy.Request) { r.Unknown = policy.InputTLS }, unknown},
		// Several operators and keys: all must hold.
		{"AND of operators", `{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, nomatch},
		{"AND false beats unknown", `{"StringEquals":{"aws:PrincipalOrgID":"o-1","aws:PrincipalAccount":"1"}}`, nil, nomatch},
		{"AND true and unknown", `{"StringEquals":{"aws:PrincipalOrgID":"o-1","aws:PrincipalAccount":"111122223333"}}`, nil, unknown},
		// Policy variables.
		{"variable in value", `{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:role/app"}}`, nil, match},
		{"variable unknown", `{"StringLike":{"aws:PrincipalArn":"${aws:PrincipalTag/team}*"}}`, nil, unknown},
		{"variable default", `{"StringEquals":{"aws:PrincipalType":"${aws:username, 'AssumedRole'}"}}`, nil, match},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := allowWith(t, tt.cond)
			r := baseRequest()
			if tt.mod != nil {
				tt.mod(&r)
			}
			got := p.Evaluate(&r)
			if got.Decision != tt.want {
				t.Errorf("condition %s: got %v (%s), want %v", tt.cond, got.Decision, got.Reason, tt.want)
			}
		})
	}
}

func TestUnknownConditionKeyIsNeverAllowed(t *testing.T) {
	for _, key := range []string{"aws:MultiFactorAuthPresent", "aws:PrincipalOrgID", "s3:x-amz-acl", "aws:PrincipalTag/team", "s3:ExistingObjectTag/x"} {
		for _, op := range []string{"StringEquals", "StringNotEquals", "StringEqualsIfExists", "ForAllValues:StringEquals", "Null"} {
			val := "x"
			if op == "Null" {
				val = "true"
			}
			cond, _ := json.Marshal(map[string]map[string]string{op: {key: val}})
			r := baseRequest()
			if got := allowWith(t, string(cond)).Evaluate(&r); got.Decision != policy.Unknown {
				t.Errorf("%s: got %v, want unknown", cond, got.Decision)
			}
		}
	}
}

func TestBadConditions(t *testing.T) {
	for _, cond := range []string{
		`{"StringEqualz":{"aws:SourceIp":"x"}}`,
		`{"IpAddress":{"aws:SourceIp":"not-an-ip"}}`,
		`{"NumericLessThan":{"s3:TlsVersion":"abc"}}`,
		`{"DateLessThan":{"aws:CurrentTime":"yesterday"}}`,
		`{"Bool":{"aws:SecureTransport":"maybe"}}`,
		`{"NullIfExists":{"aws:SourceIp":"true"}}`,
		`{"StringEquals":{"aws:SourceIp":[]}}`,
	} {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + cond + `}]}`
		d, err := policy.ParseDocument([]byte(doc))
		if err == nil {
			_, err = policy.Compile(d)
		}
		if err == nil {
			t.Errorf("condition %s: got no error, want one", cond)
		}
	}
}
