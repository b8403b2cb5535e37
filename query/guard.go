package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// checker decides whether a statement may run. It asks DuckDB itself: the
// statement is extracted and prepared (never executed) to learn how many
// statements the text holds and their type, and read statements are then
// serialised to DuckDB's parse tree to find the table functions they call.
//
// DuckDB's allowed_directories and enable_external_access keep every file
// access inside the lake, but inside it COPY … TO, EXPORT DATABASE and
// table functions such as enable_logging can still write: this filter is
// what keeps queries read-only.
type checker struct{ db *sql.DB }

// maxExplainDepth bounds EXPLAIN EXPLAIN … nesting.
const maxExplainDepth = 4

func (c *checker) check(ctx context.Context, query string) error {
	return c.checkDepth(ctx, query, 0)
}

func (c *checker) checkDepth(ctx context.Context, query string, depth int) error {
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("query: %w", ErrEmptyQuery)
	}
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	typ, err := statementType(conn, query)
	if err != nil {
		return err
	}
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT:
		return checkTree(ctx, conn, query)
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		inner, ok := stripExplain(query)
		if !ok || depth >= maxExplainDepth {
			return fmt.Errorf("query: %w: s3sift could not read this EXPLAIN; write it as EXPLAIN [ANALYZE] SELECT …", ErrReadOnly)
		}
		return c.checkDepth(ctx, inner, depth+1)
	}
	return fmt.Errorf("query: %w: this is a %s statement", ErrReadOnly, typeName(typ))
}

// statementType prepares query on conn without executing anything and
// returns its statement type. The driver's Prepare (unlike PrepareContext,
// which runs all but the last statement) refuses multi-statement text.
func statementType(conn *sql.Conn, query string) (duckdb.StmtType, error) {
	var typ duckdb.StmtType
	err := conn.Raw(func(dc any) error {
		dconn, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: unexpected driver connection %T", dc)
		}
		st, err := dconn.Prepare(query)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("query: unexpected driver statement %T", st)
		}
		typ, err = ds.StatementType()
		return err
	})
	if err == nil {
		return typ, nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "multi-statement"):
		return 0, fmt.Errorf("query: %w", ErrMultipleStatements)
	case strings.Contains(msg, "empty query"):
		return 0, fmt.Errorf("query: %w", ErrEmptyQuery)
	}
	return 0, fmt.Errorf("query: %w", err)
}

// checkTree walks the parse tree of a read statement and refuses table
// functions that are not known to be side-effect free.
func checkTree(ctx context.Context, conn *sql.Conn, query string) error {
	var text string
	if err := conn.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR)) AS VARCHAR)", query).Scan(&text); err != nil {
		return fmt.Errorf("query: checking the statement: %w", err)
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorMessage string `json:"error_message"`
		Statements   []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return fmt.Errorf("query: checking the statement: %w", err)
	}
	if tree.Error {
		// DuckDB rewrote a PRAGMA into a query; allow the ones that only read.
		if name, ok := pragmaName(query); ok {
			if readPragmas[name] {
				return nil
			}
			return fmt.Errorf("query: %w: PRAGMA %s is not allowed (allowed: DESCRIBE, SHOW, PRAGMA table_info …)", ErrReadOnly, name)
		}
		return fmt.Errorf("query: %w: s3sift cannot check this statement (%s)", ErrReadOnly, tree.ErrorMessage)
	}
	return walk(tree.Statements)
}

func walk(node any) error {
	switch n := node.(type) {
	case []any:
		for _, v := range n {
			if err := walk(v); err != nil {
				return err
			}
		}
	case map[string]any:
		if n["type"] == "TABLE_FUNCTION" {
			if fn, ok := n["function"].(map[string]any); ok {
				name, _ := fn["function_name"].(string)
				if !readTableFunctions[strings.ToLower(name)] {
					return fmt.Errorf("query: %w: table function %s is not allowed", ErrReadOnly, name)
				}
			}
		}
		if n["class"] == "FUNCTION" {
			name, _ := n["function_name"].(string)
			if sideEffectFunctions[strings.ToLower(name)] {
				return fmt.Errorf("query: %w: function %s is not allowed", ErrReadOnly, name)
			}
		}
		for _, v := range n {
			if err := walk(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// readTableFunctions are the table functions a query may call: readers
// (confined to the lake by allowed_directories), generators and catalogue
// introspection. Everything else (enable_logging, checkpoint, query, …)
// is refused.
var readTableFunctions = setOf(
	"read_parquet", "parquet_scan", "parquet_metadata", "parquet_schema", "parquet_file_metadata",
	"parquet_kv_metadata", "parquet_full_metadata", "parquet_bloom_probe",
	"read_csv", "read_csv_auto", "sniff_csv",
	"read_json", "read_json_auto", "read_json_objects", "read_json_objects_auto",
	"read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_ndjson_objects_auto",
	"read_text", "read_blob", "glob",
	"range", "generate_series", "unnest", "json_each", "json_tree", "repeat", "repeat_row",
	"summary", "query_table", "pg_timezone_names", "icu_calendar_names", "test_all_types",
	"duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_dependencies",
	"duckdb_extensions", "duckdb_functions", "duckdb_indexes", "duckdb_keywords", "duckdb_schemas",
	"duckdb_sequences", "duckdb_settings", "duckdb_tables", "duckdb_types", "duckdb_views",
	"duckdb_memory", "duckdb_temporary_files", "duckdb_optimizers",
	"pragma_table_info", "pragma_show", "pragma_version", "pragma_platform", "pragma_database_size",
	"pragma_collations", "pragma_storage_info", "pragma_metadata_info", "pragma_user_agent",
)

// sideEffectFunctions change engine state or write files; they are refused
// wherever they appear.
var sideEffectFunctions = setOf(
	"enable_logging", "disable_logging", "truncate_duckdb_logs", "enable_profiling", "disable_profiling",
	"enable_peg_parser", "disable_peg_parser", "checkpoint", "force_checkpoint", "query",
	"json_execute_serialized_sql", "arrow_scan", "arrow_scan_dumb",
)

// readPragmas are the PRAGMAs DuckDB rewrites into read queries.
var readPragmas = setOf(
	"table_info", "show", "show_tables", "show_tables_expanded", "show_databases", "database_list",
	"database_size", "version", "platform", "collations", "user_agent", "storage_info",
	"metadata_info", "functions",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// typeName names a statement type for an error message.
func typeName(t duckdb.StmtType) string {
	switch t {
	case duckdb.STATEMENT_TYPE_INSERT:
		return "INSERT"
	case duckdb.STATEMENT_TYPE_UPDATE:
		return "UPDATE"
	case duckdb.STATEMENT_TYPE_DELETE:
		return "DELETE"
	case duckdb.STATEMENT_TYPE_PREPARE, duckdb.STATEMENT_TYPE_EXECUTE:
		return "PREPARE/EXECUTE"
	case duckdb.STATEMENT_TYPE_CREATE, duckdb.STATEMENT_TYPE_CREATE_FUNC:
		return "CREATE"
	case duckdb.STATEMENT_TYPE_ALTER:
		return "ALTER"
	case duckdb.STATEMENT_TYPE_TRANSACTION:
		return "transaction"
	case duckdb.STATEMENT_TYPE_COPY:
		return "COPY"
	case duckdb.STATEMENT_TYPE_ANALYZE:
		return "ANALYZE"
	case duckdb.STATEMENT_TYPE_VARIABLE_SET, duckdb.STATEMENT_TYPE_SET:
		return "SET/RESET/USE"
	case duckdb.STATEMENT_TYPE_DROP:
		return "DROP"
	case duckdb.STATEMENT_TYPE_EXPORT:
		return "EXPORT"
	case duckdb.STATEMENT_TYPE_PRAGMA:
		return "PRAGMA"
	case duckdb.STATEMENT_TYPE_VACUUM:
		return "VACUUM"
	case duckdb.STATEMENT_TYPE_CALL:
		return "CALL/CHECKPOINT"
	case duckdb.STATEMENT_TYPE_LOAD:
		return "INSTALL/LOAD"
	case duckdb.STATEMENT_TYPE_ATTACH:
		return "ATTACH"
	case duckdb.STATEMENT_TYPE_DETACH:
		return "DETACH"
	case duckdb.STATEMENT_TYPE_EXTENSION:
		return "extension"
	}
	return fmt.Sprintf("non-read (type %d)", t)
}

// errNoWord is returned by the small lexer below when the text does not
// start as expected; callers treat it as "refuse".
var errNoWord = errors.New("no word")

// stripExplain returns the statement an EXPLAIN statement explains:
// "EXPLAIN [ANALYZE] [(options)] stmt" → "stmt". DuckDB has already said
// the text is one EXPLAIN statement; anything unexpected returns false and
// the query is refused.
func stripExplain(q string) (string, bool) {
	rest, word, err := nextWord(q)
	if err != nil || !strings.EqualFold(word, "EXPLAIN") {
		return "", false
	}
	if r, w, err := nextWord(rest); err == nil && (strings.EqualFold(w, "ANALYZE") || strings.EqualFold(w, "ANALYSE")) {
		rest = r
	}
	rest = skipSpace(rest)
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return "", false
		}
		rest = rest[end+1:]
	}
	return rest, true
}

// pragmaName returns the name after a leading PRAGMA keyword.
func pragmaName(q string) (string, bool) {
	rest, word, err := nextWord(q)
	if err != nil || !strings.EqualFold(word, "PRAGMA") {
		return "", false
	}
	_, name, err := nextWord(rest)
	if err != nil {
		return "", false
	}
	return strings.ToLower(name), true
}

// nextWord skips spaces and comments and returns the identifier-like word
// that follows and the text after it.
func nextWord(s string) (rest, word string, err error) {
	s = skipSpace(s)
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return s, "", errNoWord
	}
	return s[i:], s[:i], nil
}

// skipSpace skips white space, -- line comments and /* block comments */.
func skipSpace(s string) string {
	for {
		t := strings.TrimLeft(s, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(t, "--"):
			if i := strings.IndexByte(t, '\n'); i >= 0 {
				t = t[i+1:]
			} else {
				t = ""
			}
		case strings.HasPrefix(t, "/*"):
			if i := strings.Index(t[2:], "*/"); i >= 0 {
				t = t[2+i+2:]
			} else {
				t = ""
			}
		default:
			return t
		}
		s = t
	}
}
