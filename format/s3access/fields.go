package s3access

import (
	"math"
	"strings"
)

// The functions here find where the fields that may hold spaces end: the
// key (8), the request URI (9), the referer (16) and the user agent (17).
// S3 does not escape a quote inside a quoted field, so a closing quote is
// recognised by what follows it: the URI's by a well-formed status, error
// code and four numbers; the referer's by a user agent; the user agent's by
// documented trailing fields that hold no quote. The first candidate is the
// plain reading of the line and almost always right; later ones cost from
// the parser's attempt budget.

// keyAndURI finds the end of the key, which starts at i, and of the request
// URI after it, and parses fields 10 to 15 into m. It returns the index of
// the space after the key and the index just past the URI. When more than
// one reading fits (a key with a quote and spaces), the first whose URI
// looks like "METHOD path ..." wins, else the first that fits at all.
func (p *parser) keyAndURI(s string, i int, m *mid) (keyEnd, uriEnd int, err *ParseError) {
	keyEnd = nextSpace(s, i)
	if keyEnd == len(s) {
		return 0, 0, endsAfter(8)
	}
	uriEnd, first := p.uriAt(s, keyEnd+1, m)
	if first == nil && plausibleURI(s[keyEnd+1:uriEnd]) {
		return keyEnd, uriEnd, nil
	}
	fallback := -1
	if first == nil {
		fallback = keyEnd
	}
	// A key with spaces: try each later space that is followed by what could
	// start a request URI.
	for k := keyEnd + 1; p.budget > 0; k++ {
		k = nextSpace(s, k)
		if k >= len(s)-1 {
			break
		}
		if c := s[k+1]; c == '"' || c == '-' {
			p.budget--
			end, err := p.uriAt(s, k+1, m)
			if err == nil && plausibleURI(s[k+1:end]) {
				return k, end, nil
			}
			if err == nil && fallback < 0 {
				fallback = k
			}
		}
	}
	if fallback >= 0 {
		p.budget = maxAttempts // the reading is known to fit; redo it
		end, err := p.uriAt(s, fallback+1, m)
		if err == nil {
			return fallback, end, nil
		}
	}
	return 0, 0, first
}

// plausibleURI reports a request URI field that is -, "-" or "", or starts
// like an HTTP request line: upper-case method, space.
func plausibleURI(u string) bool {
	if u == "-" || u == `"-"` || u == `""` {
		return true
	}
	i := 1
	for i < len(u) && 'A' <= u[i] && u[i] <= 'Z' {
		i++
	}
	return i > 1 && i < len(u) && u[i] == ' '
}

// uriAt reads a request URI starting at j ("-" or a quoted string) and the
// fields 10 to 15 after it; it returns the index just past the URI.
func (p *parser) uriAt(s string, j int, m *mid) (int, *ParseError) {
	switch s[j] {
	case '-':
		if j+1 == len(s) {
			return 0, endsAfter(9)
		}
		if s[j+1] != ' ' {
			break
		}
		p.budget--
		return j + 1, p.parseMid(s, j+1, m)
	case '"':
		var first *ParseError
		for from := j + 1; p.budget > 0; {
			q := closingQuote(s, from)
			if q < 0 {
				break
			}
			if q+1 == len(s) {
				if first == nil {
					first = endsAfter(9)
				}
				break
			}
			p.budget--
			err := p.parseMid(s, q+1, m)
			if err == nil {
				return q + 1, nil
			}
			if first == nil {
				first = err
			}
			from = q + 1
		}
		if first == nil {
			first = fieldErr(9, "opening quote is never closed (truncated line?)")
		}
		return 0, first
	}
	return 0, fieldErr(9, "want a quoted string or -, got %s", excerpt(s[j:nextSpace(s, j)]))
}

// parseMid parses fields 10 to 15, which follow the space at sp, into m and
// checks that field 16 starts like a referer.
func (p *parser) parseMid(s string, sp int, m *mid) *ParseError {
	*m = mid{}
	i := sp + 1
	for f := 10; f <= 15; f++ {
		e := nextSpace(s, i)
		if e == len(s) {
			return endsAfter(f)
		}
		v := s[i:e]
		switch {
		case f == 11:
			if strings.IndexByte(v, '"') >= 0 {
				return fieldErr(11, "unexpected quote in %s", excerpt(v))
			}
			m.errorCode = null(v)
		case v == "-":
		case f == 10:
			n, ok := number(v)
			if !ok || n > math.MaxInt32 {
				return fieldErr(10, "want a number or -, got %s", excerpt(v))
			}
			m.status = int32(n)
			m.set |= 1
		default:
			n, ok := number(v)
			if !ok {
				return fieldErr(f, "want a number or -, got %s", excerpt(v))
			}
			m.nums[f-12] = n
			m.set |= 2 << (f - 12)
		}
		i = e + 1
	}
	m.end = i - 1
	if c := s[i]; c != '"' && c != '-' {
		return fieldErr(16, "want a quoted string or -, got %s", excerpt(s[i:nextSpace(s, i)]))
	}
	return nil
}

// number parses a non-negative decimal that fits an int64.
func number(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, true
}

// refererAndAgent finds the ends of the referer, which starts at i, and of
// the user agent after it. It returns the index just past each.
func (p *parser) refererAndAgent(s string, i int) (refEnd, uaEnd int, err *ParseError) {
	switch s[i] {
	case '-':
		if i+1 == len(s) {
			return 0, 0, endsAfter(16)
		}
		if s[i+1] != ' ' {
			break
		}
		uaEnd, err = p.agent(s, i+2)
		return i + 1, uaEnd, err
	case '"':
		var first *ParseError
		for from := i + 1; p.budget > 0; {
			q := closingQuote(s, from)
			if q < 0 {
				break
			}
			if q+1 == len(s) {
				if first == nil {
					first = endsAfter(16)
				}
				break
			}
			if s[q+2] == '"' || s[q+2] == '-' {
				p.budget--
				end, err := p.agent(s, q+2)
				if err == nil {
					return q + 1, end, nil
				}
				if first == nil {
					first = err
				}
			}
			from = q + 1
		}
		if first == nil {
			first = fieldErr(16, "opening quote is never closed (truncated line?)")
		}
		return 0, 0, first
	}
	return 0, 0, fieldErr(16, "want a quoted string or -, got %s", excerpt(s[i:nextSpace(s, i)]))
}

// agent finds the end of the user agent that starts at j.
func (p *parser) agent(s string, j int) (int, *ParseError) {
	switch s[j] {
	case '-':
		if j+1 < len(s) && s[j+1] != ' ' {
			break
		}
		err := tailValid(s, j+1)
		if err != nil && err.Field > documentedFields {
			p.plainExtras, err = true, nil
		}
		return j + 1, err
	case '"':
		var first *ParseError
		fallback := -1
		for from := j + 1; p.budget > 0; {
			q := closingQuote(s, from)
			if q < 0 {
				break
			}
			p.budget--
			err := tailValid(s, q+1)
			if err == nil {
				p.plainExtras = false
				return q + 1, nil
			}
			if err.Field > documentedFields && fallback < 0 {
				fallback = q + 1
			}
			if first == nil {
				first = err
			}
			from = q + 1
		}
		if fallback >= 0 {
			// Only a field AWS has not documented holds a stray quote: take
			// the first reading and split those fields on spaces alone,
			// rather than lose the line.
			p.plainExtras = true
			return fallback, nil
		}
		if first == nil {
			first = fieldErr(17, "opening quote is never closed (truncated line?)")
		}
		return 0, first
	}
	return 0, fieldErr(17, "want a quoted string or -, got %s", excerpt(s[j:nextSpace(s, j)]))
}

// tailValid checks the fields after the user agent, which starts at sp (the
// space before field 18, or the end of the line): documented fields hold no
// quote; a later, unknown field may be a whole quoted string.
func tailValid(s string, sp int) *ParseError {
	if strings.IndexByte(s[sp:], '"') < 0 {
		return nil
	}
	n := minFields
	for i := sp; i < len(s); {
		i++
		n++
		e := tailFieldEnd(s, i)
		if e < 0 {
			return fieldErr(n, "opening quote is never closed")
		}
		v := s[i:e]
		if q := strings.IndexByte(v, '"'); q >= 0 && (n <= documentedFields || q > 0) {
			return fieldErr(n, "unexpected quote in %s", excerpt(v))
		}
		i = e
	}
	return nil
}

// tailFieldEnd returns the end of the field after the user agent that
// starts at i: the next space, or past the closing quote of a quoted field
// (-1 if it has none).
func tailFieldEnd(s string, i int) int {
	if i < len(s) && s[i] == '"' {
		if q := closingQuote(s, i+1); q >= 0 {
			return q + 1
		}
		return -1
	}
	return nextSpace(s, i)
}

// closingQuote returns the index of the first quote at or after from that
// could close a quoted field, being followed by a space or ending the line;
// -1 if there is none. Searching for the pair, not for every quote, keeps a
// line full of quotes linear.
func closingQuote(s string, from int) int {
	if j := strings.Index(s[from:], "\" "); j >= 0 {
		return from + j
	}
	if n := len(s) - 1; n >= from && s[n] == '"' {
		return n
	}
	return -1
}
