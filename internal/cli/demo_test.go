package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/report"
)

// demoSection returns the output of the demo's question n (1-based): from
// its heading to the next one.
func demoSection(tb testing.TB, out string, n int) string {
	tb.Helper()
	start := strings.Index(out, fmt.Sprintf("\n%d. ", n))
	if start < 0 {
		tb.Fatalf("demo output has no question %d:\n%s", n, out)
	}
	rest := out[start+1:]
	if end := strings.Index(rest, fmt.Sprintf("\n%d. ", n+1)); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// demoTable is the result table of one demo answer: its column names and
// its rows as cells by column name.
type demoTable struct {
	cols []string
	rows []map[string]string
}

// demoRows parses a section's result table: the header line, the dashed
// rule (whose dash runs give each column's extent, so empty cells and
// cells with spaces parse too), and the lines after it up to the row count.
func demoRows(tb testing.TB, section string) demoTable {
	tb.Helper()
	lines := strings.Split(section, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "---") || i == 0 {
			continue
		}
		type span struct{ from, to int }
		var spans []span
		rule := []rune(l)
		for j := 0; j < len(rule); j++ {
			if rule[j] == '-' && (j == 0 || rule[j-1] == ' ') {
				spans = append(spans, span{j, j})
			}
			if rule[j] == '-' {
				spans[len(spans)-1].to = j + 1
			}
		}
		cell := func(line []rune, c int) string {
			from, to := spans[c].from, spans[c].to
			if c == len(spans)-1 {
				to = len(line) // the last column is not padded, and may be cut with "…"
			}
			if from >= len(line) {
				return ""
			}
			return strings.TrimSpace(string(line[from:min(to, len(line))]))
		}
		var t demoTable
		header := []rune(lines[i-1])
		for c := range spans {
			t.cols = append(t.cols, cell(header, c))
		}
		for _, row := range lines[i+1:] {
			if strings.HasPrefix(row, "(") && (strings.HasSuffix(row, " rows)") || strings.HasSuffix(row, " row)")) {
				return t
			}
			r := []rune(row)
			m := map[string]string{}
			for c, name := range t.cols {
				m[name] = cell(r, c)
			}
			t.rows = append(t.rows, m)
		}
		break
	}
	tb.Fatalf("no result table in:\n%s", section)
	return demoTable{}
}

// demoReport returns the table of the demo's question n after checking that
// the section names the report command args (as 's3sift report args'),
// prints the SQL and arguments 's3sift report args --explain' prints, and
// has the report's columns.
func demoReport(tb testing.TB, out string, n int, args ...string) demoTable {
	tb.Helper()
	section := demoSection(tb, out, n)
	if cmd := "$ s3sift report " + strings.Join(args, " ") + "\n"; !strings.Contains(section, cmd) {
		tb.Errorf("question %d does not show the command %q:\n%s", n, cmd, section)
	}
	code, explain, stderr := runGenCLI(tb, append(append([]string{"report"}, args...), "--explain")...)
	if code != 0 {
		tb.Fatalf("report %v --explain: exit %d: %s", args, code, stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(explain), "\n") {
		if !strings.Contains(section, "\n    "+l+"\n") {
			tb.Errorf("question %d lacks the explain line %q:\n%s", n, l, section)
		}
	}
	t := demoRows(tb, section)
	r, err := report.Lookup(args[0])
	if err != nil {
		tb.Fatal(err)
	}
	if got, want := strings.Join(t.cols, ","), strings.Join(r.Columns, ","); got != want {
		tb.Fatalf("question %d columns %s, want the report's %s", n, got, want)
	}
	return t
}

func demoInt(tb testing.TB, s string) int64 {
	tb.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		tb.Fatalf("%q is not a number", s)
	}
	return n
}

// TestDemo runs 's3sift demo' and checks each answer against the Truth of
// the same data set, generated again here (the generator is deterministic).
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runGenCLI(t, "demo", "--keep", dir)
	if code != 0 {
		t.Fatalf("demo exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, out)
	}
	cfg, err := gen.ForScale(gen.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := gen.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := tr.Incidents

	ingested := fmt.Sprintf("%d access-log rows, %d CloudTrail records, %d rejected lines", tr.Rows.AccessLogs, tr.Rows.CloudTrail, tr.Rows.Rejects)
	if !strings.Contains(out, ingested) {
		t.Errorf("ingest summary lacks %q:\n%s", ingested, out[:min(len(out), 400)])
	}

	t.Run("table rows", func(t *testing.T) {
		db, err := query.Open(context.Background(), query.Config{Lake: filepath.Join(dir, "lake")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, c := range []struct {
			sql  string
			want int64
		}{
			{"SELECT count(*) FROM s3_access_logs", tr.Rows.AccessLogs},
			{"SELECT count(*) FROM cloudtrail", tr.Rows.CloudTrail},
			{"SELECT count(*) FROM rejects", tr.Rows.Rejects},
			{"SELECT count(*) FROM s3_requests", tr.Rows.S3Requests},
			{"SELECT count(DISTINCT request_id) FROM s3_requests", tr.Requests},
			{"SELECT count(DISTINCT request_id) FROM s3_requests WHERE in_access_log AND in_cloudtrail", tr.MergedRequests},
		} {
			var got int64
			rows, err := db.Query(context.Background(), c.sql)
			if err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			for rows.Next() {
				if err := rows.Scan(&got); err != nil {
					t.Fatal(err)
				}
			}
			rows.Close()
			if got != c.want {
				t.Errorf("%s = %d, Truth %d", c.sql, got, c.want)
			}
		}
	})

	t.Run("access by bucket, principal and action", func(t *testing.T) {
		db, err := query.Open(context.Background(), query.Config{Lake: filepath.Join(dir, "lake")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(context.Background(), `SELECT bucket, principal_arn, action, count(DISTINCT request_id),
			count(DISTINCT request_id) FILTER (WHERE error_code = 'AccessDenied')
			FROM s3_requests WHERE action IS NOT NULL GROUP BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[gen.AccessKey]gen.Count{}
		for rows.Next() {
			var k gen.AccessKey
			var c gen.Count
			if err := rows.Scan(&k.Bucket, &k.Principal, &k.Action, &c.Requests, &c.Denied); err != nil {
				t.Fatal(err)
			}
			got[k] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for k, w := range tr.Access {
			if g := got[k]; g.Requests != w.Requests || g.Denied != w.Denied {
				t.Errorf("%+v: s3_requests %d requests, %d denied; Truth %d, %d", k, g.Requests, g.Denied, w.Requests, w.Denied)
			}
		}
		for k, g := range got {
			if _, ok := tr.Access[k]; !ok {
				t.Errorf("%+v: s3_requests has %d requests, Truth none", k, g.Requests)
			}
		}
	})

	t.Run("who accessed the bucket", func(t *testing.T) {
		want := tr.BucketAccess(gen.BucketProd)
		rows := demoReport(t, out, 1, "access-history", "--bucket", gen.BucketProd).rows
		if len(rows) != len(want) {
			t.Errorf("%d (principal, action) rows, Truth has %d", len(rows), len(want))
		}
		for _, r := range rows {
			k := gen.AccessKey{Bucket: gen.BucketProd, Principal: r["principal_arn"], Action: r["action"]}
			c, ok := want[k]
			if !ok {
				t.Errorf("row %v: Truth has no such principal and action", r)
				continue
			}
			got := gen.Count{Requests: demoInt(t, r["requests"]), Denied: demoInt(t, r["denied"]),
				InAccessLog: demoInt(t, r["access_log_requests"]), InCloudTrail: demoInt(t, r["cloudtrail_requests"])}
			if got != c {
				t.Errorf("%s %s: got %+v, Truth %+v", k.Principal, k.Action, got, c)
			}
		}
	})

	t.Run("who deleted the key", func(t *testing.T) {
		want := tr.DeletionsOf(gen.BucketProd, in.DeletedKey)
		rows := demoReport(t, out, 2, "deletions", "--bucket", gen.BucketProd, "--key", in.DeletedKey).rows
		if len(rows) != len(want) || len(rows) == 0 {
			t.Fatalf("%d rows, Truth has %d deletions: %v", len(rows), len(want), rows)
		}
		for i, r := range rows {
			w := want[i]
			got := r["principal_arn"] + " at " + r["time"] + " (" + r["request_id"] + ")"
			if w := w.Principal + " at " + w.Time.Format(time.RFC3339) + " (" + w.RequestID + ")"; got != w {
				t.Errorf("deleted by %s; Truth: %s", got, w)
			}
		}
	})

	t.Run("what else the deleter deleted", func(t *testing.T) {
		var want []string
		for _, d := range tr.Deletions {
			if d.Principal == in.Deleter {
				want = append(want, d.Bucket+"/"+d.Key)
			}
		}
		var got []string
		for _, r := range demoReport(t, out, 3, "deletions", "--principal", in.Deleter).rows {
			got = append(got, r["bucket"]+"/"+r["key"])
			if r["principal_arn"] != in.Deleter {
				t.Errorf("row %v is not the deleter's", r)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("keys %v, Truth %v", got, want)
		}
	})

	t.Run("top IPs by bytes", func(t *testing.T) {
		rows := demoReport(t, out, 4, "bytes-by-ip", "--limit", "5").rows
		var got []gen.IPBytes
		for _, r := range rows {
			got = append(got, gen.IPBytes{IP: r["remote_ip"], Bytes: demoInt(t, r["bytes_sent"])})
		}
		if want := tr.TopIPs(5); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("top IPs %v, Truth %v", got, want)
		}
		if s := demoSection(t, out, 4); len(tr.BytesSentByIP) > 5 && !strings.Contains(s, "(showing the first 5 rows; raise --limit to see more)") {
			t.Errorf("question 4 does not say rows were cut:\n%s", s)
		}
	})

	t.Run("SigV2 requesters", func(t *testing.T) {
		got := map[string]int64{}
		for _, r := range demoReport(t, out, 5, "sigv2").rows {
			got[r["principal_arn"]] += demoInt(t, r["requests"])
		}
		if fmt.Sprint(got) != fmt.Sprint(tr.SigV2) {
			t.Errorf("SigV2 requests by principal %v, Truth %v", got, tr.SigV2)
		}
	})

	t.Run("anonymous requests", func(t *testing.T) {
		var got, want int64
		for _, r := range demoReport(t, out, 6, "anonymous", "--bucket", gen.BucketProd).rows {
			if r["bucket"] != gen.BucketProd {
				t.Errorf("row %v is not of %s", r, gen.BucketProd)
			}
			got += demoInt(t, r["requests"])
		}
		for k, n := range tr.AnonymousByObject {
			if k.Bucket == gen.BucketProd {
				want += n
			}
		}
		if got != want {
			t.Errorf("anonymous requests to %s: %d, Truth %d", gen.BucketProd, got, want)
		}
		if tr.AnonymousByObject[gen.ObjectKey{Bucket: gen.BucketProd, Key: in.PublicObject}] == 0 {
			t.Errorf("Truth has no anonymous reads of %s", in.PublicObject)
		}
	})

	t.Run("secret-looking keys", func(t *testing.T) {
		rows := demoReport(t, out, 7, "sensitive").rows
		if len(rows) != len(tr.Sensitive) {
			t.Fatalf("%d rows, Truth has %d sensitive requests", len(rows), len(tr.Sensitive))
		}
		for i, r := range rows {
			s := tr.Sensitive[i]
			got := fmt.Sprint(r["time"], r["bucket"], r["key"], r["principal_arn"], r["remote_ip"], r["operation"], r["http_status"])
			want := fmt.Sprint(s.Time.Format(time.RFC3339), s.Bucket, s.Key, s.Principal, s.RemoteIP, s.Operation, s.HTTPStatus)
			if got != want {
				t.Errorf("row %d: %s; Truth %s", i, got, want)
			}
		}
	})
}

func TestDemoUsage(t *testing.T) {
	if code, _, stderr := runGenCLI(t, "demo", "extra"); code != 2 || !strings.Contains(stderr, "demo takes no arguments") {
		t.Errorf("demo extra: exit %d, stderr %q; want exit 2 and a usage error", code, stderr)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runGenCLI(t, "demo", "--keep", dir); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("demo --keep over an existing lake: exit %d, stderr %q; want exit 1 and a refusal", code, stderr)
	}
}
