package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/source"
)

const demoUsage = `[--keep DIR] [--seed N]

Generates a small synthetic data set (two days of S3 server access logs and
CloudTrail for five buckets, with a few incidents in it), ingests it into a
lake, and answers everyday questions: for each, the question, the SQL that
answers it, and the rows. Without --keep everything lives in a temporary
folder removed at the end; with --keep DIR the logs stay in DIR/logs and
the lake in DIR/lake, to go on asking:

  s3sift sql --lake DIR/lake "SELECT * FROM s3_requests LIMIT 10"`

// demoSeed is the seed 's3sift demo' generates with by default.
const demoSeed = 1

// demoQuestion is one question the demo answers.
type demoQuestion struct {
	title string
	sql   string
}

// demoQuestions are the everyday questions, in the order asked. They are
// written against the documented s3_requests view, as a user would.
func demoQuestions(in gen.Incidents) []demoQuestion {
	return []demoQuestion{
		{
			title: "Who accessed bucket " + gen.BucketProd + ", with which operations?",
			sql: `SELECT principal_arn, action,
       count(DISTINCT request_id) AS requests,
       count(DISTINCT request_id) FILTER (WHERE error_code = 'AccessDenied') AS denied
FROM s3_requests
WHERE bucket = '` + gen.BucketProd + `' AND action IS NOT NULL
GROUP BY ALL
ORDER BY requests DESC, principal_arn, action`,
		},
		{
			title: "Who deleted " + in.DeletedKey + ", and when?",
			sql: `SELECT time, principal_arn, operation, log_operation, remote_ip, user_agent, request_id
FROM s3_requests
WHERE bucket = '` + gen.BucketProd + `' AND key = '` + in.DeletedKey + `'
  AND action = 's3:DeleteObject'
ORDER BY time`,
		},
		{
			title: "What else did that principal delete?",
			sql: `SELECT time, bucket, key, log_operation, http_status, request_id
FROM s3_requests
WHERE principal_arn = '` + in.Deleter + `' AND action = 's3:DeleteObject' AND key IS NOT NULL
ORDER BY time, key`,
		},
		{
			title: "Which IPs were sent the most bytes?",
			sql: `SELECT remote_ip, sum(bytes_sent) AS bytes_sent, count(*) AS requests,
       string_agg(DISTINCT principal_arn, ', ') AS principals
FROM s3_requests
WHERE remote_ip IS NOT NULL
GROUP BY remote_ip
ORDER BY bytes_sent DESC NULLS LAST, remote_ip
LIMIT 5`,
		},
		{
			title: "Who still signs requests with Signature Version 2?",
			sql: `SELECT principal_arn, count(DISTINCT request_id) AS requests,
       min(time) AS first_seen, max(time) AS last_seen, any_value(user_agent) AS user_agent
FROM s3_requests
WHERE signature_version = 'SigV2'
GROUP BY principal_arn
ORDER BY requests DESC`,
		},
		{
			title: "Which anonymous requests reached buckets other than the public website?",
			sql: `SELECT bucket, key, http_status, count(*) AS requests, count(DISTINCT remote_ip) AS ips
FROM s3_requests
WHERE principal_type = 'Anonymous' AND bucket <> '` + gen.BucketSite + `'
GROUP BY ALL
ORDER BY requests DESC, bucket, key`,
		},
		{
			title: "Who asked for files that look like secrets?",
			sql: `SELECT time, bucket, key, principal_arn, remote_ip, http_status
FROM s3_requests
WHERE regexp_matches(key, '(^|/)(\.env|id_rsa|backup\.sql|credentials\.csv|\.git/config|wp-config\.php)')
ORDER BY time`,
		},
	}
}

// runDemo is 's3sift demo'.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", demoUsage)
	keep := fs.String("keep", "", "keep the generated logs and the lake in this folder")
	seed := fs.Int64("seed", demoSeed, "random seed of the generated data set")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments, got %q", pos[0])
	}
	root := *keep
	if root == "" {
		if root, err = os.MkdirTemp("", "s3sift-demo-"); err != nil {
			return fmt.Errorf("demo: create a temporary folder: %w", err)
		}
		defer os.RemoveAll(root)
	} else if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("demo: create %s: %w", root, err)
	}
	logs, lake := filepath.Join(root, "logs"), filepath.Join(root, "lake")
	if *keep != "" {
		// Never mix two data sets (or overwrite someone's files): the demo
		// wants its folders new.
		for _, p := range []string{logs, lake} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("demo: %s already exists; remove it or choose another --keep folder", p)
			}
		}
	}

	cfg, err := gen.ForScale(gen.Small, *seed)
	if err != nil {
		return err
	}
	began := time.Now()
	truth, err := gen.Generate(logs, cfg)
	if err != nil {
		return err
	}
	f := truth.Files
	fmt.Fprintf(e.stdout, "Generated %s to %s: %d access-log objects (%.1f MB), %d CloudTrail files (%.1f MB gzipped), seed %d.\n",
		truth.Start.Format("2006-01-02"), truth.End.Add(-time.Second).Format("2006-01-02"),
		f.AccessLogObjects, mb(f.AccessLogBytes), f.CloudTrailObjects, mb(f.CloudTrailGzBytes), truth.Seed)

	src, err := source.NewLocal([]string{logs}, lake)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	sum, err := ingest.Run(ctx, ingest.Config{
		Lake:    lake,
		Sources: []source.Source{src},
		Logger:  slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fmt.Errorf("demo: ingest: %w", err)
	}
	fmt.Fprintf(e.stdout, "Ingested %d objects in %s: %d access-log rows, %d CloudTrail records, %d rejected lines.\n",
		sum.Objects, sum.Elapsed.Round(time.Millisecond), sum.Rows["s3_access_logs"], sum.Rows["cloudtrail"], sum.Rejects)

	db, err := query.Open(ctx, query.Config{Lake: lake})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer db.Close()
	for i, q := range demoQuestions(truth.Incidents) {
		fmt.Fprintf(e.stdout, "\n%d. %s\n\n", i+1, q.title)
		for _, line := range strings.Split(q.sql, "\n") {
			fmt.Fprintf(e.stdout, "    %s\n", line)
		}
		fmt.Fprintln(e.stdout)
		if err := demoAnswer(ctx, e.stdout, db, q.sql); err != nil {
			return fmt.Errorf("demo: question %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(e.stdout, "\nDone in %s.", time.Since(began).Round(100*time.Millisecond))
	if *keep != "" {
		fmt.Fprintf(e.stdout, " The lake is in %s; ask more with:\n  s3sift sql --lake %s \"SELECT * FROM s3_requests LIMIT 10\"\n", lake, lake)
	} else {
		fmt.Fprintln(e.stdout, " Keep the data with --keep DIR to ask your own questions.")
	}
	return nil
}

// demoAnswer runs one query and prints its rows as a table.
func demoAnswer(ctx context.Context, w io.Writer, db *query.DB, q string) error {
	rows, err := db.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	_, err = writeRows(w, formatTable, rows)
	return err
}
