package insights

import "fmt"

// Pos is a position in query text: a byte offset and a 1-based line and
// column (the column counts bytes, as go/token does).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// IsValid reports whether p was set.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as "line:col".
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// Token is the kind of a lexical token.
type Token int

// The tokens of the language. Words (commands, keywords, function and field
// names) are all IDENT: which words are keywords depends on where they
// appear, so that a field may be called "count" or "desc".
const (
	ILLEGAL Token = iota
	EOF

	IDENT    // eventName, @timestamp, requestParameters.bucketName
	QIDENT   // `foo-bar` (a backtick-quoted field name)
	STRING   // "s3.amazonaws.com" or 's3.amazonaws.com'
	NUMBER   // 42, 3.5
	DURATION // 5m, 1h, 30s
	REGEX    // /Access(Denied)?/ (scanned only where an operand may start)

	PIPE    // |
	COMMA   // ,
	LPAREN  // (
	RPAREN  // )
	LBRACK  // [
	RBRACK  // ]
	ADD     // +
	SUB     // -
	MUL     // *
	QUO     // /
	REM     // %
	POW     // ^
	EQL     // == (also written =)
	NEQ     // !=
	LSS     // <
	LEQ     // <=
	GTR     // >
	GEQ     // >=
	MATCH   // =~
	AND     // and (produced by the parser from IDENT, never by the scanner)
	OR      // or
	NOT     // not
	LIKE    // like
	NOTLIKE // not like
	IN      // in
	NOTIN   // not in
	numTokens
)

var tokenNames = [...]string{
	ILLEGAL:  "ILLEGAL",
	EOF:      "end of query",
	IDENT:    "name",
	QIDENT:   "quoted name",
	STRING:   "string",
	NUMBER:   "number",
	DURATION: "time period",
	REGEX:    "regular expression",
	PIPE:     "|",
	COMMA:    ",",
	LPAREN:   "(",
	RPAREN:   ")",
	LBRACK:   "[",
	RBRACK:   "]",
	ADD:      "+",
	SUB:      "-",
	MUL:      "*",
	QUO:      "/",
	REM:      "%",
	POW:      "^",
	EQL:      "==",
	NEQ:      "!=",
	LSS:      "<",
	LEQ:      "<=",
	GTR:      ">",
	GEQ:      ">=",
	MATCH:    "=~",
	AND:      "and",
	OR:       "or",
	NOT:      "not",
	LIKE:     "like",
	NOTLIKE:  "not like",
	IN:       "in",
	NOTIN:    "not in",
}

// String returns the token's operator text or a description of it.
func (t Token) String() string {
	if t >= 0 && int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return fmt.Sprintf("token(%d)", int(t))
}

// Precedence levels of binary operators, lowest first.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precCompare
	precAdd
	precMul
	precPow
	precUnary
)

// Precedence returns the binding strength of binary operator t, or 0 when
// t is not a binary operator.
func (t Token) Precedence() int {
	switch t {
	case OR:
		return precOr
	case AND:
		return precAnd
	case EQL, NEQ, LSS, LEQ, GTR, GEQ, MATCH, LIKE, NOTLIKE, IN, NOTIN:
		return precCompare
	case ADD, SUB:
		return precAdd
	case MUL, QUO, REM:
		return precMul
	case POW:
		return precPow
	}
	return 0
}
