package policy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/policy"
)

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

func act(name string, ok, denied int64, prefixes ...string) policy.ActionUsage {
	return policy.ActionUsage{Action: name, Requests: ok, Denied: denied, FirstSeen: t0, LastSeen: t0.Add(time.Hour), Prefixes: prefixes}
}

const (
	deployRole = "arn:aws:iam::444455556666:role/deploy"
	etlRole    = "arn:aws:iam::444455556666:role/service-role/etl"
	partner    = "arn:aws:iam::111122223333:user/partner"
)

func sampleUsage() *policy.Usage {
	return &policy.Usage{
		Bucket: "acme", OwnerAccount: owner, Requests: 1000, Internal: 7, TLSKnown: 900,
		Principals: []policy.PrincipalUsage{
			{ARN: deployRole, Kind: policy.KindRole, Account: owner, Actions: []policy.ActionUsage{
				act("s3:PutObject", 50, 0, "site/"), act("s3:ListBucket", 10, 0), act("s3:DeleteObject", 0, 3, "site/"),
			}},
			{ARN: etlRole, Kind: policy.KindRole, Account: owner, Actions: []policy.ActionUsage{
				act("s3:GetObject", 500, 0, "raw/", "curated/"), act("s3:PutObject", 100, 0, "curated/"),
			}},
			{ARN: partner, Kind: policy.KindUser, Account: "111122223333", Actions: []policy.ActionUsage{
				act("s3:GetObject", 40, 2, "curated/"),
			}},
			{ARN: "logging.s3.amazonaws.com", Kind: policy.KindService, Actions: []policy.ActionUsage{
				act("s3:PutObject", 200, 0, "logs/"),
			}},
			{ARN: "anonymous", Kind: policy.KindAnonymous, Actions: []policy.ActionUsage{
				act("s3:GetObject", 5, 30, "site/"),
			}},
			{ARN: "arn:aws:iam::999988887777:role/scanner", Kind: policy.KindRole, Account: "999988887777", Actions: []policy.ActionUsage{
				act("s3:ListBucket", 0, 12),
			}},
		},
	}
}

// requestFor builds a request of principal p using action a.
func requestFor(u *policy.Usage, p policy.PrincipalUsage, action, key string) policy.Request {
	return policy.Request{
		PrincipalARN: p.ARN, Kind: p.Kind, Account: p.Account, SessionName: "s",
		Action: action, Resource: policy.Resource(u.Bucket, key, action), OwnerAccount: u.OwnerAccount,
		Time: t0, RemoteIP: "203.0.113.9", TLSVersion: "TLSv1.2", SignatureVersion: "SigV4", AuthType: "AuthHeader",
		SourceAccount: u.OwnerAccount,
	}
}

func generate(tb testing.TB, u *policy.Usage, opt policy.GenerateOptions) (*policy.Generated, *policy.Policy) {
	tb.Helper()
	g, err := policy.Generate(u, opt)
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	d, err := policy.ParseDocument(g.JSON)
	if err != nil {
		tb.Fatalf("generated policy does not parse: %v\n%s", err, g.JSON)
	}
	p, err := policy.Compile(d)
	if err != nil {
		tb.Fatalf("generated policy does not compile: %v", err)
	}
	return g, p
}

func TestGenerateDecisions(t *testing.T) {
	u := sampleUsage()
	_, p := generate(t, u, policy.GenerateOptions{Keep: []string{"arn:aws:iam::444455556666:role/admin"}})
	byARN := map[string]policy.PrincipalUsage{}
	for _, pu := range u.Principals {
		byARN[pu.ARN] = pu
	}
	admin := policy.PrincipalUsage{ARN: "arn:aws:iam::444455556666:role/admin", Kind: policy.KindRole, Account: owner}
	stranger := policy.PrincipalUsage{ARN: "arn:aws:iam::444455556666:role/intern", Kind: policy.KindRole, Account: owner}
	tests := []struct {
		name   string
		p      policy.PrincipalUsage
		action string
		mod    func(*policy.Request)
		want   policy.Decision
	}{
		{"used action allowed", byARN[deployRole], "s3:PutObject", nil, policy.Allowed},
		{"bucket action allowed", byARN[deployRole], "s3:ListBucket", nil, policy.Allowed},
		{"denied attempt not granted", byARN[deployRole], "s3:DeleteObject", nil, policy.DependsOnIdentity},
		{"role with path", byARN[etlRole], "s3:GetObject", nil, policy.Allowed},
		{"role with path, put", byARN[etlRole], "s3:PutObject", nil, policy.Allowed},
		{"cross-account user", byARN[partner], "s3:GetObject", nil, policy.Allowed},
		{"cross-account user, unused action", byARN[partner], "s3:PutObject", nil, policy.ImplicitDeny},
		{"service principal", byARN["logging.s3.amazonaws.com"], "s3:PutObject", nil, policy.Allowed},
		{"service principal from another account", byARN["logging.s3.amazonaws.com"], "s3:PutObject", func(r *policy.Request) { r.SourceAccount = "123412341234" }, policy.ImplicitDeny},
		{"anonymous not granted", byARN["anonymous"], "s3:GetObject", nil, policy.ExplicitDeny},
		{"only-denied principal", byARN["arn:aws:iam::999988887777:role/scanner"], "s3:ListBucket", nil, policy.ExplicitDeny},
		{"unseen same-account role denied", stranger, "s3:GetObject", nil, policy.ExplicitDeny},
		{"kept admin not denied", admin, "s3:DeleteBucket", nil, policy.DependsOnIdentity},
		{"plain HTTP denied", byARN[etlRole], "s3:GetObject", func(r *policy.Request) { r.TLSVersion = "" }, policy.ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := requestFor(u, tt.p, tt.action, "curated/x.parquet")
			if tt.mod != nil {
				tt.mod(&r)
			}
			if got := p.Evaluate(&r); got.Decision != tt.want {
				t.Errorf("%s %s: got %v (%s %s), want %v", tt.p.ARN, tt.action, got.Decision, got.Statement, got.Reason, tt.want)
			}
		})
	}
}

func TestGenerateShape(t *testing.T) {
	u := sampleUsage()
	g, _ := generate(t, u, policy.GenerateOptions{})
	doc := g.Document
	if doc.Version != policy.Version2012 {
		t.Errorf("Version = %q, want %q", doc.Version, policy.Version2012)
	}
	var deny *policy.Statement
	for i, s := range doc.Statement {
		if s.Sid == policy.SidDenyOthers {
			deny = &doc.Statement[i]
		}
		for _, a := range s.Action {
			if s.Effect == "Allow" && a == "s3:DeleteObject" {
				t.Errorf("statement %s grants s3:DeleteObject, which was only denied", s.Sid)
			}
			obj := policy.ObjectLevel(a)
			for _, r := range s.Resource {
				if s.Effect == "Allow" && obj != strings.HasSuffix(r, "*") {
					t.Errorf("statement %s: action %s on resource %s: object-level actions go on bucket/*, bucket-level on the bucket", s.Sid, a, r)
				}
			}
		}
	}
	if deny == nil {
		t.Fatalf("no %s statement in\n%s", policy.SidDenyOthers, g.JSON)
	}
	got := deny.Condition["ArnNotLike"]["aws:PrincipalArn"]
	want := []string{deployRole, "arn:aws:iam::444455556666:role/*/deploy", etlRole, partner}
	slices.Sort(want)
	gotSorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(gotSorted, want) {
		t.Errorf("Deny exceptions = %v, want %v", gotSorted, want)
	}
	if !hasNote(g, "anonymous requests") {
		t.Errorf("notes %q do not report the anonymous access", g.Notes)
	}
	if !hasNote(g, "added a Deny for aws:SecureTransport=false") {
		t.Errorf("notes %q do not say the TLS Deny was added", g.Notes)
	}
	if !hasNote(g, "no --keep") {
		t.Errorf("notes %q do not warn about the missing --keep", g.Notes)
	}
	if g.Size != len(g.JSON) || g.Size > policy.MaxBucketPolicySize {
		t.Errorf("Size = %d, len(JSON) = %d, limit %d", g.Size, len(g.JSON), policy.MaxBucketPolicySize)
	}
}

func hasNote(g *policy.Generated, s string) bool {
	for _, n := range g.Notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func TestGenerateOptions(t *testing.T) {
	t.Run("allow anonymous", func(t *testing.T) {
		u := sampleUsage()
		_, p := generate(t, u, policy.GenerateOptions{AllowAnonymous: true})
		anon := u.Principals[4]
		r := requestFor(u, anon, "s3:GetObject", "site/index.html")
		if got := p.Evaluate(&r); got.Decision != policy.Allowed {
			t.Errorf("anonymous GetObject: got %v, want allowed", got.Decision)
		}
		r = requestFor(u, anon, "s3:PutObject", "site/index.html")
		if got := p.Evaluate(&r); got.Decision != policy.ImplicitDeny {
			t.Errorf("anonymous PutObject: got %v, want denied-implicit", got.Decision)
		}
		stranger := policy.PrincipalUsage{ARN: "arn:aws:iam::444455556666:role/intern", Kind: policy.KindRole, Account: owner}
		r = requestFor(u, stranger, "s3:GetObject", "site/index.html")
		if got := p.Evaluate(&r); got.Decision != policy.ExplicitDeny {
			t.Errorf("unlisted role GetObject: got %v, want denied", got.Decision)
		}
	})
	t.Run("narrow prefixes", func(t *testing.T) {
		u := sampleUsage()
		_, p := generate(t, u, policy.GenerateOptions{NarrowPrefixes: true})
		etl := u.Principals[1]
		for _, tc := range []struct {
			action, key string
			want        policy.Decision
		}{
			{"s3:GetObject", "raw/a", policy.Allowed},
			{"s3:GetObject", "curated/a", policy.Allowed},
			{"s3:PutObject", "curated/a", policy.Allowed},
			{"s3:PutObject", "raw/a", policy.DependsOnIdentity},
			{"s3:GetObject", "secret/a", policy.DependsOnIdentity},
		} {
			r := requestFor(u, etl, tc.action, tc.key)
			if got := p.Evaluate(&r); got.Decision != tc.want {
				t.Errorf("%s %s: got %v, want %v", tc.action, tc.key, got.Decision, tc.want)
			}
		}
	})
	t.Run("non-TLS traffic seen", func(t *testing.T) {
		u := sampleUsage()
		u.NonTLS, u.NonTLSPrincipals = 3, []string{etlRole}
		g, _ := generate(t, u, policy.GenerateOptions{})
		for _, s := range g.Document.Statement {
			if s.Sid == policy.SidDenyInsecure {
				t.Errorf("TLS Deny added although %d requests went without TLS", u.NonTLS)
			}
		}
		if !hasNote(g, "went without TLS") {
			t.Errorf("notes %q do not say why no TLS Deny", g.Notes)
		}
	})
	t.Run("keep session ARN", func(t *testing.T) {
		u := sampleUsage()
		_, p := generate(t, u, policy.GenerateOptions{Keep: []string{"arn:aws:sts::444455556666:assumed-role/breakglass/jane"}})
		r := requestFor(u, policy.PrincipalUsage{ARN: "arn:aws:iam::444455556666:role/breakglass", Kind: policy.KindRole, Account: owner}, "s3:PutBucketPolicy", "")
		if got := p.Evaluate(&r); got.Decision != policy.DependsOnIdentity {
			t.Errorf("kept role: got %v (%s), want %v", got.Decision, got.Statement, policy.DependsOnIdentity)
		}
	})
}

func TestGenerateCompaction(t *testing.T) {
	actions := []string{"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:PutObject",
		"s3:PutObjectAcl", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"}
	build := func(n int) *policy.Usage {
		u := &policy.Usage{Bucket: "big", OwnerAccount: owner}
		for i := range n {
			var as []policy.ActionUsage
			for j, a := range actions {
				if (i+j)%3 != 0 {
					as = append(as, act(a, 1, 0))
				}
			}
			u.Principals = append(u.Principals, policy.PrincipalUsage{
				ARN: fmt.Sprintf("arn:aws:iam::%s:role/team/app-%03d", owner, i), Kind: policy.KindRole, Account: owner, Actions: as})
		}
		return u
	}
	t.Run("fits after widening", func(t *testing.T) {
		u := build(150)
		g, p := generate(t, u, policy.GenerateOptions{})
		if len(g.Compaction) == 0 {
			t.Fatalf("no compaction reported for %d principals (%d bytes)", len(u.Principals), g.Size)
		}
		if g.Size > policy.MaxBucketPolicySize {
			t.Errorf("size %d over the limit", g.Size)
		}
		// Compaction widens but never loses a used action.
		for _, pu := range u.Principals {
			for _, a := range pu.Actions {
				r := requestFor(u, pu, a.Action, "k")
				if got := p.Evaluate(&r); got.Decision != policy.Allowed {
					t.Fatalf("%s %s after compaction: got %v, want allowed", pu.ARN, a.Action, got.Decision)
				}
			}
		}
	})
	t.Run("cannot fit", func(t *testing.T) {
		g, err := policy.Generate(build(400), policy.GenerateOptions{})
		if err == nil {
			t.Fatalf("Generate of 400 principals: got no error, size %d", g.Size)
		}
		if g == nil || g.Size <= policy.MaxBucketPolicySize {
			t.Errorf("want the oversized policy back with its size, got %+v", g)
		}
	})
}
