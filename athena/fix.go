package athena

import (
	"fmt"
	"strings"
)

// A Fix is one correction Fix made to a query, at a 1-based line:col of
// the original text.
type Fix struct {
	Line, Col int
	What      string
}

func (f Fix) String() string { return fmt.Sprintf("%d:%d: %s", f.Line, f.Col, f.What) }

// jsonColumns are the CloudTrail table's STRING columns that hold JSON.
// The documentation sometimes reads them as if they were structs.
var jsonColumns = map[string]bool{
	"requestparameters":   true,
	"responseelements":    true,
	"additionaleventdata": true,
	"serviceeventdetails": true,
}

// dashColumns are the access-log table's string columns, which hold "-"
// (never NULL) for a missing value.
var dashColumns = map[string]bool{
	"bucketowner": true, "bucket": true, "remoteip": true, "requester": true,
	"requestid": true, "operation": true, "key": true, "httpstatus": true,
	"errorcode": true, "versionid": true, "hostid": true, "sigv": true,
	"ciphersuite": true, "authtype": true, "endpoint": true, "tlsversion": true,
	"totaltime": true, "turnaroundtime": true,
}

// FixQuery rewrites the mistakes found in the queries the AWS documentation
// publishes, so they run as their authors meant, and says what it changed:
//
//   - typographic quotes ‘…’ used as string quotes become '…';
//   - a double-quoted "literal" that cannot be an identifier (it holds
//     characters such as '-', ':' or a space, or starts with a digit)
//     becomes a string literal;
//   - FROM s3_access_logs_db with no table names the access-log table;
//   - X IS NULL on an access-log column that holds "-" also matches "-";
//   - requestParameters.bucketName on a JSON STRING column becomes
//     json_extract_scalar(requestParameters, '$.bucketName').
//
// accessLogTable is the table a schema-only FROM s3_access_logs_db means.
func FixQuery(query, accessLogTable string) (string, []Fix) {
	toks := scan(query)
	var fixes []Fix
	add := func(t token, format string, args ...any) {
		l, c := lineCol(query, t.pos)
		fixes = append(fixes, Fix{l, c, fmt.Sprintf(format, args...)})
	}
	var out strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tokTypoString:
			s := "'" + strings.ReplaceAll(t.text[len(t.open):len(t.text)-len(t.close)], "'", "''") + "'"
			add(t, "typographic quotes: %s read as the string %s", t.text, s)
			out.WriteString(s)
			continue
		case t.kind == tokQuotedIdent && looksLiteral(t.text[1:len(t.text)-1]):
			s := "'" + strings.ReplaceAll(t.text[1:len(t.text)-1], "'", "''") + "'"
			add(t, "double quotes make an identifier in Athena and DuckDB: %s read as the string %s", t.text, s)
			out.WriteString(s)
			continue
		case t.kind == tokWord && strings.EqualFold(t.text, "s3_access_logs_db") && prevWord(toks, i, "from") && !nextIs(toks, i, "."):
			add(t, "FROM s3_access_logs_db names a database, not a table: read as %s", accessLogTable)
			out.WriteString(accessLogTable)
			continue
		case t.kind == tokWord && dashColumns[strings.ToLower(t.text)] && isNullTest(toks, i):
			j := nextSignificant(toks, i)
			k := nextSignificant(toks, j)
			neg := strings.EqualFold(toks[k].text, "not")
			if neg {
				k = nextSignificant(toks, k)
			}
			var s string
			if neg {
				s = fmt.Sprintf("(%s IS NOT NULL AND %s <> '-')", t.text, t.text)
			} else {
				s = fmt.Sprintf("(%s IS NULL OR %s = '-')", t.text, t.text)
			}
			add(t, "%s holds '-' for a missing value, never NULL: read as %s", t.text, s)
			out.WriteString(s)
			i = k
			continue
		case t.kind == tokWord && jsonColumns[strings.ToLower(t.text)] && nextIs(toks, i, ".") && i+2 < len(toks) && toks[i+2].kind == tokWord:
			member := toks[i+2].text
			s := fmt.Sprintf("json_extract_scalar(%s, '$.%s')", t.text, member)
			add(t, "%s is a JSON string, not a struct: %s.%s read as %s", t.text, t.text, member, s)
			out.WriteString(s)
			i += 2
			continue
		}
		out.WriteString(t.text)
	}
	return out.String(), fixes
}

// looksLiteral reports whether a double-quoted text cannot be meant as an
// identifier.
func looksLiteral(s string) bool {
	if s == "" {
		return true
	}
	if s[0] >= '0' && s[0] <= '9' {
		return true
	}
	return strings.ContainsAny(s, "-: /%*")
}

func prevWord(toks []token, i int, word string) bool {
	for j := i - 1; j >= 0; j-- {
		if toks[j].kind == tokSpace || toks[j].kind == tokComment {
			continue
		}
		return toks[j].kind == tokWord && strings.EqualFold(toks[j].text, word)
	}
	return false
}

func nextSignificant(toks []token, i int) int {
	for j := i + 1; j < len(toks); j++ {
		if toks[j].kind != tokSpace && toks[j].kind != tokComment {
			return j
		}
	}
	return len(toks) - 1
}

func nextIs(toks []token, i int, text string) bool {
	return i+1 < len(toks) && toks[i+1].text == text
}

// isNullTest reports whether toks[i] is followed by IS [NOT] NULL and is
// not itself a member access (x.key).
func isNullTest(toks []token, i int) bool {
	if i > 0 && toks[i-1].text == "." {
		return false
	}
	j := nextSignificant(toks, i)
	if !strings.EqualFold(toks[j].text, "is") {
		return false
	}
	k := nextSignificant(toks, j)
	if strings.EqualFold(toks[k].text, "not") {
		k = nextSignificant(toks, k)
	}
	return strings.EqualFold(toks[k].text, "null")
}

func lineCol(s string, pos int) (int, int) {
	line := 1 + strings.Count(s[:pos], "\n")
	col := pos - strings.LastIndex(s[:pos], "\n")
	return line, col
}
