package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/query"
)

const sqlUsage = `[flags] "SQL"   (or - to read the SQL from standard input)

Runs one read-only SQL statement (DuckDB dialect) over the lake, e.g.

  s3sift sql "SELECT principal_arn, action, count(*) FROM s3_requests
              WHERE bucket = 'acme-prod-data' GROUP BY ALL ORDER BY 3 DESC"

Only reads are accepted (SELECT, WITH, VALUES, EXPLAIN, DESCRIBE, SHOW,
SUMMARIZE, PRAGMA table_info); files outside the lake cannot be read.`

// runSQL runs one read-only SQL statement and prints its rows.
func runSQL(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sql", sqlUsage)
	lake := lakeFlag(e, fs)
	format := formatFlag(fs)
	threads := fs.Int("threads", 0, "DuckDB worker threads (default one per core)")
	af := addAthenaFlags(fs)
	flagUsage := fs.Usage
	fs.Usage = func() {
		flagUsage()
		fmt.Fprintln(e.stderr)
		printCatalogue(e.stderr)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	f, err := resolveFormat(e, *format)
	if err != nil {
		return err
	}
	text := joinArgs(pos)
	if text == "-" {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("reading the query from standard input: %w", err)
		}
		text = string(data)
	}
	if strings.TrimSpace(text) == "" {
		return usagef("no query: give the SQL as an argument, or - to read it from standard input")
	}
	text, setup, err := af.prepare(e, text)
	if err != nil {
		return err
	}
	db, err := query.Open(ctx, query.Config{Lake: *lake, Threads: *threads, Setup: setup})
	if err != nil {
		return userError(err)
	}
	defer db.Close()
	rows, err := db.Query(ctx, text)
	if err != nil {
		return userError(err)
	}
	defer rows.Close()
	if _, err := writeRows(e.stdout, f, rows); err != nil {
		return userError(err)
	}
	return nil
}

// userError drops the package prefix from a query error: the user sees
// "s3sift sql: Binder Error: …", DuckDB's own words.
func userError(err error) error {
	return &exitError{code: 1, err: trimmedError{err}}
}

type trimmedError struct{ err error }

func (t trimmedError) Error() string { return strings.TrimPrefix(t.err.Error(), "query: ") }
func (t trimmedError) Unwrap() error { return t.err }

// printCatalogue lists the tables and their columns, from event.Catalogue.
func printCatalogue(w io.Writer) {
	fmt.Fprintln(w, "tables:")
	for _, t := range event.Catalogue() {
		fmt.Fprintf(w, "\n%s: %s\n", t.Name, t.Doc)
		for _, c := range t.Columns {
			fmt.Fprintf(w, "  %-32s %-12s %s\n", c.Name, shortType(c.Type), c.Doc)
		}
	}
}

// shortType abbreviates STRUCT types, whose members the column doc lists.
func shortType(t string) string {
	if strings.HasPrefix(t, "STRUCT(") {
		if strings.HasSuffix(t, "[]") {
			return "STRUCT[]"
		}
		return "STRUCT"
	}
	return t
}
