package insights

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format returns the canonical text of a query: commands joined by " | ",
// keywords and function names in their canonical spelling, strings in
// double quotes, no comments. Parsing the result gives the same tree.
func Format(q *Query) string {
	var b strings.Builder
	for i, c := range q.Commands {
		if i > 0 {
			b.WriteString(" | ")
		}
		writeCommand(&b, c)
	}
	return b.String()
}

// FormatCommand returns the canonical text of one command.
func FormatCommand(c Command) string {
	var b strings.Builder
	writeCommand(&b, c)
	return b.String()
}

// FormatExpr returns the canonical text of an expression. Logs Insights
// names a result column after this text when it has no alias: count(*),
// bin(1h), requestParameters.bucketName.
func FormatExpr(x Expr) string {
	var b strings.Builder
	writeExpr(&b, x, precLowest)
	return b.String()
}

// FormatName writes a field name as a query would: bare when it is made
// of letters, digits, _, . and @, otherwise in backticks.
func FormatName(name string) string {
	if isPlainName(name) {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) {
			return false
		}
		if !isIdentPart(r) || r == utf8.RuneError {
			return false
		}
	}
	// A keyword used as a field name must be quoted to read back as one.
	switch strings.ToLower(s) {
	case "and", "or", "not", "like", "in", "as", "by", "asc", "desc":
		return false
	}
	return true
}

func writeCommand(b *strings.Builder, c Command) {
	switch c := c.(type) {
	case *FieldsCmd:
		b.WriteString("fields ")
		writeProjections(b, c.Items)
	case *DisplayCmd:
		b.WriteString("display ")
		writeFieldList(b, c.Fields)
	case *FilterCmd:
		b.WriteString("filter ")
		writeExpr(b, c.Cond, precLowest)
	case *StatsCmd:
		b.WriteString("stats ")
		writeProjections(b, c.Aggs)
		if len(c.By) > 0 {
			b.WriteString(" by ")
			writeProjections(b, c.By)
		}
	case *SortCmd:
		b.WriteString("sort ")
		for i, k := range c.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, k.Expr, precLowest)
			if k.Explicit {
				if k.Desc {
					b.WriteString(" desc")
				} else {
					b.WriteString(" asc")
				}
			}
		}
	case *LimitCmd:
		b.WriteString("limit ")
		b.WriteString(strconv.FormatInt(c.N, 10))
	case *ParseCmd:
		b.WriteString("parse ")
		writeExpr(b, c.Src, precUnary)
		b.WriteByte(' ')
		writeExpr(b, c.Pattern, precLowest)
		if len(c.Names) > 0 {
			b.WriteString(" as ")
			for i, id := range c.Names {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(FormatName(id.Name))
			}
		}
	case *DedupCmd:
		b.WriteString("dedup ")
		writeFieldList(b, c.Fields)
	case *UnmaskCmd:
		b.WriteString("unmask")
		if len(c.Args) > 0 {
			b.WriteByte('(')
			for i, a := range c.Args {
				if i > 0 {
					b.WriteString(", ")
				}
				writeExpr(b, a, precLowest)
			}
			b.WriteByte(')')
		}
	}
}

func writeProjections(b *strings.Builder, ps []*Projection) {
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, p.Expr, precLowest)
		if p.Alias != nil {
			b.WriteString(" as ")
			b.WriteString(FormatName(p.Alias.Name))
		}
	}
}

func writeFieldList(b *strings.Builder, fs []*FieldRef) {
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(FormatName(f.Name))
	}
}

// writeExpr writes x, in parentheses when it binds more loosely than its
// context requires (which only happens for trees not made by Parse, since
// Parse keeps the parentheses it read).
func writeExpr(b *strings.Builder, x Expr, ctx int) {
	switch x := x.(type) {
	case *FieldRef:
		b.WriteString(FormatName(x.Name))
	case *StringLit:
		writeString(b, x.Value)
	case *NumberLit:
		b.WriteString(x.Text)
	case *DurationLit:
		b.WriteString(strconv.FormatInt(x.N, 10))
		b.WriteString(x.Unit)
	case *RegexLit:
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(x.Pattern, "/", `\/`))
		b.WriteByte('/')
	case *ListLit:
		b.WriteByte('[')
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, e, precLowest)
		}
		b.WriteByte(']')
	case *CallExpr:
		b.WriteString(x.Name)
		b.WriteByte('(')
		if x.Star {
			b.WriteByte('*')
		}
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a, precLowest)
		}
		b.WriteByte(')')
	case *ParenExpr:
		b.WriteByte('(')
		writeExpr(b, x.X, precLowest)
		b.WriteByte(')')
	case *UnaryExpr:
		prec := precNot
		if x.Op == SUB {
			prec = precUnary
		}
		open(b, prec < ctx)
		if x.Op == NOT {
			b.WriteString("not ")
			writeExpr(b, x.X, precNot)
		} else {
			b.WriteByte('-')
			writeExpr(b, x.X, precPow)
		}
		closeParen(b, prec < ctx)
	case *BinaryExpr:
		prec := x.Op.Precedence()
		open(b, prec < ctx)
		left, right := prec, prec+1
		if x.Op == POW {
			left, right = prec+1, prec
		}
		writeExpr(b, x.X, left)
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		b.WriteByte(' ')
		writeExpr(b, x.Y, right)
		closeParen(b, prec < ctx)
	case *InExpr:
		open(b, precCompare < ctx)
		writeExpr(b, x.X, precCompare)
		if x.Not {
			b.WriteString(" not in ")
		} else {
			b.WriteString(" in ")
		}
		writeExpr(b, x.List, precLowest)
		closeParen(b, precCompare < ctx)
	}
}

func open(b *strings.Builder, yes bool) {
	if yes {
		b.WriteByte('(')
	}
}

func closeParen(b *strings.Builder, yes bool) {
	if yes {
		b.WriteByte(')')
	}
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
