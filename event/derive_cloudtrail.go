package event

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// S3EventSource is the eventSource of CloudTrail's S3 records, the only
// ones s3_requests reads.
const S3EventSource = "s3.amazonaws.com"

// DeriveCloudTrail fills rec.CloudTrailRequest from the other members of an
// S3 record (EventSource S3EventSource) and clears it for any other record.
// Every value equals the column the s3_requests view (query package) gives
// a CloudTrail record that no access-log line matches, with the view's SQL
// spelled out in Go: empty strings read as NULL, the members of
// requestParameters and additionalEventData read as DuckDB's
// json_extract_string reads them, and the same operation table
// (LookupEventName). Values the view cannot compute at all (a byte count
// beyond BIGINT, which makes its query fail) are left NULL.
func DeriveCloudTrail(rec *CloudTrail) {
	d := CloudTrailDeriver{single: true}
	d.Derive(rec)
}

// CloudTrailDeriver is DeriveCloudTrail for a decoder: it hands out the
// byte counts' *int64 from batches rather than one allocation each, and
// remembers the operations it looked up last. The zero value is ready to
// use. It is not safe for concurrent use.
type CloudTrailDeriver struct {
	ints   []int64 // the batch *int64 values are handed out from
	used   int     // how many of ints are handed out
	single bool    // allocate each *int64: one record, not a stream

	// recent caches operations by eventName, one per slot of a cheap
	// hash of the name, keyed by the operation's own Name (not the
	// record's text, which would keep its input in memory): a log repeats
	// a few names, and one comparison is cheaper than hashing into the
	// table, whose memory decoding pushes out of the cache.
	recent [16]*Operation
}

// operation returns the operation s3_requests finds for eventName name
// (LookupEventName), or nil.
func (d *CloudTrailDeriver) operation(name string) *Operation {
	if name == "" {
		return nil
	}
	slot := &d.recent[(len(name)+int(name[0])+int(name[len(name)-1]))%len(d.recent)]
	if op := *slot; op != nil && op.Name == name {
		return op
	}
	i, ok := byLookupKey[name]
	if !ok {
		return nil
	}
	op := &operations[i]
	if op.Name == name { // not a name#scope key, which is not op.Name
		*slot = op
	}
	return op
}

// Derive is DeriveCloudTrail.
func (d *CloudTrailDeriver) Derive(rec *CloudTrail) {
	var m S3Members
	if rec.EventSource == S3EventSource {
		m.find(rec)
	}
	d.DeriveWith(rec, &m)
}

// DeriveWith is Derive given the members of rec's JSON documents that it
// reads, collected by the caller (see S3Members).
func (d *CloudTrailDeriver) DeriveWith(rec *CloudTrail, m *S3Members) {
	if rec.EventSource == S3EventSource {
		d.derive(rec, &m.rp, &m.aed)
	} else if rec.CloudTrailRequest != (CloudTrailRequest{}) {
		rec.CloudTrailRequest = CloudTrailRequest{}
	}
}

// S3Members are the members of a record's requestParameters and
// additionalEventData that s3_requests reads, each as the compact JSON
// text of its value. Derive finds them itself; a decoder that walks those
// objects anyway collects them with RequestParameter and
// AdditionalEventData and calls DeriveWith, sparing a second scan. The
// zero value holds none.
type S3Members struct {
	rp  [2]jsonMember
	aed [5]jsonMember
}

// RequestParameter returns where to store the value of the
// requestParameters member called name: nil when s3_requests does not
// read it, or when an earlier member of that name was stored (DuckDB reads
// the first).
func (m *S3Members) RequestParameter(name []byte) *string {
	// A switch on string(name) compares without copying name.
	switch string(name) {
	case "versionId":
		return slot(m.rp[:], 0)
	case "Host":
		return slot(m.rp[:], 1)
	}
	return nil
}

// AdditionalEventData is RequestParameter for additionalEventData.
func (m *S3Members) AdditionalEventData(name []byte) *string {
	switch string(name) {
	case "bytesTransferredIn":
		return slot(m.aed[:], 0)
	case "bytesTransferredOut":
		return slot(m.aed[:], 1)
	case "SignatureVersion":
		return slot(m.aed[:], 2)
	case "AuthenticationMethod":
		return slot(m.aed[:], 3)
	case "CipherSuite":
		return slot(m.aed[:], 4)
	}
	return nil
}

// slot returns &ms[i].raw if that member is not set yet.
func slot(ms []jsonMember, i int) *string {
	if ms[i].raw != "" {
		return nil
	}
	return &ms[i].raw
}

// find collects the members from rec's stored JSON text.
func (m *S3Members) find(rec *CloudTrail) {
	m.scan(rec.RequestParameters, false)
	m.scan(rec.AdditionalEventData, true)
}

// newInt returns a pointer to v.
func (d *CloudTrailDeriver) newInt(v int64) *int64 {
	if d.single {
		p := new(int64) // not &v, which would move v to the heap on every path
		*p = v
		return p
	}
	// An index rather than reslicing: storing a slice in d would cost a
	// write barrier per value while the garbage collector runs.
	if d.used == len(d.ints) {
		d.ints, d.used = make([]int64, 1024), 0
	}
	p := &d.ints[d.used]
	d.used++
	*p = v
	return p
}

// derive computes the columns into a local value and stores it once:
// each store of a pointer into the record costs a write barrier while the
// garbage collector runs.
func (d *CloudTrailDeriver) derive(rec *CloudTrail, rp *[2]jsonMember, aed *[5]jsonMember) {
	var r CloudTrailRequest
	ui := &rec.UserIdentity
	versionID, hasVersion := rp[0].text()

	if op := d.operation(rec.EventName); op != nil {
		r.ReqOperation = op.API
		r.ReqInternal = op.Internal
		switch {
		case op.Internal:
		case op.VersionAction != "" && hasVersion:
			r.ReqAction = op.VersionAction
		default:
			r.ReqAction = op.Action
		}
	} else {
		r.ReqOperation = rec.EventName
	}

	r.ReqPrincipalType = ctPrincipalType(ui.Type, ui.AccountID, ui.InvokedBy)
	r.ReqPrincipalARN = ctPrincipalARN(r.ReqPrincipalType, rec)
	r.ReqSessionName = sessionName(ui.ARN)
	if ui.AccountID != "ANONYMOUS_PRINCIPAL" {
		r.ReqAccountID = ui.AccountID
	}

	if n, ok := aed[0].bigint(); ok {
		r.ReqBytesReceived = d.newInt(n)
	}
	if n, ok := aed[1].bigint(); ok {
		r.ReqBytesSent = d.newInt(n)
	}
	sig, _ := aed[2].text()
	r.ReqSignatureVersion = signatureVersion(sig)
	r.ReqAuthenticationType, _ = aed[3].text()
	if r.ReqCipherSuite = rec.TLSDetails.CipherSuite; r.ReqCipherSuite == "" {
		r.ReqCipherSuite, _ = aed[4].text()
	}
	if r.ReqHostHeader = rec.TLSDetails.ClientProvidedHostHeader; r.ReqHostHeader == "" {
		r.ReqHostHeader, _ = rp[1].text()
	}
	r.ReqVersionID = versionID
	rec.CloudTrailRequest = r
}

// ctPrincipalType is the SQL macro s3sift_ct_principal_type: CloudTrail
// logs an unauthenticated S3 request as account ANONYMOUS_PRINCIPAL, and
// a service acting on its own with invokedBy but no type.
func ctPrincipalType(typ, account, invokedBy string) string {
	switch {
	case account == "ANONYMOUS_PRINCIPAL" || account == "anonymous":
		return PrincipalAnonymous
	case typ == "" && invokedBy != "":
		return PrincipalAWSService
	}
	return typ
}

// ctPrincipalARN is the SQL macro s3sift_ct_principal_arn for a record of
// principal type pType.
func ctPrincipalARN(pType string, rec *CloudTrail) string {
	ui := &rec.UserIdentity
	switch pType {
	case PrincipalAnonymous:
		return "anonymous"
	case PrincipalAssumedRole:
		if si := &ui.SessionContext.SessionIssuer; si.Type == "Role" && si.ARN != "" {
			return si.ARN
		}
		return RoleOfSession(ui.ARN)
	case PrincipalAWSService:
		return ui.InvokedBy
	case "AWSAccount":
		if !isAccountID(ui.AccountID) {
			return ""
		}
		return "arn:" + partition(rec.AWSRegion) + ":iam::" + ui.AccountID + ":root"
	}
	if ui.ARN != "" {
		return ui.ARN
	}
	return ui.PrincipalID
}

// isAccountID reports whether s is twelve ASCII digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// partition is the SQL macro s3sift_partition.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return "aws"
}

// signatureVersion is the SQL macro s3sift_signature_version: SigV4 or
// SigV2 whichever way a log spells them.
func signatureVersion(v string) string {
	switch {
	case v == "SigV4" || v == "SigV2":
		return v
	case v == "" || v == "-":
		return ""
	case containsFold(v, "v4") || hasPrefixFold(v, "AWS4"):
		return "SigV4"
	case containsFold(v, "v2") || strings.EqualFold(v, "AWS"):
		// EqualFold agrees with DuckDB's upper(v) = 'AWS', which also
		// takes U+017F (ſ) for S.
		return "SigV2"
	}
	return v
}

// containsFold is `s ILIKE '%sub%'` for an ASCII sub: no other character
// lowercases to an ASCII letter or digit sub can hold here (v, a, w, s,
// 2, 4), so comparing ASCII bytes case-insensitively is ILIKE's answer.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}

// hasPrefixFold is `s ILIKE 'prefix%'` for an ASCII prefix (see
// containsFold).
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != lowerASCII(prefix[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// jsonMember is one member of a JSON object: its value's JSON text, or
// "" when the object has no such member.
type jsonMember struct{ raw string }

// text is DuckDB's json_extract_string of the member: a string's
// contents, any other value's JSON text as DuckDB writes it; ok is false
// for an absent member or null (SQL NULL).
func (m jsonMember) text() (v string, ok bool) {
	switch {
	case m.raw == "" || m.raw == "null":
		return "", false
	case m.raw[0] == '"':
		return unquoteJSON(m.raw), true
	}
	return string(appendDuckJSON(nil, m.raw)), true
}

// bigint is `CAST(TRY_CAST(json_extract_string(…) AS DOUBLE) AS BIGINT)`
// of the member; ok is false where the SQL gives NULL, and also where the
// SQL fails (NaN, infinities and values beyond BIGINT).
func (m jsonMember) bigint() (n int64, ok bool) {
	var f float64
	switch {
	case m.raw == "" || m.raw == "null":
		return 0, false
	case m.raw[0] == '"':
		var ok bool
		if f, ok = duckDouble(unquoteJSON(m.raw)); !ok {
			return 0, false
		}
	case m.raw[0] == '-' || '0' <= m.raw[0] && m.raw[0] <= '9':
		if n, ok := smallInt(m.raw); ok {
			return n, true
		}
		// DuckDB writes a number back either as it was or as the
		// shortest text of the same double: parsing the original text
		// gives the same double either way.
		var err error
		if f, err = strconv.ParseFloat(m.raw, 64); err != nil && !math.IsInf(f, 0) {
			return 0, false
		}
	default: // true, false, objects and arrays do not cast
		return 0, false
	}
	// DuckDB rounds half to even and refuses what BIGINT cannot hold.
	f = math.RoundToEven(f)
	if math.IsNaN(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// smallInt parses a JSON number written as an unsigned integer of at most
// 15 digits, optionally followed by a fraction of zeros (1024, 0.0), which
// is what CloudTrail writes: ParseFloat would give the same, slower.
func smallInt(num string) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(num) && '0' <= num[i] && num[i] <= '9'; i++ {
		n = n*10 + int64(num[i]-'0')
	}
	if i == 0 || i > 15 {
		return 0, false
	}
	if i < len(num) {
		if num[i] != '.' || strings.Trim(num[i+1:], "0") != "" {
			return 0, false
		}
	}
	return n, true
}

// scan collects the members of doc, the JSON text of requestParameters
// or, if aed, of additionalEventData, matching unescaped names. doc is what the decoder stored, valid compact JSON; anything else
// ends the scan early rather than failing.
func (m *S3Members) scan(doc string, aed bool) {
	if len(doc) < 2 || doc[0] != '{' {
		return
	}
	for i := 1; i < len(doc); {
		if doc[i] != '"' {
			return
		}
		kend := skipString(doc, i)
		if kend < 0 || kend >= len(doc) || doc[kend] != ':' {
			return
		}
		key := doc[i+1 : kend-1]
		if strings.IndexByte(key, '\\') >= 0 {
			key = unquoteJSON(doc[i:kend])
		}
		vend := skipJSON(doc, kend+1)
		if vend < 0 {
			return
		}
		var p *string
		if aed {
			p = m.AdditionalEventData([]byte(key))
		} else {
			p = m.RequestParameter([]byte(key))
		}
		if p != nil {
			*p = doc[kend+1 : vend]
		}
		if vend >= len(doc) || doc[vend] != ',' {
			return
		}
		i = vend + 1
	}
}

// skipString returns the index after the JSON string starting at s[i]
// (a '"'), or -1 if it does not end.
func skipString(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			return j + 1
		case '\\':
			j++
		}
	}
	return -1
}

// skipJSON returns the index after the compact JSON value starting at
// s[i], or -1 if it does not end.
func skipJSON(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				if j = skipString(s, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' {
		j++
	}
	return j
}

// unquoteJSON returns the contents of the JSON string q (quotes included),
// escapes decoded; a lone surrogate becomes U+FFFD.
func unquoteJSON(q string) string {
	body := q[1 : len(q)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			out = append(out, c)
			continue
		}
		i++
		switch body[i] {
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
			r, n := jsonRune(body[i-1:])
			out = utf8.AppendRune(out, r)
			i += n - 2
		default: // '"', '\\', '/'
			out = append(out, body[i])
		}
	}
	return string(out)
}

// jsonRune decodes the \uXXXX escape (or surrogate pair of them) at the
// start of s and returns the rune and the bytes it took.
func jsonRune(s string) (rune, int) {
	r, ok := hex4(s[min(2, len(s)):])
	if !ok {
		return utf8.RuneError, min(2, len(s))
	}
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if r2, ok := hex4(s[8:]); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12
			}
		}
	}
	return utf8.RuneError, 6
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	return rune(n), err == nil
}

// appendDuckJSON appends the compact JSON value raw as DuckDB writes it
// back (json_extract_string of a value that is not a string): strings
// with only the escapes JSON requires, integers as they are (-0 as 0),
// other numbers as the shortest text of their double.
func appendDuckJSON(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '"':
			end := skipString(raw, i)
			if end < 0 {
				return append(dst, raw[i:]...)
			}
			dst = appendDuckString(dst, unquoteJSON(raw[i:end]))
			i = end
		case c == '-' || '0' <= c && c <= '9':
			j := i
			for j < len(raw) && strings.IndexByte("+-.0123456789eE", raw[j]) >= 0 {
				j++
			}
			dst = appendDuckNumber(dst, raw[i:j])
			i = j
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// appendDuckString appends s as a JSON string the way DuckDB's writer
// (yyjson) escapes it.
func appendDuckString(dst []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// appendDuckNumber appends the JSON number num as DuckDB writes it back:
// an integer that fits 64 bits as its value, a larger one or one beyond
// a double's range as written, any other as the shortest text of its
// double in decimal notation for exponents -6 to 20 (with ".0" if whole)
// and scientific notation (1e21, 1.5e-7) otherwise.
func appendDuckNumber(dst []byte, num string) []byte {
	if strings.IndexAny(num, ".eE") < 0 {
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			return strconv.AppendInt(dst, n, 10)
		}
		if n, err := strconv.ParseUint(num, 10, 64); err == nil {
			return strconv.AppendUint(dst, n, 10)
		}
		return append(dst, num...)
	}
	f, err := strconv.ParseFloat(num, 64)
	if math.IsInf(f, 0) || err != nil && !errors.Is(err, strconv.ErrRange) {
		return append(dst, num...)
	}
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	// d.ddddde±x: the shortest digits and the decimal exponent.
	e := strconv.AppendFloat(nil, f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(string(e), "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	switch {
	case x >= 21 || x < -6:
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		return strconv.AppendInt(dst, int64(x), 10)
	case x < 0:
		dst = append(dst, "0."...)
		dst = append(dst, strings.Repeat("0", -x-1)...)
		return append(dst, digits...)
	case len(digits) <= x+1:
		dst = append(dst, digits...)
		dst = append(dst, strings.Repeat("0", x+1-len(digits))...)
		return append(dst, ".0"...)
	}
	dst = append(dst, digits[:x+1]...)
	dst = append(dst, '.')
	return append(dst, digits[x+1:]...)
}

// duckDouble is DuckDB's TRY_CAST(s AS DOUBLE): surrounding ASCII
// whitespace is ignored, inf, infinity and nan are accepted in any case,
// and single underscores may separate digits.
func duckDouble(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	neg := len(body) < len(s) && s[0] == '-'
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	// mantissa digits [. digits] [e [sign] digits], underscores only
	// between two digits.
	clean := make([]byte, 0, len(s))
	if neg {
		clean = append(clean, '-')
	}
	mantDigits, expDigits := 0, -1
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case '0' <= c && c <= '9':
			if expDigits >= 0 {
				expDigits++
			} else {
				mantDigits++
			}
		case c == '_':
			if i == 0 || i+1 == len(body) || !isDigit(body[i-1]) || !isDigit(body[i+1]) {
				return 0, false
			}
			continue
		case c == '.':
			if expDigits >= 0 || strings.IndexByte(body[:i], '.') >= 0 {
				return 0, false
			}
		case c == 'e' || c == 'E':
			if expDigits >= 0 || mantDigits == 0 {
				return 0, false
			}
			expDigits = 0
			if i+1 < len(body) && (body[i+1] == '+' || body[i+1] == '-') {
				clean = append(clean, c, body[i+1])
				i++
				continue
			}
		default:
			return 0, false
		}
		clean = append(clean, c)
	}
	if mantDigits == 0 || expDigits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(clean), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
