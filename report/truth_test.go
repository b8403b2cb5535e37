package report_test

import (
	"context"
	"database/sql"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/report"
)

// lake is a generated data set ingested once for all tests of the package.
var lake struct {
	once  sync.Once
	db    *query.DB
	truth *gen.Truth
	err   error
}

func openLake(tb testing.TB) (*query.DB, *gen.Truth) {
	tb.Helper()
	lake.once.Do(func() {
		dir, err := tempDir()
		if err != nil {
			lake.err = err
			return
		}
		// Built once for the package, so in TestMain's folder rather than
		// the first test's.
		lk, truth := testlake.Build(tb, dir, gen.Config{Seed: 7})
		lake.truth = truth
		ctx := context.Background()
		lake.db, lake.err = query.Open(ctx, query.Config{Lake: lk})
	})
	if lake.err != nil {
		tb.Fatalf("building the test lake: %v", lake.err)
	}
	if lake.db == nil { // Build failed the first test and stopped it
		tb.Fatal("the test lake could not be built; see the first failing test")
	}
	return lake.db, lake.truth
}

// run runs a report and returns its rows as maps keyed by column name,
// checking the column contract on the way.
func run(tb testing.TB, name string, p report.Params) []map[string]any {
	tb.Helper()
	db, _ := openLake(tb)
	r, err := report.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	if p.Limit == 0 {
		p.Limit = 1 << 20
	}
	q, args, err := r.SQL(p)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	rows, err := db.Query(context.Background(), q, args...)
	if err != nil {
		tb.Fatalf("%s: %v\n%s", name, err, q)
	}
	cols, vals := testlake.Scan(tb, rows)
	if strings.Join(cols, ",") != strings.Join(r.Columns, ",") {
		tb.Fatalf("%s columns = %v, want %v", name, cols, r.Columns)
	}
	var out []map[string]any
	for _, row := range vals {
		m := map[string]any{}
		for i, c := range cols {
			m[c] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func num(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

func TestAccessHistoryMatchesTruth(t *testing.T) {
	_, truth := openLake(t)
	for _, b := range truth.Buckets {
		want := truth.BucketAccess(b.Name)
		got := map[gen.AccessKey]gen.Count{}
		rows := run(t, "access-history", report.Params{Bucket: b.Name})
		for _, r := range rows {
			k := gen.AccessKey{Bucket: b.Name, Principal: str(r["principal_arn"]), Action: str(r["action"])}
			got[k] = gen.Count{Requests: num(r["requests"]), Denied: num(r["denied"]),
				InAccessLog: num(r["access_log_requests"]), InCloudTrail: num(r["cloudtrail_requests"])}
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s %s %s: got %+v, want %+v", b.Name, k.Principal, k.Action, got[k], w)
			}
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s %s %s: got %+v, not in Truth", b.Name, k.Principal, k.Action, g)
			}
		}
		if !sort.SliceIsSorted(rows, func(i, j int) bool {
			pi, pj := str(rows[i]["principal_arn"]), str(rows[j]["principal_arn"])
			return pi < pj || pi == pj && str(rows[i]["action"]) < str(rows[j]["action"])
		}) {
			t.Errorf("%s: rows not sorted by principal, action", b.Name)
		}
	}
}

func TestDeletionsMatchTruth(t *testing.T) {
	_, truth := openLake(t)
	type del struct{ bucket, key, principal, requestID string }
	want := map[del]bool{}
	for _, d := range append(append([]gen.Deletion(nil), truth.Deletions...), truth.Expirations...) {
		want[del{d.Bucket, d.Key, d.Principal, d.RequestID}] = true
	}
	rows := run(t, "deletions", report.Params{})
	got := map[del]bool{}
	var last time.Time
	for _, r := range rows {
		d := del{str(r["bucket"]), str(r["key"]), str(r["principal_arn"]), str(r["request_id"])}
		got[d] = true
		if !want[d] {
			t.Errorf("deletion %+v (%v) not in Truth", d, r["operation"])
		}
		tm := r["time"].(time.Time)
		if tm.Before(last) {
			t.Errorf("rows not in time order at %v", tm)
		}
		last = tm
		if strings.HasPrefix(str(r["operation"]), "S3.") && !strings.HasSuffix(str(r["operation"]), "(lifecycle)") {
			t.Errorf("lifecycle deletion %v not shown as such", r["operation"])
		}
	}
	for d := range want {
		if !got[d] {
			t.Errorf("Truth deletion %+v missing from the report", d)
		}
	}
	if len(truth.Deletions) == 0 || len(truth.Expirations) == 0 {
		t.Fatalf("data set has %d deletions and %d expirations; the test needs both", len(truth.Deletions), len(truth.Expirations))
	}
}

func TestBytesByIPMatchesTruth(t *testing.T) {
	_, truth := openLake(t)
	rows := run(t, "bytes-by-ip", report.Params{})
	got := map[string]int64{}
	for i, r := range rows {
		got[str(r["remote_ip"])] = num(r["bytes_sent"])
		if i > 0 && num(rows[i-1]["bytes_sent"]) < num(r["bytes_sent"]) {
			t.Errorf("row %d: not sorted by bytes_sent descending", i)
		}
	}
	for ip, w := range truth.BytesSentByIP {
		if got[ip] != w {
			t.Errorf("%s: bytes_sent %d, want %d", ip, got[ip], w)
		}
	}
	if str(rows[0]["remote_ip"]) != truth.Incidents.ExfilIP {
		t.Errorf("top IP %v, want the exfiltrating %s", rows[0]["remote_ip"], truth.Incidents.ExfilIP)
	}
}

func TestSigV2MatchesTruth(t *testing.T) {
	_, truth := openLake(t)
	got := map[string]int64{}
	for _, r := range run(t, "sigv2", report.Params{}) {
		got[str(r["principal_arn"])] += num(r["requests"])
	}
	if len(got) != len(truth.SigV2) {
		t.Errorf("sigv2 principals %v, want %v", got, truth.SigV2)
	}
	for p, w := range truth.SigV2 {
		if got[p] != w {
			t.Errorf("%s: %d SigV2 requests, want %d", p, got[p], w)
		}
	}
}

func TestAnonymousMatchesTruth(t *testing.T) {
	_, truth := openLake(t)
	var total int64
	for _, r := range run(t, "anonymous", report.Params{}) {
		total += num(r["requests"])
	}
	if total != truth.AnonymousRequests {
		t.Errorf("anonymous requests %d, want %d", total, truth.AnonymousRequests)
	}
}

func TestErrorsMatchTruth(t *testing.T) {
	_, truth := openLake(t)
	got := map[gen.ErrorKey]int64{}
	for _, r := range run(t, "errors", report.Params{Source: report.SourceAccessLog}) {
		got[gen.ErrorKey{Bucket: str(r["bucket"]), Status: int(num(r["http_status"])), ErrorCode: str(r["error_code"])}] += num(r["requests"])
	}
	logged := map[string]bool{}
	for _, b := range truth.Buckets {
		logged[b.Name] = b.AccessLogs
	}
	for k, w := range truth.Errors {
		if !logged[k.Bucket] {
			continue // only CloudTrail logged it: no status to compare
		}
		if got[k] != w {
			t.Errorf("%+v: %d requests, want %d", k, got[k], w)
		}
	}
}

func TestNonTLSMatchesTruth(t *testing.T) {
	_, truth := openLake(t)
	got := map[gen.BucketPrincipal]int64{}
	for _, r := range run(t, "non-tls", report.Params{}) {
		got[gen.BucketPrincipal{Bucket: str(r["bucket"]), Principal: str(r["principal_arn"])}] += num(r["requests"])
	}
	// Truth counts a website endpoint's plain-HTTP requests too; the report
	// leaves website endpoints out, since they cannot use TLS.
	website := map[string]bool{}
	for _, b := range truth.Buckets {
		website[b.Name] = b.Website
	}
	want := map[gen.BucketPrincipal]int64{}
	for k, n := range truth.NonTLS {
		if !website[k.Bucket] {
			want[k] = n
		}
	}
	if len(want) == 0 {
		t.Fatal("the data set has no non-TLS requests outside website endpoints")
	}
	if len(got) != len(want) {
		t.Errorf("non-TLS groups %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%+v: %d non-TLS requests, want %d", k, got[k], w)
		}
	}
}

func TestSensitiveCoversTruth(t *testing.T) {
	_, truth := openLake(t)
	rows := run(t, "sensitive", report.Params{})
	seen := map[string]bool{}
	for _, r := range rows {
		seen[str(r["request_id"])+"|"+str(r["key"])] = true
		seen[str(r["bucket"])+"|"+str(r["key"])] = true
	}
	for _, a := range truth.Sensitive {
		if !seen[a.Bucket+"|"+a.Key] {
			t.Errorf("sensitive access to %s/%s by %s missing", a.Bucket, a.Key, a.Principal)
		}
	}
	extra := run(t, "sensitive", report.Params{Patterns: []string{`^no-such-prefix/`}})
	if len(extra) != len(rows) {
		t.Errorf("a pattern matching nothing changed the rows: %d, want %d", len(extra), len(rows))
	}
}

func TestPrincipalAndObject(t *testing.T) {
	_, truth := openLake(t)
	inc := truth.Incidents
	var prod string
	for _, d := range truth.Deletions {
		if d.Key == inc.DeletedKey {
			prod = d.Bucket
		}
	}
	ids := map[string]bool{}
	for _, r := range run(t, "principal", report.Params{Principal: inc.Deleter}) {
		ids[str(r["request_id"])] = true
	}
	for _, d := range truth.Deletions {
		if d.Principal == inc.Deleter && !ids[d.RequestID] {
			t.Errorf("principal report lacks deletion %s of %s", d.RequestID, d.Key)
		}
	}
	var found bool
	for _, r := range run(t, "object", report.Params{Bucket: prod, Key: inc.DeletedKey}) {
		if str(r["principal_arn"]) == inc.Deleter && str(r["operation"]) == "DeleteObject" {
			found = true
		}
	}
	if !found {
		t.Errorf("object report of %s/%s lacks its deletion by %s", prod, inc.DeletedKey, inc.Deleter)
	}
}

func TestTopObjectsAndUserAgents(t *testing.T) {
	db, truth := openLake(t)
	top := run(t, "top-objects", report.Params{Limit: 10})
	if len(top) != 11 { // one more than the limit: the caller shows 10 and says rows were cut
		t.Fatalf("top-objects returned %d rows for limit 10, want 11", len(top))
	}
	for i := 1; i < len(top); i++ {
		if num(top[i-1]["requests"]) < num(top[i]["requests"]) {
			t.Errorf("top-objects row %d not sorted by requests", i)
		}
	}
	var anon int64
	var bucket string
	for k, n := range truth.AnonymousByObject {
		if k.Key == truth.Incidents.PublicObject {
			anon += n
			bucket = k.Bucket
		}
	}
	pub := run(t, "object", report.Params{Bucket: bucket, Key: truth.Incidents.PublicObject, Principal: "anonymous"})
	if int64(len(pub)) < anon {
		t.Errorf("public object has %d anonymous rows, want at least %d", len(pub), anon)
	}

	var total int64
	families := map[string]bool{}
	for _, r := range run(t, "user-agents", report.Params{}) {
		total += num(r["requests"])
		families[str(r["family"])] = true
		if f := report.UserAgentFamily(str(r["user_agent"])); f != str(r["family"]) {
			t.Errorf("SQL family %v for %q, Go says %s", r["family"], r["user_agent"], f)
		}
	}
	want := queryOne(t, db, "SELECT count(*) FILTER (WHERE log_operation IS DISTINCT FROM 'BATCH.DELETE.OBJECT') FROM s3_requests WHERE user_agent IS NOT NULL")
	if total != want {
		t.Errorf("user-agents counts %d requests, want %d", total, want)
	}
	for _, f := range []string{"aws-cli", "boto3/botocore", "console", "browser"} {
		if !families[f] {
			t.Errorf("family %s not seen; families %v", f, families)
		}
	}
}

func queryOne(tb testing.TB, db *query.DB, q string) int64 {
	tb.Helper()
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var n sql.NullInt64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
	}
	return n.Int64
}

var tmp string

func tempDir() (string, error) { return tmp, nil }

func TestMain(m *testing.M) {
	var err error
	if tmp, err = os.MkdirTemp("", "s3sift-report-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	if lake.db != nil {
		lake.db.Close()
	}
	os.RemoveAll(tmp)
	os.Exit(code)
}
