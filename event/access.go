package event

import "time"

// AccessLog is one line of an S3 server access log. Fields appear in the
// order AWS documents them. Strings that are empty were "-" (or absent) in the
// log and are stored as NULL; numeric pointers are nil for "-".
type AccessLog struct {
	BucketOwner        string    `parquet:"bucket_owner,optional,dict"`
	Bucket             string    `parquet:"bucket,optional,dict"`
	Time               time.Time `parquet:"time,timestamp(microsecond:local)"`
	RemoteIP           string    `parquet:"remote_ip,optional,dict"`
	Requester          string    `parquet:"requester,optional,dict"`
	RequestID          string    `parquet:"request_id,optional,plain"`
	Operation          string    `parquet:"operation,optional,dict"`
	Key                string    `parquet:"key,optional"`     // URL-decoded object key
	KeyRaw             string    `parquet:"key_raw,optional"` // the key exactly as logged
	RequestURI         string    `parquet:"request_uri,optional"`
	HTTPStatus         *int32    `parquet:"http_status,optional"`
	ErrorCode          string    `parquet:"error_code,optional,dict"`
	BytesSent          *int64    `parquet:"bytes_sent,optional"`
	ObjectSize         *int64    `parquet:"object_size,optional"`
	TotalTimeMS        *int64    `parquet:"total_time_ms,optional"`
	TurnAroundTimeMS   *int64    `parquet:"turn_around_time_ms,optional"`
	Referer            string    `parquet:"referer,optional,dict"`
	UserAgent          string    `parquet:"user_agent,optional,dict"`
	VersionID          string    `parquet:"version_id,optional"`
	HostID             string    `parquet:"host_id,optional,plain"`
	SignatureVersion   string    `parquet:"signature_version,optional,dict"`
	CipherSuite        string    `parquet:"cipher_suite,optional,dict"`
	AuthenticationType string    `parquet:"authentication_type,optional,dict"`
	HostHeader         string    `parquet:"host_header,optional,dict"`
	TLSVersion         string    `parquet:"tls_version,optional,dict"`
	AccessPointARN     string    `parquet:"access_point_arn,optional,dict"`
	ACLRequired        string    `parquet:"acl_required,optional,dict"`
	SourceRegion       string    `parquet:"source_region,optional,dict"`
	// ExtraFields holds fields after the last documented one, in order,
	// so that a format AWS extends later loses nothing.
	ExtraFields []string `parquet:"extra_fields,list"`
	// FieldCount is how many fields the line had.
	FieldCount int32 `parquet:"field_count"`

	Provenance
	// AccessLogRequest is derived from the fields above at ingest (see
	// RequestColumnPrefix); it is not part of the line.
	AccessLogRequest `json:"-"`
}

// Provenance says where a row came from: the source object (a path or an
// s3:// URL) and the 1-based line number (access logs) or record index
// (CloudTrail) within it.
type Provenance struct {
	SourceObject string `parquet:"source_object,dict"`
	SourceLine   int64  `parquet:"source_line"`
}
