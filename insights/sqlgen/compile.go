// Package sqlgen compiles a Logs Insights query (an insights.Query) to one
// DuckDB SELECT over the s3sift lake's views. It is pure: it opens no
// database, so the SQL it writes can be tested and shown (--explain)
// without running it.
//
// The pipeline becomes nested SELECTs: commands are folded into one SELECT
// while SQL's own order of evaluation (WHERE, GROUP BY, QUALIFY, ORDER BY,
// LIMIT) matches the query's, and a new SELECT wraps the previous one where
// it does not (a filter after a limit, a second stats).
package sqlgen

import (
	"slices"
	"strings"
	"time"

	"github.com/s3sift/s3sift/insights"
)

// DefaultMaxRows is how many rows a query returns when it has no limit of
// its own, as in Logs Insights.
const DefaultMaxRows = 10000

// Config says what a query runs over.
type Config struct {
	// Table is the view the query reads: cloudtrail (the default),
	// s3_access_logs or s3_requests.
	Table string
	// Since and Until restrict @timestamp to [Since, Until), as the Logs
	// Insights time picker does; zero values leave that side open.
	Since, Until time.Time
	// MaxRows caps the result of a query without a limit command;
	// 0 means DefaultMaxRows.
	MaxRows int
}

// Plan is a compiled query.
type Plan struct {
	SQL string
	// Columns are the result column names, as Logs Insights names them: an
	// alias, or the expression's text (count(*), bin(1h), eventName).
	Columns []string
	// MaxRows is set when the query has no limit of its own: the SQL asks
	// for MaxRows+1 rows, so that a runner can return MaxRows and tell the
	// user the result was cut.
	MaxRows int
}

// Compile compiles q. Errors are an insights.ErrorList with positions
// in the query text.
func Compile(q *insights.Query, cfg Config) (*Plan, error) {
	tbl, ok := lookupTable(cfg.Table)
	if !ok {
		var errs insights.ErrorList
		errs.Add(insights.ErrInvalid, q.Pos(), q.Pos(), "unknown table %q; want one of %s", cfg.Table, strings.Join(Tables(), ", "))
		return nil, errs.Err()
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	c := &compiler{cfg: cfg, tbl: tbl}
	c.st = &stage{from: quoteIdent(tbl.name), tbl: tbl, env: map[string]val{}}
	c.timeRange()
	for _, cmd := range q.Commands {
		c.commandSafe(cmd)
	}
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, c.errs.Err()
	}
	return c.finish(), nil
}

// compiler holds the state of one compilation.
type compiler struct {
	cfg  Config
	tbl  *table
	errs insights.ErrorList
	st   *stage
	n    int // hidden column and subquery counter

	fields     []string // names listed by fields commands since the last stats
	display    []string // names of the last display command, if any
	displaySet bool
	statsCols  []string // result names of the last stats, once wrapped
	afterDedup *insights.DedupCmd
	hasLimit   bool
}

// stage is one SELECT.
type stage struct {
	from    string
	tbl     *table         // the base table, while its fields are reachable
	env     map[string]val // fields the query defined: aliases, parse outputs, stats results
	defined []string       // names defined in this stage, in order
	where   []string
	stats   *statsPart
	order   []orderKey
	qualify string
	limit   int64
}

type orderKey struct {
	sql  string
	desc bool
}

type statsPart struct {
	cols    []outCol
	groupBy []string
	nBy     int
}

type outCol struct {
	name string
	v    val
}

// bail unwinds the compilation of one command after an error.
type bail struct{}

func (c *compiler) errorf(kind error, n insights.Node, format string, args ...any) {
	c.errs.Add(kind, n.Pos(), n.End(), format, args...)
	panic(bail{})
}

func (c *compiler) commandSafe(cmd insights.Command) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bail); !ok {
				panic(r)
			}
		}
	}()
	c.command(cmd)
}

func (c *compiler) hidden(prefix string) string {
	c.n++
	return prefix + itoa(int64(c.n))
}

// timeRange restricts the base table to [Since, Until). The date
// partition column lets DuckDB skip whole days of files.
func (c *compiler) timeRange() {
	const layout = "2006-01-02 15:04:05.000000"
	if !c.cfg.Since.IsZero() {
		s := c.cfg.Since.UTC()
		c.st.where = append(c.st.where, c.tbl.timeCol+" >= TIMESTAMP '"+s.Format(layout)+"'")
		if c.tbl.hasDate {
			c.st.where = append(c.st.where, `"date" >= DATE '`+s.Format(time.DateOnly)+"'")
		}
	}
	if !c.cfg.Until.IsZero() {
		u := c.cfg.Until.UTC()
		c.st.where = append(c.st.where, c.tbl.timeCol+" < TIMESTAMP '"+u.Format(layout)+"'")
		if c.tbl.hasDate {
			c.st.where = append(c.st.where, `"date" <= DATE '`+u.Format(time.DateOnly)+"'")
		}
	}
}

// define makes name a field of the current stage.
func (c *compiler) define(name string, v val) {
	if !slices.Contains(c.st.defined, name) {
		c.st.defined = append(c.st.defined, name)
	}
	c.st.env[name] = v
}

// wrap starts a new SELECT over the current one.
func (c *compiler) wrap() {
	in := c.st
	out := &stage{env: map[string]val{}}
	var cols []string
	if in.stats != nil {
		for i, oc := range in.stats.cols {
			h := c.hidden("_c")
			cols = append(cols, oc.v.sql+" AS "+quoteIdent(h))
			out.env[oc.name] = val{sql: quoteIdent(h), t: oc.v.t}
			if i < in.stats.nBy {
				out.order = append(out.order, orderKey{sql: quoteIdent(h)})
			}
		}
		c.statsCols = c.statsCols[:0]
		for _, oc := range in.stats.cols {
			c.statsCols = append(c.statsCols, oc.name)
		}
		in.order = nil
		if in.limit > 0 {
			// stats | limit n keeps the first n groups in the order the
			// result would show them.
			for i := 0; i < in.stats.nBy; i++ {
				in.order = append(in.order, orderKey{sql: itoa(int64(i + 1))})
			}
		}
	} else {
		cols = append(cols, "*")
		out.tbl = in.tbl
		if in.limit > 0 && len(in.order) == 0 && in.tbl != nil {
			// A limit keeps the newest events, as Logs Insights lists them.
			in.order = []orderKey{{sql: in.tbl.timeCol, desc: true}}
		}
		for k, v := range in.env {
			out.env[k] = v
		}
		for _, name := range in.defined {
			h := c.hidden("_f")
			v := in.env[name]
			cols = append(cols, v.sql+" AS "+quoteIdent(h))
			out.env[name] = val{sql: quoteIdent(h), t: v.t}
		}
		for _, k := range in.order {
			h := c.hidden("_o")
			cols = append(cols, k.sql+" AS "+quoteIdent(h))
			out.order = append(out.order, orderKey{sql: quoteIdent(h), desc: k.desc})
		}
		if in.limit == 0 {
			// Without a limit the order matters only outside, where it
			// is applied again.
			in.order = nil
		}
	}
	out.from = "(" + in.sql(cols) + ") AS " + quoteIdent(c.hidden("s"))
	c.st = out
}

// sql renders a stage with the given select list.
func (s *stage) sql(cols []string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(" FROM ")
	b.WriteString(s.from)
	if len(s.where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(s.where, " AND "))
	}
	if s.stats != nil && len(s.stats.groupBy) > 0 {
		b.WriteString(" GROUP BY ")
		b.WriteString(strings.Join(s.stats.groupBy, ", "))
	}
	if s.qualify != "" {
		b.WriteString(" QUALIFY ")
		b.WriteString(s.qualify)
	}
	if len(s.order) > 0 {
		b.WriteString(" ORDER BY ")
		for i, k := range s.order {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k.sql)
			if k.desc {
				b.WriteString(" DESC")
			}
			b.WriteString(" NULLS LAST")
		}
	}
	if s.limit > 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(itoa(s.limit))
	}
	return b.String()
}

// finish renders the final SELECT with the result columns.
func (c *compiler) finish() *Plan {
	st := c.st
	p := &Plan{}
	var cols []string
	if st.stats != nil {
		for _, oc := range st.stats.cols {
			cols = append(cols, oc.v.sql+" AS "+quoteIdent(oc.name))
			p.Columns = append(p.Columns, oc.name)
		}
		if len(st.order) == 0 {
			for i := 0; i < st.stats.nBy; i++ {
				st.order = append(st.order, orderKey{sql: itoa(int64(i + 1))})
			}
		}
	} else {
		names := c.resultNames()
		for _, name := range names {
			v, msg := c.lookup(name)
			if msg != "" {
				// Names were checked when listed; a failure here is a bug.
				v = val{sql: "NULL"}
			}
			cols = append(cols, v.sql+" AS "+quoteIdent(name))
			p.Columns = append(p.Columns, name)
		}
		if len(st.order) == 0 && st.tbl != nil && st.qualify == "" {
			// Logs Insights lists events newest first.
			st.order = []orderKey{{sql: st.tbl.timeCol, desc: true}}
		}
	}
	if !c.hasLimit {
		p.MaxRows = c.cfg.MaxRows
		st.limit = int64(c.cfg.MaxRows) + 1
	}
	p.SQL = st.sql(cols)
	return p
}

// resultNames returns the fields the result shows: the last display,
// else every field listed by fields, else the last stats' results, else
// @timestamp and @message.
func (c *compiler) resultNames() []string {
	switch {
	case c.displaySet:
		return c.display
	case len(c.fields) > 0:
		return c.fields
	case len(c.statsCols) > 0:
		return c.statsCols
	}
	return []string{"@timestamp", "@message"}
}
