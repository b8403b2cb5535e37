package query

import (
	"fmt"
	"strings"

	"github.com/s3sift/s3sift/event"
)

// macros normalise what the two logs spell differently. Principals are
// normalised here and nowhere else: every report, rule and policy sees the
// same principal_arn for the same caller.
//
// SQL macros rather than Go functions: DuckDB inlines them, so they run
// vectorised and do not stop filters being pushed into the scans.
var macros = []string{
	// The IAM role ARN of an assumed-role session ARN
	// (arn:aws:sts::A:assumed-role/Role/session → arn:aws:iam::A:role/Role).
	// The role's path is not in the session ARN; s3_requests recovers it
	// from CloudTrail's sessionIssuer where known.
	`CREATE MACRO s3sift_role_arn(arn) AS
	CASE WHEN arn LIKE 'arn:%:sts::%:assumed-role/%' THEN
		'arn:' || split_part(arn, ':', 2) || ':iam::' || split_part(arn, ':', 5) || ':role/' || split_part(arn, '/', 2)
	END`,

	// The principal type of an access log's requester field.
	`CREATE MACRO s3sift_log_principal_type(r) AS
	CASE
		WHEN r IS NULL OR r = '-' THEN 'Anonymous'
		WHEN r LIKE 'arn:%:sts::%:assumed-role/%' THEN 'AssumedRole'
		WHEN r LIKE 'arn:%:sts::%:federated-user/%' THEN 'FederatedUser'
		WHEN r LIKE 'arn:%:iam::%:root' THEN 'Root'
		WHEN r LIKE 'arn:%:iam::%:user/%' THEN 'IAMUser'
		WHEN r LIKE 'svc:%' OR r = 'AmazonS3' THEN 'AWSService'
		WHEN regexp_full_match(r, '[0-9a-fA-F]{64}') THEN 'CanonicalUser'
		ELSE 'Unknown'
	END`,

	// The principal of an access log's requester, given its type.
	`CREATE MACRO s3sift_log_principal_arn(r, t) AS
	CASE t
		WHEN 'Anonymous' THEN 'anonymous'
		WHEN 'AssumedRole' THEN s3sift_role_arn(r)
		WHEN 'AWSService' THEN CASE WHEN r = 'AmazonS3' THEN 's3.amazonaws.com' ELSE nullif(substr(r, 5), '') END
		ELSE r
	END`,

	// The principal type of a CloudTrail userIdentity (type, accountId,
	// invokedBy). CloudTrail logs unauthenticated S3 requests as account
	// ANONYMOUS_PRINCIPAL.
	`CREATE MACRO s3sift_ct_principal_type(ui_type, ui_account, ui_invoked_by) AS
	CASE
		WHEN ui_account = 'ANONYMOUS_PRINCIPAL' OR ui_account = 'anonymous' THEN 'Anonymous'
		WHEN ui_type IS NULL AND ui_invoked_by IS NOT NULL THEN 'AWSService'
		ELSE ui_type
	END`,

	// The partition of a region, for ARNs CloudTrail does not give.
	`CREATE MACRO s3sift_partition(region) AS
	CASE WHEN region LIKE 'us-gov-%' THEN 'aws-us-gov' WHEN region LIKE 'cn-%' THEN 'aws-cn' ELSE 'aws' END`,

	// The principal of a CloudTrail userIdentity, given its type: the role
	// (with its path, from sessionIssuer) for assumed roles, the service
	// for AWS services, the account root for a bare cross-account caller.
	`CREATE MACRO s3sift_ct_principal_arn(p_type, ui_arn, ui_principal_id, ui_invoked_by, ui_account, si_type, si_arn, region) AS
	CASE p_type
		WHEN 'Anonymous' THEN 'anonymous'
		WHEN 'AssumedRole' THEN coalesce(CASE WHEN si_type = 'Role' THEN si_arn END, s3sift_role_arn(ui_arn))
		WHEN 'AWSService' THEN ui_invoked_by
		WHEN 'AWSAccount' THEN CASE WHEN regexp_full_match(ui_account, '[0-9]{12}') THEN
			'arn:' || s3sift_partition(region) || ':iam::' || ui_account || ':root' END
		ELSE coalesce(ui_arn, ui_principal_id)
	END`,

	// The session name of an assumed-role ARN.
	`CREATE MACRO s3sift_session_name(arn) AS
	CASE WHEN arn LIKE 'arn:%:sts::%:assumed-role/%' THEN nullif(split_part(arn, '/', 3), '') END`,

	// The account of an IAM or STS ARN.
	`CREATE MACRO s3sift_arn_account(arn) AS
	CASE WHEN arn LIKE 'arn:%:%::%:%' THEN nullif(split_part(arn, ':', 5), '') END`,

	// SigV2 or SigV4, whichever way a log spells it
	// (SigV4, s3v4, AWS4-HMAC-SHA256, SigV4a → SigV4; SigV2, s3v2, AWS → SigV2).
	`CREATE MACRO s3sift_signature_version(v) AS
	CASE
		WHEN v = 'SigV4' OR v = 'SigV2' THEN v
		WHEN v IS NULL OR v = '' OR v = '-' THEN NULL
		WHEN v ILIKE '%v4%' OR v ILIKE 'AWS4%' THEN 'SigV4'
		WHEN v ILIKE '%v2%' OR upper(v) = 'AWS' THEN 'SigV2'
		ELSE v
	END`,

	// TLSv1.2 whether logged as TLSv1.2 or TLSV1.2.
	`CREATE MACRO s3sift_tls_version(v) AS
	CASE WHEN v IS NULL OR v = '' OR v = '-' THEN NULL WHEN v ILIKE 'TLSV%' THEN 'TLSv' || substr(v, 5) ELSE v END`,
}

// requestsView returns the CREATE VIEW statement of s3_requests.
//
// It is a UNION ALL of two branches rather than a FULL OUTER JOIN, so that
// filters on the output columns reach the Parquet scans: every access-log
// line (enriched with the CloudTrail record of the same request ID, when
// there is one), then the CloudTrail S3 records no access-log line has. In
// each branch time, bucket, key and date are plain columns of the scanned
// table, so DuckDB pushes `date = …` into partition pruning and
// `bucket = …`, `time >= …` into row-group statistics of the access logs.
//
// name is the view's name; rolePaths is the relation of role ARNs with a
// path (columns account_id, role_name, role_arn): rolePathsQuery over the
// whole lake for the live view, a table computed once when deriving the
// stored s3_requests day by day (the role of a request on one day may be
// named by a CloudTrail record of any other day).
func requestsView(name, rolePaths string) string {
	// Every join is an equality on one key so that DuckDB hashes it: a
	// residual condition would make it a nested-loop join.
	return `CREATE VIEW ` + ident(name) + ` AS
WITH ct_all AS NOT MATERIALIZED (
	-- Only the members used: reading whole structs and JSON documents is
	-- what costs most in CloudTrail.
	SELECT
		nullif(c.request_id, '') AS request_id,
		c.event_time, c.event_name, c.event_id, c.aws_region, c.date,
		nullif(c.shared_event_id, '') AS shared_event_id,
		nullif(c.error_code, '') AS error_code,
		nullif(c.vpc_endpoint_id, '') AS vpc_endpoint_id,
		nullif(c.user_agent, '') AS user_agent,
		nullif(c.source_ip_address, '') AS source_ip_address,
		nullif(c.user_identity.type, '') AS ui_type,
		nullif(c.user_identity.arn, '') AS ui_arn,
		nullif(c.user_identity.account_id, '') AS ui_account,
		nullif(c.user_identity.principal_id, '') AS ui_principal_id,
		nullif(c.user_identity.invoked_by, '') AS ui_invoked_by,
		nullif(c.user_identity.session_context.session_issuer.type, '') AS si_type,
		nullif(c.user_identity.session_context.session_issuer.arn, '') AS si_arn,
		nullif(c.tls_details.tls_version, '') AS tls_version,
		nullif(c.tls_details.cipher_suite, '') AS cipher_suite,
		nullif(c.tls_details.client_provided_host_header, '') AS host_header,
		-- The members used, not the documents: the documents are large,
		-- and carrying them through the joins below made DuckDB spill.
		json_extract_string(c.request_parameters, ['$.bucketName', '$.key', '$.versionId', '$.Host']) AS rp,
		json_extract_string(c.additional_event_data,
			['$.bytesTransferredIn', '$.bytesTransferredOut', '$.SignatureVersion', '$.AuthenticationMethod', '$.CipherSuite']) AS aed
	FROM cloudtrail c
	WHERE c.event_source = 's3.amazonaws.com'
),
ct_base AS NOT MATERIALIZED (
	-- One record per request. CloudTrail delivers a cross-account request
	-- to the trails of both accounts, marked with the same sharedEventID,
	-- and an organisation's lake holds both copies; only those records need
	-- the (costly) de-duplication. Partitioning by date too lets date
	-- filters through the window.
	SELECT * FROM ct_all WHERE shared_event_id IS NULL
	UNION ALL
	SELECT * FROM ct_all WHERE shared_event_id IS NOT NULL
	QUALIFY row_number() OVER (PARTITION BY date, shared_event_id ORDER BY event_id) = 1
),
ct_typed AS NOT MATERIALIZED (
	SELECT *, s3sift_ct_principal_type(ui_type, ui_account, ui_invoked_by) AS p_type FROM ct_base
),
ct AS NOT MATERIALIZED (
	SELECT *, s3sift_ct_principal_arn(p_type, ui_arn, ui_principal_id, ui_invoked_by, ui_account, si_type, si_arn, aws_region) AS p_arn
	FROM ct_typed
),
ct_only AS NOT MATERIALIZED (
	-- CloudTrail records no access-log line has, with the members of their
	-- JSON documents (each document parsed once).
	SELECT c.*
	FROM ct c
	ANTI JOIN s3_access_logs x ON x.request_id = c.request_id
),
role_paths AS (
	` + rolePaths + `
),
-- Empty strings are read as NULL: the log writers store "-" and absent
-- values as NULL, but a reader must not depend on every writer doing so.
al AS NOT MATERIALIZED (
	SELECT
		a.* REPLACE (
			nullif(a.requester, '') AS requester,
			nullif(a.key, '') AS key,
			nullif(a.error_code, '') AS error_code,
			nullif(a.remote_ip, '') AS remote_ip,
			nullif(a.user_agent, '') AS user_agent,
			nullif(a.version_id, '') AS version_id,
			nullif(a.request_uri, '') AS request_uri,
			nullif(a.signature_version, '') AS signature_version,
			nullif(a.authentication_type, '') AS authentication_type,
			nullif(a.tls_version, '') AS tls_version,
			nullif(a.cipher_suite, '') AS cipher_suite,
			nullif(a.host_header, '') AS host_header),
		s3sift_log_principal_type(nullif(a.requester, '')) AS p_type
	FROM s3_access_logs a
)
SELECT
	a.time AS time,
	a.bucket AS bucket,
	a.key AS key,
	CASE
		WHEN a.operation = 'REST.GET.BUCKET' AND a.request_uri LIKE '%list-type=2%' THEN 'ListObjectsV2'
		ELSE coalesce(o.operation, co.operation, c.event_name, a.operation)
	END AS operation,
	CASE
		WHEN coalesce(o.internal, starts_with(a.operation, 'S3.')) THEN NULL
		WHEN o.version_action IS NOT NULL AND a.request_uri LIKE '%versionId=%' THEN o.version_action
		WHEN o.name IS NOT NULL THEN o.action
		ELSE co.action
	END AS action,
	CASE
		WHEN c.p_arn IS NOT NULL AND c.p_type IS DISTINCT FROM 'AWSAccount' THEN
			CASE WHEN c.p_type = 'AssumedRole' AND c.si_arn IS NULL THEN coalesce(rp.role_arn, c.p_arn) ELSE c.p_arn END
		WHEN a.p_type = 'AssumedRole' THEN coalesce(rp.role_arn, s3sift_role_arn(a.requester))
		ELSE s3sift_log_principal_arn(a.requester, a.p_type)
	END AS principal_arn,
	CASE
		WHEN c.p_arn IS NOT NULL AND c.p_type IS DISTINCT FROM 'AWSAccount' THEN c.p_type
		ELSE a.p_type
	END AS principal_type,
	coalesce(s3sift_session_name(c.ui_arn), s3sift_session_name(a.requester)) AS session_name,
	CASE
		WHEN c.request_id IS NULL AND (a.p_type = 'Anonymous' OR a.p_type = 'AWSService' OR a.p_type = 'CanonicalUser') THEN NULL
		ELSE coalesce(nullif(c.ui_account, 'ANONYMOUS_PRINCIPAL'), s3sift_arn_account(a.requester))
	END AS account_id,
	coalesce(a.remote_ip, c.source_ip_address) AS remote_ip,
	coalesce(a.user_agent, c.user_agent) AS user_agent,
	a.http_status AS http_status,
	coalesce(a.error_code, c.error_code) AS error_code,
	a.bytes_sent AS bytes_sent,
	CASE WHEN o.upload THEN a.object_size END AS bytes_received,
	a.object_size AS object_size,
	s3sift_signature_version(a.signature_version) AS signature_version,
	nullif(a.authentication_type, '-') AS authentication_type,
	s3sift_tls_version(coalesce(a.tls_version, c.tls_version)) AS tls_version,
	coalesce(a.cipher_suite, c.cipher_suite) AS cipher_suite,
	c.vpc_endpoint_id AS vpc_endpoint_id,
	a.request_id AS request_id,
	true AS in_access_log,
	c.request_id IS NOT NULL AS in_cloudtrail,
	a.operation AS log_operation,
	c.event_name AS event_name,
	coalesce(a.host_header, c.host_header) AS host_header,
	CASE WHEN c.request_id IS NULL THEN 'access_log' ELSE 'both' END AS source,
	coalesce(o.internal, starts_with(a.operation, 'S3.'), false) AS internal,
	CASE
		WHEN a.http_status IS NOT NULL THEN a.http_status < 400
		WHEN c.request_id IS NOT NULL THEN c.error_code IS NULL
		ELSE a.error_code IS NULL
	END AS succeeded,
	coalesce(a.requester, c.ui_arn) AS requester,
	a.version_id AS version_id,
	c.event_id AS event_id,
	a.date AS date
FROM al a
LEFT JOIN ct c ON c.request_id = a.request_id
LEFT JOIN s3_operations o ON o.lookup = ` + accessLogLookup("a") + `
LEFT JOIN s3_operations co ON co.lookup = c.event_name
LEFT JOIN role_paths rp
	ON rp.account_id = CASE WHEN a.p_type = 'AssumedRole' THEN split_part(a.requester, ':', 5) END
	AND rp.role_name = CASE WHEN a.p_type = 'AssumedRole' THEN split_part(a.requester, '/', 2) END

UNION ALL

SELECT
	c.event_time AS time,
	c.rp[1] AS bucket,
	c.rp[2] AS key,
	coalesce(co.operation, c.event_name) AS operation,
	CASE
		WHEN co.internal THEN NULL
		WHEN co.version_action IS NOT NULL AND c.rp[3] IS NOT NULL THEN co.version_action
		ELSE co.action
	END AS action,
	c.p_arn AS principal_arn,
	c.p_type AS principal_type,
	s3sift_session_name(c.ui_arn) AS session_name,
	nullif(c.ui_account, 'ANONYMOUS_PRINCIPAL') AS account_id,
	c.source_ip_address AS remote_ip,
	c.user_agent AS user_agent,
	CAST(NULL AS INTEGER) AS http_status,
	c.error_code AS error_code,
	TRY_CAST(TRY_CAST(c.aed[2] AS DOUBLE) AS BIGINT) AS bytes_sent,
	TRY_CAST(TRY_CAST(c.aed[1] AS DOUBLE) AS BIGINT) AS bytes_received,
	CAST(NULL AS BIGINT) AS object_size,
	s3sift_signature_version(c.aed[3]) AS signature_version,
	c.aed[4] AS authentication_type,
	s3sift_tls_version(c.tls_version) AS tls_version,
	coalesce(c.cipher_suite, c.aed[5]) AS cipher_suite,
	c.vpc_endpoint_id AS vpc_endpoint_id,
	c.request_id AS request_id,
	false AS in_access_log,
	true AS in_cloudtrail,
	CAST(NULL AS VARCHAR) AS log_operation,
	c.event_name AS event_name,
	coalesce(c.host_header, c.rp[4]) AS host_header,
	'cloudtrail' AS source,
	coalesce(co.internal, false) AS internal,
	c.error_code IS NULL AS succeeded,
	coalesce(c.ui_arn, c.ui_principal_id) AS requester,
	c.rp[3] AS version_id,
	c.event_id AS event_id,
	c.date AS date
FROM ct_only c
LEFT JOIN s3_operations co ON co.lookup = c.event_name`
}

// rolePathsQuery selects the role ARNs with a path, keyed by account and
// role name: an access log names the session (assumed-role/Name/session)
// but not the role's path, which only CloudTrail's sessionIssuer gives.
const rolePathsQuery = `SELECT
		user_identity.session_context.session_issuer.account_id AS account_id,
		user_identity.session_context.session_issuer.user_name AS role_name,
		max(user_identity.session_context.session_issuer.arn) AS role_arn
	FROM cloudtrail
	WHERE user_identity.session_context.session_issuer.type = 'Role'
		AND user_identity.session_context.session_issuer.arn LIKE 'arn:%:iam::%:role/%/%'
	GROUP BY ALL`

// accessLogLookup is the s3_operations.lookup key of the access-log row
// alias: the operation, plus "#object" or "#bucket" for the operations that
// log a bucket and an object API alike (REST.GET.ACL).
func accessLogLookup(alias string) string {
	var dependent []string
	seen := map[string]bool{}
	for _, op := range event.Operations() {
		if event.KeyDependent(op.Name) && !seen[op.Name] {
			seen[op.Name] = true
			dependent = append(dependent, quote(op.Name))
		}
	}
	return fmt.Sprintf("CASE WHEN %[1]s.operation IN (%[2]s) THEN %[1]s.operation || CASE WHEN %[1]s.key IS NULL THEN '#bucket' ELSE '#object' END ELSE %[1]s.operation END",
		alias, strings.Join(dependent, ", "))
}
