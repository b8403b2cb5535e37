package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file is a small lexer over SQL text, used only to name what DuckDB
// refused and to find the statement inside an EXPLAIN; the decision to run a
// statement is always DuckDB's parse (see checker).

// SyntaxError is a query DuckDB's parser rejects, with the position it
// gives, so that a user sees where.
type SyntaxError struct {
	Msg   string // DuckDB's message
	Query string
	Pos   int // byte offset in Query, or -1
}

func (e *SyntaxError) Error() string {
	line, col, text := e.Location()
	if line == 0 {
		return "query: Parser Error: " + e.Msg
	}
	return fmt.Sprintf("query: Parser Error: %s at line %d, column %d\n  %s\n  %s^", e.Msg, line, col, text, strings.Repeat(" ", col-1))
}

// Location returns the 1-based line and column of the error and the text
// of that line; line is 0 when DuckDB gave no position.
func (e *SyntaxError) Location() (line, col int, text string) {
	if e.Pos < 0 || e.Pos > len(e.Query) {
		return 0, 0, ""
	}
	before := e.Query[:e.Pos]
	line = strings.Count(before, "\n") + 1
	start := strings.LastIndexByte(before, '\n') + 1
	end := strings.IndexByte(e.Query[start:], '\n')
	if end < 0 {
		end = len(e.Query) - start
	}
	return line, e.Pos - start + 1, strings.ReplaceAll(e.Query[start:start+end], "\t", " ")
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// readKeywords start the statements s3sift allows.
var readKeywords = setOf("SELECT", "WITH", "VALUES", "FROM", "TABLE", "EXPLAIN", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "PRAGMA", "(")

// leadingKeyword is the statement's first word, upper-cased ("(" for a
// parenthesised query, "" when there is none).
func leadingKeyword(stmt string) string {
	if strings.HasPrefix(skipSpace(stmt), "(") {
		return "("
	}
	_, w, err := nextWord(stmt)
	if err != nil {
		return ""
	}
	return strings.ToUpper(w)
}

// splitStatements splits text at semicolons outside quotes and comments and
// drops empty statements.
func splitStatements(text string) []string {
	var out []string
	start := 0
	add := func(end int) {
		if st := text[start:end]; strings.TrimSpace(skipSpace(st)) != "" {
			out = append(out, st)
		}
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'' || c == '"':
			for i++; i < len(text); i++ {
				if text[i] == c {
					if i+1 < len(text) && text[i+1] == c {
						i++
						continue
					}
					break
				}
			}
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(text)
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			if j := strings.Index(text[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(text)
			}
		case c == ';':
			add(i)
			start = i + 1
		}
	}
	if start < len(text) {
		add(len(text))
	}
	return out
}

// errNoWord is returned by the small lexer below when the text does not
// start as expected; callers treat it as "refuse".
var errNoWord = errors.New("no word")

// stripExplain returns the statement an EXPLAIN statement explains:
// "EXPLAIN [ANALYZE] [(options)] stmt" → "stmt". DuckDB has already said
// the text is one EXPLAIN statement; anything unexpected returns false and
// the query is refused.
func stripExplain(q string) (string, bool) {
	rest, word, err := nextWord(q)
	if err != nil || !strings.EqualFold(word, "EXPLAIN") {
		return "", false
	}
	if r, w, err := nextWord(rest); err == nil && (strings.EqualFold(w, "ANALYZE") || strings.EqualFold(w, "ANALYSE")) {
		rest = r
	}
	rest = skipSpace(rest)
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return "", false
		}
		rest = rest[end+1:]
	}
	return rest, true
}

// pragmaName returns the name after a leading PRAGMA keyword.
func pragmaName(q string) (string, bool) {
	rest, word, err := nextWord(q)
	if err != nil || !strings.EqualFold(word, "PRAGMA") {
		return "", false
	}
	_, name, err := nextWord(rest)
	if err != nil {
		return "", false
	}
	return strings.ToLower(name), true
}

// nextWord skips spaces and comments and returns the identifier-like word
// that follows and the text after it.
func nextWord(s string) (rest, word string, err error) {
	s = skipSpace(s)
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return s, "", errNoWord
	}
	return s[i:], s[:i], nil
}

// skipSpace skips white space, -- line comments and /* block comments */.
func skipSpace(s string) string {
	for {
		t := strings.TrimLeft(s, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(t, "--"):
			if i := strings.IndexByte(t, '\n'); i >= 0 {
				t = t[i+1:]
			} else {
				t = ""
			}
		case strings.HasPrefix(t, "/*"):
			if i := strings.Index(t[2:], "*/"); i >= 0 {
				t = t[2+i+2:]
			} else {
				t = ""
			}
		default:
			return t
		}
		s = t
	}
}
