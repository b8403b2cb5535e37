package policy

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/s3sift/s3sift/event"
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

// batchSQL and deniedSQL are the shared definitions of a multi-object
// delete's per-key line and of a denied request.
const (
	batchSQL  = event.PerKeyDeleteSQL
	deniedSQL = event.DeniedSQL
)

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
