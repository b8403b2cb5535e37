package policy_test

import (
	"errors"
	"testing"

	"github.com/s3sift/s3sift/policy"
)

func compile(tb testing.TB, doc string) *policy.Policy {
	tb.Helper()
	d, err := policy.ParseDocument([]byte(doc))
	if err != nil {
		tb.Fatalf("ParseDocument: %v\n%s", err, doc)
	}
	p, err := policy.Compile(d)
	if err != nil {
		tb.Fatalf("Compile: %v\n%s", err, doc)
	}
	return p
}

const owner = "444455556666"

// Requests used by the tables below.
func sameAccountRole() policy.Request {
	r := baseRequest()
	r.PrincipalARN, r.Account = "arn:aws:iam::"+owner+":role/app", owner
	return r
}

func anonymousRequest() policy.Request {
	r := baseRequest()
	r.PrincipalARN, r.Kind, r.Account = "anonymous", policy.KindAnonymous, ""
	return r
}

func with(r policy.Request, f func(*policy.Request)) policy.Request {
	f(&r)
	return r
}

// The examples from the Amazon S3 User Guide's "Examples of Amazon S3
// bucket policies" and the decisions it documents for them.
const (
	docPublicRead = `{
  "Version":"2012-10-17",
  "Statement":[{"Sid":"PublicReadGetObject","Effect":"Allow","Principal":"*",
    "Action":["s3:GetObject"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	docDenyNonTLS = `{
  "Version":"2012-10-17",
  "Statement":[{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny",
    "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
    "Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	docVPCE = `{
  "Version":"2012-10-17","Id":"Policy1415115909152",
  "Statement":[{"Sid":"Access-to-specific-VPCE-only","Principal":"*","Action":"s3:*","Effect":"Deny",
    "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
    "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	docIPAllowList = `{
  "Id":"SourceIP","Version":"2012-10-17",
  "Statement":[{"Sid":"SourceIP","Action":"s3:*","Effect":"Deny",
    "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
    "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]}},
    "Principal":"*"}]}`
)

func TestAWSDocumentationExamples(t *testing.T) {
	onDemo := func(action, key string) func(*policy.Request) {
		return func(r *policy.Request) {
			r.Action = action
			r.Resource = policy.Resource("amzn-s3-demo-bucket", key, action)
		}
	}
	tests := []struct {
		name string
		doc  string
		req  policy.Request
		want policy.Decision
	}{
		{"public read: anonymous GetObject", docPublicRead, with(anonymousRequest(), onDemo("s3:GetObject", "index.html")), policy.Allowed},
		{"public read: anonymous PutObject", docPublicRead, with(anonymousRequest(), onDemo("s3:PutObject", "index.html")), policy.ImplicitDeny},
		{"public read: anonymous ListBucket", docPublicRead, with(anonymousRequest(), onDemo("s3:ListBucket", "")), policy.ImplicitDeny},
		{"public read: other account GetObject", docPublicRead, with(baseRequest(), onDemo("s3:GetObject", "a")), policy.Allowed},
		{"public read: other bucket", docPublicRead, anonymousRequest(), policy.ImplicitDeny},
		{"non-TLS: HTTP denied", docDenyNonTLS, with(sameAccountRole(), func(r *policy.Request) { onDemo("s3:GetObject", "a")(r); r.TLSVersion = "" }), policy.ExplicitDeny},
		{"non-TLS: HTTP ListBucket denied", docDenyNonTLS, with(sameAccountRole(), func(r *policy.Request) { onDemo("s3:ListBucket", "")(r); r.TLSVersion = "" }), policy.ExplicitDeny},
		{"non-TLS: HTTPS same account", docDenyNonTLS, with(sameAccountRole(), onDemo("s3:GetObject", "a")), policy.DependsOnIdentity},
		{"non-TLS: HTTPS other account", docDenyNonTLS, with(baseRequest(), onDemo("s3:GetObject", "a")), policy.ImplicitDeny},
		{"VPCE: through the endpoint", docVPCE, with(sameAccountRole(), func(r *policy.Request) {
			onDemo("s3:GetObject", "a")(r)
			r.VPCEndpoint, r.RemoteIP = "vpce-1a2b3c4d", "10.0.0.5"
		}), policy.DependsOnIdentity},
		{"VPCE: another endpoint", docVPCE, with(sameAccountRole(), func(r *policy.Request) {
			onDemo("s3:GetObject", "a")(r)
			r.VPCEndpoint, r.RemoteIP = "vpce-99", "10.0.0.5"
		}), policy.ExplicitDeny},
		{"VPCE: from the internet", docVPCE, with(sameAccountRole(), onDemo("s3:PutObject", "a")), policy.ExplicitDeny},
		{"VPCE: endpoint not logged, private IP", docVPCE, with(sameAccountRole(), func(r *policy.Request) {
			onDemo("s3:GetObject", "a")(r)
			r.RemoteIP, r.Unknown = "10.0.0.5", policy.InputVPCEndpoint
		}), policy.Unknown},
		{"IP allow-list: inside IPv4 range", docIPAllowList, with(sameAccountRole(), func(r *policy.Request) { onDemo("s3:GetObject", "a")(r); r.RemoteIP = "192.0.2.77" }), policy.DependsOnIdentity},
		{"IP allow-list: inside IPv6 range", docIPAllowList, with(sameAccountRole(), func(r *policy.Request) { onDemo("s3:GetObject", "a")(r); r.RemoteIP = "2001:db8:1234:5678::1" }), policy.DependsOnIdentity},
		{"IP allow-list: outside", docIPAllowList, with(sameAccountRole(), onDemo("s3:GetObject", "a")), policy.ExplicitDeny},
		{"IP allow-list: anonymous outside", docIPAllowList, with(anonymousRequest(), onDemo("s3:GetObject", "a")), policy.ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			r.OwnerAccount = owner
			got := compile(t, tt.doc).Evaluate(&r)
			if got.Decision != tt.want {
				t.Errorf("got %v (statement %q, %s), want %v", got.Decision, got.Statement, got.Reason, tt.want)
			}
		})
	}
}

func TestCombiningLogic(t *testing.T) {
	allowApp := `{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	denyAll := `{"Sid":"D","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`
	denyUnknown := `{"Sid":"DU","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`
	allowUnknown := `{"Sid":"AU","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}`
	denyOtherAction := `{"Sid":"DO","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}`
	doc := func(stmts ...string) string {
		s := `{"Version":"2012-10-17","Statement":[`
		for i, st := range stmts {
			if i > 0 {
				s += ","
			}
			s += st
		}
		return s + "]}"
	}
	tests := []struct {
		name    string
		doc     string
		req     policy.Request
		want    policy.Decision
		wantSid string
	}{
		{"allow", doc(allowApp), baseRequest(), policy.Allowed, "A"},
		{"explicit deny wins over allow", doc(allowApp, denyAll), baseRequest(), policy.ExplicitDeny, "D"},
		{"deny order does not matter", doc(denyAll, allowApp), baseRequest(), policy.ExplicitDeny, "D"},
		{"unknown deny beats allow", doc(allowApp, denyUnknown), baseRequest(), policy.Unknown, "DU"},
		{"deny beats unknown deny", doc(denyUnknown, denyAll), baseRequest(), policy.ExplicitDeny, "D"},
		{"deny of another action does not apply", doc(allowApp, denyOtherAction), baseRequest(), policy.Allowed, "A"},
		{"cross account without allow", doc(denyOtherAction), baseRequest(), policy.ImplicitDeny, ""},
		{"same account without allow", doc(denyOtherAction), sameAccountRole(), policy.DependsOnIdentity, ""},
		{"anonymous without allow", doc(allowApp), anonymousRequest(), policy.ImplicitDeny, ""},
		{"cross account unknown allow", doc(allowUnknown), baseRequest(), policy.Unknown, "AU"},
		{"same account unknown allow", doc(allowUnknown), sameAccountRole(), policy.DependsOnIdentity, ""},
		{"allow beats unknown allow", doc(allowUnknown, allowApp), baseRequest(), policy.Allowed, "A"},
		{"owner unknown", doc(denyOtherAction), with(baseRequest(), func(r *policy.Request) { r.OwnerAccount = "" }), policy.Unknown, ""},
		{"owner unknown, anonymous", doc(denyOtherAction), with(anonymousRequest(), func(r *policy.Request) { r.OwnerAccount = "" }), policy.ImplicitDeny, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			got := compile(t, tt.doc).Evaluate(&r)
			if got.Decision != tt.want || got.Statement != tt.wantSid {
				t.Errorf("got %v by %q (%s), want %v by %q", got.Decision, got.Statement, got.Reason, tt.want, tt.wantSid)
			}
		})
	}
}

func TestPrincipalActionResourceMatching(t *testing.T) {
	stmt := func(body string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + body + `}]}`
	}
	role := baseRequest()
	noSession := with(baseRequest(), func(r *policy.Request) { r.SessionName = "" })
	user := with(baseRequest(), func(r *policy.Request) {
		r.PrincipalARN, r.Kind = "arn:aws:iam::111122223333:user/alice", policy.KindUser
	})
	svc := with(baseRequest(), func(r *policy.Request) {
		r.PrincipalARN, r.Kind, r.Account = "logging.s3.amazonaws.com", policy.KindService, ""
	})
	canon := with(baseRequest(), func(r *policy.Request) {
		r.PrincipalARN, r.Kind = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", policy.KindCanonical
	})
	const anyRes = `"Action":"s3:*","Resource":"*"`
	tests := []struct {
		name string
		doc  string
		req  policy.Request
		want policy.Decision
	}{
		{"role ARN", stmt(`"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},` + anyRes), role, match},
		{"role ARN list", stmt(`"Principal":{"AWS":["arn:aws:iam::1:role/x","arn:aws:iam::111122223333:role/app"]},` + anyRes), role, match},
		{"session ARN", stmt(`"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"},` + anyRes), role, match},
		{"other session ARN", stmt(`"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s2"},` + anyRes), role, nomatch},
		{"session ARN, session not logged", stmt(`"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"},` + anyRes), noSession, unknown},
		{"account ID delegates", stmt(`"Principal":{"AWS":"111122223333"},` + anyRes), role, match},
		{"account root ARN", stmt(`"Principal":{"AWS":"arn:aws:iam::111122223333:root"},` + anyRes), user, match},
		{"same-account root delegates to identity policy", stmt(`"Principal":{"AWS":"arn:aws:iam::444455556666:root"},` + anyRes), sameAccountRole(), policy.DependsOnIdentity},
		{"AWS star", stmt(`"Principal":{"AWS":"*"},` + anyRes), anonymousRequest(), match},
		{"other user", stmt(`"Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},` + anyRes), user, nomatch},
		{"service", stmt(`"Principal":{"Service":"logging.s3.amazonaws.com"},` + anyRes), svc, match},
		{"other service", stmt(`"Principal":{"Service":"cloudtrail.amazonaws.com"},` + anyRes), svc, nomatch},
		{"canonical user", stmt(`"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},` + anyRes), canon, match},
		{"canonical request vs ARN principal", stmt(`"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},` + anyRes), canon, unknown},
		{"NotPrincipal excludes listed", stmt(`"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]},` + anyRes), user, nomatch},
		{"NotPrincipal role needs session too", stmt(`"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/app","arn:aws:iam::111122223333:root"]},` + anyRes), role, match},
		{"NotPrincipal session, role, account", stmt(`"NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","arn:aws:iam::111122223333:role/app","arn:aws:iam::111122223333:root"]},` + anyRes), role, nomatch},
		{"NotPrincipal applies to others", stmt(`"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"},` + anyRes), user, match},
		{"NotPrincipal applies to anonymous", stmt(`"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"},` + anyRes), anonymousRequest(), match},
		{"action wildcard", stmt(`"Principal":"*","Action":"s3:Get*","Resource":"*"`), role, match},
		{"action case-insensitive", stmt(`"Principal":"*","Action":"S3:getobject","Resource":"*"`), role, match},
		{"action question mark", stmt(`"Principal":"*","Action":"s3:?etObject","Resource":"*"`), role, match},
		{"action miss", stmt(`"Principal":"*","Action":"s3:Put*","Resource":"*"`), role, nomatch},
		{"NotAction", stmt(`"Principal":"*","NotAction":"s3:Put*","Resource":"*"`), role, match},
		{"NotAction miss", stmt(`"Principal":"*","NotAction":["s3:GetObject"],"Resource":"*"`), role, nomatch},
		{"resource prefix", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b/data/*"`), role, match},
		{"resource other prefix", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b/logs/*"`), role, nomatch},
		{"resource case-sensitive", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b/DATA/*"`), role, nomatch},
		{"bucket ARN does not match objects", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b"`), role, nomatch},
		{"NotResource", stmt(`"Principal":"*","Action":"*","NotResource":"arn:aws:s3:::b/logs/*"`), role, match},
		{"NotResource miss", stmt(`"Principal":"*","Action":"*","NotResource":["arn:aws:s3:::b/*"]`), role, nomatch},
		{"resource variable", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"`),
			with(user, func(r *policy.Request) { r.Resource = "arn:aws:s3:::b/home/alice/x" }), match},
		{"resource variable absent", stmt(`"Principal":"*","Action":"*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"`),
			with(role, func(r *policy.Request) { r.Resource = "arn:aws:s3:::b/home/alice/x" }), nomatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			got := compile(t, tt.doc).Evaluate(&r)
			if got.Decision != tt.want {
				t.Errorf("got %v (%s), want %v", got.Decision, got.Reason, tt.want)
			}
		})
	}
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}`, true},
		{"all principal kinds", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":["1","2"],"Service":"s.amazonaws.com","CanonicalUser":"c","Federated":"cognito-identity.amazonaws.com"},"Action":["s3:GetObject"],"Resource":["*"]}]}`, true},
		{"old version", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}`, true},
		{"numbers and booleans in conditions", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:TlsVersion":1.2}}}]}`, true},
		{"bad effect", `{"Statement":[{"Effect":"allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, false},
		{"misspelt element", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Conditon":{}}]}`, false},
		{"principal string not star", `{"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"s3:*","Resource":"*"}]}`, false},
		{"unknown principal kind", `{"Statement":[{"Effect":"Allow","Principal":{"User":"x"},"Action":"s3:*","Resource":"*"}]}`, false},
		{"no principal", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, false},
		{"action and notaction", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]}`, false},
		{"no resource", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*"}]}`, false},
		{"bad version", `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, false},
		{"no statements", `{"Version":"2012-10-17","Statement":[]}`, false},
		{"not json", `Version: 2012-10-17`, false},
		{"null value", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":null,"Resource":"*"}]}`, false},
		{"trailing text", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]} {}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument([]byte(tt.doc))
			if tt.ok && err != nil {
				t.Fatalf("ParseDocument: %v", err)
			}
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseDocument: got no error, want one")
				}
				if !errors.Is(err, policy.ErrMalformed) {
					t.Errorf("error %v does not wrap ErrMalformed", err)
				}
				return
			}
			// A parsed document prints and parses back to the same thing.
			js, err := d.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			d2, err := policy.ParseDocument(js)
			if err != nil {
				t.Fatalf("re-parse %s: %v", js, err)
			}
			js2, _ := d2.Marshal()
			if string(js) != string(js2) {
				t.Errorf("round trip changed the document:\n%s\n%s", js, js2)
			}
		})
	}
}
