package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/exec"
	"github.com/s3sift/s3sift/insights/sqlgen"
	"github.com/s3sift/s3sift/internal/timeflag"
	"github.com/s3sift/s3sift/query"
)

const insightsUsage = `[flags] 'QUERY'

Runs a CloudWatch Logs Insights query over the lake, for example:

  s3sift insights --since 30d 'filter eventSource == "s3.amazonaws.com"
    | stats count(*) as count by eventName, userIdentity.sessionContext.sessionIssuer.userName'
  s3sift insights --table s3_access_logs 'filter http_status >= 400 | stats count(*) by bin(1h), bucket'

Over cloudtrail (the default table) fields are CloudTrail's JSON names
(eventName, requestParameters.bucketName, ...); over s3_access_logs and
s3_requests they are the column names. @timestamp, @message and @log work
everywhere they make sense. Without a limit command at most 10000 rows are
returned.`

// runInsights runs a Logs Insights query.
func runInsights(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "insights", insightsUsage+"\n\nFunctions: "+insightsFuncs())
	lake := lakeFlag(e, fs)
	table := fs.String("table", "cloudtrail", "table to query: "+strings.Join(sqlgen.Tables(), ", "))
	var since, until timeflag.Value
	fs.Var(&since, "since", "only events at or after this time: "+timeflag.Accepted)
	fs.Var(&until, "until", "only events before this time (same forms as --since)")
	explain := fs.Bool("explain", false, "print the SQL the query compiles to instead of running it")
	format := formatFlag(fs)
	file := fs.String("f", "", "read the query from this file (- for standard input)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	src, err := insightsSource(*file, pos)
	if err != nil {
		return err
	}
	if !slices.Contains(sqlgen.Tables(), *table) {
		return usagef("unknown --table %q; want one of %s", *table, strings.Join(sqlgen.Tables(), ", "))
	}
	outFormat, err := resolveFormat(e, *format)
	if err != nil {
		return err
	}
	if since.IsSet() && until.IsSet() && !since.Time().Before(until.Time()) {
		return usagef("--since (%s) is not before --until (%s)", since.Time().Format(time.RFC3339), until.Time().Format(time.RFC3339))
	}
	p, err := exec.Prepare(src, exec.Options{Table: *table, Since: since.Time(), Until: until.Time()})
	if err != nil {
		return queryError(e, src, err)
	}
	if *explain {
		fmt.Fprintln(e.stdout, p.Plan.SQL)
		return nil
	}
	db, err := query.Open(ctx, query.Config{Lake: *lake})
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := p.Run(ctx, db)
	if err != nil {
		return err
	}
	if _, err := writeRows(e.stdout, outFormat, newMemRows(res.Columns, res.Rows)); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	if res.Truncated {
		fmt.Fprintf(e.stderr, "s3sift insights: showing the first %d rows, as Logs Insights does; add | limit N to the query for more\n", res.MaxRows)
	}
	return nil
}

// insightsSource returns the query text: from -f, or the arguments.
func insightsSource(file string, args []string) (string, error) {
	if file != "" {
		if len(args) > 0 {
			return "", usagef("give the query either with -f or as an argument, not both")
		}
		var data []byte
		var err error
		if file == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(file)
		}
		if err != nil {
			return "", fmt.Errorf("reading the query: %w", err)
		}
		return string(data), nil
	}
	if len(args) == 0 {
		return "", usagef("no query; give it as an argument or with -f FILE")
	}
	return joinArgs(args), nil
}

// queryError prints each problem of a query with a caret under the
// offending text, and returns an error that exits 1 without repeating
// them.
func queryError(e *env, src string, err error) error {
	var el insights.ErrorList
	if !errors.As(err, &el) {
		return err
	}
	for _, qe := range el {
		fmt.Fprintf(e.stderr, "s3sift insights: %s\n", qe)
		fmt.Fprint(e.stderr, insights.Annotate(src, qe))
	}
	return &exitError{code: 1, err: errors.New("")}
}

// insightsFuncs lists the functions a query may call.
func insightsFuncs() string {
	var names []string
	for _, f := range insights.Funcs() {
		names = append(names, f.Name)
	}
	return strings.Join(names, " ")
}
