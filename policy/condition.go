package policy

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// tri is a three-valued truth: evaluation over logs must be able to say
// "cannot tell".
type tri int8

const (
	no tri = iota
	yes
	maybe
)

// and3 is Kleene conjunction: false wins over unknown.
func and3(a, b tri) tri {
	if a == no || b == no {
		return no
	}
	if a == maybe || b == maybe {
		return maybe
	}
	return yes
}

func not3(a tri) tri {
	switch a {
	case yes:
		return no
	case no:
		return yes
	}
	return maybe
}

func bool3(b bool) tri {
	if b {
		return yes
	}
	return no
}

// opKind is a condition operator family without its modifiers.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike
	opNull
)

// setMode is the ForAnyValue:/ForAllValues: qualifier.
type setMode uint8

const (
	setNone setMode = iota
	setAny
	setAll
)

// operator is a parsed condition operator name.
type operator struct {
	kind     opKind
	negated  bool
	ifExists bool
	set      setMode
}

var operatorNames = map[string]struct {
	kind    opKind
	negated bool
}{
	"stringequals":              {opStringEquals, false},
	"stringnotequals":           {opStringEquals, true},
	"stringequalsignorecase":    {opStringEqualsIgnoreCase, false},
	"stringnotequalsignorecase": {opStringEqualsIgnoreCase, true},
	"stringlike":                {opStringLike, false},
	"stringnotlike":             {opStringLike, true},
	"numericequals":             {opNumericEquals, false},
	"numericnotequals":          {opNumericEquals, true},
	"numericlessthan":           {opNumericLessThan, false},
	"numericlessthanequals":     {opNumericLessThanEquals, false},
	"numericgreaterthan":        {opNumericGreaterThan, false},
	"numericgreaterthanequals":  {opNumericGreaterThanEquals, false},
	"dateequals":                {opDateEquals, false},
	"datenotequals":             {opDateEquals, true},
	"datelessthan":              {opDateLessThan, false},
	"datelessthanequals":        {opDateLessThanEquals, false},
	"dategreaterthan":           {opDateGreaterThan, false},
	"dategreaterthanequals":     {opDateGreaterThanEquals, false},
	"bool":                      {opBool, false},
	"binaryequals":              {opBinaryEquals, false},
	"ipaddress":                 {opIPAddress, false},
	"notipaddress":              {opIPAddress, true},
	"arnequals":                 {opArnLike, false},
	"arnlike":                   {opArnLike, false},
	"arnnotequals":              {opArnLike, true},
	"arnnotlike":                {opArnLike, true},
	"null":                      {opNull, false},
}

// parseOperator parses names such as StringEquals,
// ForAnyValue:StringLikeIfExists or NotIpAddress.
func parseOperator(name string) (operator, error) {
	var op operator
	s := strings.ToLower(name)
	switch {
	case strings.HasPrefix(s, "foranyvalue:"):
		op.set, s = setAny, s[len("foranyvalue:"):]
	case strings.HasPrefix(s, "forallvalues:"):
		op.set, s = setAll, s[len("forallvalues:"):]
	}
	if base, ok := strings.CutSuffix(s, "ifexists"); ok {
		op.ifExists, s = true, base
	}
	k, ok := operatorNames[s]
	if !ok || (k.kind == opNull && op.ifExists) {
		return op, fmt.Errorf("%w: unknown condition operator %q", ErrMalformed, name)
	}
	op.kind, op.negated = k.kind, k.negated
	return op, nil
}

// clause is one compiled (operator, key, values) triple of a Condition.
type clause struct {
	op       operator
	opName   string
	key      string // lower case
	keyName  string // as written
	values   []string
	nums     []float64
	times    []time.Time
	prefixes []netip.Prefix
	nullWant []bool
	vars     bool // some value holds a policy variable
}

func compileClause(opName, key string, values []string, variables bool) (*clause, error) {
	op, err := parseOperator(opName)
	if err != nil {
		return nil, err
	}
	c := &clause{op: op, opName: opName, key: strings.ToLower(key), keyName: key, values: values}
	bad := func(v string, what string) error {
		return fmt.Errorf("%w: condition %s on %s: %q is not %s", ErrMalformed, opName, key, v, what)
	}
	for _, v := range values {
		if variables && strings.Contains(v, "${") {
			c.vars = true
		}
		switch op.kind {
		case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil && !c.vars {
				return nil, bad(v, "a number")
			}
			c.nums = append(c.nums, f)
		case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(v)
			if !ok && !c.vars {
				return nil, bad(v, "a date (ISO 8601 or epoch seconds)")
			}
			c.times = append(c.times, t)
		case opIPAddress:
			p, ok := parsePrefix(v)
			if !ok {
				return nil, bad(v, "an IP address or CIDR block")
			}
			c.prefixes = append(c.prefixes, p)
		case opNull, opBool:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, bad(v, "true or false")
			}
			c.nullWant = append(c.nullWant, b)
		}
	}
	return c, nil
}

func parseDate(v string) (time.Time, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parsePrefix(v string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(v); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// eval evaluates the clause for r. why names the key when the answer is
// unknown.
func (c *clause) eval(r *Request, variables bool) (tri, string) {
	v, st := r.lookup(c.key)
	if st == keyUnknown {
		return maybe, c.keyName
	}
	if c.op.kind == opNull {
		absent := st == keyAbsent
		for _, want := range c.nullWant {
			if absent == want {
				return yes, ""
			}
		}
		return no, ""
	}
	if st == keyAbsent {
		switch {
		case c.op.ifExists, c.op.set == setAll:
			return yes, ""
		case c.op.set == setAny:
			return no, ""
		}
		// A negated operator is true when the key is missing: nothing
		// in the request equals the listed values.
		return bool3(c.op.negated), ""
	}
	// Every key s3sift answers is single-valued, so ForAnyValue and
	// ForAllValues reduce to the test of the one value.
	m, why := c.matchAny(v, r, variables)
	if c.op.negated {
		m = not3(m)
	}
	return m, why
}

// matchAny reports whether the context value v matches any of the
// clause's values under the operator without negation.
func (c *clause) matchAny(v string, r *Request, variables bool) (tri, string) {
	out := no
	why := ""
	for i, pv := range c.values {
		if c.vars && strings.Contains(pv, "${") {
			x, st, k := expand(pv, r)
			switch st {
			case keyUnknown:
				out, why = maybe, k
				continue
			case keyAbsent:
				continue
			}
			pv = x
		}
		m, ok := c.match1(i, pv, v)
		if !ok {
			out, why = maybe, c.keyName
			continue
		}
		if m {
			return yes, ""
		}
	}
	return out, why
}

// match1 compares one policy value (index i, text pv) with the context
// value v. ok is false when v cannot be read as the operator's type.
func (c *clause) match1(i int, pv, v string) (match, ok bool) {
	switch c.op.kind {
	case opStringEquals, opBinaryEquals:
		return pv == v, true
	case opStringEqualsIgnoreCase:
		return strings.EqualFold(pv, v), true
	case opStringLike:
		return wildcardMatch(pv, v), true
	case opArnLike:
		return arnMatch(pv, v), true
	case opBool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, false
		}
		want, err := strconv.ParseBool(pv)
		return err == nil && b == want, err == nil
	case opIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, false
		}
		p := c.prefixes[i]
		if pv != c.values[i] {
			var ok bool
			if p, ok = parsePrefix(pv); !ok {
				return false, false
			}
		}
		return p.Contains(a.Unmap()), true
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, false
		}
		y := c.nums[i]
		if pv != c.values[i] {
			if y, err = strconv.ParseFloat(pv, 64); err != nil {
				return false, false
			}
		}
		return compare(c.op.kind-opNumericEquals, cmpFloat(x, y)), true
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		x, ok := parseDate(v)
		if !ok {
			return false, false
		}
		y := c.times[i]
		if pv != c.values[i] {
			if y, ok = parseDate(pv); !ok {
				return false, false
			}
		}
		return compare(c.op.kind-opDateEquals, x.Compare(y)), true
	}
	return false, false
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	case x == y:
		return 0
	}
	return math.MaxInt // NaN: matches nothing
}

// compare applies the relation at offset rel (Equals, LessThan,
// LessThanEquals, GreaterThan, GreaterThanEquals) to a comparison result.
func compare(rel opKind, c int) bool {
	switch rel {
	case 0:
		return c == 0
	case 1:
		return c == -1
	case 2:
		return c == -1 || c == 0
	case 3:
		return c == 1
	case 4:
		return c == 1 || c == 0
	}
	return false
}

// expand replaces policy variables (${aws:username}, ${aws:username,
// 'default'}, ${$}) in s with the request's values. It reports keyAbsent
// when a variable has no value and no default (the value then matches
// nothing) and keyUnknown, with the key, when the logs cannot tell.
func expand(s string, r *Request) (string, keyState, string) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), keyPresent, ""
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), keyPresent, ""
		}
		b.WriteString(s[:i])
		name := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		def, hasDef := "", false
		if k, d, ok := strings.Cut(name, ","); ok {
			name = strings.TrimSpace(k)
			def, hasDef = strings.Trim(strings.TrimSpace(d), "'"), true
		}
		switch name {
		case "$":
			b.WriteByte('$')
			continue
		case "*", "?":
			// A literal '*' or '?' cannot be told from a wildcard by the
			// matcher; refuse to guess.
			return "", keyUnknown, "${" + name + "}"
		}
		v, st := r.lookup(strings.ToLower(name))
		switch {
		case st == keyUnknown:
			return "", keyUnknown, name
		case st == keyAbsent && hasDef:
			v = def
		case st == keyAbsent:
			return "", keyAbsent, ""
		}
		b.WriteString(v)
	}
}

// variableKeys returns the lower-cased keys named by policy variables in s.
func variableKeys(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		name, _, _ := strings.Cut(s[i+2:i+j], ",")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "$" && name != "*" && name != "?" {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}
