package insights

import (
	"strconv"
	"strings"
)

// maxDepth bounds expression nesting so hostile input cannot exhaust the
// stack.
const maxDepth = 200

// binaryOp returns the binary operator the current token starts, if any.
func (p *parser) binaryOp() Token {
	switch p.tok.tok {
	case ADD, SUB, MUL, QUO, REM, POW, EQL, NEQ, LSS, LEQ, GTR, GEQ, MATCH:
		return p.tok.tok
	case IDENT:
		switch strings.ToLower(p.tok.lit) {
		case "and":
			return AND
		case "or":
			return OR
		case "like":
			return LIKE
		case "in":
			return IN
		case "not":
			// Only "not like" and "not in" may follow an operand.
			return NOTLIKE
		}
	}
	return ILLEGAL
}

// parseExpr parses an expression whose binary operators bind at least as
// tightly as prec.
func (p *parser) parseExpr(prec int) Expr {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expression nested too deeply")
	}
	x := p.parseUnary()
	for {
		op := p.binaryOp()
		if op == ILLEGAL || op.Precedence() < prec {
			return x
		}
		opTok := p.tok
		p.next()
		if op == NOTLIKE {
			switch {
			case p.isWord("like"):
			case p.isWord("in"):
				op = NOTIN
			default:
				p.errorf(ErrSyntax, opTok.pos, p.tok.end, "expected like or in after not, found %s", p.describe())
			}
			p.next()
		}
		switch op {
		case LIKE, NOTLIKE, MATCH:
			x = &BinaryExpr{X: x, OpPos: opTok.pos, Op: op, Y: p.parsePattern(op)}
		case IN, NOTIN:
			if p.tok.tok != LBRACK {
				p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected [list] after %s, found %s", op, p.describe())
			}
			x = &InExpr{X: x, OpPos: opTok.pos, Not: op == NOTIN, List: p.parseList()}
		case POW:
			// Right-associative: 2 ^ 3 ^ 2 is 2 ^ (3 ^ 2).
			x = &BinaryExpr{X: x, OpPos: opTok.pos, Op: op, Y: p.parseExpr(op.Precedence())}
		default:
			x = &BinaryExpr{X: x, OpPos: opTok.pos, Op: op, Y: p.parseExpr(op.Precedence() + 1)}
		}
	}
}

// parsePattern parses the right side of like, not like and =~.
func (p *parser) parsePattern(op Token) Expr {
	switch p.tok.tok {
	case STRING:
		if op == MATCH {
			p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "=~ takes a /regular expression/; use like for a \"substring\"")
		}
		s := &StringLit{ValuePos: p.tok.pos, Value: p.tok.lit, EndPos: p.tok.end}
		p.next()
		return s
	case QUO:
		it := p.rescanRegex()
		p.next()
		return &RegexLit{ValuePos: it.pos, Pattern: it.lit, EndPos: it.end}
	}
	p.errorf(ErrSyntax, p.tok.pos, p.tok.end, "expected a \"substring\" or /regular expression/ after %s, found %s", op, p.describe())
	return nil
}

func (p *parser) parseUnary() Expr {
	switch {
	case p.isWord("not"):
		pos := p.tok.pos
		p.next()
		return &UnaryExpr{OpPos: pos, Op: NOT, X: p.parseExpr(precNot)}
	case p.tok.tok == SUB:
		pos := p.tok.pos
		p.next()
		return &UnaryExpr{OpPos: pos, Op: SUB, X: p.parseExpr(precPow)}
	}
	return p.parseOperand()
}

func (p *parser) parseOperand() Expr {
	t := p.tok
	switch t.tok {
	case IDENT:
		p.next()
		if p.tok.tok == LPAREN {
			return p.parseCall(t)
		}
		switch strings.ToLower(t.lit) {
		case "and", "or", "like", "in", "by", "as":
			p.errorf(ErrSyntax, t.pos, t.end, "expected an operand, found keyword %q (write `%s` for a field of that name)", t.lit, t.lit)
		}
		return &FieldRef{NamePos: t.pos, Name: t.lit, EndPos: t.end}
	case QIDENT:
		p.next()
		return &FieldRef{NamePos: t.pos, Name: t.lit, Quoted: true, EndPos: t.end}
	case STRING:
		p.next()
		return &StringLit{ValuePos: t.pos, Value: t.lit, EndPos: t.end}
	case NUMBER:
		p.next()
		return &NumberLit{ValuePos: t.pos, Text: t.lit, EndPos: t.end}
	case DURATION:
		p.next()
		n, unit := splitDuration(t.lit)
		if n <= 0 {
			p.errorf(ErrSyntax, t.pos, t.end, "time period %s must be a whole number greater than 0", t.lit)
		}
		return &DurationLit{ValuePos: t.pos, N: n, Unit: unit, EndPos: t.end}
	case QUO:
		it := p.rescanRegex()
		p.next()
		return &RegexLit{ValuePos: it.pos, Pattern: it.lit, EndPos: it.end}
	case LPAREN:
		p.next()
		x := p.parseExpr(precLowest + 1)
		r := p.expect(RPAREN, `")"`)
		return &ParenExpr{Lparen: t.pos, X: x, Rparen: r.pos}
	case LBRACK:
		return p.parseList()
	}
	p.errorf(ErrSyntax, t.pos, t.end, "expected a field, value or function, found %s", p.describe())
	return nil
}

func (p *parser) parseList() *ListLit {
	l := &ListLit{Lbrack: p.expect(LBRACK, `"["`).pos}
	for p.tok.tok != RBRACK {
		l.Elems = append(l.Elems, p.parseExpr(precLowest+1))
		if p.tok.tok != COMMA {
			break
		}
		p.next()
	}
	l.Rbrack = p.expect(RBRACK, `"]" or ","`).pos
	return l
}

func (p *parser) parseCall(name item) Expr {
	f, ok := LookupFunc(name.lit)
	if !ok {
		if canon, ok := unsupportedFuncs[strings.ToLower(name.lit)]; ok {
			p.errorf(ErrUnsupported, name.pos, name.end, "function %s is not supported by s3sift", canon)
		}
		p.errorf(ErrInvalid, name.pos, name.end, "unknown function %q", name.lit)
	}
	c := &CallExpr{NamePos: name.pos, Name: f.Name}
	p.expect(LPAREN, `"("`)
	if p.tok.tok == MUL {
		star := p.tok
		p.next()
		if p.tok.tok == RPAREN {
			if !f.Star {
				p.errorf(ErrInvalid, star.pos, star.end, "%s(*) is not allowed; only count(*) takes *", f.Name)
			}
			c.Star = true
			c.Rparen = p.tok.pos
			p.next()
			return c
		}
		p.errorf(ErrSyntax, star.pos, star.end, "unexpected * in the arguments of %s", f.Name)
	}
	for p.tok.tok != RPAREN {
		c.Args = append(c.Args, p.parseExpr(precLowest+1))
		if p.tok.tok != COMMA {
			break
		}
		p.next()
	}
	c.Rparen = p.expect(RPAREN, `")" or ","`).pos
	if n := len(c.Args); n < f.MinArgs || (f.MaxArgs >= 0 && n > f.MaxArgs) {
		p.errorf(ErrInvalid, c.Pos(), c.End(), "%s takes %s, not %d", f.Name, arity(f), n)
	}
	return c
}

func arity(f *Func) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return strconv.Itoa(n) + " arguments"
	}
	switch {
	case f.MaxArgs < 0:
		return "at least " + plural(f.MinArgs)
	case f.MinArgs == f.MaxArgs:
		return plural(f.MinArgs)
	}
	return strconv.Itoa(f.MinArgs) + " to " + plural(f.MaxArgs)
}

// splitDuration splits a scanned period such as "15m" into 15 and "m".
func splitDuration(s string) (int64, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		n = 0
	}
	return n, s[i:]
}
