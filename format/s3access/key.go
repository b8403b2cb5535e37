package s3access

import (
	"strings"
	"unicode/utf8"
)

// decodeKey undoes the %XX escapes S3 writes in the key field. '+' is left
// alone: S3 escapes a space in a key as %20, so a '+' in the log is a '+' in
// the key. When the escapes are malformed, or decode to bytes that are not
// UTF-8, the raw text is returned: it is the most faithful thing to keep,
// and key_raw holds it too.
func decodeKey(raw string) string {
	i := strings.IndexByte(raw, '%')
	if i < 0 {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	rest := raw
	for {
		b.WriteString(rest[:i])
		if i+2 >= len(rest) {
			return raw
		}
		hi, ok1 := unhex(rest[i+1])
		lo, ok2 := unhex(rest[i+2])
		if !ok1 || !ok2 {
			return raw
		}
		b.WriteByte(hi<<4 | lo)
		rest = rest[i+3:]
		if i = strings.IndexByte(rest, '%'); i < 0 {
			b.WriteString(rest)
			break
		}
	}
	if key := b.String(); utf8.ValidString(key) {
		return key
	}
	return raw
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
