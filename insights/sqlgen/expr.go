package sqlgen

import (
	"strconv"
	"strings"

	"github.com/s3sift/s3sift/insights"
)

// exprCtx says where an expression is compiled.
type exprCtx struct {
	statsAgg bool // a statistic of stats: aggregates allowed, bare fields not
	inAgg    bool // inside an aggregate's arguments
}

// systemFields are the @fields Logs Insights makes for every log.
var systemFields = map[string]bool{
	"@timestamp": true, "@message": true, "@log": true,
	"@logStream": true, "@ingestionTime": true, "@entity": true,
}

// lookup resolves a field name in the current stage: names the query
// defined, then system fields, then the table's fields. The string is an
// error message.
func (c *compiler) lookup(name string) (val, string) {
	st := c.st
	if v, ok := st.env[name]; ok {
		return v, ""
	}
	if st.tbl == nil {
		return val{}, "field " + strconv.Quote(name) + " does not exist after stats; its results are " + strings.Join(quoteAll(c.statsCols), ", ")
	}
	if systemFields[name] {
		switch name {
		case "@timestamp":
			return val{sql: st.tbl.timeCol, t: tTime}, ""
		case "@message":
			return val{sql: st.tbl.message(), t: tString}, ""
		case "@log":
			if st.tbl.logCol != "" {
				return val{sql: st.tbl.logCol, t: tString}, ""
			}
		}
		return val{}, name + " is not available over " + st.tbl.name
	}
	v, msg := st.tbl.resolve(name)
	if msg != "" {
		return val{}, msg
	}
	if v.sql == "" {
		return val{}, "unknown field " + strconv.Quote(name)
	}
	return v, ""
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strconv.Quote(x)
	}
	return out
}

func (c *compiler) field(f *insights.FieldRef, ctx exprCtx) val {
	if ctx.statsAgg && !ctx.inAgg {
		c.errorf(insights.ErrInvalid, f, "%s must be inside an aggregate function here (a statistic is computed per group); group by it with by", f.Name)
	}
	v, msg := c.lookup(f.Name)
	if msg != "" {
		c.errorf(insights.ErrInvalid, f, "%s", msg)
	}
	return v
}

// expr compiles an expression.
func (c *compiler) expr(x insights.Expr, ctx exprCtx) val {
	switch x := x.(type) {
	case *insights.FieldRef:
		return c.field(x, ctx)
	case *insights.StringLit:
		return val{sql: quoteString(x.Value), t: tString, lit: true, str: x.Value}
	case *insights.NumberLit:
		if _, err := strconv.ParseFloat(x.Text, 64); err != nil {
			c.errorf(insights.ErrInvalid, x, "bad number %s", x.Text)
		}
		if strings.ContainsAny(x.Text, ".eE") {
			// Logs Insights numbers are floating point; SQL would make
			// 1.5 a DECIMAL.
			return val{sql: "CAST(" + x.Text + " AS DOUBLE)", t: tNumber, lit: true}
		}
		return val{sql: x.Text, t: tNumber, lit: true}
	case *insights.DurationLit:
		return val{sql: interval(x), t: tPeriod, lit: true}
	case *insights.RegexLit:
		c.errorf(insights.ErrInvalid, x, "a /regular expression/ is only allowed after like, not like or =~, or in parse")
	case *insights.ListLit:
		c.errorf(insights.ErrInvalid, x, "a [list] is only allowed after in or not in")
	case *insights.ParenExpr:
		v := c.expr(x.X, ctx)
		if v.t == tPeriod || v.t == tRegex {
			return v
		}
		v.sql = "(" + v.sql + ")"
		v.bare = ""
		return v
	case *insights.UnaryExpr:
		v := c.expr(x.X, ctx)
		if x.Op == insights.NOT {
			return val{sql: not(c.boolOf(v, x.X)), t: tBool, agg: v.agg}
		}
		c.numeric(v, x.X)
		return val{sql: "(-" + asNumber(v) + ")", t: tNumber, agg: v.agg}
	case *insights.BinaryExpr:
		return c.binary(x, ctx)
	case *insights.InExpr:
		return c.in(x, ctx)
	case *insights.CallExpr:
		// A stats result without an alias is named by its text, and is
		// referred to by it: stats count(*) by x | sort count(*) desc.
		if v, ok := c.st.env[insights.FormatExpr(x)]; ok && !ctx.statsAgg {
			return v
		}
		return c.call(x, ctx)
	}
	c.errorf(insights.ErrUnsupported, x, "unsupported expression %s", insights.FormatExpr(x))
	return val{}
}

// cond compiles a filter condition.
func (c *compiler) cond(x insights.Expr, ctx exprCtx) string {
	v := c.expr(x, ctx)
	return c.boolOf(v, x)
}

// boolOf returns v as a condition.
func (c *compiler) boolOf(v val, x insights.Expr) string {
	switch v.t {
	case tBool:
		return v.sql
	case tNumber:
		// strcontains and arithmetic: non-zero is true.
		return "(" + v.sql + " <> 0)"
	case tAny:
		return "TRY_CAST(" + v.sql + " AS BOOLEAN)"
	}
	c.errorf(insights.ErrInvalid, x, "%s is a %s, not a condition; compare it, as in %s == \"...\" or ispresent(%s)", insights.FormatExpr(x), v.t, insights.FormatExpr(x), insights.FormatExpr(x))
	return ""
}

// numeric refuses values arithmetic cannot use.
func (c *compiler) numeric(v val, x insights.Expr) {
	switch v.t {
	case tPeriod, tRegex, tList:
		c.errorf(insights.ErrInvalid, x, "a %s is not a number", v.t)
	}
}

var sqlOps = map[insights.Token]string{
	insights.ADD: "+", insights.SUB: "-", insights.MUL: "*", insights.QUO: "/", insights.REM: "%",
	insights.EQL: "=", insights.NEQ: "<>", insights.LSS: "<", insights.LEQ: "<=", insights.GTR: ">", insights.GEQ: ">=",
}

func (c *compiler) binary(x *insights.BinaryExpr, ctx exprCtx) val {
	switch x.Op {
	case insights.AND, insights.OR:
		a, b := c.expr(x.X, ctx), c.expr(x.Y, ctx)
		op := " AND "
		if x.Op == insights.OR {
			op = " OR "
		}
		return val{sql: "(" + c.boolOf(a, x.X) + op + c.boolOf(b, x.Y) + ")", t: tBool, agg: a.agg || b.agg}
	case insights.LIKE, insights.NOTLIKE, insights.MATCH:
		return c.match(x, ctx)
	case insights.ADD, insights.SUB, insights.MUL, insights.QUO, insights.REM, insights.POW:
		a, b := c.expr(x.X, ctx), c.expr(x.Y, ctx)
		c.numeric(a, x.X)
		c.numeric(b, x.Y)
		v := val{t: tNumber, agg: a.agg || b.agg}
		if x.Op == insights.POW {
			v.sql = "pow(" + asNumber(a) + ", " + asNumber(b) + ")"
		} else {
			v.sql = "(" + asNumber(a) + " " + sqlOps[x.Op] + " " + asNumber(b) + ")"
		}
		return v
	}
	a, b := c.expr(x.X, ctx), c.expr(x.Y, ctx)
	return c.compare(x.Op, a, b, x.X, x.Y)
}

// compare compiles a comparison, converting the operands to a common
// type: a number compares numerically with text that holds a number, a
// timestamp with milliseconds since the epoch or with a date-time string.
func (c *compiler) compare(op insights.Token, a, b val, xa, xb insights.Expr) val {
	for _, p := range []struct {
		v val
		x insights.Expr
	}{{a, xa}, {b, xb}} {
		switch p.v.t {
		case tPeriod, tRegex, tList:
			c.errorf(insights.ErrInvalid, p.x, "a %s cannot be compared", p.v.t)
		}
	}
	var l, r string
	switch {
	case a.t == tTime || b.t == tTime:
		l, r = c.asTimeFor(a, b), c.asTimeFor(b, a)
	case a.t == tBool || b.t == tBool:
		l, r = asBool(a), asBool(b)
	case a.t == tNumber || b.t == tNumber:
		l, r = asNumber(a), asNumber(b)
	default:
		l, r = textFor(a, b), textFor(b, a)
	}
	if op == insights.EQL {
		if pre := prefilter(a, b); pre != "" {
			return val{sql: "(" + pre + " AND " + l + " = " + r + ")", t: tBool, agg: a.agg || b.agg}
		}
	}
	if op == insights.NEQ {
		// The complement of ==, which is false for a missing field.
		return val{sql: "(" + l + " IS DISTINCT FROM " + r + ")", t: tBool, agg: a.agg || b.agg}
	}
	return val{sql: "(" + l + " " + sqlOps[op] + " " + r + ")", t: tBool, agg: a.agg || b.agg}
}

// not negates a condition. A comparison with a missing field is false, so
// its negation is true: not, not like and not in keep events that lack
// the field, as a query that says "not" means.
func not(cond string) string {
	return "(NOT coalesce(" + cond + ", false))"
}

// textFor returns v as text for a comparison with other. A CloudTrail
// string field compared with a non-empty string literal is compared by its
// column alone, which DuckDB can push into the Parquet scan: the value
// kept in extra is only ever an empty string or a non-string.
func textFor(v, other val) string {
	if bare, ok := bareColumn(v); ok && other.lit && other.t == tString && other.sql != "''" {
		return bare
	}
	return asText(v)
}

// bareColumn returns the column alone of a CloudTrail string field.
func bareColumn(v val) (string, bool) {
	return v.bare, v.bare != ""
}

// prefilter returns, for a JSON member compared for equality with a
// string literal, a condition every matching row meets and that costs far
// less than parsing the JSON: the literal, quoted, appears in the JSON
// text. DuckDB evaluates it first and parses only the rows that pass. It
// returns "" for other operands and for literals a JSON encoder might
// write differently (escaped), where the test could miss a match.
func prefilter(a, b val) string {
	if b.raw != "" && a.lit {
		a, b = b, a
	}
	if a.raw == "" || !b.lit || b.t != tString || b.str == "" || !jsonSafe(b.str) {
		return ""
	}
	// A number or literal in the JSON equals such a string unquoted.
	if _, err := strconv.ParseFloat(b.str, 64); err == nil || b.str == "true" || b.str == "false" || b.str == "null" {
		return ""
	}
	return "contains(" + a.raw + ", " + quoteString(`"`+b.str+`"`) + ")"
}

// jsonSafe reports whether every JSON encoder writes s as it is: printable
// ASCII other than the characters some encoders escape.
func jsonSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '/', c == '<', c == '>', c == '&', c == '\'':
			return false
		}
	}
	return true
}

// asTimeFor returns v as a timestamp for comparing with other.
func (c *compiler) asTimeFor(v, other val) string {
	switch v.t {
	case tTime:
		if other.t == tNumber {
			return "epoch_ms(" + v.sql + ")"
		}
		return v.sql
	case tNumber:
		return v.sql
	}
	return "TRY_CAST(" + asText(v) + " AS TIMESTAMP)"
}

func asBool(v val) string {
	switch v.t {
	case tBool:
		return v.sql
	case tNumber:
		return "(" + v.sql + " <> 0)"
	}
	return "TRY_CAST(" + asText(v) + " AS BOOLEAN)"
}

// match compiles like, not like and =~.
func (c *compiler) match(x *insights.BinaryExpr, ctx exprCtx) val {
	v := c.expr(x.X, ctx)
	switch v.t {
	case tPeriod, tRegex, tList:
		c.errorf(insights.ErrInvalid, x.X, "a %s cannot be matched", v.t)
	}
	var s string
	switch p := x.Y.(type) {
	case *insights.StringLit:
		if bare, ok := bareColumn(v); ok && p.Value != "" {
			s = "contains(" + bare + ", " + quoteString(p.Value) + ")"
		} else {
			s = "contains(" + asText(v) + ", " + quoteString(p.Value) + ")"
		}
	case *insights.RegexLit:
		c.regex(p)
		s = "regexp_matches(" + asText(v) + ", " + quoteString(rePattern(p.Pattern)) + ")"
	default:
		c.errorf(insights.ErrInvalid, x.Y, "expected a \"substring\" or /regular expression/")
	}
	if x.Op == insights.NOTLIKE {
		s = not(s)
	}
	return val{sql: s, t: tBool, agg: v.agg}
}

func (c *compiler) in(x *insights.InExpr, ctx exprCtx) val {
	v := c.expr(x.X, ctx)
	if len(x.List.Elems) == 0 {
		return val{sql: strconv.FormatBool(x.Not), t: tBool, agg: v.agg}
	}
	var parts []string
	agg := v.agg
	for _, e := range x.List.Elems {
		ev := c.expr(e, ctx)
		agg = agg || ev.agg
		parts = append(parts, c.compare(insights.EQL, v, ev, x.X, e).sql)
	}
	s := "(" + strings.Join(parts, " OR ") + ")"
	if x.Not {
		s = not(s)
	}
	return val{sql: s, t: tBool, agg: agg}
}
