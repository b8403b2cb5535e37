// Package format holds what the log-format packages (format/s3access,
// format/cloudtrail) share: the kinds of content s3sift reads and the
// statistics a decoder reports.
package format

// Kind is the kind of log an object holds, decided from its content.
type Kind int

// The kinds of object content s3sift tells apart.
const (
	Unknown    Kind = iota // not a log s3sift reads; skipped with a reason
	AccessLog              // S3 server access log lines
	CloudTrail             // CloudTrail records (Records file, array or JSON Lines)
)

func (k Kind) String() string {
	switch k {
	case AccessLog:
		return "s3access"
	case CloudTrail:
		return "cloudtrail"
	}
	return "unknown"
}

// Stats is what a decoder reports about one object.
type Stats struct {
	Records int64 // records (lines) emitted
	Rejects int64 // lines or records that did not parse, each passed to the reject callback
	// Skipped is non-empty when the object as a whole is not a log this
	// decoder reads (a CloudTrail digest file, say); it says why.
	Skipped string
}
