package cli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/query"
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

var demoCellSep = regexp.MustCompile(`\s{2,}`)

// demoRows returns the cells of a section's result table (the lines after
// the dashed rule, up to the row count).
func demoRows(tb testing.TB, section string) [][]string {
	tb.Helper()
	lines := strings.Split(section, "\n")
	var rows [][]string
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "---"):
			in = true
		case strings.HasPrefix(l, "(") && (strings.HasSuffix(l, " rows)") || strings.HasSuffix(l, " row)")):
			return rows
		case in:
			rows = append(rows, demoCellSep.Split(strings.TrimSpace(l), -1))
		}
	}
	tb.Fatalf("no result table in:\n%s", section)
	return nil
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
		rows := demoRows(t, demoSection(t, out, 1))
		if len(rows) != len(want) {
			t.Errorf("%d (principal, action) rows, Truth has %d", len(rows), len(want))
		}
		for _, r := range rows {
			k := gen.AccessKey{Bucket: gen.BucketProd, Principal: r[0], Action: r[1]}
			c, ok := want[k]
			if !ok {
				t.Errorf("row %v: Truth has no such principal and action", r)
				continue
			}
			if got := demoInt(t, r[2]); got != c.Requests {
				t.Errorf("%s %s: %d requests, Truth %d", r[0], r[1], got, c.Requests)
			}
			if got := demoInt(t, r[3]); got != c.Denied {
				t.Errorf("%s %s: %d denied, Truth %d", r[0], r[1], got, c.Denied)
			}
		}
	})

	t.Run("who deleted the key", func(t *testing.T) {
		want := tr.DeletionsOf(gen.BucketProd, in.DeletedKey)
		rows := demoRows(t, demoSection(t, out, 2))
		if len(rows) != len(want) || len(rows) == 0 {
			t.Fatalf("%d rows, Truth has %d deletions: %v", len(rows), len(want), rows)
		}
		if got := rows[0][1] + " at " + rows[0][0]; got != want[0].Principal+" at "+want[0].Time.Format(time.RFC3339) {
			t.Errorf("deleted by %s; Truth: %s at %s", got, want[0].Principal, want[0].Time)
		}
	})

	t.Run("what else the deleter deleted", func(t *testing.T) {
		var want []string
		for _, d := range tr.Deletions {
			if d.Principal == in.Deleter {
				want = append(want, d.Key)
			}
		}
		var got []string
		for _, r := range demoRows(t, demoSection(t, out, 3)) {
			got = append(got, r[2])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("keys %v, Truth %v", got, want)
		}
	})

	t.Run("top IPs by bytes", func(t *testing.T) {
		rows := demoRows(t, demoSection(t, out, 4))
		top := tr.TopIPs(1)[0]
		if len(rows) == 0 || rows[0][0] != top.IP || demoInt(t, rows[0][1]) != top.Bytes {
			t.Errorf("top row %v, Truth: %s with %d bytes", rows[:min(1, len(rows))], top.IP, top.Bytes)
		}
		for _, r := range rows {
			if want := tr.BytesSentByIP[r[0]]; demoInt(t, r[1]) != want {
				t.Errorf("%s: %s bytes, Truth %d", r[0], r[1], want)
			}
		}
	})

	t.Run("SigV2 requesters", func(t *testing.T) {
		rows := demoRows(t, demoSection(t, out, 5))
		if len(rows) != len(tr.SigV2) {
			t.Errorf("%d SigV2 requesters, Truth %v", len(rows), tr.SigV2)
		}
		for _, r := range rows {
			if want := tr.SigV2[r[0]]; demoInt(t, r[1]) != want {
				t.Errorf("%s: %s SigV2 requests, Truth %d", r[0], r[1], want)
			}
		}
	})

	t.Run("anonymous requests", func(t *testing.T) {
		got := map[gen.ObjectKey]int64{}
		for _, r := range demoRows(t, demoSection(t, out, 6)) {
			got[gen.ObjectKey{Bucket: r[0], Key: r[1]}] += demoInt(t, r[3])
		}
		want := map[gen.ObjectKey]int64{}
		for k, n := range tr.AnonymousByObject {
			if k.Bucket != gen.BucketSite {
				want[k] = n
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("anonymous requests outside the website: %v, Truth %v", got, want)
		}
		if want[gen.ObjectKey{Bucket: gen.BucketProd, Key: in.PublicObject}] == 0 {
			t.Errorf("Truth has no anonymous reads of %s", in.PublicObject)
		}
	})

	t.Run("secret-looking keys", func(t *testing.T) {
		rows := demoRows(t, demoSection(t, out, 7))
		if len(rows) != len(tr.Sensitive) {
			t.Fatalf("%d rows, Truth has %d sensitive requests", len(rows), len(tr.Sensitive))
		}
		for i, r := range rows {
			s := tr.Sensitive[i]
			if r[1] != s.Bucket || r[2] != s.Key || r[3] != s.Principal || r[4] != s.RemoteIP {
				t.Errorf("row %d: %v; Truth %+v", i, r, s)
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
