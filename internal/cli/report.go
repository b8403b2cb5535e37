package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/s3sift/s3sift/internal/timeflag"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/report"
)

const reportUsage = `NAME [flags]   (s3sift report list shows the reports)

Runs a named everyday investigation over s3_requests, e.g.

  s3sift report access-history --bucket acme-prod-data --since 90d
  s3sift report deletions --bucket acme-prod-data --key invoices/2024.csv
  s3sift report principal --principal arn:aws:iam::123456789012:role/etl
  s3sift report sigv2 --explain`

// runReport runs one report, or lists them.
func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", reportUsage)
	lake := lakeFlag(e, fs)
	format := formatFlag(fs)
	var p report.Params
	var since, until timeflag.Value
	var patterns patternFlag
	fs.StringVar(&p.Bucket, "bucket", "", "only this bucket")
	fs.StringVar(&p.Key, "key", "", "only this object key")
	fs.StringVar(&p.Principal, "principal", "", "only this principal (role/user ARN, assumed-role session ARN, canonical id or anonymous)")
	fs.StringVar(&p.IP, "ip", "", "only this client IP")
	fs.Var(&since, "since", "from this time on (RFC 3339, a date, or relative like 7d)")
	fs.Var(&until, "until", "before this time (RFC 3339, a date, or relative like 36h)")
	source := fs.String("source", "all", "which log: all, access_log or cloudtrail")
	fs.IntVar(&p.Limit, "limit", report.DefaultLimit, "at most this many rows")
	fs.Var(&patterns, "pattern", "sensitive report: another key pattern (regular expression, repeatable)")
	explain := fs.Bool("explain", false, "print the report's SQL and arguments instead of running it")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no report named: run 's3sift report list'")
	}
	if len(pos) > 1 {
		return usagef("one report at a time, got %q", strings.Join(pos, " "))
	}
	if pos[0] == "list" {
		return listReports(e)
	}
	r, err := report.Lookup(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	p.Since, p.Until = since.Time(), until.Time()
	p.Source = report.Source(*source)
	p.Patterns = patterns
	q, qargs, err := r.SQL(p)
	if err != nil {
		if errors.Is(err, report.ErrMissingParam) || errors.Is(err, report.ErrBadParam) {
			return usagef("%v", err)
		}
		return err
	}
	if *explain {
		writeExplain(e.stdout, q, qargs)
		return nil
	}
	f, err := resolveFormat(e, *format)
	if err != nil {
		return err
	}
	db, err := query.Open(ctx, query.Config{Lake: *lake})
	if err != nil {
		return userError(err)
	}
	defer db.Close()
	cut, err := writeReportRows(ctx, e.stdout, db, f, q, qargs, report.Limit(p))
	if err != nil {
		return userError(err)
	}
	if cut {
		fmt.Fprintf(e.stderr, "s3sift report %s: showing the first %d rows; raise --limit to see more\n", r.Name, report.Limit(p))
	}
	return nil
}

// writeExplain prints a report's query and its arguments, as --explain
// shows them.
func writeExplain(w io.Writer, q string, args []any) {
	fmt.Fprintln(w, q+";")
	for i, a := range args {
		fmt.Fprintf(w, "-- $%d = %s\n", i+1, describeArg(a))
	}
}

// writeReportRows runs a report's query and writes at most limit rows in
// format f. The query asks for one row more than it shows (report.SQL), so
// cut says whether rows were left out.
func writeReportRows(ctx context.Context, w io.Writer, db *query.DB, f outputFormat, q string, args []any, limit int) (cut bool, err error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	lr := &limitedRows{Rows: rows, limit: limit}
	if _, err := writeRows(w, f, lr); err != nil {
		return false, err
	}
	return lr.cut, nil
}

func listReports(e *env) error {
	for _, r := range report.List() {
		fmt.Fprintf(e.stdout, "%s\n    %s\n", r.Name, r.Summary)
		if len(r.Needs) > 0 {
			fmt.Fprintf(e.stdout, "    needs: --%s\n", strings.Join(r.Needs, " --"))
		}
		fmt.Fprintf(e.stdout, "    columns: %s (sorted by %s)\n", strings.Join(r.Columns, ", "), r.Order)
	}
	fmt.Fprintln(e.stdout, "\nevery report takes --bucket --key --principal --ip --since --until --source --limit --format --explain")
	return nil
}

func describeArg(a any) string {
	if t, ok := a.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	if s, ok := a.(string); ok {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return fmt.Sprint(a)
}

// limitedRows stops after limit rows and notes whether more were there.
type limitedRows struct {
	*sql.Rows
	limit, n int
	cut      bool
}

func (l *limitedRows) Next() bool {
	if !l.Rows.Next() {
		return false
	}
	if l.n == l.limit {
		l.cut = true
		return false
	}
	l.n++
	return true
}

// patternFlag is a repeatable flag whose values are kept whole (a regular
// expression may hold commas).
type patternFlag []string

func (m *patternFlag) String() string     { return strings.Join(*m, ",") }
func (m *patternFlag) Set(s string) error { *m = append(*m, s); return nil }
