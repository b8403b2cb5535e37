package event

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Column is one column of a queryable table: its SQL name, its DuckDB type
// exactly as DESCRIBE prints it, and a one-line description.
type Column struct {
	Name string
	Type string
	Doc  string
}

// Table is one queryable table (a view over the lake) and its columns in
// order.
type Table struct {
	Name    string
	Doc     string
	Columns []Column
}

// Column returns the column called name.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// TableOperations is the SQL table of event.Operations.
const TableOperations = "s3_operations"

// Partition columns: the lake's Hive partition keys, which queries see as
// the last columns of the stored tables. Filtering on them skips whole
// folders.
const (
	PartitionDate   = "date"
	PartitionRegion = "region"
)

// Catalogue returns every queryable table with its columns: the three
// stored tables, derived from the Parquet schema of their record types,
// and the s3_requests view. It is what `sql --help` prints and what the
// SQL views are checked against.
func Catalogue() []Table {
	return []Table{
		storedTable(TableAccessLogs, "one row per S3 server access log line", new(AccessLog), PartitionDate),
		storedTable(TableCloudTrail, "one row per CloudTrail record (management and data events, all services)", new(CloudTrail), PartitionDate, PartitionRegion),
		storedTable(TableRejects, "input lines and records that could not be parsed", new(Reject), PartitionDate),
		{Name: TableRequests, Doc: "one row per S3 request from either log, merged on request id where both logged it", Columns: requestColumns},
		{Name: TableOperations, Doc: "the operation → IAM action mapping (event.Operations) the views use", Columns: operationColumns},
	}
}

// LookupTable returns the catalogue entry of the table called name.
func LookupTable(name string) (Table, bool) {
	for _, t := range Catalogue() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

func storedTable(name, doc string, record any, partitions ...string) Table {
	t := Table{Name: name, Doc: doc}
	for _, f := range parquet.SchemaOf(record).Fields() {
		if strings.HasPrefix(f.Name(), RequestColumnPrefix) {
			continue // read by s3_requests only
		}
		typ := duckType(f)
		if name == TableCloudTrail && slices.Contains(JSONColumns, f.Name()) {
			typ = "JSON" // stored as text, typed by the view
		}
		t.Columns = append(t.Columns, Column{Name: f.Name(), Type: typ, Doc: columnDocs[name+"."+f.Name()]})
	}
	for _, p := range partitions {
		t.Columns = append(t.Columns, Column{Name: p, Type: partitionTypes[p], Doc: columnDocs["partition."+p]})
	}
	return t
}

// partitionTypes are the types the views give the Hive partition keys.
var partitionTypes = map[string]string{PartitionDate: "DATE", PartitionRegion: "VARCHAR"}

// duckType is the DuckDB type DuckDB gives a Parquet node, as DESCRIBE
// prints it.
func duckType(n parquet.Node) string {
	if n.Leaf() {
		return leafType(n)
	}
	if lt := n.Type().LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			// LIST groups hold one repeated group holding the element.
			return duckType(n.Fields()[0].Fields()[0]) + "[]"
		}
	}
	var b strings.Builder
	b.WriteString("STRUCT(")
	for i, f := range n.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(structFieldName(f.Name()))
		b.WriteByte(' ')
		b.WriteString(duckType(f))
	}
	b.WriteByte(')')
	return b.String()
}

func leafType(n parquet.Node) string {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.StringType:
			return "VARCHAR"
		case *format.JsonType:
			return "JSON"
		case *format.TimestampType:
			if v.IsAdjustedToUTC {
				return "TIMESTAMP WITH TIME ZONE"
			}
			return "TIMESTAMP"
		case *format.DateType:
			return "DATE"
		case *format.IntType:
			switch {
			case v.BitWidth == 64 && v.IsSigned:
				return "BIGINT"
			case v.BitWidth == 32 && v.IsSigned:
				return "INTEGER"
			case v.BitWidth == 16 && v.IsSigned:
				return "SMALLINT"
			case v.BitWidth == 8 && v.IsSigned:
				return "TINYINT"
			case v.BitWidth == 64:
				return "UBIGINT"
			case v.BitWidth == 32:
				return "UINTEGER"
			}
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return "BOOLEAN"
	case parquet.Int32:
		return "INTEGER"
	case parquet.Int64:
		return "BIGINT"
	case parquet.Float:
		return "FLOAT"
	case parquet.Double:
		return "DOUBLE"
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return "BLOB"
	}
	panic(fmt.Sprintf("event: no DuckDB type for Parquet column %s (%v)", n.String(), t))
}

// structFieldName quotes a STRUCT field name the way DuckDB prints it:
// SQL keywords are double-quoted.
func structFieldName(name string) string {
	if sqlKeywords[name] {
		return `"` + name + `"`
	}
	return name
}

// sqlKeywords are the DuckDB keywords among the record types' STRUCT field
// names; the catalogue test against DuckDB's DESCRIBE catches a missing one.
var sqlKeywords = map[string]bool{"type": true}

// requestColumns are the columns of the s3_requests view, in order.
var requestColumns = []Column{
	{"time", "TIMESTAMP", "when the request was made (UTC): the access log's time, else CloudTrail's eventTime"},
	{"bucket", "VARCHAR", "bucket name (CloudTrail: requestParameters.bucketName)"},
	{"key", "VARCHAR", "object key, URL-decoded (CloudTrail: requestParameters.key); NULL for bucket requests"},
	{"operation", "VARCHAR", "S3 API name (GetObject, ListObjectsV2, DeleteObjects ...); for lifecycle operations a Lifecycle* name"},
	{"action", "VARCHAR", "IAM action the request was authorised with (s3:GetObject ...); NULL for internal operations"},
	{"principal_arn", "VARCHAR", "who: role ARN for assumed roles (path from CloudTrail where known), user ARN, 'anonymous', canonical ID, or service principal"},
	{"principal_type", "VARCHAR", "AssumedRole, IAMUser, Root, FederatedUser, AWSAccount, AWSService, CanonicalUser, Anonymous, or CloudTrail's type"},
	{"session_name", "VARCHAR", "role session name for assumed roles"},
	{"account_id", "VARCHAR", "the principal's AWS account"},
	{"remote_ip", "VARCHAR", "client IP address (CloudTrail: sourceIPAddress, a service name for AWS services)"},
	{"user_agent", "VARCHAR", "client user agent"},
	{"http_status", "INTEGER", "HTTP status (access log only)"},
	{"error_code", "VARCHAR", "S3 error code, NULL on success"},
	{"bytes_sent", "BIGINT", "response body bytes sent (CloudTrail: additionalEventData.bytesTransferredOut)"},
	{"bytes_received", "BIGINT", "request body bytes received (CloudTrail: bytesTransferredIn; access log: object_size of uploads)"},
	{"object_size", "BIGINT", "object size (access log only)"},
	{"signature_version", "VARCHAR", "SigV2 or SigV4; NULL for unauthenticated requests"},
	{"authentication_type", "VARCHAR", "AuthHeader, QueryString (presigned URL) or as logged"},
	{"tls_version", "VARCHAR", "TLS version (TLSv1.2 ...), NULL for plain HTTP"},
	{"cipher_suite", "VARCHAR", "TLS cipher suite, NULL for plain HTTP"},
	{"vpc_endpoint_id", "VARCHAR", "VPC endpoint the request came through (CloudTrail only)"},
	{"request_id", "VARCHAR", "S3 request ID, shared by both logs"},
	{"in_access_log", "BOOLEAN", "the server access log has this request"},
	{"in_cloudtrail", "BOOLEAN", "CloudTrail has this request"},
	{"log_operation", "VARCHAR", "raw access-log operation (REST.GET.OBJECT, BATCH.DELETE.OBJECT, S3.EXPIRE.OBJECT ...)"},
	{"event_name", "VARCHAR", "CloudTrail eventName"},
	{"host_header", "VARCHAR", "Host header the client sent"},
	{"source", "VARCHAR", "which logs have the request: access_log, cloudtrail or both"},
	{"internal", "BOOLEAN", "an operation S3 performed itself (lifecycle, restore completion): never part of a policy"},
	{"succeeded", "BOOLEAN", "the request succeeded (HTTP status below 400, or no CloudTrail errorCode)"},
	{"requester", "VARCHAR", "the identity exactly as logged (access-log requester, else CloudTrail userIdentity.arn)"},
	{"version_id", "VARCHAR", "object version ID the request named"},
	{"event_id", "VARCHAR", "CloudTrail eventID"},
	{"date", "DATE", "partition date of the row: filter on it to skip whole days of files"},
}

// operationColumns are the columns of the s3_operations table.
var operationColumns = []Column{
	{"name", "VARCHAR", "operation as logged: access-log operation (REST.GET.OBJECT), API name or CloudTrail eventName"},
	{"source", "VARCHAR", "which spelling name is: access_log, api or cloudtrail"},
	{"operation", "VARCHAR", "S3 API name"},
	{"action", "VARCHAR", "IAM action; NULL when no permission is involved"},
	{"scope", "VARCHAR", "object (arn:aws:s3:::bucket/*), bucket (arn:aws:s3:::bucket) or account"},
	{"internal", "BOOLEAN", "performed by S3 itself (lifecycle): never part of a policy"},
	{"version_action", "VARCHAR", "action checked instead when the request names a versionId"},
	{"copy_source_action", "VARCHAR", "action also needed on the copy source object"},
	{"upload", "BOOLEAN", "the request body is object data"},
	{"key_dependent", "BOOLEAN", "the access-log name covers a bucket and an object API: the row whose scope matches the request's key applies"},
	{"lookup", "VARCHAR", "join key: name, with #object or #bucket appended when key_dependent"},
}

// columnDocs describe the stored tables' columns, keyed by table.column
// (partition.column for partition keys).
var columnDocs = map[string]string{
	"partition.date":   "partition date (UTC) of the row: filter on it to skip whole days of files",
	"partition.region": "partition: AWS region of the CloudTrail record",

	"s3_access_logs.bucket_owner":        "canonical user ID of the source bucket's owner",
	"s3_access_logs.bucket":              "bucket the request was made to",
	"s3_access_logs.time":                "time S3 received the request (UTC)",
	"s3_access_logs.remote_ip":           "apparent client IP address",
	"s3_access_logs.requester":           "requester as logged: IAM ARN, canonical user ID, svc:<service>, AmazonS3, or NULL when unauthenticated",
	"s3_access_logs.request_id":          "S3 request ID",
	"s3_access_logs.operation":           "operation: REST.<HTTP method>.<resource>, SOAP.<operation>, WEBSITE.*, BATCH.DELETE.OBJECT or S3.<lifecycle action>",
	"s3_access_logs.key":                 "object key, URL-decoded; NULL when the request had none",
	"s3_access_logs.key_raw":             "object key exactly as logged (URL-encoded)",
	"s3_access_logs.request_uri":         "Request-URI part of the HTTP request line",
	"s3_access_logs.http_status":         "HTTP status code of the response",
	"s3_access_logs.error_code":          "S3 error code, NULL on success",
	"s3_access_logs.bytes_sent":          "response bytes sent, excluding HTTP protocol overhead",
	"s3_access_logs.object_size":         "total size of the object",
	"s3_access_logs.total_time_ms":       "milliseconds the request was in flight, from the server's perspective",
	"s3_access_logs.turn_around_time_ms": "milliseconds S3 spent processing the request",
	"s3_access_logs.referer":             "HTTP Referer header",
	"s3_access_logs.user_agent":          "HTTP User-Agent header",
	"s3_access_logs.version_id":          "version ID in the request",
	"s3_access_logs.host_id":             "x-amz-id-2 request ID",
	"s3_access_logs.signature_version":   "SigV2 or SigV4, NULL when unauthenticated",
	"s3_access_logs.cipher_suite":        "TLS cipher suite, NULL for HTTP",
	"s3_access_logs.authentication_type": "AuthHeader, QueryString, or NULL when unauthenticated",
	"s3_access_logs.host_header":         "endpoint used to connect to S3 (Host header)",
	"s3_access_logs.tls_version":         "TLS version negotiated by the client, NULL for HTTP",
	"s3_access_logs.access_point_arn":    "ARN of the access point of the request",
	"s3_access_logs.acl_required":        "Yes when an ACL was required for authorization, else NULL",
	"s3_access_logs.source_region":       "AWS Region the request came from, when known",
	"s3_access_logs.extra_fields":        "fields after the last documented one, kept in order",
	"s3_access_logs.field_count":         "number of fields the line had",
	"s3_access_logs.source_object":       "the log object the line came from (path or s3:// URL)",
	"s3_access_logs.source_line":         "1-based line number within the source object",

	"cloudtrail.event_version":                   "eventVersion of the record format",
	"cloudtrail.user_identity":                   "userIdentity: type, principal_id, arn, account_id, access_key_id, user_name, invoked_by, session_context.session_issuer ...",
	"cloudtrail.event_time":                      "eventTime (UTC)",
	"cloudtrail.event_source":                    "service the request was made to (s3.amazonaws.com ...)",
	"cloudtrail.event_name":                      "API action (GetObject, AssumeRole ...)",
	"cloudtrail.aws_region":                      "AWS region of the request",
	"cloudtrail.source_ip_address":               "client IP address, or the AWS service name for service calls",
	"cloudtrail.user_agent":                      "client user agent",
	"cloudtrail.error_code":                      "error code, NULL on success",
	"cloudtrail.error_message":                   "error message",
	"cloudtrail.request_parameters":              "requestParameters as JSON (S3: bucketName, key ...)",
	"cloudtrail.response_elements":               "responseElements as JSON",
	"cloudtrail.additional_event_data":           "additionalEventData as JSON (S3: bytesTransferredIn/Out, SignatureVersion, AuthenticationMethod ...)",
	"cloudtrail.request_id":                      "requestID (for S3, the same ID the access log has)",
	"cloudtrail.event_id":                        "eventID, unique per record",
	"cloudtrail.read_only":                       "readOnly: the request only reads",
	"cloudtrail.resources":                       "resources accessed: list of (arn, account_id, type)",
	"cloudtrail.event_type":                      "eventType (AwsApiCall, AwsServiceEvent ...)",
	"cloudtrail.api_version":                     "apiVersion",
	"cloudtrail.management_event":                "managementEvent: a management (not data) event",
	"cloudtrail.recipient_account_id":            "account that received the record",
	"cloudtrail.service_event_details":           "serviceEventDetails as JSON",
	"cloudtrail.shared_event_id":                 "sharedEventID, shared by the records of one cross-account request",
	"cloudtrail.vpc_endpoint_id":                 "VPC endpoint the request came through",
	"cloudtrail.vpc_endpoint_account_id":         "account owning the VPC endpoint",
	"cloudtrail.event_category":                  "eventCategory (Management, Data, Insight)",
	"cloudtrail.addendum":                        "addendum as JSON (late-delivery corrections)",
	"cloudtrail.session_credential_from_console": "sessionCredentialFromConsole",
	"cloudtrail.edge_device_details":             "edgeDeviceDetails as JSON",
	"cloudtrail.tls_details":                     "tlsDetails: tls_version, cipher_suite, client_provided_host_header",
	"cloudtrail.insight_details":                 "insightDetails as JSON",
	"cloudtrail.request_bucket_name":             "requestParameters.bucketName when a non-empty string (a copy kept for speed), else NULL",
	"cloudtrail.request_key":                     "requestParameters.key when a non-empty string (a copy kept for speed), else NULL",
	"cloudtrail.extra":                           "members of the record s3sift does not model, as JSON keyed by path",
	"cloudtrail.source_object":                   "the log object the record came from (path or s3:// URL)",
	"cloudtrail.source_line":                     "record index within the source object",

	"rejects.format":        "s3access or cloudtrail",
	"rejects.reason":        "why the input could not be parsed",
	"rejects.raw":           "the raw input, truncated to 64 KiB",
	"rejects.source_object": "the object the input came from (path or s3:// URL)",
	"rejects.source_line":   "line number (access logs) or record index (CloudTrail) within the source object",
}
