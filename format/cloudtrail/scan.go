package cloudtrail

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Flags a scan reports about the text it passed over.
const (
	fEscape    uint8 = 1 << iota // a string held a backslash escape
	fHigh                        // a byte >= 0x80 (UTF-8 to validate)
	fSpace                       // whitespace between tokens (the text is not compact)
	fSurrogate                   // a \u escape of a UTF-16 surrogate (maybe not paired)
)

// SWAR constants for looking at eight bytes at once.
const (
	lsb   = 0x0101010101010101
	msb   = 0x8080808080808080
	quote = '"' * lsb
	bslsh = '\\' * lsb
	space = ' ' * lsb
)

// ws returns the index of the first byte at or after i that is not JSON
// whitespace.
func (d *decoder) ws(i int) int {
	b := d.b
	for i < len(b) {
		c := b[i]
		if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			return i
		}
		i++
	}
	return i
}

// end reports that the value at i runs past the data: errShort when more
// input may follow (the caller reads more and starts the record again), a
// syntax error at the true end of input.
func (d *decoder) end(i int, what string) error {
	if !d.eof {
		return errShort
	}
	return d.errAt(i, "unexpected end of input: expected %s", what)
}

// scanString scans the JSON string whose opening quote is at i and returns
// the index after its closing quote.
func (d *decoder) scanString(i int) (int, uint8, error) {
	b := d.b
	j := i + 1
	var flags uint8
	for {
		for j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j:])
			q := x ^ quote
			s := x ^ bslsh
			// The lowest flagged byte is exact (false positives from
			// borrows only appear above a true one): go straight to it.
			if m := ((q-lsb)&^q | (s-lsb)&^s | (x-space)&^x | x) & msb; m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		if j >= len(b) {
			return j, flags, d.end(j, "'\"' to close the string")
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, flags, nil
		case c == '\\':
			flags |= fEscape
			n, err := d.scanEscape(j)
			if err != nil {
				return j, flags, err
			}
			if n == 6 && utf16.IsSurrogate(rune(hex4(b[j+2:]))) {
				flags |= fSurrogate
			}
			j += n
		case c < 0x20:
			return j, flags, d.errAt(j, "control character %q in string (a string must be closed on the same line)", c)
		case c >= 0x80:
			flags |= fHigh
			j++
		default:
			j++
		}
	}
}

// scanEscape checks the escape sequence whose backslash is at i and returns
// its length.
func (d *decoder) scanEscape(i int) (int, error) {
	b := d.b
	if i+1 >= len(b) {
		return 0, d.end(i+1, "an escape sequence")
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if i+6 > len(b) {
			return 0, d.end(len(b), "four hex digits after \\u")
		}
		for _, c := range b[i+2 : i+6] {
			if hexVal(c) < 0 {
				return 0, d.errAt(i, "invalid escape %q: expected four hex digits after \\u", b[i:i+6])
			}
		}
		return 6, nil
	}
	return 0, d.errAt(i, "invalid escape %q in string", b[i:i+2])
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// stringValue returns the content of the already scanned string b[i:end]
// (quotes included) as a Go string: a substring of the chunk when nothing
// needs decoding.
func (d *decoder) stringValue(i, end int, flags uint8) string {
	if flags&fEscape != 0 {
		return d.unescape(d.b[i+1 : end-1])
	}
	v := d.s[i+1 : end-1]
	if flags&fHigh != 0 && !utf8.ValidString(v) {
		return toValidUTF8(v)
	}
	return v
}

// toValidUTF8 replaces invalid UTF-8 the way encoding/json does, so that
// the lake only ever holds valid strings.
func toValidUTF8(v string) string {
	var out []byte
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, v[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

// unescape decodes the (already validated) body of a string with escapes.
func (d *decoder) unescape(src []byte) string {
	out := d.scratch[:0]
	for i := 0; i < len(src); {
		c := src[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, n := utf8.DecodeRune(src[i:])
			out = utf8.AppendRune(out, r)
			i += n
			continue
		}
		switch src[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(src[i+2:]))
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(src) && src[i] == '\\' && src[i+1] == 'u' {
					r2 = rune(hex4(src[i+2:]))
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, src[i+1])
		}
		i += 2
	}
	d.scratch = out
	return string(out)
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// scanNumber scans the JSON number at i and returns the index after it.
func (d *decoder) scanNumber(i int) (int, error) {
	b := d.b
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	digits := func(what string) error {
		if j >= len(b) {
			return d.end(j, what)
		}
		if b[j] < '0' || b[j] > '9' {
			return d.errAt(j, "expected %s, found %s", what, quoteByte(b[j]))
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return nil
	}
	if j < len(b) && b[j] == '0' {
		j++
	} else if err := digits("a digit"); err != nil {
		return j, err
	}
	if j < len(b) && b[j] == '.' {
		j++
		if err := digits("a digit after the decimal point"); err != nil {
			return j, err
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if err := digits("a digit in the exponent"); err != nil {
			return j, err
		}
	}
	// A number is only complete once a byte that cannot continue it is seen.
	if j >= len(b) && !d.eof {
		return j, errShort
	}
	return j, nil
}

// scanLiteral checks that lit (true, false or null) is at i.
func (d *decoder) scanLiteral(i int, lit string) (int, error) {
	b := d.b
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i, d.end(i+k, strconv.Quote(lit))
		}
		if b[i+k] != lit[k] {
			return i, d.errAt(i, "invalid literal: expected %q", lit)
		}
	}
	return i + len(lit), nil
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

// skipValue scans (and validates) the JSON value at i, any depth, and
// returns the index after it.
func (d *decoder) skipValue(i int) (int, uint8, error) {
	b := d.b
	var flags uint8
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	for {
		// A value is expected at i.
		j := d.ws(i)
		if j != i {
			flags |= fSpace
		}
		i = j
		if i >= len(b) {
			return i, flags, d.end(i, "a value")
		}
		var err error
		switch c := b[i]; c {
		case '{', '[':
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			j := d.ws(i + 1)
			if j != i+1 {
				flags |= fSpace
			}
			if j >= len(b) {
				return j, flags, d.end(j, "a value or "+strconv.QuoteRune(rune(close)))
			}
			if b[j] == close {
				i = j + 1
				break
			}
			stack = append(stack, c)
			i = j
			if c == '{' {
				var f uint8
				i, f, err = d.skipKey(i)
				flags |= f
				if err != nil {
					return i, flags, err
				}
			}
			continue
		case '"':
			var f uint8
			i, f, err = d.scanString(i)
			flags |= f
		case 't':
			i, err = d.scanLiteral(i, "true")
		case 'f':
			i, err = d.scanLiteral(i, "false")
		case 'n':
			i, err = d.scanLiteral(i, "null")
		default:
			if c == '-' || (c >= '0' && c <= '9') {
				i, err = d.scanNumber(i)
			} else {
				err = d.errAt(i, "expected a value, found %s", quoteByte(c))
			}
		}
		if err != nil {
			return i, flags, err
		}
		// A value ended at i: close containers or move to the next member.
		for {
			if len(stack) == 0 {
				return i, flags, nil
			}
			j := d.ws(i)
			if j != i {
				flags |= fSpace
			}
			i = j
			top := stack[len(stack)-1]
			close := byte('}')
			if top == '[' {
				close = ']'
			}
			if i >= len(b) {
				return i, flags, d.end(i, "',' or "+strconv.QuoteRune(rune(close)))
			}
			if b[i] == close {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return i, flags, d.errAt(i, "expected ',' or %q, found %s", close, quoteByte(b[i]))
			}
			i++
			if top == '{' {
				var f uint8
				i, f, err = d.skipKey(i)
				flags |= f
				if err != nil {
					return i, flags, err
				}
			}
			break
		}
	}
}

// skipKey scans `"key" :` starting at (whitespace before) i and returns the
// index after the colon.
func (d *decoder) skipKey(i int) (int, uint8, error) {
	var flags uint8
	j := d.ws(i)
	if j != i {
		flags |= fSpace
	}
	if j >= len(d.b) {
		return j, flags, d.end(j, "an object key")
	}
	if d.b[j] != '"' {
		return j, flags, d.errAt(j, "expected '\"' to begin an object key, found %s", quoteByte(d.b[j]))
	}
	j, f, err := d.scanString(j)
	flags |= f
	if err != nil {
		return j, flags, err
	}
	k := d.ws(j)
	if k != j {
		flags |= fSpace
	}
	if k >= len(d.b) {
		return k, flags, d.end(k, "':' after object key")
	}
	if d.b[k] != ':' {
		return k, flags, d.errAt(k, "expected ':' after object key, found %s", quoteByte(d.b[k]))
	}
	return k + 1, flags, nil
}

// appendRaw appends the JSON text b[i:end] that a scan reported flags for,
// compacted (whitespace between tokens removed) and with invalid UTF-8
// replaced, so that what is stored is valid, compact JSON.
func appendRaw(dst, raw []byte, flags uint8) []byte {
	if flags&fHigh != 0 && !utf8.Valid(raw) {
		raw = []byte(toValidUTF8(string(raw)))
	}
	if flags&fSpace == 0 {
		return append(dst, raw...)
	}
	in := false
	for k := 0; k < len(raw); k++ {
		c := raw[k]
		if in {
			dst = append(dst, c)
			switch c {
			case '\\':
				k++
				dst = append(dst, raw[k])
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			in = true
		}
		dst = append(dst, c)
	}
	return dst
}

// rawValue returns the JSON text b[i:end] as a string: a substring of the
// chunk when it is already compact and valid.
func (d *decoder) rawValue(i, end int, flags uint8) string {
	var s string
	switch {
	case flags&(fSpace|fHigh) == 0:
		s = d.s[i:end]
	case flags&fSpace == 0 && utf8.Valid(d.b[i:end]):
		s = d.s[i:end]
	default:
		d.scratch = appendRaw(d.scratch[:0], d.b[i:end], flags)
		s = string(d.scratch)
	}
	if flags&fSurrogate != 0 {
		s = fixLoneSurrogates(s)
	}
	return s
}

// fixLoneSurrogates replaces the escapes of UTF-16 surrogates that are not
// part of a pair (\ud800 alone) with \ufffd. JSON's grammar allows them,
// but they encode no character, and DuckDB refuses a document holding one:
// kept, it would make every query reading the column fail. s, already
// scanned as valid JSON, is returned as is when it holds none.
func fixLoneSurrogates(s string) string {
	var b []byte // the fixed text, once a lone surrogate is found
	last := 0    // s[last:] is not copied to b yet
	at := func(i int) rune {
		return rune(hexVal(s[i])<<12 | hexVal(s[i+1])<<8 | hexVal(s[i+2])<<4 | hexVal(s[i+3]))
	}
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] != 'u' || i+6 > len(s) {
			i++ // another escape: skip the escaped character
			continue
		}
		r := at(i + 2)
		if !utf16.IsSurrogate(r) {
			i += 5
			continue
		}
		if i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' && utf16.DecodeRune(r, at(i+8)) != utf8.RuneError {
			i += 11 // a pair
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, `\ufffd`...)
		last = i + 6
		i += 5
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}
