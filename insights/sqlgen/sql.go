package sqlgen

import (
	"strconv"
	"strings"
)

// typ is the static type the compiler gives an expression, which decides
// how it is compared, summed and tested.
type typ uint8

const (
	tAny    typ = iota // text of unknown type: a JSON member, a parse output
	tString            // a text column
	tNumber
	tBool
	tTime
	tPeriod // a time period literal (5m), only as a function argument
	tRegex  // a /regex/ literal, only as a pattern
	tList   // a list column
)

func (t typ) String() string {
	switch t {
	case tString:
		return "string"
	case tNumber:
		return "number"
	case tBool:
		return "boolean"
	case tTime:
		return "timestamp"
	case tPeriod:
		return "time period"
	case tRegex:
		return "regular expression"
	case tList:
		return "list"
	}
	return "value"
}

// val is a compiled expression: SQL text and its type.
type val struct {
	sql string
	t   typ
	agg bool // contains an aggregate
	lit bool // a literal (its SQL is constant)
	// bare and fallback are, for a CloudTrail string field compiled as
	// coalesce(column, extra lookup), the column alone and the lookup.
	bare, fallback string
	// raw is, for a member of a free-form CloudTrail object, the SQL of
	// the object's JSON text, which a cheap substring test can rule rows
	// out on before their JSON is parsed.
	raw string
	str string // the value of a string literal
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes a SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// jsonPointer returns the RFC 6901 pointer for a path of member names;
// DuckDB's JSON functions take it in place of a $.path, and it needs no
// quoting of dots, quotes or spaces in names.
func jsonPointer(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		p = strings.ReplaceAll(p, "~", "~0")
		b.WriteString(strings.ReplaceAll(p, "/", "~1"))
	}
	return b.String()
}

// asText returns v as VARCHAR.
func asText(v val) string {
	switch v.t {
	case tAny, tString:
		return v.sql
	case tTime:
		return "strftime(" + v.sql + ", '%Y-%m-%d %H:%M:%S.%g')"
	}
	return "CAST(" + v.sql + " AS VARCHAR)"
}

// asNumber returns v as a number: text is converted where it holds one
// and is NULL where it does not, as Logs Insights treats a non-numeric
// value in arithmetic.
func asNumber(v val) string {
	switch v.t {
	case tNumber:
		return v.sql
	case tTime:
		return "epoch_ms(" + v.sql + ")"
	case tBool:
		return "CAST(" + v.sql + " AS INTEGER)"
	}
	return "TRY_CAST(" + v.sql + " AS DOUBLE)"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
