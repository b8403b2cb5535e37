package policy

import "strings"

// wildcardMatch reports whether s matches pattern, where '*' matches any
// run of characters (also empty) and '?' exactly one. It backtracks only to
// the last '*', so it runs in O(len(s)·len(pattern)) at worst.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			if pattern[p] == '?' {
				i += runeLen(s, i)
			} else {
				i++
			}
			p++
		case star >= 0:
			p = star + 1
			mark += runeLen(s, mark)
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// runeLen is the length of the UTF-8 sequence at s[i], so '?' matches one
// character of a non-ASCII key rather than one byte.
func runeLen(s string, i int) int {
	c := s[i]
	n := 1
	switch {
	case c >= 0xF0:
		n = 4
	case c >= 0xE0:
		n = 3
	case c >= 0xC0:
		n = 2
	}
	if i+n > len(s) {
		return 1
	}
	return n
}

// hasWildcard reports whether s contains '*' or '?'.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// arnMatch matches an ARN against an ARN pattern the way ArnLike and
// Resource do: the six colon-separated parts are matched one by one, so a
// wildcard does not run across a part boundary, while the last part (the
// resource, e.g. an object key) may itself contain colons. A pattern of
// just "*" matches everything.
func arnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		// Not an ARN on one side: fall back to matching the whole text.
		return len(pp) != 6 && len(ap) != 6 && wildcardMatch(pattern, arn)
	}
	for i := range pp {
		if !wildcardMatch(pp[i], ap[i]) {
			return false
		}
	}
	return true
}
