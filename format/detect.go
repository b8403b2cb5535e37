package format

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// DetectSize is how many leading bytes of content Detect wants to see.
// Less works (a short object is all head); more is ignored.
const DetectSize = 64 << 10

// magics are the leading bytes of content that is certainly not a log.
var magics = []struct {
	prefix string
	what   string
}{
	{"\x1f\x8b", "gzip inside gzip"},
	{"PK\x03\x04", "zip"},
	{"PK\x05\x06", "empty zip"},
	{"PAR1", "Parquet"},
	{"%PDF", "PDF"},
	{"\x89PNG", "PNG"},
	{"\xff\xd8\xff", "JPEG"},
	{"GIF8", "GIF"},
	{"BZh", "bzip2"},
	{"\xfd7zXZ\x00", "xz"},
	{"\x28\xb5\x2f\xfd", "zstd"},
	{"7z\xbc\xaf", "7-Zip"},
	{"\x7fELF", "ELF executable"},
	{"SQLite format 3", "SQLite"},
}

// trailKeys are members only a CloudTrail record (or a Records file) has
// at its top level.
var trailKeys = map[string]bool{
	"Records": true, "eventVersion": true, "eventTime": true, "eventSource": true,
	"eventName": true, "eventID": true, "userIdentity": true, "awsRegion": true,
	"eventCategory": true, "recipientAccountId": true,
}

// Detect tells what kind of log content is from its first bytes (after
// gzip is undone), never from a name. For Unknown it returns why the
// content is not a log, in words a user can act on ("not a log: content
// is zip"); details that vary from object to object come last, in
// parentheses, so reasons can be grouped by the text before them.
//
// S3 access logs are recognised by a line shaped like one (two fields, then
// a bracketed [dd/Mon/yyyy:hh:mm:ss ±hhmm] time) among the first lines.
// CloudTrail is JSON (an object, an array or one object per line) whose
// first record has CloudTrail members, or EventBridge events (which carry a
// record in their detail); CloudTrail digest files and other JSON are
// Unknown.
func Detect(head []byte) (Kind, string) {
	if len(head) > DetectSize {
		head = head[:DetectSize]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return Unknown, "not a log: content is " + m.what
		}
	}
	text := bytes.TrimLeft(head, " \t\r\n")
	if len(text) == 0 {
		return Unknown, "not a log: empty"
	}
	if bytes.IndexByte(head[:min(len(head), 4096)], 0) >= 0 {
		return Unknown, "not a log: binary content (NUL bytes)"
	}
	switch text[0] {
	case '{', '[':
		return detectJSON(text)
	}
	for i, line := 0, text; i < 8 && len(line) > 0; i++ {
		end := bytes.IndexByte(line, '\n')
		if end < 0 {
			end = len(line)
		}
		if isAccessLine(line[:end]) {
			return AccessLog, ""
		}
		line = bytes.TrimLeft(line[end:], "\r\n")
	}
	return Unknown, "not a log: text that is not S3 access log lines (starts with " + quoteStart(text) + ")"
}

// detectJSON looks at the member names of the first JSON object at the top
// level, or inside a top-level array.
func detectJSON(b []byte) (Kind, string) {
	keys := firstObjectKeys(b)
	switch {
	case keys["digestStartTime"] || keys["digestS3Object"]:
		return Unknown, "not a log: CloudTrail digest file"
	case keys["Records"] && b[0] == '{':
		return CloudTrail, ""
	case keys["detail-type"] && keys["detail"]:
		// An EventBridge event; the CloudTrail decoder unwraps its detail.
		return CloudTrail, ""
	}
	for k := range keys {
		if trailKeys[k] && k != "Records" {
			return CloudTrail, ""
		}
	}
	if b[0] == '[' && len(keys) == 0 && bytes.HasPrefix(bytes.TrimLeft(b[1:], " \t\r\n"), []byte("]")) {
		return CloudTrail, "" // an empty array: a CloudTrail file with no records
	}
	names := make([]string, 0, 3)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if len(names) == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, k)
	}
	if len(names) == 0 {
		return Unknown, "not a log: JSON that is not CloudTrail records (starts with " + quoteStart(b) + ")"
	}
	return Unknown, fmt.Sprintf("not a log: JSON without CloudTrail record fields (first members: %s)", strings.Join(names, ", "))
}

// firstObjectKeys returns the member names of the first object found at
// depth 1 (b starts with '{') or depth 2 (b starts with '['), as far as b
// goes. It is a scanner, not a validator: b may be cut anywhere.
func firstObjectKeys(b []byte) map[string]bool {
	keys := map[string]bool{}
	want := 1
	if b[0] == '[' {
		want = 2
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < want {
				return keys // the first object (or the array) ended
			}
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return keys
			}
			str := b[i+1 : j]
			i = j
			if depth != want {
				continue
			}
			k := i + 1
			for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n') {
				k++
			}
			if k < len(b) && b[k] == ':' {
				keys[string(str)] = true
			}
		}
	}
	return keys
}

// isAccessLine reports whether line starts like an S3 server access log
// line: bucket owner, bucket, then [06/Feb/2019:00:00:38 +0000].
func isAccessLine(line []byte) bool {
	for f := 0; f < 2; f++ {
		sp := bytes.IndexByte(line, ' ')
		if sp <= 0 {
			return false
		}
		line = line[sp+1:]
	}
	// [dd/Mon/yyyy:hh:mm:ss +hhmm]
	const shape = "[00/Aaa/0000:00:00:00 +0000]"
	if len(line) < len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		c := line[i]
		switch shape[i] {
		case '0':
			if c < '0' || c > '9' {
				return false
			}
		case 'A':
			if c < 'A' || c > 'Z' {
				return false
			}
		case 'a':
			if c < 'a' || c > 'z' {
				return false
			}
		case '+':
			if c != '+' && c != '-' {
				return false
			}
		default:
			if c != shape[i] {
				return false
			}
		}
	}
	return true
}

// quoteStart quotes the first few characters of b for a reason text.
func quoteStart(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	const n = 24
	if len(b) > n {
		return strconv.QuoteToASCII(string(b[:n])) + "…"
	}
	return strconv.QuoteToASCII(string(b))
}
