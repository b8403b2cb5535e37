package insights

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner splits query text into tokens. Like go/scanner it reports each
// problem to an ErrorList and keeps going, so one pass finds every lexical
// error.
type scanner struct {
	src  string
	errs *ErrorList

	off     int // offset of the next unread byte
	line    int // line of off
	lineOff int // offset of the first byte of line
}

func newScanner(src string, errs *ErrorList) *scanner {
	return &scanner{src: src, errs: errs, line: 1}
}

// pos returns the position of byte offset off, which must not be before
// the start of the current line.
func (s *scanner) pos(off int) Pos {
	return Pos{Offset: off, Line: s.line, Col: off - s.lineOff + 1}
}

// posAt computes the position of any offset by counting lines; it is used
// only for error spans and the end of multi-line tokens.
func posAt(src string, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - (strings.LastIndexByte(src[:off], '\n') + 1) + 1
	return Pos{Offset: off, Line: line, Col: col}
}

func (s *scanner) errorf(from, to int, format string, args ...any) {
	s.errs.Add(ErrSyntax, posAt(s.src, from), posAt(s.src, to), format, args...)
}

// item is one scanned token.
type item struct {
	tok Token
	pos Pos
	end Pos
	lit string // the name, the unquoted string, the number or period text, the regex
}

func (s *scanner) skipSpaceAndComments() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n':
			s.off++
			s.line++
			s.lineOff = s.off
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.off++
		case c == '#':
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.off++
			}
		default:
			return
		}
	}
}

func isIdentStart(r rune) bool {
	return r == '_' || r == '@' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return r == '_' || r == '@' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// next scans the next token.
func (s *scanner) next() item {
	s.skipSpaceAndComments()
	start := s.off
	startPos := s.pos(start)
	if s.off >= len(s.src) {
		return item{tok: EOF, pos: startPos, end: startPos}
	}
	r, w := utf8.DecodeRuneInString(s.src[s.off:])
	it := item{pos: startPos}
	switch {
	case isIdentStart(r):
		for s.off < len(s.src) {
			r, w := utf8.DecodeRuneInString(s.src[s.off:])
			if !isIdentPart(r) {
				break
			}
			s.off += w
		}
		it.tok, it.lit = IDENT, s.src[start:s.off]
	case r >= '0' && r <= '9':
		it = s.number(start)
	case r == '`':
		it = s.quotedName(start)
	case r == '"' || r == '\'':
		it = s.str(start, byte(r))
	default:
		s.off += w
		it.tok = s.operator(r)
		if it.tok == ILLEGAL {
			s.errorf(start, s.off, "unexpected character %q; field names with characters other than letters, digits, _, . and @ must be in backticks", r)
			it.lit = string(r)
		}
	}
	it.pos = startPos
	it.end = s.endPos(start)
	return it
}

// endPos returns the position of s.off, the end of the token that started
// at start (tokens other than strings never span lines).
func (s *scanner) endPos(start int) Pos {
	if strings.IndexByte(s.src[start:s.off], '\n') < 0 {
		return Pos{Offset: s.off, Line: s.line, Col: s.off - s.lineOff + 1}
	}
	return posAt(s.src, s.off)
}

func (s *scanner) operator(r rune) Token {
	peek := func(c byte) bool {
		if s.off < len(s.src) && s.src[s.off] == c {
			s.off++
			return true
		}
		return false
	}
	switch r {
	case '|':
		return PIPE
	case ',':
		return COMMA
	case '(':
		return LPAREN
	case ')':
		return RPAREN
	case '[':
		return LBRACK
	case ']':
		return RBRACK
	case '+':
		return ADD
	case '-':
		return SUB
	case '*':
		return MUL
	case '/':
		return QUO
	case '%':
		return REM
	case '^':
		return POW
	case '=':
		if peek('=') {
			return EQL
		}
		if peek('~') {
			return MATCH
		}
		return EQL
	case '!':
		if peek('=') {
			return NEQ
		}
	case '<':
		if peek('=') {
			return LEQ
		}
		return LSS
	case '>':
		if peek('=') {
			return GEQ
		}
		return GTR
	}
	return ILLEGAL
}

// durationUnits are the period units bin, datefloor and dateceil accept.
var durationUnits = map[string]bool{
	"ms": true, "s": true, "m": true, "h": true, "d": true, "w": true,
	"mo": true, "q": true, "y": true,
}

func (s *scanner) number(start int) item {
	digits := func() {
		for s.off < len(s.src) && s.src[s.off] >= '0' && s.src[s.off] <= '9' {
			s.off++
		}
	}
	digits()
	isInt := true
	if s.off+1 < len(s.src) && s.src[s.off] == '.' && s.src[s.off+1] >= '0' && s.src[s.off+1] <= '9' {
		isInt = false
		s.off++
		digits()
	}
	if s.off < len(s.src) && (s.src[s.off] == 'e' || s.src[s.off] == 'E') {
		// An exponent only if digits follow; otherwise "e" starts a unit
		// or is an error below.
		j := s.off + 1
		if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
			j++
		}
		if j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
			isInt = false
			s.off = j
			digits()
		}
	}
	numEnd := s.off
	for s.off < len(s.src) {
		r, w := utf8.DecodeRuneInString(s.src[s.off:])
		if !isIdentPart(r) || r == '.' {
			break
		}
		s.off += w
	}
	if s.off == numEnd {
		return item{tok: NUMBER, lit: s.src[start:s.off]}
	}
	unit := s.src[numEnd:s.off]
	if !isInt || !durationUnits[unit] {
		s.errorf(start, s.off, "bad number or time period %q; a period is a whole number and one of ms, s, m, h, d, w, mo, q, y (5m, 1h)", s.src[start:s.off])
		return item{tok: NUMBER, lit: "0"}
	}
	return item{tok: DURATION, lit: s.src[start:s.off]}
}

func (s *scanner) quotedName(start int) item {
	s.off++ // opening backtick
	var b strings.Builder
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			s.errorf(start, s.off, "unterminated `quoted name`; close it with a backtick")
			return item{tok: QIDENT, lit: b.String()}
		}
		c := s.src[s.off]
		s.off++
		if c == '`' {
			// A doubled backtick stands for one.
			if s.off < len(s.src) && s.src[s.off] == '`' {
				s.off++
				b.WriteByte('`')
				continue
			}
			break
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		s.errorf(start, s.off, "empty `quoted name`")
	}
	return item{tok: QIDENT, lit: b.String()}
}

func (s *scanner) str(start int, quote byte) item {
	s.off++ // opening quote
	var b strings.Builder
	for {
		if s.off >= len(s.src) {
			s.errorf(start, s.off, "unterminated string; close it with %c", quote)
			return item{tok: STRING, lit: b.String()}
		}
		c := s.src[s.off]
		s.off++
		switch c {
		case quote:
			return item{tok: STRING, lit: b.String()}
		case '\n':
			s.line++
			s.lineOff = s.off
			b.WriteByte(c)
		case '\\':
			if s.off >= len(s.src) {
				continue
			}
			e := s.src[s.off]
			s.off++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				// \" \' \\ and any other escaped character stand for
				// themselves.
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
}

// regex rescans from the "/" at offset start as a regular expression
// literal: the parser asks for this where an operand may begin, which is
// where "/" cannot be division. Inside, "\/" stands for "/".
func (s *scanner) regex(start int) item {
	s.off = start + 1
	var b strings.Builder
	for {
		if s.off >= len(s.src) || s.src[s.off] == '\n' {
			s.errorf(start, s.off, "unterminated /regular expression/; close it with /")
			break
		}
		c := s.src[s.off]
		s.off++
		if c == '/' {
			break
		}
		if c == '\\' && s.off < len(s.src) && s.src[s.off] != '\n' {
			e := s.src[s.off]
			s.off++
			if e != '/' {
				b.WriteByte('\\')
			}
			b.WriteByte(e)
			continue
		}
		b.WriteByte(c)
	}
	return item{tok: REGEX, lit: b.String(), pos: s.pos(start), end: s.endPos(start)}
}
