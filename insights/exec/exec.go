// Package exec runs Logs Insights queries: it parses and compiles the text
// (packages insights and insights/sqlgen) and runs the SQL on anything that
// can run a read-only query, such as a *query.DB.
package exec

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/sqlgen"
)

// Querier runs one read-only SQL statement; *query.DB is one.
type Querier interface {
	// Query runs sql and returns its rows.
	Query(ctx context.Context, sql string, args ...any) (*sql.Rows, error)
}

// Options are what a query runs over.
type Options struct {
	// Table is cloudtrail (the default), s3_access_logs or s3_requests.
	Table string
	// Since and Until restrict @timestamp to [Since, Until); zero values
	// leave that side open.
	Since, Until time.Time
	// MaxRows caps the result of a query without a limit command
	// (default sqlgen.DefaultMaxRows, as in Logs Insights).
	MaxRows int
}

// Prepared is a parsed and compiled query.
type Prepared struct {
	Source string
	Query  *insights.Query
	Plan   *sqlgen.Plan
}

// Prepare parses and compiles src. Its errors are insights.ErrorList
// values: errors.Is(err, insights.ErrSyntax) tells a malformed query.
func Prepare(src string, opts Options) (*Prepared, error) {
	q, err := insights.Parse(src)
	if err != nil {
		return nil, err
	}
	plan, err := sqlgen.Compile(q, sqlgen.Config{Table: opts.Table, Since: opts.Since, Until: opts.Until, MaxRows: opts.MaxRows})
	if err != nil {
		return nil, err
	}
	return &Prepared{Source: src, Query: q, Plan: plan}, nil
}

// Result is the answer to a query.
type Result struct {
	// Columns are named as Logs Insights names them.
	Columns []string
	// Rows hold the values as database/sql scans them: string, int64,
	// float64, bool, time.Time (UTC) or nil.
	Rows [][]any
	// Truncated is set when the query had no limit and more rows than
	// MaxRows matched: Rows holds the first MaxRows.
	Truncated bool
	MaxRows   int
}

// Run runs a prepared query.
func (p *Prepared) Run(ctx context.Context, db Querier) (*Result, error) {
	rows, err := db.Query(ctx, p.Plan.SQL)
	if err != nil {
		return nil, fmt.Errorf("insights: running the query: %w", err)
	}
	defer rows.Close()
	res := &Result{Columns: p.Plan.Columns, MaxRows: p.Plan.MaxRows}
	n := len(p.Plan.Columns)
	for rows.Next() {
		if p.Plan.MaxRows > 0 && len(res.Rows) == p.Plan.MaxRows {
			res.Truncated = true
			break
		}
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("insights: reading row %d: %w", len(res.Rows)+1, err)
		}
		for i, v := range vals {
			vals[i] = normalize(v)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insights: reading rows: %w", err)
	}
	return res, nil
}

// Run parses, compiles and runs src.
func Run(ctx context.Context, db Querier, src string, opts Options) (*Result, error) {
	p, err := Prepare(src, opts)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, db)
}

// normalize turns the driver's values into the plain Go types Result
// documents.
func normalize(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC()
	case interface{ Float64() float64 }:
		// DECIMAL values, from arithmetic on columns of that type.
		return x.Float64()
	}
	return v
}
