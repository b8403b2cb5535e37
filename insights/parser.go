package insights

import (
	"strconv"
	"strings"
)

// Parse parses a query. On failure the error is an ErrorList holding every
// problem found (the parser resumes at the next "|" after an error), and
// the returned Query holds the commands that did parse.
func Parse(src string) (*Query, error) {
	p := newParser(src)
	q := p.parseQuery()
	p.errs.Sort()
	return q, p.errs.Err()
}

// ParseExpr parses a single expression, such as a filter condition.
func ParseExpr(src string) (Expr, error) {
	p := newParser(src)
	var x Expr
	func() {
		defer func() { p.recovered(recover()) }()
		x = p.parseExpr(precLowest + 1)
		if p.tok.tok != EOF {
			p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "unexpected %s after expression", p.describe())
		}
	}()
	p.errs.Sort()
	return x, p.errs.Err()
}

// maxErrors bounds the errors reported for one query; past it the rest
// is noise.
const maxErrors = 10

type parser struct {
	src  string
	sc   *scanner
	errs ErrorList

	tok item
	// state is the scanner state before tok was scanned, so a "/" can be
	// rescanned as a regular expression.
	state scanState
	depth int // expression nesting, bounded so hostile input cannot overflow the stack
}

type scanState struct{ off, line, lineOff int }

// bailout unwinds the parse of one command after an error.
type bailout struct{}

func newParser(src string) *parser {
	p := &parser{src: src}
	p.sc = newScanner(src, &p.errs)
	p.next()
	return p
}

func (p *parser) next() {
	p.state = scanState{p.sc.off, p.sc.line, p.sc.lineOff}
	p.tok = p.sc.next()
}

// rescanRegex turns the current "/" into a regular expression literal.
func (p *parser) rescanRegex() item {
	p.sc.off, p.sc.line, p.sc.lineOff = p.state.off, p.state.line, p.state.lineOff
	p.sc.skipSpaceAndComments()
	return p.sc.regex(p.tok.pos.Offset)
}

func (p *parser) errorf(kind error, pos, end Pos, format string, args ...any) {
	p.errs.Add(kind, pos, end, format, args...)
	panic(bailout{})
}

// recovered re-panics r unless it is nil or a bailout; call it as
// defer func() { p.recovered(recover()) }().
func (p *parser) recovered(r any) {
	if r == nil {
		return
	}
	if _, ok := r.(bailout); !ok {
		panic(r)
	}
}

// describe names the current token for an error message.
func (p *parser) describe() string {
	switch p.tok.tok {
	case IDENT:
		return strconv.Quote(p.tok.lit)
	case QIDENT:
		return "`" + p.tok.lit + "`"
	case STRING:
		return "string " + strconv.Quote(p.tok.lit)
	case NUMBER, DURATION:
		return p.tok.lit
	case EOF:
		return "end of query"
	}
	// Operators as written (= and == are one token).
	if p.tok.end.Offset > p.tok.pos.Offset && p.tok.end.Offset <= len(p.src) {
		return strconv.Quote(p.src[p.tok.pos.Offset:p.tok.end.Offset])
	}
	return strconv.Quote(p.tok.tok.String())
}

func (p *parser) expect(t Token, what string) item {
	if p.tok.tok != t {
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected %s, found %s", what, p.describe())
	}
	it := p.tok
	p.next()
	return it
}

// isWord reports whether the current token is the bare word w (keywords
// are matched without regard to case).
func (p *parser) isWord(w string) bool {
	return p.tok.tok == IDENT && strings.EqualFold(p.tok.lit, w)
}

func (p *parser) parseQuery() *Query {
	q := &Query{}
	if p.tok.tok == EOF {
		p.errs.Add(ErrSyntax, p.tok.pos, p.tok.end, "empty query; start with a command such as fields, filter or stats")
	}
	for p.tok.tok != EOF && len(p.errs) < maxErrors {
		if c := p.parseCommandSafe(); c != nil {
			q.Commands = append(q.Commands, c)
		}
		switch p.tok.tok {
		case PIPE:
			p.next()
			if p.tok.tok == EOF {
				p.errs.Add(ErrSyntax, p.tok.pos, p.tok.end, "expected a command after |")
			}
		case EOF:
		default:
			p.errs.Add(ErrSyntax, p.tok.pos, p.tok.end, "unexpected %s; separate commands with |", p.describe())
			p.sync()
		}
	}
	q.EndPos = posAt(p.src, len(p.src))
	return q
}

// parseCommandSafe parses one command; after an error it skips to the
// next "|" so the following commands are still checked.
func (p *parser) parseCommandSafe() (c Command) {
	failed := true
	defer func() {
		if failed {
			p.recovered(recover())
			p.sync()
			c = nil
		}
	}()
	c = p.parseCommand()
	failed = false
	return c
}

// sync skips to the next "|" outside brackets, or to the end.
func (p *parser) sync() {
	depth := 0
	for p.tok.tok != EOF {
		switch p.tok.tok {
		case LPAREN, LBRACK:
			depth++
		case RPAREN, RBRACK:
			depth--
		case PIPE:
			if depth <= 0 {
				return
			}
		}
		p.next()
	}
}

func (p *parser) parseCommand() Command {
	if p.tok.tok != IDENT {
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected a command (%s), found %s", strings.Join(commandNames, ", "), p.describe())
	}
	kw := p.tok
	name := strings.ToLower(kw.lit)
	switch name {
	case "fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup", "unmask":
	default:
		if advice, ok := unsupportedCommands[name]; ok {
			msg := "command " + strconv.Quote(kw.lit) + " is not supported by s3sift"
			if advice != "" {
				msg += "; " + advice
			}
			p.errorf(ErrUnsupported, kw.pos, kw.end, "%s", msg)
		}
		p.errorf(ErrSyntax, kw.pos, kw.end, "unknown command %q; want one of %s", kw.lit, strings.Join(commandNames, ", "))
	}
	p.next()
	switch name {
	case "fields":
		return &FieldsCmd{Keyword: kw.pos, Items: p.parseProjections("a field or expression")}
	case "display":
		return &DisplayCmd{Keyword: kw.pos, Fields: p.parseFieldList()}
	case "filter":
		return &FilterCmd{Keyword: kw.pos, Cond: p.parseExpr(precLowest + 1)}
	case "stats":
		return p.parseStats(kw)
	case "sort":
		return p.parseSort(kw)
	case "limit":
		return p.parseLimit(kw)
	case "parse":
		return p.parseParse(kw)
	case "dedup":
		return &DedupCmd{Keyword: kw.pos, Fields: p.parseFieldList()}
	default: // unmask
		c := &UnmaskCmd{Keyword: kw.pos, EndPos: kw.end}
		if p.tok.tok == LPAREN {
			p.next()
			for p.tok.tok != RPAREN {
				c.Args = append(c.Args, p.parseExpr(precLowest+1))
				if p.tok.tok != COMMA {
					break
				}
				p.next()
			}
			c.EndPos = p.expect(RPAREN, `")"`).end
		} else if p.tok.tok == IDENT || p.tok.tok == QIDENT {
			for _, f := range p.parseFieldList() {
				c.Args = append(c.Args, f)
				c.EndPos = f.End()
			}
		}
		return c
	}
}

func (p *parser) parseProjections(what string) []*Projection {
	var out []*Projection
	for {
		if p.tok.tok == PIPE || p.tok.tok == EOF {
			p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected %s, found %s", what, p.describe())
		}
		pr := &Projection{Expr: p.parseExpr(precLowest + 1)}
		if p.isWord("as") {
			p.next()
			pr.Alias = p.parseIdent("a name after as")
		}
		out = append(out, pr)
		if p.tok.tok != COMMA {
			return out
		}
		p.next()
	}
}

func (p *parser) parseIdent(what string) *Ident {
	if p.tok.tok != IDENT && p.tok.tok != QIDENT {
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected %s, found %s", what, p.describe())
	}
	id := &Ident{NamePos: p.tok.pos, Name: p.tok.lit, Quoted: p.tok.tok == QIDENT, EndPos: p.tok.end}
	p.next()
	return id
}

func (p *parser) parseFieldList() []*FieldRef {
	var out []*FieldRef
	for {
		if p.tok.tok != IDENT && p.tok.tok != QIDENT {
			p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected a field name, found %s", p.describe())
		}
		out = append(out, &FieldRef{NamePos: p.tok.pos, Name: p.tok.lit, Quoted: p.tok.tok == QIDENT, EndPos: p.tok.end})
		p.next()
		if p.tok.tok != COMMA {
			return out
		}
		p.next()
	}
}

func (p *parser) parseStats(kw item) *StatsCmd {
	c := &StatsCmd{Keyword: kw.pos}
	if p.isWord("by") {
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected an aggregate such as count(*) before by")
	}
	c.Aggs = p.parseProjections("an aggregate such as count(*)")
	if p.isWord("by") {
		p.next()
		c.By = p.parseProjections("a field or expression to group by")
	}
	return c
}

func (p *parser) parseSort(kw item) *SortCmd {
	c := &SortCmd{Keyword: kw.pos}
	for {
		if p.tok.tok == PIPE || p.tok.tok == EOF {
			p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected a field to sort by, found %s", p.describe())
		}
		k := &SortKey{Expr: p.parseExpr(precLowest + 1)}
		if p.isWord("asc") || p.isWord("desc") {
			k.Explicit, k.Desc, k.DirPos = true, strings.EqualFold(p.tok.lit, "desc"), p.tok.pos
			p.next()
		}
		c.Keys = append(c.Keys, k)
		if p.tok.tok != COMMA {
			return c
		}
		p.next()
	}
}

func (p *parser) parseLimit(kw item) *LimitCmd {
	t := p.tok
	if t.tok != NUMBER {
		p.errorf(ErrSyntax, t.pos, t.end, "expected the number of rows after limit, found %s", p.describe())
	}
	n, err := strconv.ParseInt(t.lit, 10, 64)
	if err != nil || n <= 0 {
		p.errorf(ErrSyntax, t.pos, t.end, "limit must be a whole number greater than 0, not %s", t.lit)
	}
	p.next()
	return &LimitCmd{Keyword: kw.pos, N: n, NPos: t.pos, NEnd: t.end}
}

func (p *parser) parseParse(kw item) *ParseCmd {
	c := &ParseCmd{Keyword: kw.pos}
	switch p.tok.tok {
	case STRING, QUO:
		// "parse 'pattern' as ..." reads @message, as Logs Insights does.
		c.Src = &FieldRef{NamePos: p.tok.pos, Name: "@message", EndPos: p.tok.pos}
	default:
		c.Src = p.parseOperand()
	}
	switch p.tok.tok {
	case STRING:
		c.Pattern = &StringLit{ValuePos: p.tok.pos, Value: p.tok.lit, EndPos: p.tok.end}
		p.next()
	case QUO:
		it := p.rescanRegex()
		c.Pattern = &RegexLit{ValuePos: it.pos, Pattern: it.lit, EndPos: it.end}
		p.next()
	default:
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected a \"glob * pattern\" or a /regular expression/ after the parsed field, found %s", p.describe())
	}
	if p.isWord("as") {
		p.next()
		for {
			c.Names = append(c.Names, p.parseIdent("a field name"))
			if p.tok.tok != COMMA {
				break
			}
			p.next()
		}
	}
	return c
}
