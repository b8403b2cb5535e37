package event

// RequestColumnPrefix starts the names of the columns that hold what
// s3_requests makes of one log row on its own (AccessLogRequest,
// CloudTrailRequest). They are computed at ingest so that s3_requests can
// read a day logged by only one of the two logs straight from that log's
// files, instead of merging and storing a copy. They are not part of the
// s3_access_logs and cloudtrail views (the catalogue leaves them out); files
// written before they existed simply lack them.
const RequestColumnPrefix = "s3r_"

// AccessLogRequest is what s3_requests makes of an access-log line that no
// CloudTrail record matches: the columns whose SQL would otherwise run at
// every query. DeriveAccessLog fills it; the values equal the s3_requests
// view's (query package) for such a line, before role paths are applied:
// an assumed role's principal is arn:…:iam::A:role/Name, without the path
// only CloudTrail knows.
type AccessLogRequest struct {
	ReqOperation     string `parquet:"s3r_operation,optional,dict"`
	ReqAction        string `parquet:"s3r_action,optional,dict"`
	ReqPrincipalARN  string `parquet:"s3r_principal_arn,optional,dict"`
	ReqPrincipalType string `parquet:"s3r_principal_type,optional,dict"`
	ReqSessionName   string `parquet:"s3r_session_name,optional,dict"`
	ReqAccountID     string `parquet:"s3r_account_id,optional,dict"`
	ReqBytesReceived *int64 `parquet:"s3r_bytes_received,optional"`
	ReqInternal      bool   `parquet:"s3r_internal"`
}

// CloudTrailRequest is what s3_requests makes of a CloudTrail S3 record
// that no access-log line matches (only records whose eventSource is
// s3.amazonaws.com; empty for the others). DeriveCloudTrail fills it; the
// values equal the s3_requests view's for such a record.
type CloudTrailRequest struct {
	ReqOperation          string `parquet:"s3r_operation,optional,dict"`
	ReqAction             string `parquet:"s3r_action,optional,dict"`
	ReqPrincipalARN       string `parquet:"s3r_principal_arn,optional,dict"`
	ReqPrincipalType      string `parquet:"s3r_principal_type,optional,dict"`
	ReqSessionName        string `parquet:"s3r_session_name,optional,dict"`
	ReqAccountID          string `parquet:"s3r_account_id,optional,dict"`
	ReqBytesSent          *int64 `parquet:"s3r_bytes_sent,optional"`
	ReqBytesReceived      *int64 `parquet:"s3r_bytes_received,optional"`
	ReqSignatureVersion   string `parquet:"s3r_signature_version,optional,dict"`
	ReqAuthenticationType string `parquet:"s3r_authentication_type,optional,dict"`
	ReqCipherSuite        string `parquet:"s3r_cipher_suite,optional,dict"`
	ReqHostHeader         string `parquet:"s3r_host_header,optional,dict"`
	ReqVersionID          string `parquet:"s3r_version_id,optional"`
	ReqInternal           bool   `parquet:"s3r_internal"`
}
