package sqlgen

import (
	"strconv"
	"strings"
	"sync"

	"github.com/s3sift/s3sift/event"
)

// table is what the compiler knows of the table a query reads.
type table struct {
	name    string // SQL view name
	timeCol string // SQL of @timestamp
	logCol  string // SQL of @log, or "" when the table has none
	message func() string
	resolve func(name string) (val, string) // a field by name; the string is an error
	hasDate bool                            // has the date partition column
}

// Tables returns the names of the tables a query may read.
func Tables() []string {
	return []string{event.TableCloudTrail, event.TableAccessLogs, event.TableRequests}
}

func lookupTable(name string) (*table, bool) {
	switch name {
	case "", event.TableCloudTrail:
		return &table{
			name:    event.TableCloudTrail,
			timeCol: `"event_time"`,
			logCol:  `"source_object"`,
			message: ctMessage,
			resolve: resolveCloudTrail,
			hasDate: true,
		}, true
	case event.TableAccessLogs:
		return columnTable(event.TableAccessLogs, `"time"`, `"source_object"`, accessLogMessage), true
	case event.TableRequests:
		return columnTable(event.TableRequests, `"time"`, "", requestMessage), true
	}
	return nil, false
}

// columnTable is a table whose fields are its columns, by their SQL
// names.
func columnTable(name, timeCol, logCol string, message func() string) *table {
	tbl, _ := event.LookupTable(name)
	t := &table{name: name, timeCol: timeCol, logCol: logCol, message: message}
	_, t.hasDate = tbl.Column(event.PartitionDate)
	t.resolve = func(field string) (val, string) {
		if c, ok := tbl.Column(field); ok {
			return val{sql: quoteIdent(c.Name), t: duckTyp(c.Type)}, ""
		}
		// A dotted name into a STRUCT or JSON column is not offered:
		// these tables are flat.
		var near []string
		for _, c := range tbl.Columns {
			if strings.EqualFold(c.Name, field) || strings.EqualFold(strings.ReplaceAll(c.Name, "_", ""), strings.ReplaceAll(field, "_", "")) {
				near = append(near, c.Name)
			}
		}
		msg := "unknown field " + strconv.Quote(field) + " in table " + name
		if len(near) > 0 {
			return val{}, msg + "; did you mean " + strconv.Quote(near[0]) + "?"
		}
		return val{}, msg + " (its fields are its columns: " + columnNames(tbl) + ")"
	}
	return t
}

func columnNames(t event.Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// duckTyp maps a DuckDB type name to the compiler's type.
func duckTyp(s string) typ {
	switch {
	case s == "VARCHAR":
		return tString
	case s == "BOOLEAN":
		return tBool
	case s == "TIMESTAMP" || s == "DATE" || strings.HasPrefix(s, "TIMESTAMP"):
		return tTime
	case strings.HasSuffix(s, "[]"):
		return tList
	case strings.HasSuffix(s, "INT") || s == "BIGINT" || s == "INTEGER" || s == "SMALLINT" || s == "TINYINT" ||
		s == "UBIGINT" || s == "UINTEGER" || s == "DOUBLE" || s == "FLOAT" || strings.HasPrefix(s, "DECIMAL"):
		return tNumber
	}
	return tAny
}

// accessLogMessage rebuilds an access log line from its columns: the
// fields in the documented order, "-" for NULL, as many as the line had.
var accessLogMessage = sync.OnceValue(func() string {
	dash := func(col string) string { return "coalesce(" + col + ", '-')" }
	num := func(col string) string { return "coalesce(CAST(" + col + " AS VARCHAR), '-')" }
	quoted := func(col string) string { return `'"' || coalesce(` + col + `, '-') || '"'` }
	fields := []string{
		dash(`"bucket_owner"`),
		dash(`"bucket"`),
		`strftime("time", '[%d/%b/%Y:%H:%M:%S +0000]')`,
		dash(`"remote_ip"`),
		dash(`"requester"`),
		dash(`"request_id"`),
		dash(`"operation"`),
		dash(`"key_raw"`),
		// A lifecycle line has an unquoted - for its request line.
		`CASE WHEN "request_uri" IS NULL THEN '-' ELSE '"' || "request_uri" || '"' END`,
		num(`"http_status"`),
		dash(`"error_code"`),
		num(`"bytes_sent"`),
		num(`"object_size"`),
		num(`"total_time_ms"`),
		num(`"turn_around_time_ms"`),
		quoted(`"referer"`),
		quoted(`"user_agent"`),
		dash(`"version_id"`),
		dash(`"host_id"`),
		dash(`"signature_version"`),
		dash(`"cipher_suite"`),
		dash(`"authentication_type"`),
		dash(`"host_header"`),
		dash(`"tls_version"`),
		dash(`"access_point_arn"`),
		dash(`"acl_required"`),
		dash(`"source_region"`),
	}
	return "array_to_string(list_slice(list_concat([" + strings.Join(fields, ", ") +
		`], coalesce("extra_fields", [])), 1, coalesce("field_count", ` + strconv.Itoa(len(fields)) + `)), ' ')`
})

// requestMessage is an s3_requests row as a JSON object.
var requestMessage = sync.OnceValue(func() string {
	tbl, _ := event.LookupTable(event.TableRequests)
	var b strings.Builder
	b.WriteString("CAST(json_merge_patch('{}', json_object(")
	for i, c := range tbl.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(c.Name))
		b.WriteString(", ")
		b.WriteString(quoteIdent(c.Name))
	}
	b.WriteString(")) AS VARCHAR)")
	return b.String()
})
