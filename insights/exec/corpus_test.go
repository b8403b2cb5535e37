package exec_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/exec"
	"github.com/s3sift/s3sift/query"
)

// corpusQuery is the bucket access history query people run in Logs
// Insights, verbatim from the shared corpus.
const corpusQuery = "../../../shared/corpus/queries/insights/bucket-access-history.insights"

// TestCorpusQueryMatchesTruth runs the corpus query, for each bucket of a
// generated data set, and checks every count against the generator's
// Truth. The bucket is swapped into the query through its syntax tree, so
// the query is otherwise exactly as written.
func TestCorpusQueryMatchesTruth(t *testing.T) {
	src, err := os.ReadFile(corpusQuery)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truth, err := gen.Generate(filepath.Join(dir, "logs"), gen.Config{
		Seed: 7, Days: 1, RequestsPerDay: 3000, Only: "cloudtrail",
		CloudTrailInterval: 30 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	db := lakeOf(t, filepath.Join(dir, "logs"), filepath.Join(dir, "lake"))

	q, err := insights.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	var bucketLit *insights.StringLit
	insights.Inspect(q, func(n insights.Node) bool {
		if s, ok := n.(*insights.StringLit); ok && s.Value == "lucas-test-bucket" {
			bucketLit = s
		}
		return true
	})
	if bucketLit == nil {
		t.Fatal("the corpus query no longer names lucas-test-bucket")
	}

	checked := 0
	for _, b := range truth.Buckets {
		bucketLit.Value = b.Name
		p, err := exec.Prepare(insights.Format(q), exec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{}
		for k, n := range truth.CloudTrailS3Data {
			if k.Bucket == b.Name {
				want[fmt.Sprintf("%s|%s|%s|%s", k.EventSource, k.EventName, k.Bucket, k.SessionIssuer)] = n
			}
		}
		got := map[string]int64{}
		for _, row := range res.Rows {
			issuer, _ := row[3].(string) // NULL when the identity is not a role
			key := fmt.Sprintf("%v|%v|%v|%s", row[0], row[1], row[2], issuer)
			n, ok := row[4].(int64)
			if !ok {
				t.Fatalf("count is %T, want int64", row[4])
			}
			got[key] += n
		}
		if d := diffCounts(got, want); d != "" {
			t.Errorf("bucket %s: counts differ from Truth (got vs want):\n%s", b.Name, d)
		}
		checked += len(want)
	}
	if checked == 0 {
		t.Fatal("Truth has no CloudTrail S3 data events to check")
	}
	t.Logf("checked %d (eventSource, eventName, bucket, issuer) counts over %d buckets", checked, len(truth.Buckets))

	// The result columns are named as Logs Insights names them.
	p, err := exec.Prepare(string(src), exec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eventSource", "eventName", "requestParameters.bucketName", "userIdentity.sessionContext.sessionIssuer.userName", "count"}
	if strings.Join(p.Plan.Columns, ",") != strings.Join(want, ",") {
		t.Errorf("columns = %v, want %v", p.Plan.Columns, want)
	}
}

func diffCounts(got, want map[string]int64) string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var lines []string
	for k := range keys {
		if got[k] != want[k] {
			lines = append(lines, fmt.Sprintf("  %s: %d vs %d", k, got[k], want[k]))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// lakeOf decodes a folder of logs into a new lake and opens it.
func lakeOf(tb testing.TB, in, lakeDir string) *query.DB {
	tb.Helper()
	var l testLake
	if err := l.addDir(in); err != nil {
		tb.Fatal(err)
	}
	if err := l.write(lakeDir); err != nil {
		tb.Fatal(err)
	}
	return openLake(tb, lakeDir, false)
}
