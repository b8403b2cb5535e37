package event

import "time"

// CloudTrail is one CloudTrail record. Fixed-shape objects are structs;
// free-form ones (requestParameters, responseElements, ...) are kept as JSON
// text exactly as logged. They are stored as plain strings, not with
// Parquet's JSON annotation: DuckDB refuses a whole file when one value of
// a JSON column is empty, and parquet-go v0.32.1 occasionally writes an
// empty optional value as "" rather than NULL. The query views give the
// top-level ones (JSONColumns) the JSON type. Members this type does not know are kept in Extra
// as a JSON object, so nothing in a record is lost.
type CloudTrail struct {
	EventVersion                 string       `parquet:"event_version,optional,dict"`
	UserIdentity                 UserIdentity `parquet:"user_identity"`
	EventTime                    time.Time    `parquet:"event_time,timestamp(microsecond:local)"`
	EventSource                  string       `parquet:"event_source,optional,dict"`
	EventName                    string       `parquet:"event_name,optional,dict"`
	AWSRegion                    string       `parquet:"aws_region,optional,dict"`
	SourceIPAddress              string       `parquet:"source_ip_address,optional,dict"`
	UserAgent                    string       `parquet:"user_agent,optional,dict"`
	ErrorCode                    string       `parquet:"error_code,optional,dict"`
	ErrorMessage                 string       `parquet:"error_message,optional"`
	RequestParameters            string       `parquet:"request_parameters,optional"`
	ResponseElements             string       `parquet:"response_elements,optional"`
	AdditionalEventData          string       `parquet:"additional_event_data,optional"`
	RequestID                    string       `parquet:"request_id,optional,plain"`
	EventID                      string       `parquet:"event_id,optional,plain"`
	ReadOnly                     *bool        `parquet:"read_only,optional"`
	Resources                    []Resource   `parquet:"resources,list"`
	EventType                    string       `parquet:"event_type,optional,dict"`
	APIVersion                   string       `parquet:"api_version,optional,dict"`
	ManagementEvent              *bool        `parquet:"management_event,optional"`
	RecipientAccountID           string       `parquet:"recipient_account_id,optional,dict"`
	ServiceEventDetails          string       `parquet:"service_event_details,optional"`
	SharedEventID                string       `parquet:"shared_event_id,optional,plain"`
	VPCEndpointID                string       `parquet:"vpc_endpoint_id,optional,dict"`
	VPCEndpointAccountID         string       `parquet:"vpc_endpoint_account_id,optional,dict"`
	EventCategory                string       `parquet:"event_category,optional,dict"`
	Addendum                     string       `parquet:"addendum,optional"`
	SessionCredentialFromConsole string       `parquet:"session_credential_from_console,optional,dict"`
	EdgeDeviceDetails            string       `parquet:"edge_device_details,optional"`
	TLSDetails                   TLSDetails   `parquet:"tls_details"`
	InsightDetails               string       `parquet:"insight_details,optional"`
	// RequestBucket is a copy of requestParameters.bucketName, derived
	// at ingest so that queries on the bucket need not parse
	// RequestParameters. It is set only when that member is a non-empty
	// string; otherwise it is empty (NULL) and the JSON is the truth.
	RequestBucket string `parquet:"request_bucket_name,optional,dict"`
	// RequestKey is a copy of requestParameters.key, derived like
	// RequestBucket.
	RequestKey string `parquet:"request_key,optional"`
	// Extra is a JSON object of the record's members not listed above
	// (at any depth of the fixed-shape objects, keyed by their JSON path),
	// or empty when there were none.
	Extra string `parquet:"extra,optional"`

	Provenance
	// CloudTrailRequest is derived from the members above at ingest (see
	// RequestColumnPrefix); it is not part of the record.
	CloudTrailRequest `json:"-"`
}

// JSONColumns are the CloudTrail table's top-level columns that hold JSON
// text; the query views read them as DuckDB's JSON type.
var JSONColumns = []string{
	"request_parameters", "response_elements", "additional_event_data",
	"service_event_details", "addendum", "edge_device_details",
	"insight_details", "extra",
}

// IsJSONField reports whether the CloudTrail column at path (dotted, as
// "user_identity.on_behalf_of") holds JSON text: the top-level JSONColumns
// and three members of user_identity, which stay VARCHAR in the views.
func IsJSONField(path string) bool {
	switch path {
	case "user_identity.on_behalf_of", "user_identity.in_scope_of",
		"user_identity.session_context.web_id_federation_data":
		return true
	}
	for _, c := range JSONColumns {
		if c == path {
			return true
		}
	}
	return false
}

// UserIdentity is CloudTrail's userIdentity element.
type UserIdentity struct {
	Type             string         `parquet:"type,optional,dict"`
	PrincipalID      string         `parquet:"principal_id,optional,dict"`
	ARN              string         `parquet:"arn,optional,dict"`
	AccountID        string         `parquet:"account_id,optional,dict"`
	AccessKeyID      string         `parquet:"access_key_id,optional,dict"`
	UserName         string         `parquet:"user_name,optional,dict"`
	InvokedBy        string         `parquet:"invoked_by,optional,dict"`
	IdentityProvider string         `parquet:"identity_provider,optional,dict"`
	CredentialID     string         `parquet:"credential_id,optional,dict"`
	OnBehalfOf       string         `parquet:"on_behalf_of,optional"`
	InScopeOf        string         `parquet:"in_scope_of,optional"`
	SessionContext   SessionContext `parquet:"session_context"`
}

// SessionContext is userIdentity.sessionContext.
type SessionContext struct {
	Attributes          SessionAttributes `parquet:"attributes"`
	SessionIssuer       SessionIssuer     `parquet:"session_issuer"`
	WebIDFederationData string            `parquet:"web_id_federation_data,optional"`
	SourceIdentity      string            `parquet:"source_identity,optional,dict"`
	EC2RoleDelivery     string            `parquet:"ec2_role_delivery,optional,dict"`
	AssumedRoot         string            `parquet:"assumed_root,optional,dict"`
}

// SessionAttributes is userIdentity.sessionContext.attributes. Both members
// are kept as CloudTrail writes them (creationDate as an RFC 3339 string,
// mfaAuthenticated as "true"/"false").
type SessionAttributes struct {
	CreationDate     string `parquet:"creation_date,optional,dict"`
	MFAAuthenticated string `parquet:"mfa_authenticated,optional,dict"`
}

// SessionIssuer is userIdentity.sessionContext.sessionIssuer.
type SessionIssuer struct {
	Type        string `parquet:"type,optional,dict"`
	PrincipalID string `parquet:"principal_id,optional,dict"`
	ARN         string `parquet:"arn,optional,dict"`
	AccountID   string `parquet:"account_id,optional,dict"`
	UserName    string `parquet:"user_name,optional,dict"`
}

// TLSDetails is CloudTrail's tlsDetails element.
type TLSDetails struct {
	TLSVersion               string `parquet:"tls_version,optional,dict"`
	CipherSuite              string `parquet:"cipher_suite,optional,dict"`
	ClientProvidedHostHeader string `parquet:"client_provided_host_header,optional,dict"`
}

// Resource is one element of CloudTrail's resources list.
type Resource struct {
	ARN       string `parquet:"arn,optional"`
	AccountID string `parquet:"account_id,optional"`
	Type      string `parquet:"type,optional"`
}
