package policy

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Querier runs one read-only SQL statement over a database that has the
// s3_requests view; *query.DB is one.
type Querier interface {
	// Query runs query with its positional (?) arguments.
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Window selects the requests of one bucket in a time range.
type Window struct {
	Bucket string
	// From is inclusive and To exclusive; a zero time leaves that end open.
	From, To time.Time
}

// where returns the WHERE clause and its arguments for w, for requests that
// carry an IAM action (lifecycle and internal operations excluded).
func (w Window) where() (string, []any) {
	var b strings.Builder
	args := []any{w.Bucket}
	b.WriteString("bucket = ?")
	// Times go in as text cast to TIMESTAMP: the lake's timestamps are UTC
	// without a zone, and a bound time.Time could arrive as TIMESTAMPTZ and
	// be compared in the session's zone.
	if !w.From.IsZero() {
		b.WriteString(" AND time >= CAST(? AS TIMESTAMP)")
		args = append(args, w.From.UTC().Format(sqlTime))
	}
	if !w.To.IsZero() {
		b.WriteString(" AND time < CAST(? AS TIMESTAMP)")
		args = append(args, w.To.UTC().Format(sqlTime))
	}
	return b.String(), args
}

const sqlTime = "2006-01-02 15:04:05.999999"

// actionFilter keeps requests that a policy can govern: lifecycle and
// internal operations have no IAM action.
const actionFilter = "action IS NOT NULL AND NOT coalesce(internal, false)"

// batchSQL is true for the per-key lines of a multi-object delete: the
// access log writes one BATCH.DELETE.OBJECT line per key besides the
// request's own line. They are evaluated (each key is authorized on its
// own) but not counted as requests.
const batchSQL = "coalesce(log_operation = 'BATCH.DELETE.OBJECT', false)"

// deniedSQL is true for a request that was refused by authorization or
// authentication, false for one that passed it (including those that then
// failed, such as a 404, which S3 only returns to someone allowed to look).
const deniedSQL = `(coalesce(http_status IN (401, 403), false) OR coalesce(error_code IN (
	'AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'InvalidAccessKeyId',
	'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired',
	'InvalidSecurity', 'MissingSecurityHeader', 'RequestTimeTooSkewed', 'UnauthorizedAccess'), false))`

// nullString and friends turn NULL columns into zero values.
func str(s sql.NullString) string { return s.String }

func tm(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// likePattern turns an IAM wildcard pattern into a LIKE pattern with '\'
// as its escape character.
func likePattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\', '%', '_':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
