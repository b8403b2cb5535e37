package policy_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// memDB is a DuckDB database with an s3_requests table shaped like the
// lake's view, standing in for query.DB.
type memDB struct{ db *sql.DB }

func (m memDB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return m.db.QueryContext(ctx, q, args...)
}

const requestsDDL = `CREATE TABLE s3_requests (
	time TIMESTAMP, bucket VARCHAR, key VARCHAR, operation VARCHAR, action VARCHAR,
	principal_arn VARCHAR, principal_type VARCHAR, session_name VARCHAR, account_id VARCHAR,
	remote_ip VARCHAR, user_agent VARCHAR, http_status INTEGER, error_code VARCHAR,
	bytes_sent BIGINT, bytes_received BIGINT, object_size BIGINT, signature_version VARCHAR,
	authentication_type VARCHAR, tls_version VARCHAR, cipher_suite VARCHAR, vpc_endpoint_id VARCHAR,
	request_id VARCHAR, in_access_log BOOLEAN, in_cloudtrail BOOLEAN, log_operation VARCHAR,
	event_name VARCHAR, host_header VARCHAR, source VARCHAR, internal BOOLEAN)`

const cloudtrailDDL = `CREATE TABLE cloudtrail (event_source VARCHAR,
	resources STRUCT(arn VARCHAR, account_id VARCHAR, type VARCHAR)[])`

func newMemDB(tb testing.TB) memDB {
	tb.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatalf("open duckdb: %v", err)
	}
	db.SetMaxOpenConns(1) // one in-memory database, not one per connection
	tb.Cleanup(func() { db.Close() })
	for _, s := range []string{requestsDDL, cloudtrailDDL} {
		if _, err := db.Exec(s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
	return memDB{db}
}

func (m memDB) exec(tb testing.TB, q string, args ...any) {
	tb.Helper()
	if _, err := m.db.Exec(q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}
