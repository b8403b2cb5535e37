package report

import (
	"fmt"

	"github.com/s3sift/s3sift/event"
)

// reports defines every report. Each body reads s3_requests only, so every
// report treats principals (role ARN for assumed roles, "anonymous",
// service principals, canonical ids) the same way.
func reports() []Report {
	return []Report{
		{
			Name:    "access-history",
			Summary: "which principals used which actions on a bucket: the input to a least-privilege bucket policy",
			Needs:   []string{"bucket"},
			Columns: []string{"principal_arn", "principal_type", "action", "requests", "denied", "first_seen", "last_seen", "access_log_requests", "cloudtrail_requests"},
			Order:   "principal_arn, action",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT principal_arn, any_value(principal_type) AS principal_type, action,
  count(*) FILTER (WHERE ` + requestRow + `) AS requests,
  count(*) FILTER (WHERE ` + requestRow + ` AND ` + deniedExpr + `) AS denied,
  min(time) AS first_seen, max(time) AS last_seen,
  count(*) FILTER (WHERE ` + requestRow + ` AND in_access_log) AS access_log_requests,
  count(*) FILTER (WHERE ` + requestRow + ` AND in_cloudtrail) AS cloudtrail_requests
FROM s3_requests
` + f.where(&args, "action IS NOT NULL") + `
GROUP BY principal_arn, action
ORDER BY principal_arn, action`, args
			},
		},
		{
			Name:    "deletions",
			Summary: "who deleted what, when: DeleteObject, DeleteObjects per key, lifecycle expiry shown as such",
			Columns: []string{"time", "bucket", "key", "principal_arn", "remote_ip", "operation", "request_id", "source"},
			Order:   "time",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				// A multi-object delete is logged once per key (BATCH.DELETE.OBJECT)
				// plus once for the request itself, without a key: show the keys.
				return `SELECT time, bucket, key, principal_arn, remote_ip,
  CASE WHEN log_operation LIKE 'S3.%' THEN log_operation || ' (lifecycle)'
       ELSE coalesce(log_operation, event_name, operation) END AS operation,
  request_id, source
FROM s3_requests
` + f.where(&args, `(action = 's3:DeleteObject' OR action = 's3:DeleteObjectVersion'
       OR log_operation IN ('S3.EXPIRE.OBJECT', 'S3.CREATE.DELETEMARKER', 'BATCH.DELETE.OBJECT'))`,
					`NOT (log_operation = 'REST.POST.MULTI_OBJECT_DELETE' AND key IS NULL)`, "succeeded") + `
ORDER BY time, bucket, key`, args
			},
		},
		{
			Name:    "principal",
			Summary: "everything one principal did (an assumed-role session ARN selects that session)",
			Needs:   []string{"principal"},
			Columns: []string{"time", "bucket", "key", "operation", "action", "http_status", "remote_ip", "user_agent", "request_id"},
			Order:   "time",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT time, bucket, key, operation, action, http_status, remote_ip, user_agent, request_id
FROM s3_requests
` + f.where(&args) + `
ORDER BY time, request_id`, args
			},
		},
		{
			Name:    "object",
			Summary: "everything that happened to one object",
			Needs:   []string{"bucket", "key"},
			Columns: []string{"time", "operation", "principal_arn", "remote_ip", "http_status", "bytes_sent", "request_id"},
			Order:   "time",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT time, operation, principal_arn, remote_ip, http_status, bytes_sent, request_id
FROM s3_requests
` + f.where(&args) + `
ORDER BY time, request_id`, args
			},
		},
		{
			Name:    "bytes-by-ip",
			Summary: "data transferred per client IP",
			Columns: []string{"remote_ip", "requests", "bytes_sent", "bytes_received"},
			Order:   "bytes_sent descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT remote_ip, count(*) FILTER (WHERE ` + requestRow + `) AS requests,
  CAST(coalesce(sum(bytes_sent) FILTER (WHERE ` + requestRow + `), 0) AS BIGINT) AS bytes_sent,
  CAST(coalesce(sum(bytes_received) FILTER (WHERE ` + requestRow + `), 0) AS BIGINT) AS bytes_received
FROM s3_requests
` + f.where(&args, "remote_ip IS NOT NULL") + `
GROUP BY remote_ip
ORDER BY bytes_sent DESC, remote_ip`, args
			},
		},
		{
			Name:    "sigv2",
			Summary: "who still signs requests with Signature Version 2",
			Columns: []string{"principal_arn", "requester", "requests", "buckets", "first_seen", "last_seen", "user_agents"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT principal_arn, requester,
  count(*) FILTER (WHERE ` + requestRow + `) AS requests, count(DISTINCT bucket) AS buckets,
  min(time) AS first_seen, max(time) AS last_seen,
  string_agg(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents
FROM s3_requests
` + f.where(&args, "signature_version = 'SigV2'") + `
GROUP BY ALL
ORDER BY requests DESC, principal_arn, requester`, args
			},
		},
		{
			Name:    "anonymous",
			Summary: "unauthenticated requests",
			Columns: []string{"bucket", "remote_ip", "action", "requests", "denied", "first_seen", "last_seen"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT bucket, remote_ip, action, count(*) FILTER (WHERE ` + requestRow + `) AS requests,
  count(*) FILTER (WHERE ` + requestRow + ` AND ` + deniedExpr + `) AS denied,
  min(time) AS first_seen, max(time) AS last_seen
FROM s3_requests
` + f.where(&args, "principal_type = 'Anonymous'") + `
GROUP BY bucket, remote_ip, action
ORDER BY requests DESC, bucket, remote_ip, action`, args
			},
		},
		{
			Name:    "errors",
			Summary: "4xx and 5xx responses by bucket and cause",
			Columns: []string{"bucket", "http_status", "error_code", "requests", "principals", "remote_ips"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT bucket, http_status, error_code, count(*) FILTER (WHERE ` + requestRow + `) AS requests,
  count(DISTINCT principal_arn) AS principals, count(DISTINCT remote_ip) AS remote_ips
FROM s3_requests
` + f.where(&args, "(http_status >= 400 OR error_code IS NOT NULL)") + `
GROUP BY bucket, http_status, error_code
ORDER BY requests DESC, bucket, http_status, error_code`, args
			},
		},
		{
			Name:    "top-objects",
			Summary: "the most requested objects",
			Columns: []string{"bucket", "key", "requests", "bytes_sent"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT bucket, key, count(*) AS requests, coalesce(sum(bytes_sent), 0) AS bytes_sent
FROM s3_requests
` + f.where(&args, "key IS NOT NULL") + `
GROUP BY bucket, key
ORDER BY requests DESC, bytes_sent DESC, bucket, key`, args
			},
		},
		{
			Name:    "sensitive",
			Summary: "access to sensitive-looking keys (credentials, private keys, dumps, backups, .env …; --pattern adds)",
			Columns: []string{"time", "bucket", "key", "principal_arn", "remote_ip", "operation", "http_status"},
			Order:   "time",
			body: func(p Params, f filter) (string, []any) {
				// The expression runs once per distinct key, not once per
				// request: keys repeat, and matching is the costly part.
				var args []any
				keys := f.where(&args, "key IS NOT NULL")
				args = append(args, sensitiveRegexp(p.Patterns))
				rows := f.where(&args, "key IN (SELECT key FROM matched)")
				return `WITH keys AS (
  SELECT DISTINCT key FROM s3_requests
  ` + keys + `
), matched AS (
  SELECT key FROM keys WHERE regexp_matches(key, ?)
)
SELECT time, bucket, key, principal_arn, remote_ip, operation, http_status
FROM s3_requests
` + rows + `
ORDER BY time, bucket, key`, args
			},
		},
		{
			Name:    "user-agents",
			Summary: "automation and tools touching the data, by family (aws-cli, boto3, SDKs, console, browsers, curl, terraform …)",
			Columns: []string{"family", "user_agent", "principal_arn", "requests", "buckets"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return fmt.Sprintf(`SELECT %s AS family, user_agent, principal_arn,
  count(*) FILTER (WHERE %s) AS requests, count(DISTINCT bucket) AS buckets
FROM s3_requests
%s
GROUP BY ALL
ORDER BY requests DESC, family, user_agent, principal_arn`, userAgentFamilySQL("user_agent"), requestRow, f.where(&args, "user_agent IS NOT NULL")), args
			},
		},
		{
			Name:    "non-tls",
			Summary: "requests made without TLS (website endpoints and internal operations excluded; the access log says, CloudTrail alone cannot)",
			Columns: []string{"bucket", "principal_arn", "remote_ip", "requests"},
			Order:   "requests descending",
			body: func(p Params, f filter) (string, []any) {
				var args []any
				return `SELECT bucket, principal_arn, remote_ip, count(*) FILTER (WHERE ` + requestRow + `) AS requests
FROM s3_requests
` + f.where(&args, "in_access_log", "tls_version IS NULL", "NOT coalesce(internal, false)",
					"coalesce(log_operation, '') NOT LIKE 'WEBSITE.%'",
					"coalesce(host_header, '') NOT LIKE '%s3-website%'") + `
GROUP BY bucket, principal_arn, remote_ip
ORDER BY requests DESC, bucket, principal_arn, remote_ip`, args
			},
		},
	}
}

// requestRow is true for the rows that stand for a request: not the
// per-key lines of a multi-object delete.
const requestRow = "NOT " + event.PerKeyDeleteSQL
