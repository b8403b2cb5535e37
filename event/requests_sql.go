package event

// SQL conditions over the s3_requests table that every consumer (reports,
// policies, rules) must agree on: part of what a request means, so they
// live with the data model.
const (
	// DeniedSQL is true for a request refused by authorization or
	// authentication, false for one that passed it, including those that
	// then failed, such as a 404, which S3 only returns to someone allowed
	// to look.
	DeniedSQL = `(coalesce(http_status IN (401, 403), false) OR coalesce(error_code IN (
	'AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'InvalidAccessKeyId',
	'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired',
	'InvalidSecurity', 'MissingSecurityHeader', 'RequestTimeTooSkewed', 'UnauthorizedAccess'), false))`

	// PerKeyDeleteSQL is true for the per-key lines of a multi-object
	// delete: the access log writes one BATCH.DELETE.OBJECT line per key
	// besides the request's own REST.POST.MULTI_OBJECT_DELETE line, all
	// with one request ID. They say which keys went (each key is authorized
	// on its own) but are not requests of their own.
	PerKeyDeleteSQL = "coalesce(log_operation = 'BATCH.DELETE.OBJECT', false)"
)
