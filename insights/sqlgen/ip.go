package sqlgen

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/s3sift/s3sift/insights"
)

// The IP functions are written in plain SQL: the inet extension is not
// among those bundled with the embedded DuckDB.

const octet = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`

var ipv4Re = `(` + octet + `\.){3}` + octet

// ipv6Re accepts the textual forms of RFC 4291 section 2.2: eight groups,
// "::" standing for one or more zero groups, and a dotted IPv4 tail.
var ipv6Re = func() string {
	h := `[0-9a-fA-F]{1,4}`
	forms := []string{
		`(` + h + `:){7}` + h,
		`(` + h + `:){6}` + ipv4Re,
	}
	// n groups before "::" and m after, n+m <= 7 (<= 5 with an IPv4 tail).
	for n := 0; n <= 7; n++ {
		left := ""
		if n > 0 {
			left = `(` + h + `:){` + strconv.Itoa(n-1) + `}` + h
		}
		maxRight := 7 - n
		right := ""
		if maxRight > 0 {
			right = `(` + h + `(:` + h + `){0,` + strconv.Itoa(maxRight-1) + `})?`
		}
		forms = append(forms, left+`::`+right)
		if n <= 5 {
			r4 := `(` + h + `:){0,` + strconv.Itoa(5-n) + `}` + ipv4Re
			forms = append(forms, left+`::`+r4)
		}
	}
	return `(` + strings.Join(forms, `|`) + `)`
}()

func validIPv4(t string) string {
	return "regexp_full_match(" + t + ", " + quoteString(ipv4Re) + ")"
}

func validIPv6(t string) string {
	return "regexp_full_match(" + t + ", " + quoteString(ipv6Re) + ")"
}

// ipv4Number is the address t as a number; NULL when it is not IPv4.
func ipv4Number(t string) string {
	parts := make([]string, 4)
	for i := range parts {
		parts[i] = "TRY_CAST(split_part(" + t + ", '.', " + strconv.Itoa(i+1) + ") AS BIGINT) * " + strconv.Itoa(1<<(8*(3-i)))
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// ipv6Hex is the address t as 32 lower-case hex digits, with "::"
// expanded; the caller checks that t is IPv6.
func ipv6Hex(t string) string {
	l := "list_filter(string_split(split_part(lower(" + t + "), '::', 1), ':'), lambda g: g <> '')"
	r := "CASE WHEN contains(" + t + ", '::') THEN list_filter(string_split(split_part(lower(" + t + "), '::', 2), ':'), lambda g: g <> '') ELSE [] END"
	groups := "list_concat(" + l + ", list_transform(range(8 - len(" + l + ") - len(" + r + ")), lambda i: '0'), " + r + ")"
	return "array_to_string(list_transform(" + groups + ", lambda g: lpad(g, 4, '0')), '')"
}

// inSubnet compiles isIpInSubnet and its v4 and v6 forms. The subnet must
// be a literal, so that it is checked and converted once, here.
func (c *compiler) inSubnet(x *insights.CallExpr, name, t string) string {
	lit, ok := x.Args[1].(*insights.StringLit)
	if !ok {
		c.errorf(insights.ErrUnsupported, x.Args[1], "%s needs the subnet as a \"string\" in CIDR notation, such as \"10.0.0.0/8\"", name)
	}
	pfx, err := netip.ParsePrefix(strings.TrimSpace(lit.Value))
	if err != nil {
		c.errorf(insights.ErrInvalid, lit, "%q is not a CIDR subnet such as 192.0.2.0/24 or 2001:db8::/32", lit.Value)
	}
	pfx = pfx.Masked()
	is4 := pfx.Addr().Is4()
	switch {
	case name == "isIpv4InSubnet" && !is4:
		c.errorf(insights.ErrInvalid, lit, "%s is not an IPv4 subnet", lit.Value)
	case name == "isIpv6InSubnet" && is4:
		c.errorf(insights.ErrInvalid, lit, "%s is not an IPv6 subnet", lit.Value)
	}
	bits := pfx.Bits()
	if is4 {
		a := pfx.Addr().As4()
		net := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		div := uint64(1) << (32 - bits)
		return "coalesce(" + validIPv4(t) + " AND " + ipv4Number(t) + " // " + strconv.FormatUint(div, 10) +
			" = " + strconv.FormatUint(net/div, 10) + ", false)"
	}
	a := pfx.Addr().As16()
	var hex strings.Builder
	for _, b := range a {
		hex.WriteString(strconv.FormatUint(uint64(b)>>4, 16))
		hex.WriteString(strconv.FormatUint(uint64(b)&15, 16))
	}
	full := bits / 4
	cond := validIPv6(t) + " AND NOT contains(" + t + ", '.') AND starts_with(" + ipv6Hex(t) + ", " + quoteString(hex.String()[:full]) + ")"
	if rem := bits % 4; rem > 0 {
		nib, _ := strconv.ParseUint(hex.String()[full:full+1], 16, 8)
		div := uint64(1) << (4 - rem)
		cond += " AND TRY_CAST('0x' || substr(" + ipv6Hex(t) + ", " + strconv.Itoa(full+1) + ", 1) AS INTEGER) // " +
			strconv.FormatUint(div, 10) + " = " + strconv.FormatUint(nib/div, 10)
	}
	return "coalesce(" + cond + ", false)"
}
