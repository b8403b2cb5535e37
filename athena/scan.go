package athena

import (
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tokOther tokKind = iota
	tokSpace
	tokComment
	tokWord
	tokString      // '…'
	tokQuotedIdent // "…"
	tokTypoString  // ‘…' or ‘…’ or '…’
)

type token struct {
	kind        tokKind
	text        string
	pos         int
	open, close string // quote marks of a tokTypoString
}

// Typographic quotes that documentation editors substitute for '.
const (
	lsquo = "\u2018"
	rsquo = "\u2019"
)

// scan splits a query into tokens that keep every byte, so joining their
// texts gives the query back. It only needs to tell strings, quoted
// identifiers, comments and words apart.
func scan(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		start := i
		c := s[i]
		kind := tokOther
		var open, close string
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			for i < len(s) && strings.IndexByte(" \t\n\r", s[i]) >= 0 {
				i++
			}
			kind = tokSpace
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			kind = tokComment
		case strings.HasPrefix(s[i:], lsquo) || c == '\'' && typoClosed(s[i+1:]):
			open = s[i : i+1]
			if c != '\'' {
				open = lsquo
			}
			i += len(open)
			close = "'"
			for i < len(s) {
				if strings.HasPrefix(s[i:], rsquo) {
					close = rsquo
					i += len(rsquo)
					break
				}
				if s[i] == '\'' || s[i] == '\n' {
					i++
					break
				}
				i++
			}
			kind = tokTypoString
		case c == '\'' || c == '"':
			i++
			for i < len(s) {
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c { // doubled quote inside
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			kind = tokString
			if c == '"' {
				kind = tokQuotedIdent
			}
		case isWordByte(c):
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			kind = tokWord
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
		toks = append(toks, token{kind: kind, text: s[start:i], pos: start, open: open, close: close})
	}
	return toks
}

// typoClosed reports whether a string opened with ' is closed by ’ before
// any ' on its line.
func typoClosed(rest string) bool {
	for i := 0; i < len(rest); i++ {
		if rest[i] == '\'' || rest[i] == '\n' {
			return false
		}
		if strings.HasPrefix(rest[i:], rsquo) {
			// it’s inside a string is an apostrophe, not a closing quote
			after := rest[i+len(rsquo):]
			return after == "" || !isWordByte(after[0])
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 && c != 0xe2
}
