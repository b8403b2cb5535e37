package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/report"
	"github.com/s3sift/s3sift/source"
)

const demoUsage = `[--keep DIR] [--seed N]

Generates a small synthetic data set (two days of S3 server access logs and
CloudTrail for five buckets, with a few incidents in it), ingests it into a
lake, and answers everyday questions with the named reports: for each, the
question, the 's3sift report' command that answers it, the report's SQL and
arguments (as --explain prints them), and the rows. Without --keep
everything lives in a temporary folder removed at the end; with --keep DIR
the logs stay in DIR/logs and the lake in DIR/lake, to go on asking:

  export S3SIFT_LAKE=DIR/lake
  s3sift report access-history --bucket acme-prod-data
  s3sift sql "SELECT * FROM s3_requests LIMIT 10"`

// demoSeed is the seed 's3sift demo' generates with by default.
const demoSeed = 1

// demoQuestion is one question the demo answers, with the report (and
// its parameters) that answers it.
type demoQuestion struct {
	title  string
	report string
	params report.Params
}

// demoQuestions are the everyday questions, in the order asked. Each is
// answered by a named report, as a user would ask it with 's3sift report',
// so the demo shows the queries the tool ships rather than its own.
func demoQuestions(in gen.Incidents) []demoQuestion {
	return []demoQuestion{
		{
			title:  "Who accessed bucket " + gen.BucketProd + ", with which operations?",
			report: "access-history",
			params: report.Params{Bucket: gen.BucketProd},
		},
		{
			title:  "Who deleted " + in.DeletedKey + ", and when?",
			report: "deletions",
			params: report.Params{Bucket: gen.BucketProd, Key: in.DeletedKey},
		},
		{
			title:  "What else did that principal delete?",
			report: "deletions",
			params: report.Params{Principal: in.Deleter},
		},
		{
			title:  "Which IPs were sent the most bytes?",
			report: "bytes-by-ip",
			params: report.Params{Limit: 5},
		},
		{
			title:  "Who still signs requests with Signature Version 2?",
			report: "sigv2",
		},
		{
			// The public website's hundreds of anonymous visitors would bury
			// the few anonymous reads elsewhere, and the report cannot leave a
			// bucket out: ask about the private bucket by name.
			title:  "Who read bucket " + gen.BucketProd + " without signing in?",
			report: "anonymous",
			params: report.Params{Bucket: gen.BucketProd},
		},
		{
			title:  "Who asked for files that look like secrets?",
			report: "sensitive",
		},
	}
}

// reportCommandLine returns the 's3sift report' command line that runs
// report name with p.
func reportCommandLine(name string, p report.Params) string {
	args := []string{"s3sift", "report", name}
	flag := func(f, v string) {
		if v != "" {
			args = append(args, "--"+f, shellQuote(v))
		}
	}
	flag("bucket", p.Bucket)
	flag("key", p.Key)
	flag("principal", p.Principal)
	flag("ip", p.IP)
	if !p.Since.IsZero() {
		flag("since", p.Since.UTC().Format(time.RFC3339))
	}
	if !p.Until.IsZero() {
		flag("until", p.Until.UTC().Format(time.RFC3339))
	}
	if p.Source != "" && p.Source != report.SourceAll {
		flag("source", string(p.Source))
	}
	if p.Limit > 0 {
		flag("limit", strconv.Itoa(p.Limit))
	}
	for _, pat := range p.Patterns {
		flag("pattern", pat)
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell unless it is plainly safe.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:@%+=,-", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
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
	if _, err := query.Derive(ctx, query.DeriveConfig{Lake: lake}); err != nil {
		return fmt.Errorf("demo: storing s3_requests: %w", err)
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
		if err := demoAnswer(ctx, e.stdout, db, q); err != nil {
			return fmt.Errorf("demo: question %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(e.stdout, "\nDone in %s.", time.Since(began).Round(100*time.Millisecond))
	if *keep != "" {
		fmt.Fprintf(e.stdout, " The lake is in %s; to run the reports above on it, or ask your own:\n  export S3SIFT_LAKE=%s\n  s3sift report list\n  s3sift sql \"SELECT * FROM s3_requests LIMIT 10\"\n", lake, shellQuote(lake))
	} else {
		fmt.Fprintln(e.stdout, " Keep the data with --keep DIR to ask your own questions.")
	}
	return nil
}

// demoAnswer prints the command line that answers q, the report's SQL and
// arguments as --explain prints them, and the report's rows as a table.
func demoAnswer(ctx context.Context, w io.Writer, db *query.DB, q demoQuestion) error {
	r, err := report.Lookup(q.report)
	if err != nil {
		return err
	}
	sql, args, err := r.SQL(q.params)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  $ %s\n\n", reportCommandLine(r.Name, q.params))
	var explain strings.Builder
	writeExplain(&explain, sql, args)
	for _, line := range strings.Split(strings.TrimSuffix(explain.String(), "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
	fmt.Fprintln(w)
	limit := report.Limit(q.params)
	cut, err := writeReportRows(ctx, w, db, formatTable, sql, args, limit)
	if err != nil {
		return err
	}
	if cut {
		fmt.Fprintf(w, "(showing the first %d rows; raise --limit to see more)\n", limit)
	}
	return nil
}
