package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/s3sift/s3sift/event"
)

// A day of s3_requests logged by only one of the two logs needs no merge:
// each of its requests is one line of that log, and the ingest already
// stored what s3_requests makes of the line (event.AccessLogRequest, the
// s3r_ columns). Such a day is "direct": Derive records it without writing
// anything, and the view reads the log's own files. Only days where both
// logs hold S3 requests (within a day either side) are merged and stored.
//
// A day is direct only when every file of it carries the s3r_ columns:
// files written by an s3sift that did not derive them are merged as before.

// directProbe is the s3r_ column whose presence in a file says the file
// carries the derived columns.
const directProbe = event.RequestColumnPrefix + "principal_type"

// directSource says whether day can be read straight from one log's files
// (the table's name) or must be merged ("" then), and how many rows the
// day has when direct.
func (d *deriver) directSource(ctx context.Context, in *lakeInputs, day string) (string, int64, error) {
	alDay, ctDay := in.files([]string{day})
	alWin, ctWin := in.files(window(day))
	fail := func(what string, err error) (string, int64, error) {
		return "", 0, fmt.Errorf("query: storing s3_requests of %s: %s: %w", day, what, err)
	}
	source, files := event.TableAccessLogs, alDay
	switch {
	case len(alDay) > 0:
		if len(ctWin) > 0 {
			n, err := d.s3Records(ctx, ctWin)
			if err != nil {
				return fail("counting CloudTrail S3 records", err)
			}
			if n > 0 {
				return "", 0, nil
			}
		}
	case len(alWin) == 0 && len(ctDay) > 0:
		source, files = event.TableCloudTrail, ctDay
	default:
		return "", 0, nil
	}
	f, err := d.footers(files)
	if err != nil {
		return fail("reading file footers", err)
	}
	if !f.derived {
		return "", 0, nil
	}
	if source == event.TableCloudTrail {
		return source, f.s3Records, nil
	}
	return source, f.rows, nil
}

// s3Records counts the CloudTrail S3 records of files: from their footers
// when they carry the s3r_ columns, else with DuckDB.
func (d *deriver) s3Records(ctx context.Context, files []inputFile) (int64, error) {
	f, err := d.footers(files)
	if err != nil {
		return 0, err
	}
	if f.derived {
		return f.s3Records, nil
	}
	conn, err := d.engine(ctx)
	if err != nil {
		return 0, err
	}
	return scanCount(ctx, conn, fmt.Sprintf(
		"SELECT count(*) FROM read_parquet(%s) WHERE event_source = 's3.amazonaws.com'", d.fileList(files)))
}

// footerFacts is what the Parquet footers of some files say.
type footerFacts struct {
	rows int64
	// derived: every file has the s3r_ columns.
	derived bool
	// s3Records counts the rows whose s3r_operation is set: in CloudTrail
	// files, the S3 records (one whose eventName is missing too is not
	// counted). Files whose writer kept no null counts count every row,
	// which errs towards merging.
	s3Records int64
}

// footers reads the files' Parquet footers.
func (d *deriver) footers(files []inputFile) (footerFacts, error) {
	all := footerFacts{derived: true}
	for _, file := range files {
		f, err := footer(filepath.Join(d.lake, filepath.FromSlash(file.rel)))
		if err != nil {
			return footerFacts{}, err
		}
		all.rows += f.rows
		all.s3Records += f.s3Records
		all.derived = all.derived && f.derived
	}
	return all, nil
}

// footer reads one file's footer.
func footer(path string) (footerFacts, error) {
	file, err := os.Open(path)
	if err != nil {
		return footerFacts{}, err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return footerFacts{}, err
	}
	pf, err := parquet.OpenFile(file, fi.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return footerFacts{}, fmt.Errorf("%s: %w", path, err)
	}
	f := footerFacts{rows: pf.NumRows(), s3Records: pf.NumRows()}
	_, f.derived = pf.Schema().Lookup(directProbe)
	for _, rg := range pf.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if len(c.MetaData.PathInSchema) == 1 && c.MetaData.PathInSchema[0] == s3Operation {
				f.s3Records -= c.MetaData.Statistics.NullCount
			}
		}
	}
	return f, nil
}

// s3Operation is the s3r_ column set for every S3 record and no other.
const s3Operation = event.RequestColumnPrefix + "operation"

// fileList is a SQL list of the files' absolute paths.
func (d *deriver) fileList(files []inputFile) string {
	list := make([]string, len(files))
	for i, f := range files {
		list[i] = quote(path.Join(filepath.ToSlash(d.lake), f.rel))
	}
	return "[" + strings.Join(list, ", ") + "]"
}

// publishDirect records the direct days, removing the files an earlier
// Derive stored for them. The state forgets those days before the removal,
// as in publish, so a crash leaves them recomputed, never answered from a
// file that is gone. The state is written at most twice for all the days.
func (d *deriver) publishDirect(st *deriveState, days map[string]dayState) error {
	stored := false // a day to forget had a file
	for day := range days {
		if old, ok := st.Days[day]; ok && old.File != "" {
			stored = true
		}
		delete(st.Days, day)
	}
	if stored {
		if err := st.save(d.lake); err != nil {
			return err
		}
	}
	for day := range days {
		rel := path.Join(event.TableRequests, "date="+day, requestsFileName)
		if err := os.Remove(filepath.Join(d.lake, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("query: removing %s: %w", rel, err)
		}
	}
	if len(days) == 0 {
		return nil
	}
	maps.Copy(st.Days, days)
	return st.save(d.lake)
}

// directAccessLogs is the SELECT of s3_requests over access-log files of
// direct days (files: a SQL list of globs). It gives, column for column,
// what requestsView gives for a line that no CloudTrail record matches,
// reading the s3r_ columns instead of computing them; the role paths
// (from the state, read from CloudTrail) are joined as there.
func directAccessLogs(files string, rolePaths [][3]string) string {
	principal := "a.s3r_principal_arn"
	join := ""
	if len(rolePaths) > 0 {
		vals := make([]string, len(rolePaths))
		for i, r := range rolePaths {
			vals[i] = fmt.Sprintf("(%s, %s, %s)", quote(r[0]), quote(r[1]), quote(r[2]))
		}
		principal = "CASE WHEN a.s3r_principal_type = 'AssumedRole' THEN coalesce(rp.role_arn, a.s3r_principal_arn) ELSE a.s3r_principal_arn END"
		join = `
LEFT JOIN (VALUES ` + strings.Join(vals, ", ") + `) rp(account_id, role_name, role_arn)
	ON rp.account_id = CASE WHEN a.s3r_principal_type = 'AssumedRole' THEN split_part(a.requester, ':', 5) END
	AND rp.role_name = CASE WHEN a.s3r_principal_type = 'AssumedRole' THEN split_part(a.requester, '/', 2) END`
	}
	return `SELECT
	a.time AS time,
	a.bucket AS bucket,
	nullif(a.key, '') AS key,
	a.s3r_operation AS operation,
	a.s3r_action AS action,
	` + principal + ` AS principal_arn,
	a.s3r_principal_type AS principal_type,
	a.s3r_session_name AS session_name,
	a.s3r_account_id AS account_id,
	nullif(a.remote_ip, '') AS remote_ip,
	nullif(a.user_agent, '') AS user_agent,
	a.http_status AS http_status,
	nullif(a.error_code, '') AS error_code,
	a.bytes_sent AS bytes_sent,
	a.s3r_bytes_received AS bytes_received,
	a.object_size AS object_size,
	s3sift_signature_version(nullif(a.signature_version, '')) AS signature_version,
	nullif(nullif(a.authentication_type, ''), '-') AS authentication_type,
	s3sift_tls_version(nullif(a.tls_version, '')) AS tls_version,
	nullif(a.cipher_suite, '') AS cipher_suite,
	CAST(NULL AS VARCHAR) AS vpc_endpoint_id,
	a.request_id AS request_id,
	true AS in_access_log,
	false AS in_cloudtrail,
	a.operation AS log_operation,
	CAST(NULL AS VARCHAR) AS event_name,
	nullif(a.host_header, '') AS host_header,
	'access_log' AS source,
	a.s3r_internal AS internal,
	CASE WHEN a.http_status IS NOT NULL THEN a.http_status < 400 ELSE nullif(a.error_code, '') IS NULL END AS succeeded,
	nullif(a.requester, '') AS requester,
	nullif(a.version_id, '') AS version_id,
	CAST(NULL AS VARCHAR) AS event_id,
	a.date AS date
FROM read_parquet(` + files + `, hive_partitioning = true, hive_types = {'date': DATE}) a` + join
}

// directCloudTrail is the SELECT of s3_requests over CloudTrail files of
// direct days (files: a SQL list of globs): what requestsView gives for a
// CloudTrail S3 record that no access-log line matches, reading the s3r_
// columns instead of computing them. The bucket and key come from the
// copies made at ingest, or from requestParameters where there is none.
// A record delivered to two accounts' trails (same sharedEventID) counts
// once, as there.
func directCloudTrail(files string) string {
	return `WITH ct_all AS NOT MATERIALIZED (
	SELECT * FROM read_parquet(` + files + `, hive_partitioning = true, hive_types = {'date': DATE, 'region': VARCHAR})
	WHERE event_source = 's3.amazonaws.com'
),
ct AS NOT MATERIALIZED (
	SELECT * FROM ct_all WHERE nullif(shared_event_id, '') IS NULL
	UNION ALL
	SELECT * FROM ct_all WHERE nullif(shared_event_id, '') IS NOT NULL
	QUALIFY row_number() OVER (PARTITION BY date, shared_event_id ORDER BY event_id) = 1
)
SELECT
	c.event_time AS time,
	coalesce(c.request_bucket_name, json_extract_string(c.request_parameters, '$.bucketName')) AS bucket,
	coalesce(c.request_key, json_extract_string(c.request_parameters, '$.key')) AS key,
	c.s3r_operation AS operation,
	c.s3r_action AS action,
	c.s3r_principal_arn AS principal_arn,
	c.s3r_principal_type AS principal_type,
	c.s3r_session_name AS session_name,
	c.s3r_account_id AS account_id,
	nullif(c.source_ip_address, '') AS remote_ip,
	nullif(c.user_agent, '') AS user_agent,
	CAST(NULL AS INTEGER) AS http_status,
	nullif(c.error_code, '') AS error_code,
	c.s3r_bytes_sent AS bytes_sent,
	c.s3r_bytes_received AS bytes_received,
	CAST(NULL AS BIGINT) AS object_size,
	c.s3r_signature_version AS signature_version,
	c.s3r_authentication_type AS authentication_type,
	s3sift_tls_version(nullif(c.tls_details.tls_version, '')) AS tls_version,
	c.s3r_cipher_suite AS cipher_suite,
	nullif(c.vpc_endpoint_id, '') AS vpc_endpoint_id,
	nullif(c.request_id, '') AS request_id,
	false AS in_access_log,
	true AS in_cloudtrail,
	CAST(NULL AS VARCHAR) AS log_operation,
	c.event_name AS event_name,
	c.s3r_host_header AS host_header,
	'cloudtrail' AS source,
	c.s3r_internal AS internal,
	nullif(c.error_code, '') IS NULL AS succeeded,
	coalesce(nullif(c.user_identity.arn, ''), nullif(c.user_identity.principal_id, '')) AS requester,
	c.s3r_version_id AS version_id,
	c.event_id AS event_id,
	c.date AS date
FROM ct c`
}

// directParts returns the SELECTs of s3_requests over the direct days,
// by the log they are read from.
func directParts(lakeDir string, days map[string][]string, st *deriveState) []string {
	var out []string
	globs := func(table, pattern string) string {
		list := make([]string, len(days[table]))
		for i, day := range days[table] {
			list[i] = quote(path.Join(filepath.ToSlash(lakeDir), table, "date="+day, pattern))
		}
		return "[" + strings.Join(list, ", ") + "]"
	}
	if len(days[event.TableAccessLogs]) > 0 {
		out = append(out, directAccessLogs(globs(event.TableAccessLogs, "*.parquet"), st.RolePaths))
	}
	if len(days[event.TableCloudTrail]) > 0 {
		out = append(out, "SELECT * FROM ("+directCloudTrail(globs(event.TableCloudTrail, "region=*/*.parquet"))+")")
	}
	return out
}

// scanCount runs a query that returns one count.
func scanCount(ctx context.Context, conn *sql.Conn, q string) (int64, error) {
	var n int64
	err := conn.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
