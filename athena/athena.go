// Package athena lets the Athena queries from the AWS documentation run
// locally: views named and typed like the documented Athena tables, the
// Presto functions those queries use as DuckDB macros, and a fixer for the
// documented queries that are themselves broken.
package athena

import (
	"fmt"
	"strings"
)

// Default table names, as the AWS documentation's DDL creates them.
const (
	DefaultCloudTrailTable            = "s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket_table"
	DefaultCloudTrailPartitionedTable = "s3_cloudtrail_events_db.cloudtrail_myawsexamplebucket_table_partitioned"
	DefaultAccessLogTable             = "s3_access_logs_db.mybucket_logs"
)

// Tables names the Athena-compatible views to create. Each name is
// "table" or "schema.table".
type Tables struct {
	CloudTrail            []string // unpartitioned CloudTrail tables
	CloudTrailPartitioned []string // with region, year, month, day columns
	AccessLog             []string // RegexSerDe server access log tables
}

// DefaultTables returns the documented table names.
func DefaultTables() Tables {
	return Tables{
		CloudTrail:            []string{DefaultCloudTrailTable},
		CloudTrailPartitioned: []string{DefaultCloudTrailPartitionedTable},
		AccessLog:             []string{DefaultAccessLogTable},
	}
}

// Add adds a table name given as KIND=NAME, where KIND is cloudtrail,
// cloudtrail_partitioned or s3access (the --athena-table flag).
func (t *Tables) Add(spec string) error {
	kind, name, ok := strings.Cut(spec, "=")
	if !ok || name == "" {
		return fmt.Errorf("athena: table %q: want KIND=NAME with KIND cloudtrail, cloudtrail_partitioned or s3access", spec)
	}
	if err := checkName(name); err != nil {
		return err
	}
	switch kind {
	case "cloudtrail":
		t.CloudTrail = append(t.CloudTrail, name)
	case "cloudtrail_partitioned":
		t.CloudTrailPartitioned = append(t.CloudTrailPartitioned, name)
	case "s3access", "s3_access_logs":
		t.AccessLog = append(t.AccessLog, name)
	default:
		return fmt.Errorf("athena: table %q: unknown kind %q (want cloudtrail, cloudtrail_partitioned or s3access)", spec, kind)
	}
	return nil
}

// checkName accepts identifiers and schema.identifier only, since names end
// up in DDL.
func checkName(name string) error {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return fmt.Errorf("athena: table name %q: want table or schema.table", name)
	}
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("athena: table name %q: empty part", name)
		}
		for i, r := range p {
			ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
			if !ok {
				return fmt.Errorf("athena: table name %q: character %q not allowed", name, r)
			}
		}
	}
	return nil
}

// Statements returns the DDL that creates the Presto function macros and
// the views for t. It expects the lake's views s3_access_logs and
// cloudtrail to exist already.
func Statements(t Tables) []string {
	stmts := append([]string(nil), macros...)
	schemas := map[string]bool{}
	view := func(name, body string) {
		if s, _, ok := strings.Cut(name, "."); ok && !schemas[s] {
			schemas[s] = true
			stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+s)
		}
		stmts = append(stmts, "CREATE OR REPLACE VIEW "+name+" AS "+body)
	}
	for _, n := range t.CloudTrail {
		view(n, cloudTrailView(false))
	}
	for _, n := range t.CloudTrailPartitioned {
		view(n, cloudTrailView(true))
	}
	for _, n := range t.AccessLog {
		view(n, accessLogView)
	}
	return stmts
}
