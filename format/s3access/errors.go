package s3access

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors of the package.
var (
	// ErrSyntax is what every parse failure wraps: errors.Is(err, ErrSyntax)
	// tells a line that is not an access-log line from other failures.
	ErrSyntax = errors.New("s3access: line is not an S3 server access log line")
)

// fieldNames are the documented fields, 1-based, named as the lake columns.
var fieldNames = [...]string{
	1:  "bucket_owner",
	2:  "bucket",
	3:  "time",
	4:  "remote_ip",
	5:  "requester",
	6:  "request_id",
	7:  "operation",
	8:  "key",
	9:  "request_uri",
	10: "http_status",
	11: "error_code",
	12: "bytes_sent",
	13: "object_size",
	14: "total_time_ms",
	15: "turn_around_time_ms",
	16: "referer",
	17: "user_agent",
	18: "version_id",
	19: "host_id",
	20: "signature_version",
	21: "cipher_suite",
	22: "authentication_type",
	23: "host_header",
	24: "tls_version",
	25: "access_point_arn",
	26: "acl_required",
	27: "source_region",
}

const (
	// minFields is the oldest documented format: it ends at the user agent.
	minFields = 17
	// documentedFields is the number of fields AWS documents today.
	documentedFields = len(fieldNames) - 1
)

// ParseError says which field of a line did not parse and why.
type ParseError struct {
	Field int    // 1-based field number, 0 for the line as a whole
	Msg   string // what was wrong, e.g. `bad month "Fob"`
}

// Reason is the message without the package prefix, as stored in the
// rejects table: `field 3 (time): bad month "Fob"`.
func (e *ParseError) Reason() string {
	switch {
	case e.Field <= 0:
		return e.Msg
	case e.Field > documentedFields:
		return "field " + strconv.Itoa(e.Field) + " (extra): " + e.Msg
	}
	return "field " + strconv.Itoa(e.Field) + " (" + fieldNames[e.Field] + "): " + e.Msg
}

func (e *ParseError) Error() string { return "s3access: " + e.Reason() }

// Unwrap makes errors.Is(err, ErrSyntax) hold for every parse error.
func (e *ParseError) Unwrap() error { return ErrSyntax }

func fieldErr(field int, format string, args ...any) *ParseError {
	return &ParseError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// endsAfter reports a line that stops before the last required field.
func endsAfter(field int) *ParseError {
	return &ParseError{Msg: fmt.Sprintf("line ends after field %d (%s); want at least %d fields",
		field, fieldNames[field], minFields)}
}

// excerpt bounds the text quoted in a reason so a 2 MB field does not make
// a 2 MB reason.
func excerpt(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
