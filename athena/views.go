package athena

// accessLogView reproduces what the documented RegexSerDe table yields for
// each line: strings exactly as logged ("-" stays "-", the referrer and user
// agent keep their quotes, the key is not URL-decoded), and NULL where a
// BIGINT column holds "-".
const accessLogView = `SELECT
	coalesce(bucket_owner, '-') AS BucketOwner,
	coalesce(bucket, '-') AS Bucket,
	strftime(time, '%d/%b/%Y:%H:%M:%S +0000') AS RequestDateTime,
	coalesce(remote_ip, '-') AS RemoteIP,
	coalesce(requester, '-') AS Requester,
	coalesce(request_id, '-') AS RequestID,
	coalesce(operation, '-') AS Operation,
	coalesce(key_raw, '-') AS Key,
	coalesce(split_part(request_uri, ' ', 1), '-') AS RequestURI_operation,
	coalesce(nullif(split_part(request_uri, ' ', 2), ''), '-') AS RequestURI_key,
	coalesce(nullif(split_part(request_uri, ' ', 3), ''), '-') AS RequestURI_httpProtoversion,
	coalesce(CAST(http_status AS VARCHAR), '-') AS HTTPstatus,
	coalesce(error_code, '-') AS ErrorCode,
	bytes_sent AS BytesSent,
	object_size AS ObjectSize,
	coalesce(CAST(total_time_ms AS VARCHAR), '-') AS TotalTime,
	coalesce(CAST(turn_around_time_ms AS VARCHAR), '-') AS TurnAroundTime,
	'"' || coalesce(referer, '-') || '"' AS Referrer,
	'"' || coalesce(user_agent, '-') || '"' AS UserAgent,
	coalesce(version_id, '-') AS VersionId,
	coalesce(host_id, '-') AS HostId,
	coalesce(signature_version, '-') AS SigV,
	coalesce(cipher_suite, '-') AS CipherSuite,
	coalesce(authentication_type, '-') AS AuthType,
	coalesce(host_header, '-') AS EndPoint,
	coalesce(tls_version, '-') AS TLSVersion
FROM s3_access_logs`

// cloudTrailView returns the view of the documented CloudTrailSerde table:
// lower-case column names, eventtime and readonly as strings, free-form
// members as JSON text. The partitioned variant adds region, year, month
// and day strings.
func cloudTrailView(partitioned bool) string {
	q := `SELECT
	event_version AS eventversion,
	struct_pack(
		type := user_identity.type,
		principalid := user_identity.principal_id,
		arn := user_identity.arn,
		accountid := user_identity.account_id,
		invokedby := user_identity.invoked_by,
		accesskeyid := user_identity.access_key_id,
		username := user_identity.user_name,
		sessioncontext := struct_pack(
			attributes := struct_pack(
				mfaauthenticated := user_identity.session_context.attributes.mfa_authenticated,
				creationdate := user_identity.session_context.attributes.creation_date),
			sessionissuer := struct_pack(
				type := user_identity.session_context.session_issuer.type,
				principalid := user_identity.session_context.session_issuer.principal_id,
				arn := user_identity.session_context.session_issuer.arn,
				accountid := user_identity.session_context.session_issuer.account_id,
				username := user_identity.session_context.session_issuer.user_name))) AS useridentity,
	strftime(event_time, '%Y-%m-%dT%H:%M:%SZ') AS eventtime,
	event_source AS eventsource,
	event_name AS eventname,
	aws_region AS awsregion,
	source_ip_address AS sourceipaddress,
	user_agent AS useragent,
	error_code AS errorcode,
	error_message AS errormessage,
	CAST(request_parameters AS VARCHAR) AS requestparameters,
	CAST(response_elements AS VARCHAR) AS responseelements,
	CAST(additional_event_data AS VARCHAR) AS additionaleventdata,
	request_id AS requestid,
	event_id AS eventid,
	list_transform(resources, r -> struct_pack(arn := r.arn, accountid := r.account_id, type := r.type)) AS resources,
	event_type AS eventtype,
	api_version AS apiversion,
	CAST(read_only AS VARCHAR) AS readonly,
	recipient_account_id AS recipientaccountid,
	CAST(service_event_details AS VARCHAR) AS serviceeventdetails,
	shared_event_id AS sharedeventid,
	vpc_endpoint_id AS vpcendpointid`
	if partitioned {
		q += `,
	coalesce(aws_region, 'unknown') AS region,
	strftime(event_time, '%Y') AS year,
	strftime(event_time, '%m') AS month,
	strftime(event_time, '%d') AS day`
	}
	return q + "\nFROM cloudtrail"
}

// macros defines the Presto functions the documented queries use, in terms
// of DuckDB's. parse_datetime and date_parse are translated by Rewrite
// instead, since strptime needs its pattern as a constant.
var macros = []string{
	`CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS
		CASE WHEN json_type(CAST(j AS JSON), p) IN ('OBJECT', 'ARRAY') THEN NULL
		ELSE json_extract_string(CAST(j AS JSON), p) END`,
	`CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
	`CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
}
