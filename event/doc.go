// Package event is s3sift's data model: the record types stored in the lake
// and the names of the tables they form. Every other package agrees on these
// types; the Parquet struct tags here are the lake schema.
package event

// Table names as they appear in the lake (folder names) and in SQL.
const (
	TableAccessLogs = "s3_access_logs"
	TableCloudTrail = "cloudtrail"
	TableRejects    = "rejects"
	TableRequests   = "s3_requests"
)
