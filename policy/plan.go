package policy

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// inputs are the columns Check groups on beyond principal and action, as
// chosen from the condition keys a policy uses: each column a policy cannot
// look at is left out, so that requests differing only there are one
// evaluation.
type inputs struct {
	session, ip, vpce, tls, sig, auth bool
	// tlsVersion: the policy looks at the TLS version, not only at
	// whether TLS was used.
	tlsVersion bool
	// ipPrefixes are the IPv4 blocks the policy tests aws:SourceIp or
	// aws:VpcSourceIp against; exactIP groups on the address instead.
	ipPrefixes []netip.Prefix
	exactIP    bool
	// timeThresholds are the epoch seconds the policy compares time to;
	// exactTime groups on the second instead (policy variables).
	timeThresholds []int64
	exactTime      bool
	// resPatterns are the Resource/NotResource patterns whose match depends
	// on the key; exactKey groups on the key itself.
	resPatterns []string
	exactKey    bool
}

func planInputs(p *Policy, bucket string) inputs {
	var in inputs
	doc := p.Document()
	bucketARN := "arn:aws:s3:::" + bucket
	for _, k := range doc.ConditionKeys() {
		switch k {
		case "aws:sourceip", "aws:vpcsourceip":
			in.ip, in.vpce = true, true
		case "aws:sourcevpce":
			in.ip, in.vpce = true, true
		case "aws:securetransport":
			in.tls = true
		case "s3:tlsversion":
			in.tls, in.tlsVersion = true, true
		case "s3:signatureversion":
			in.sig = true
		case "s3:authtype":
			in.auth = true
		case "aws:userid":
			in.session = true
		case "aws:currenttime", "aws:epochtime":
			in.timeThresholds = append(in.timeThresholds, 0)
		}
	}
	if in.ip {
		for _, s := range p.stmts {
			for _, c := range s.clauses {
				if c.key != "aws:sourceip" && c.key != "aws:vpcsourceip" {
					continue
				}
				if c.op.kind != opIPAddress || c.vars {
					in.exactIP = true
				}
				for _, pf := range c.prefixes {
					if pf.Addr().Is4() {
						in.ipPrefixes = append(in.ipPrefixes, pf)
					}
				}
			}
		}
		if len(in.ipPrefixes)+len(nonPublicV4) > 62 {
			in.exactIP = true
		}
	}
	if len(in.timeThresholds) > 0 {
		in.timeThresholds = in.timeThresholds[:0]
		for _, s := range p.stmts {
			for _, c := range s.clauses {
				if c.key != "aws:currenttime" && c.key != "aws:epochtime" {
					continue
				}
				if c.vars {
					in.exactTime = true
				}
				for _, t := range c.times {
					in.timeThresholds = append(in.timeThresholds, t.Unix())
				}
				for _, n := range c.nums {
					in.timeThresholds = append(in.timeThresholds, int64(n))
				}
			}
		}
		sort.Slice(in.timeThresholds, func(i, j int) bool { return in.timeThresholds[i] < in.timeThresholds[j] })
		in.timeThresholds = dedupeInts(in.timeThresholds)
		if len(in.timeThresholds) == 0 {
			in.exactTime = true
		}
	}
	seen := map[string]bool{}
	for _, st := range doc.Statement {
		if st.NotPrincipal != nil || principalNamesSession(st.Principal) || principalNamesSession(st.NotPrincipal) {
			in.session = true
		}
		for _, r := range append(append(Values{}, st.Resource...), st.NotResource...) {
			switch {
			case r == "*" || r == bucketARN || r == bucketARN+"/*" || seen[r]:
				continue
			case p.variables && strings.Contains(r, "${"):
				in.exactKey = true
			}
			seen[r] = true
			in.resPatterns = append(in.resPatterns, r)
		}
	}
	if len(in.resPatterns) > 62 {
		in.exactKey = true
	}
	return in
}

func principalNamesSession(p *Principal) bool {
	if p == nil {
		return false
	}
	for _, v := range p.AWS {
		if strings.Contains(v, ":assumed-role/") {
			return true
		}
	}
	return false
}

func dedupeInts(s []int64) []int64 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// nonPublicV4 are the IPv4 blocks Request.vpce treats as not public
// (netip's non-global-unicast and private ranges): an address's membership
// in them is part of its class.
var nonPublicV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/32"), netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("255.255.255.255/32"), netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
}

// ipv4SQL matches a dotted quad exactly as netip.ParseAddr accepts it (no
// leading zeros).
const ipv4SQL = `^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$`

// ipClassSQL returns a query of (ip, ip_class) over the window's distinct
// remote IPs: IPv4 addresses by the set of blocks they fall in, anything
// else by itself. Every address of a class evaluates the same.
func (in inputs) ipClassSQL(where string) string {
	if in.exactIP {
		return "SELECT DISTINCT remote_ip AS ip, remote_ip AS ip_class FROM s3_requests WHERE " + where
	}
	num := "(try_cast(split_part(ip, '.', 1) AS BIGINT) * 16777216 + try_cast(split_part(ip, '.', 2) AS BIGINT) * 65536 + " +
		"try_cast(split_part(ip, '.', 3) AS BIGINT) * 256 + try_cast(split_part(ip, '.', 4) AS BIGINT))"
	var bits []string
	for i, p := range append(append([]netip.Prefix(nil), nonPublicV4...), in.ipPrefixes...) {
		lo := p.Masked().Addr().As4()
		first := int64(lo[0])<<24 | int64(lo[1])<<16 | int64(lo[2])<<8 | int64(lo[3])
		last := first + (int64(1) << (32 - p.Bits())) - 1
		bits = append(bits, fmt.Sprintf("(CASE WHEN n BETWEEN %d AND %d THEN %d ELSE 0 END)", first, last, int64(1)<<i))
	}
	return `SELECT ip, CASE WHEN n IS NULL THEN ip ELSE 'v4:' || (` + strings.Join(bits, " + ") + `)::VARCHAR END AS ip_class
FROM (SELECT ip, CASE WHEN regexp_full_match(ip, '` + ipv4SQL + `') THEN ` + num + ` END AS n
      FROM (SELECT DISTINCT remote_ip AS ip FROM s3_requests WHERE ` + where + `))`
}

// groupSQL returns the statement that groups the window's requests by the
// evaluation inputs the plan needs, with its arguments.
func (in inputs) groupSQL(w Window) (string, []any) {
	where, wargs := w.where()
	// A principal's type and account follow from its ARN: not grouped on.
	cols := []string{"coalesce(principal_arn, '')", "any_value(principal_type)", "any_value(account_id)", "action", deniedSQL}
	var args []any
	from := "s3_requests"
	if in.ip {
		from = "s3_requests LEFT JOIN (" + in.ipClassSQL(where) + ") ipc ON remote_ip = ipc.ip"
		args = append(args, wargs...)
	}
	add := func(on bool, col string) {
		if on {
			cols = append(cols, col)
		} else {
			cols = append(cols, "NULL")
		}
	}
	add(in.session, "session_name")
	add(in.ip, "ipc.ip_class")
	add(in.vpce, "vpc_endpoint_id")
	add(in.vpce, "coalesce(in_cloudtrail, false)")
	add(in.tls, "coalesce(in_access_log, false)")
	if in.tlsVersion {
		add(true, "tls_version")
	} else {
		add(in.tls, "CASE WHEN tls_version IS NOT NULL THEN 'TLS' END")
	}
	add(in.sig, "signature_version")
	add(in.auth, "authentication_type")
	// Key: exact, or the set of nontrivial resource patterns it matches
	// (any key with the same set evaluates the same).
	keyClass := "NULL"
	switch {
	case in.exactKey:
		keyClass = "key"
	case len(in.resPatterns) > 0:
		var parts []string
		for i, p := range in.resPatterns {
			parts = append(parts, fmt.Sprintf("(CASE WHEN ('arn:aws:s3:::' || bucket || '/' || coalesce(key, '')) LIKE ? ESCAPE '\\' THEN %d ELSE 0 END)", int64(1)<<i))
			args = append(args, likePattern(p))
		}
		keyClass = "(" + strings.Join(parts, " + ") + ")"
	}
	// Time: exact second, or its position among the thresholds.
	timeClass := "NULL"
	switch {
	case in.exactTime:
		timeClass = "floor(epoch(time))::BIGINT"
	case len(in.timeThresholds) > 0:
		var parts []string
		for _, t := range in.timeThresholds {
			parts = append(parts, fmt.Sprintf("sign(floor(epoch(time))::BIGINT - %d)", t))
		}
		timeClass = "(" + strings.Join(parts, " + ") + ")"
	}
	cols = append(cols, keyClass+" AS key_class", timeClass+" AS time_class")
	n := len(cols)
	var groupBy []string
	for i := range n {
		if !strings.HasPrefix(cols[i], "any_value(") {
			groupBy = append(groupBy, strconv.Itoa(i+1))
		}
	}
	// Representatives of a class, fetched only when the class exists.
	ipRep, keyRep, timeRep := "NULL", "NULL", "NULL"
	if in.ip {
		ipRep = "any_value(remote_ip)"
	}
	if keyClass != "NULL" {
		keyRep = "any_value(key)"
	}
	if timeClass != "NULL" {
		timeRep = "any_value(time)"
	}
	q := `SELECT ` + strings.Join(cols, ", ") + `,
	` + keyRep + `, ` + timeRep + `, ` + ipRep + `, count(*) FILTER (WHERE NOT ` + batchSQL + `), count(*) FILTER (WHERE ` + batchSQL + `), min(time), max(time)
FROM ` + from + ` WHERE ` + where + ` AND ` + actionFilter + `
GROUP BY ` + strings.Join(groupBy, ", ")
	return q, append(args, wargs...)
}
