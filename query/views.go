package query

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/s3sift/s3sift/event"
)

// storedTable is where one stored table's files live in the lake.
type storedTable struct {
	name string
	// glob is the files' pattern below the lake, one level per partition
	// key so that DuckDB reads the keys as columns and prunes on them.
	glob string
	// hiveTypes types the partition keys (they are not stored in the files).
	hiveTypes string
}

var storedTables = []storedTable{
	{event.TableAccessLogs, "s3_access_logs/date=*/*.parquet", "{'date': DATE}"},
	{event.TableCloudTrail, "cloudtrail/date=*/region=*/*.parquet", "{'date': DATE, 'region': VARCHAR}"},
	{event.TableRejects, "rejects/date=*/*.parquet", "{'date': DATE}"},
}

// storedViews returns the CREATE VIEW statements of the stored tables. A
// table with files reads them with Hive partitioning (so a filter on date
// skips folders, and Parquet statistics skip row groups); a table without
// files yet is an empty view with the catalogue's columns, so queries and
// s3_requests still bind. The views are defined when the DB opens: files of
// a table that had none then appear at the next Open.
func storedViews(lake string) ([]string, error) {
	var out []string
	for _, t := range storedTables {
		pattern := filepath.Join(lake, filepath.FromSlash(t.glob))
		files, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("query: listing %s: %w", pattern, err)
		}
		if len(files) == 0 {
			cat, ok := event.LookupTable(t.name)
			if !ok {
				return nil, fmt.Errorf("query: no catalogue entry for table %s", t.name)
			}
			out = append(out, emptyView(cat))
			continue
		}
		cat, ok := event.LookupTable(t.name)
		if !ok {
			return nil, fmt.Errorf("query: no catalogue entry for table %s", t.name)
		}
		out = append(out, tableView(t, cat, quote(filepath.ToSlash(pattern))))
	}
	return out, nil
}

// tableView is the CREATE VIEW statement of a stored table over files, a
// SQL glob or list of paths.
func tableView(t storedTable, cat event.Table, files string) string {
	return fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM read_parquet(%s, hive_partitioning = true, hive_types = %s)",
		ident(t.name), selectList(cat), files, t.hiveTypes)
}

// selectList names the catalogue's columns of a stored table, so that
// the view shows exactly those (the files also hold s3_requests' derived
// columns, and files written before those existed lack them). The JSON
// text columns are typed JSON; an empty one is NULL (see
// event.JSONColumns), and so is one DuckDB cannot read as JSON (the
// decoder stores none, but one such value must not fail every query).
func selectList(t event.Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = ident(c.Name)
		if t.Name == event.TableCloudTrail && slices.Contains(event.JSONColumns, c.Name) {
			cols[i] = fmt.Sprintf("TRY_CAST(nullif(%s, '') AS JSON) AS %s", ident(c.Name), ident(c.Name))
		}
	}
	return strings.Join(cols, ", ")
}

// emptyView is a view with t's columns and types and no rows.
func emptyView(t event.Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type, ident(c.Name))
	}
	return fmt.Sprintf("CREATE VIEW %s AS SELECT %s WHERE false", ident(t.Name), strings.Join(cols, ", "))
}

// operationsTable returns the statements that create and fill the
// s3_operations table from event.Operations, the one operation → action
// mapping.
func operationsTable() []string {
	create := `CREATE TABLE s3_operations (
	name VARCHAR, source VARCHAR, operation VARCHAR, action VARCHAR, scope VARCHAR,
	internal BOOLEAN, version_action VARCHAR, copy_source_action VARCHAR, upload BOOLEAN,
	key_dependent BOOLEAN, lookup VARCHAR)`
	var rows []string
	for _, op := range event.Operations() {
		rows = append(rows, fmt.Sprintf("(%s, %s, %s, %s, %s, %t, %s, %s, %t, %t, %s)",
			quote(op.Name), quote(string(op.Source)), quote(op.API), nullable(op.Action), nullable(string(op.Scope)),
			op.Internal, nullable(op.VersionAction), nullable(op.CopySourceAction), op.Upload,
			event.KeyDependent(op.Name), quote(op.LookupKey())))
	}
	return []string{create, "INSERT INTO s3_operations VALUES " + strings.Join(rows, ",\n")}
}

func nullable(s string) string {
	if s == "" {
		return "NULL"
	}
	return quote(s)
}
