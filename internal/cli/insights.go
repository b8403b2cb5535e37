package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
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
	fs := newFlagSet(e, "insights", insightsUsage)
	lake := lakeFlag(e, fs)
	table := fs.String("table", "cloudtrail", "table to query: "+strings.Join(sqlgen.Tables(), ", "))
	var since, until timeflag.Value
	fs.Var(&since, "since", "only events at or after this time: "+timeflag.Accepted)
	fs.Var(&until, "until", "only events before this time (same forms as --since)")
	explain := fs.Bool("explain", false, "print the SQL the query compiles to instead of running it")
	format := fs.String("format", "", "output format: table, csv, json or jsonl (default table on a terminal, else csv)")
	file := fs.String("f", "", "read the query from this file (- for standard input)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	src, err := insightsSource(*file, pos)
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "csv"
		if e.isTerminal {
			*format = "table"
		}
	}
	switch *format {
	case "table", "csv", "json", "jsonl":
	default:
		return usagef("unknown --format %q; want table, csv, json or jsonl", *format)
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
	if err := writeInsights(e.stdout, *format, res); err != nil {
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

// writeInsights renders a result.
func writeInsights(w io.Writer, format string, r *exec.Result) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(r.Columns)
		for _, row := range r.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = cellText(v)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json", "jsonl":
		if format == "json" {
			io.WriteString(w, "[")
		}
		for n, row := range r.Rows {
			var b strings.Builder
			if format == "json" && n > 0 {
				b.WriteString(",")
			}
			if format == "json" {
				b.WriteString("\n  ")
			}
			b.WriteByte('{')
			for i, v := range row {
				if i > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(r.Columns[i])
				b.Write(k)
				b.WriteByte(':')
				b.Write(jsonValue(v))
			}
			b.WriteByte('}')
			if format == "jsonl" {
				b.WriteByte('\n')
			}
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
		}
		if format == "json" {
			if len(r.Rows) > 0 {
				io.WriteString(w, "\n")
			}
			_, err := io.WriteString(w, "]\n")
			return err
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cellText(v))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// cellText formats a value as Logs Insights shows it.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) []byte {
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprint(v))
	}
	return b
}
