package sqlgen

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/s3sift/s3sift/insights"
)

func (c *compiler) command(cmd insights.Command) {
	if c.afterDedup != nil {
		if _, ok := cmd.(*insights.LimitCmd); !ok {
			c.errorf(insights.ErrInvalid, cmd, "only limit may follow dedup (a Logs Insights rule); move %s before the dedup at %s", commandName(cmd), c.afterDedup.Pos())
		}
	}
	// After a stats, or a limit or dedup, a command that changes rows
	// must see their result: it starts a new SELECT.
	st := c.st
	sealed := st.stats != nil || st.limit > 0 || st.qualify != ""
	switch cmd := cmd.(type) {
	case *insights.FieldsCmd:
		if st.stats != nil {
			c.wrap()
		}
		c.fieldsCmd(cmd)
	case *insights.DisplayCmd:
		if st.stats != nil {
			c.wrap()
		}
		var names []string
		for _, f := range cmd.Fields {
			c.field(f, exprCtx{})
			names = appendUnique(names, f.Name)
		}
		c.display, c.displaySet = names, true
	case *insights.FilterCmd:
		if sealed {
			c.wrap()
		}
		c.st.where = append(c.st.where, c.cond(cmd.Cond, exprCtx{}))
	case *insights.StatsCmd:
		if sealed {
			c.wrap()
		}
		c.statsCmd(cmd)
	case *insights.SortCmd:
		if sealed {
			c.wrap()
		}
		c.sortCmd(cmd)
	case *insights.LimitCmd:
		c.hasLimit = true
		if st.limit == 0 || cmd.N < st.limit {
			st.limit = cmd.N
		}
	case *insights.ParseCmd:
		if sealed {
			c.wrap()
		}
		c.parseCmd(cmd)
	case *insights.DedupCmd:
		if sealed {
			c.wrap()
		}
		c.dedupCmd(cmd)
	case *insights.UnmaskCmd:
		// s3sift masks nothing: the data are shown as stored.
		for _, a := range cmd.Args {
			c.expr(a, exprCtx{})
		}
	}
}

func commandName(cmd insights.Command) string {
	s := insights.FormatCommand(cmd)
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return s
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// resultName is the name Logs Insights gives a projection's column.
func resultName(p *insights.Projection) string {
	if p.Alias != nil {
		return p.Alias.Name
	}
	if f, ok := p.Expr.(*insights.FieldRef); ok {
		return f.Name
	}
	return insights.FormatExpr(p.Expr)
}

func (c *compiler) fieldsCmd(cmd *insights.FieldsCmd) {
	for _, p := range cmd.Items {
		v := c.expr(p.Expr, exprCtx{})
		c.checkValue(v, p.Expr)
		name := resultName(p)
		if _, plain := p.Expr.(*insights.FieldRef); !plain || p.Alias != nil {
			c.define(name, v)
		}
		c.fields = appendUnique(c.fields, name)
	}
}

// checkValue refuses values that cannot be a result column.
func (c *compiler) checkValue(v val, x insights.Expr) {
	switch v.t {
	case tPeriod, tRegex:
		c.errorf(insights.ErrInvalid, x, "a %s is not a value here; it is an argument of a function such as bin(5m) or a pattern after like", v.t)
	}
}

func (c *compiler) statsCmd(cmd *insights.StatsCmd) {
	sp := &statsPart{}
	seen := map[string]insights.Node{}
	add := func(p *insights.Projection, v val) {
		name := resultName(p)
		if prev, ok := seen[name]; ok {
			c.errorf(insights.ErrInvalid, p, "two stats results are named %q (the other is at %s); give one an alias with as", name, prev.Pos())
		}
		seen[name] = p
		sp.cols = append(sp.cols, outCol{name: name, v: v})
	}
	for _, p := range cmd.By {
		v := c.expr(p.Expr, exprCtx{})
		c.checkValue(v, p.Expr)
		if v.bare != "" {
			// Group by the column itself, which DuckDB aggregates much
			// faster than coalesce(column, lookup), plus the lookup where
			// the column is NULL; the value shown is their coalesce.
			alt := "CASE WHEN " + v.bare + " IS NULL THEN " + v.fallback + " END"
			sp.groupBy = append(sp.groupBy, v.bare, alt)
			v.sql = "coalesce(" + v.bare + ", " + alt + ")"
		} else {
			sp.groupBy = append(sp.groupBy, v.sql)
		}
		add(p, v)
	}
	sp.nBy = len(sp.cols)
	for _, p := range cmd.Aggs {
		v := c.expr(p.Expr, exprCtx{statsAgg: true})
		if !v.agg {
			c.errorf(insights.ErrInvalid, p.Expr, "stats needs an aggregate function such as count(*), sum(x) or avg(x), not %s", insights.FormatExpr(p.Expr))
		}
		add(p, v)
	}
	// Logs Insights shows the grouping fields first, then the statistics.
	c.st.stats = sp
	c.st.order = nil
	c.fields, c.display, c.displaySet = nil, nil, false
	c.statsCols = nil
	for _, oc := range sp.cols {
		c.statsCols = append(c.statsCols, oc.name)
	}
}

func (c *compiler) sortCmd(cmd *insights.SortCmd) {
	var keys []orderKey
	for _, k := range cmd.Keys {
		v := c.expr(k.Expr, exprCtx{})
		c.checkValue(v, k.Expr)
		switch v.t {
		case tAny, tString:
			for _, s := range naturalKeys(v.sql) {
				keys = append(keys, orderKey{sql: s, desc: k.Desc})
			}
		default:
			keys = append(keys, orderKey{sql: v.sql, desc: k.Desc})
		}
	}
	c.st.order = keys
}

// naturalKeys returns the sort keys of text the way Logs Insights sorts
// it: every non-number before every number, numbers by value, and other
// text by chunks, runs of digits comparing by length and then value and
// the rest by Unicode code point (so "file9" sorts before "file10").
// Descending order reverses the whole.
func naturalKeys(t string) []string {
	return []string{
		"regexp_full_match(" + t + `, '-?[0-9]+(\.[0-9]+)?')`,
		"TRY_CAST(" + t + " AS DOUBLE)",
		"list_transform(regexp_extract_all(" + t + ", '[0-9]+|[^0-9]+'), lambda k: CASE WHEN regexp_full_match(k, '[0-9]+') " +
			"THEN lpad(CAST(length(k) AS VARCHAR), 6, '0') || k ELSE k END)",
	}
}

func (c *compiler) dedupCmd(cmd *insights.DedupCmd) {
	var keys, nulls []string
	for _, f := range cmd.Fields {
		v := c.field(f, exprCtx{})
		keys = append(keys, v.sql)
		// Events with a null in a dedup field are all kept.
		nulls = append(nulls, v.sql+" IS NULL")
	}
	order := c.st.order
	if len(order) == 0 && c.st.tbl != nil {
		order = []orderKey{{sql: c.st.tbl.timeCol, desc: true}}
	}
	var b strings.Builder
	b.WriteString("row_number() OVER (PARTITION BY ")
	b.WriteString(strings.Join(keys, ", "))
	if len(order) > 0 {
		b.WriteString(" ORDER BY ")
		for i, k := range order {
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
	b.WriteString(") = 1 OR ")
	b.WriteString(strings.Join(nulls, " OR "))
	c.st.qualify = b.String()
	c.st.order = order
	c.afterDedup = cmd
}

func (c *compiler) parseCmd(cmd *insights.ParseCmd) {
	src := asText(c.expr(cmd.Src, exprCtx{}))
	var pattern string
	var names []string
	var idx []int
	switch p := cmd.Pattern.(type) {
	case *insights.StringLit:
		parts := strings.Split(p.Value, "*")
		if len(parts) == 1 {
			c.errorf(insights.ErrInvalid, p, "the glob pattern has no *; each * captures one field")
		}
		var b strings.Builder
		for i, part := range parts {
			if i > 0 {
				if i == len(parts)-1 && part == "" {
					b.WriteString("(.*)")
				} else {
					b.WriteString("(.*?)")
				}
			}
			b.WriteString(regexp.QuoteMeta(part))
		}
		pattern = b.String()
		if len(cmd.Names) != len(parts)-1 {
			c.errorf(insights.ErrInvalid, cmd, "the glob pattern has %d * but %d names follow as; give one name per *", len(parts)-1, len(cmd.Names))
		}
		for i, id := range cmd.Names {
			names = append(names, id.Name)
			idx = append(idx, i+1)
		}
	case *insights.RegexLit:
		re := c.regex(p)
		if len(cmd.Names) > 0 {
			c.errorf(insights.ErrInvalid, cmd.Names[0], "a /regular expression/ names its fields with (?<name>...) groups, not with as")
		}
		for i, n := range re.SubexpNames() {
			if n != "" {
				names = append(names, n)
				idx = append(idx, i)
			}
		}
		if len(names) == 0 {
			c.errorf(insights.ErrInvalid, p, "the regular expression has no named group; write (?<name>...) for each field to extract")
		}
		pattern = rePattern(p.Pattern)
	}
	q := quoteString(pattern)
	for i, name := range names {
		c.define(name, val{
			sql: "CASE WHEN regexp_matches(" + src + ", " + q + ") THEN regexp_extract(" + src + ", " + q + ", " + strconv.Itoa(idx[i]) + ") END",
			t:   tAny,
		})
	}
}

// regex checks a regular expression literal. DuckDB and Go both use RE2
// syntax, so what Go accepts DuckDB runs.
func (c *compiler) regex(r *insights.RegexLit) *regexp.Regexp {
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if e, ok := err.(*syntax.Error); ok {
			se = e
			msg = string(se.Code) + ": " + se.Expr
		}
		c.errorf(insights.ErrInvalid, r, "bad regular expression: %s (RE2 syntax: no lookaround or backreferences)", msg)
	}
	return re
}

// rePattern writes a pattern for DuckDB's RE2, which wants (?P<name>...)
// for a named group where Logs Insights writes (?<name>...).
func rePattern(p string) string {
	return namedGroup.ReplaceAllString(p, "${1}(?P<")
}

var namedGroup = regexp.MustCompile(`((?:^|[^\\])(?:\\\\)*)\(\?<`)
