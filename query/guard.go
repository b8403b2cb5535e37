package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// checker decides whether a statement may run, by DuckDB's own parser and
// without binding or running anything: json_serialize_sql parses the text
// and serialises it only when every statement in it is a SELECT-like read
// (SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE), and the parse
// tree then tells how many statements there are and which table functions
// they call. EXPLAIN is checked by checking the statement it explains, and
// a few PRAGMAs that DuckDB rewrites into reads are allowed by name.
//
// Nothing that is not known to be a read is prepared: preparing is not
// harmless (binding EXPORT DATABASE creates its folder). DuckDB's
// allowed_directories and enable_external_access keep every file access
// inside the lake, but inside it COPY … TO, EXPORT DATABASE and table
// functions such as enable_logging could still write: this filter is what
// keeps queries read-only.
type checker struct{ db *sql.DB }

// maxExplainDepth bounds EXPLAIN EXPLAIN … nesting.
const maxExplainDepth = 4

func (c *checker) check(ctx context.Context, query string) error {
	return c.checkDepth(ctx, query, 0)
}

func (c *checker) checkDepth(ctx context.Context, query string, depth int) error {
	tree, err := c.parse(ctx, query)
	if err != nil {
		return err
	}
	if !tree.Error {
		switch len(tree.Statements) {
		case 0:
			return fmt.Errorf("query: %w", ErrEmptyQuery)
		case 1:
			return walk(tree.Statements)
		}
		return fmt.Errorf("query: %w", ErrMultipleStatements)
	}
	if tree.ErrorType == "parser" {
		return &SyntaxError{Msg: tree.ErrorMessage, Query: query, Pos: atoiOr(tree.Position, -1)}
	}
	stmts := splitStatements(query)
	if len(stmts) > 1 {
		for _, st := range stmts {
			if kw := leadingKeyword(st); !readKeywords[kw] {
				return fmt.Errorf("query: %w (and %s statements are refused: %w)", ErrMultipleStatements, kw, ErrReadOnly)
			}
		}
		return fmt.Errorf("query: %w", ErrMultipleStatements)
	}
	switch kw := leadingKeyword(query); kw {
	case "EXPLAIN":
		inner, ok := stripExplain(query)
		if !ok || depth >= maxExplainDepth {
			return fmt.Errorf("query: %w: s3sift could not read this EXPLAIN; write it as EXPLAIN [ANALYZE] SELECT …", ErrReadOnly)
		}
		return c.checkDepth(ctx, inner, depth+1)
	case "PRAGMA":
		return c.checkPragma(ctx, query)
	case "":
		return fmt.Errorf("query: %w: s3sift cannot check this statement (%s)", ErrReadOnly, tree.ErrorMessage)
	default:
		return fmt.Errorf("query: %w: %s statements are refused", ErrReadOnly, kw)
	}
}

// parsed is json_serialize_sql's answer.
type parsed struct {
	Error        bool   `json:"error"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	Position     string `json:"position"`
	Statements   []any  `json:"statements"`
}

func (c *checker) parse(ctx context.Context, query string) (*parsed, error) {
	var text string
	err := c.db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR)) AS VARCHAR)", query).Scan(&text)
	if err != nil {
		return nil, fmt.Errorf("query: checking the statement: %w", err)
	}
	var tree parsed
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return nil, fmt.Errorf("query: checking the statement: %w", err)
	}
	return &tree, nil
}

// checkPragma allows the PRAGMAs DuckDB rewrites into read queries. Only
// then is the text prepared, which also proves it is a single statement
// (the driver's Prepare refuses several) and that DuckDB made it a SELECT.
func (c *checker) checkPragma(ctx context.Context, query string) error {
	name, ok := pragmaName(query)
	if !ok || !readPragmas[name] {
		return fmt.Errorf("query: %w: PRAGMA %s is not allowed (use DESCRIBE, SHOW or PRAGMA table_info)", ErrReadOnly, name)
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
	if typ != duckdb.STATEMENT_TYPE_SELECT {
		return fmt.Errorf("query: %w: PRAGMA %s is not a read here", ErrReadOnly, name)
	}
	return nil
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
	if strings.Contains(err.Error(), "multi-statement") {
		return 0, fmt.Errorf("query: %w", ErrMultipleStatements)
	}
	return 0, fmt.Errorf("query: %w", err)
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
