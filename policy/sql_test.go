package policy_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/policy"
)

// row is one s3_requests row of the test traffic.
type row struct {
	t                        time.Time
	key, action, op          string
	arn, ptype, session, acc string
	ip, vpce, tls, sig, auth string
	status                   int
	errCode, reqID           string
	inAL, inCT, internal     bool
}

// actor describes one principal's traffic.
type actor struct {
	arn, ptype, account string
	sessions            []string
	actions             []string
	prefixes            []string
	ip, vpce            string
	inAL, inCT          bool
	n, denied           int
	deniedAction        string
}

var actors = []actor{
	{arn: deployRole, ptype: "AssumedRole", account: owner, sessions: []string{"gh-1", "gh-2"}, actions: []string{"s3:PutObject", "s3:ListBucket"},
		prefixes: []string{"site/"}, ip: "198.51.100.7", inAL: true, inCT: true, n: 120, denied: 6, deniedAction: "s3:DeleteObject"},
	{arn: etlRole, ptype: "AssumedRole", account: owner, sessions: []string{"etl"}, actions: []string{"s3:GetObject", "s3:PutObject"},
		prefixes: []string{"raw/", "curated/"}, ip: "10.0.3.4", vpce: "vpce-0abc", inCT: true, n: 300},
	{arn: partner, ptype: "IAMUser", account: "111122223333", actions: []string{"s3:GetObject"},
		prefixes: []string{"curated/"}, ip: "203.0.113.50", inAL: true, n: 80, denied: 4, deniedAction: "s3:GetObject"},
	{arn: "logging.s3.amazonaws.com", ptype: "AWSService", account: owner, actions: []string{"s3:PutObject"},
		prefixes: []string{"logs/"}, inAL: true, n: 60},
	{arn: "anonymous", ptype: "Anonymous", actions: []string{"s3:GetObject"}, prefixes: []string{"site/"},
		ip: "192.0.2.99", inAL: true, n: 15, denied: 30, deniedAction: "s3:GetObject"},
	{arn: "arn:aws:iam::" + owner + ":root", ptype: "Root", account: owner, actions: []string{"s3:GetBucketPolicy"},
		ip: "198.51.100.1", inCT: true, n: 3},
}

// traffic returns the test rows: the actors' requests spread over a
// month, plus lifecycle expirations.
func traffic() []row {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var rows []row
	id := 0
	for _, a := range actors {
		for i := 0; i < a.n+a.denied; i++ {
			id++
			r := row{
				t:   start.Add(time.Duration(rng.IntN(30*24*3600)) * time.Second),
				arn: a.arn, ptype: a.ptype, acc: a.account, ip: a.ip, vpce: a.vpce,
				inAL: a.inAL, inCT: a.inCT, status: 200, reqID: fmt.Sprintf("REQ%06d", id),
			}
			switch {
			case a.arn == deployRole:
				r.ip = fmt.Sprintf("198.51.100.%d", i%40)
			case a.arn == "anonymous" && i%3 == 0:
				r.ip = fmt.Sprintf("2001:db8::%x", i%7)
			}
			if a.arn != "anonymous" {
				r.sig, r.auth = "SigV4", "AuthHeader"
			}
			if a.inAL || a.ptype == "AWSService" {
				r.tls = "TLSv1.2"
			}
			if a.inCT && !a.inAL {
				r.tls = "TLSv1.3"
			}
			if len(a.sessions) > 0 {
				r.session = a.sessions[i%len(a.sessions)]
			}
			r.action = a.actions[i%len(a.actions)]
			if i >= a.n {
				r.action, r.status, r.errCode = a.deniedAction, 403, "AccessDenied"
			}
			if policy.ObjectLevel(r.action) {
				p := a.prefixes[(i/len(a.actions))%len(a.prefixes)]
				r.key = fmt.Sprintf("%sobj-%d.dat", p, rng.IntN(50))
			}
			r.op = strings.TrimPrefix(r.action, "s3:")
			rows = append(rows, r)
		}
	}
	for i := range 25 {
		id++
		rows = append(rows, row{t: start.Add(time.Duration(i) * time.Hour), key: fmt.Sprintf("logs/old-%d", i), op: "S3.EXPIRE.OBJECT",
			arn: "AmazonS3", internal: true, inAL: true, status: 200, reqID: fmt.Sprintf("REQ%06d", id)})
	}
	return rows
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func load(tb testing.TB, m memDB, bucket string, rows []row) {
	tb.Helper()
	// Through a CSV file: DuckDB parses a long VALUES list slowly.
	path := filepath.Join(tb.TempDir(), "requests.csv")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, r := range rows {
		w.Write([]string{r.t.Format("2006-01-02 15:04:05"), bucket, r.key, r.op, r.action, r.arn, r.ptype, r.session, r.acc,
			r.ip, strconv.Itoa(r.status), r.errCode, r.sig, r.auth, r.tls, r.vpce, r.reqID,
			strconv.FormatBool(r.inAL), strconv.FormatBool(r.inCT), strconv.FormatBool(r.internal)})
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	m.exec(tb, `INSERT INTO s3_requests (time, bucket, key, operation, action, principal_arn, principal_type,
		session_name, account_id, remote_ip, http_status, error_code, signature_version, authentication_type, tls_version,
		vpc_endpoint_id, request_id, in_access_log, in_cloudtrail, internal)
		SELECT * FROM read_csv(?, header = false, all_varchar = false, nullstr = '', columns = {
		'time': 'TIMESTAMP', 'bucket': 'VARCHAR', 'key': 'VARCHAR', 'operation': 'VARCHAR', 'action': 'VARCHAR',
		'principal_arn': 'VARCHAR', 'principal_type': 'VARCHAR', 'session_name': 'VARCHAR', 'account_id': 'VARCHAR',
		'remote_ip': 'VARCHAR', 'http_status': 'INTEGER', 'error_code': 'VARCHAR', 'signature_version': 'VARCHAR',
		'authentication_type': 'VARCHAR', 'tls_version': 'VARCHAR', 'vpc_endpoint_id': 'VARCHAR', 'request_id': 'VARCHAR',
		'in_access_log': 'BOOLEAN', 'in_cloudtrail': 'BOOLEAN', 'internal': 'BOOLEAN'})`, path)
	m.exec(tb, `INSERT INTO cloudtrail VALUES ('s3.amazonaws.com', [{'arn': 'arn:aws:s3:::`+bucket+`', 'account_id': '`+owner+`', 'type': 'AWS::S3::Bucket'}])`)
}

func setup(tb testing.TB) (memDB, []row) {
	m := newMemDB(tb)
	rows := traffic()
	load(tb, m, "acme", rows)
	return m, rows
}

func TestLoadUsage(t *testing.T) {
	m, rows := setup(t)
	ctx := context.Background()
	u, err := policy.LoadUsage(ctx, m, policy.LoadConfig{Window: policy.Window{Bucket: "acme"}, Prefixes: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.OwnerAccount != owner {
		t.Errorf("OwnerAccount = %q, want %q (from CloudTrail resources)", u.OwnerAccount, owner)
	}
	if u.Requests != int64(len(rows)) || u.Internal != 25 {
		t.Errorf("Requests, Internal = %d, %d; want %d, 25", u.Requests, u.Internal, len(rows))
	}
	if u.NonTLS != 0 || u.TLSKnown == 0 {
		t.Errorf("TLSKnown, NonTLS = %d, %d; want >0, 0", u.TLSKnown, u.NonTLS)
	}
	// Compare every principal and action with counts taken from the rows.
	type pa struct{ arn, action string }
	want := map[pa][2]int64{}
	for _, r := range rows {
		if r.internal {
			continue
		}
		c := want[pa{r.arn, r.action}]
		if r.status == 403 {
			c[1]++
		} else {
			c[0]++
		}
		want[pa{r.arn, r.action}] = c
	}
	got := map[pa][2]int64{}
	for _, p := range u.Principals {
		for _, a := range p.Actions {
			got[pa{p.ARN, a.Action}] = [2]int64{a.Requests, a.Denied}
			if p.ARN == etlRole && a.Action == "s3:GetObject" {
				if !slices.Equal(a.Prefixes, []string{"curated/", "raw/"}) {
					t.Errorf("etl GetObject prefixes = %q, want [curated/ raw/]", a.Prefixes)
				}
			}
		}
		if p.ARN == "logging.s3.amazonaws.com" && (p.Kind != policy.KindService || !slices.Equal(p.SourceAccounts, []string{owner})) {
			t.Errorf("logging principal: kind %v, source accounts %q", p.Kind, p.SourceAccounts)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("usage counts:\n got %v\nwant %v", got, want)
	}
}

func TestWindow(t *testing.T) {
	m, rows := setup(t)
	ctx := context.Background()
	from := time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC)
	to := time.Date(2024, 5, 20, 12, 0, 0, 0, time.UTC)
	w := policy.Window{Bucket: "acme", From: from, To: to}
	var want, wantGoverned int64
	for _, r := range rows {
		if !r.t.Before(from) && r.t.Before(to) {
			want++
			if !r.internal {
				wantGoverned++
			}
		}
	}
	u, err := policy.LoadUsage(ctx, m, policy.LoadConfig{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if u.Requests != want {
		t.Errorf("LoadUsage in [%v, %v): %d requests, want %d", from, to, u.Requests, want)
	}
	rep, err := policy.Check(ctx, m, policy.None(), policy.CheckConfig{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != wantGoverned {
		t.Errorf("Check in [%v, %v): %d requests, want %d", from, to, rep.Requests, wantGoverned)
	}
	// Without a bucket policy nothing is allowed by it: same-account
	// principals depend on identity policies, the rest is denied.
	if rep.Authorized[policy.Allowed] != 0 || rep.Authorized[policy.DependsOnIdentity] == 0 || len(rep.Broken) == 0 {
		t.Errorf("no policy: authorized by decision %v, %d broken findings", rep.Authorized, len(rep.Broken))
	}
	other, err := policy.LoadUsage(ctx, m, policy.LoadConfig{Window: policy.Window{Bucket: "other"}})
	if err != nil {
		t.Fatal(err)
	}
	if other.Requests != 0 || len(other.Principals) != 0 {
		t.Errorf("bucket other: %d requests, %d principals; want none", other.Requests, len(other.Principals))
	}
}

// removePrincipal drops arn from the document's Allows and from the Deny's
// exceptions, the edit a user makes to revoke one principal.
func removePrincipal(doc *policy.Document, arn string) {
	drop := map[string]bool{}
	for _, p := range policy.PrincipalPatterns(arn) {
		drop[p] = true
	}
	var out []policy.Statement
	for _, s := range doc.Statement {
		if s.Principal != nil && !s.Principal.All {
			p := *s.Principal
			p.AWS = slices.DeleteFunc(slices.Clone(p.AWS), func(v string) bool { return v == arn })
			p.Service = slices.DeleteFunc(slices.Clone(p.Service), func(v string) bool { return v == arn })
			if len(p.AWS)+len(p.Service)+len(p.CanonicalUser)+len(p.Federated) == 0 {
				continue
			}
			s.Principal = &p
		}
		if c, ok := s.Condition["ArnNotLike"]["aws:PrincipalArn"]; ok {
			c = slices.DeleteFunc(slices.Clone(c), func(v string) bool { return drop[v] })
			s.Condition["ArnNotLike"]["aws:PrincipalArn"] = c
			if len(c) == 0 {
				// No exception left: the Deny applies to every principal.
				delete(s.Condition, "ArnNotLike")
			}
		}
		out = append(out, s)
	}
	doc.Statement = out
}

func roundTrip(tb testing.TB, m memDB, opt policy.GenerateOptions, edit func(*policy.Document)) *policy.Report {
	tb.Helper()
	ctx := context.Background()
	w := policy.Window{Bucket: "acme"}
	u, err := policy.LoadUsage(ctx, m, policy.LoadConfig{Window: w, Prefixes: opt.NarrowPrefixes})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := policy.Generate(u, opt)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := policy.ParseDocument(g.JSON)
	if err != nil {
		tb.Fatalf("generated policy: %v\n%s", err, g.JSON)
	}
	if edit != nil {
		edit(doc)
	}
	p, err := policy.Compile(doc)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := policy.Check(ctx, m, p, policy.CheckConfig{Window: w})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// exampleMatches reports whether f's example request is a request of its
// principal and action made at its last-seen time.
func exampleMatches(rows []row, f policy.Finding) bool {
	for _, r := range rows {
		if r.reqID == f.ExampleRequestID {
			return r.arn == f.PrincipalARN && r.action == f.Action && r.t.Equal(f.LastSeen)
		}
	}
	return false
}

func successes(rows []row, arn string) int64 {
	var n int64
	for _, r := range rows {
		if !r.internal && r.arn == arn && r.status != 403 {
			n++
		}
	}
	return n
}

func brokenBy(rep *policy.Report) map[string]int64 {
	out := map[string]int64{}
	for _, f := range rep.Broken {
		out[f.PrincipalARN] += f.Requests
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	m, rows := setup(t)
	governed := int64(0)
	for _, r := range rows {
		if !r.internal {
			governed++
		}
	}
	for _, narrow := range []bool{false, true} {
		t.Run(fmt.Sprintf("narrow=%v", narrow), func(t *testing.T) {
			rep := roundTrip(t, m, policy.GenerateOptions{AllowAnonymous: true, NarrowPrefixes: narrow}, nil)
			if len(rep.Broken) != 0 {
				t.Errorf("generate then check: broken %+v, want none", rep.Broken)
			}
			if rep.Requests != governed {
				t.Errorf("replayed %d requests, want %d", rep.Requests, governed)
			}
			if rep.Evaluations >= int(rep.Requests) {
				t.Errorf("%d evaluations for %d requests: grouping did not group", rep.Evaluations, rep.Requests)
			}
			var denied int64
			for _, f := range rep.AlreadyDenied {
				denied += f.Requests
			}
			if denied != 6+4+30 {
				t.Errorf("already denied: %d requests, want %d", denied, 40)
			}
		})
	}
	t.Run("anonymous not allowed", func(t *testing.T) {
		rep := roundTrip(t, m, policy.GenerateOptions{}, nil)
		want := map[string]int64{"anonymous": successes(rows, "anonymous")}
		if got := brokenBy(rep); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("broken = %v, want %v", got, want)
		}
	})
	for _, a := range actors {
		if a.arn == "anonymous" || a.ptype == "Root" {
			continue
		}
		t.Run("remove "+a.arn, func(t *testing.T) {
			rep := roundTrip(t, m, policy.GenerateOptions{AllowAnonymous: true}, func(d *policy.Document) { removePrincipal(d, a.arn) })
			want := map[string]int64{a.arn: successes(rows, a.arn)}
			if got := brokenBy(rep); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("broken = %v, want %v", got, want)
			}
			for _, f := range append(rep.Broken, rep.AlreadyDenied...) {
				if !exampleMatches(rows, f) {
					t.Errorf("finding %s %s: example request %q is not one of its requests at %v", f.PrincipalARN, f.Action, f.ExampleRequestID, f.LastSeen)
				}
			}
		})
	}
}

// TestCheckGroupingIsExact replays policies that look at IPs, endpoints,
// TLS, time and key prefixes, and compares Check's grouped answer with
// evaluating every request on its own.
func TestCheckGroupingIsExact(t *testing.T) {
	m, _ := setup(t)
	docs := []string{
		`{"Version":"2012-10-17","Statement":[
			{"Sid":"OnlyFromOffice","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::acme/raw/*","Condition":{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}},
			{"Sid":"Reads","Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":["arn:aws:s3:::acme/curated/*","arn:aws:s3:::acme/site/*"],"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2024-05-15T00:00:00Z"}}},
			{"Sid":"Endpoint","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::acme/*","Condition":{"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-0abc"}}}]}`,
		`{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::acme/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
			{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:sts::444455556666:assumed-role/deploy/gh-1"},"NotAction":"s3:Delete*","Resource":"*","Condition":{"NumericLessThan":{"aws:EpochTime":"1716000000"},"StringEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256","s3:authType":"REST-HEADER"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme/${aws:PrincipalAccount}/*"}]}`,
		`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["198.51.100.0/28","2001:db8::/125"]}}},
			{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.8/30"}}}]}`,
		`{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"aws:SourceIp":"198.51.100.1*"}}}]}`,
	}
	for i, doc := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := compile(t, doc)
			ctx := context.Background()
			rep, err := policy.Check(ctx, m, p, policy.CheckConfig{Window: policy.Window{Bucket: "acme"}})
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(t, m, p)
			got := map[string]int64{}
			for _, l := range [][]policy.Finding{rep.Broken, rep.Depends, rep.AlreadyDenied} {
				for _, f := range l {
					got[fmt.Sprintf("%s %s %v %v", f.PrincipalARN, f.Action, f.Decision, f.AlreadyDenied)] += f.Requests
				}
			}
			for d, n := range rep.Authorized {
				if d == policy.Allowed {
					got[fmt.Sprintf("allowed %v", d)] += n
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("grouped replay differs from per-request evaluation:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// bruteForce evaluates every request of the table on its own.
func bruteForce(tb testing.TB, m memDB, p *policy.Policy) map[string]int64 {
	tb.Helper()
	rows, err := m.db.Query(`SELECT principal_arn, principal_type, account_id, session_name, action, key, time, remote_ip,
		vpc_endpoint_id, tls_version, signature_version, authentication_type, http_status, in_access_log, in_cloudtrail
		FROM s3_requests WHERE NOT internal`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var arn, action string
		var ptype, acc, sess, key, ip, vpce, tls, sig, auth sql.NullString
		var t time.Time
		var status int
		var inAL, inCT bool
		if err := rows.Scan(&arn, &ptype, &acc, &sess, &action, &key, &t, &ip, &vpce, &tls, &sig, &auth, &status, &inAL, &inCT); err != nil {
			tb.Fatal(err)
		}
		r := policy.Request{PrincipalARN: arn, Kind: policy.ClassifyPrincipal(arn, ptype.String), Account: acc.String, SessionName: sess.String,
			Action: action, Resource: policy.Resource("acme", key.String, action), OwnerAccount: owner, Time: t.UTC(),
			RemoteIP: ip.String, VPCEndpoint: vpce.String, TLSVersion: tls.String, SignatureVersion: sig.String, AuthType: auth.String,
			Unknown: policy.InputPrefix | policy.InputUserID | policy.InputSourceARN}
		if r.Kind == policy.KindService {
			r.SourceAccount = acc.String
		}
		if !sess.Valid {
			r.Unknown |= policy.InputSessionName
		}
		if !inCT {
			r.Unknown |= policy.InputVPCEndpoint
		}
		if !inAL && !tls.Valid {
			r.Unknown |= policy.InputTLS
		}
		d := p.Evaluate(&r).Decision
		denied := status == 403
		if !denied && d == policy.Allowed {
			out[fmt.Sprintf("allowed %v", d)]++
			continue
		}
		out[fmt.Sprintf("%s %s %v %v", arn, action, d, denied)]++
	}
	return out
}
