// Package query is s3sift's SQL engine: an embedded DuckDB with read-only
// views over the lake (s3_access_logs, cloudtrail, rejects, s3_requests) and
// the operation table s3_operations. Only read statements reach the engine,
// and the engine itself can neither read nor write outside the lake.
package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Errors callers can test with errors.Is.
var (
	// ErrReadOnly: the statement is not a read statement (or uses a
	// function with side effects).
	ErrReadOnly = errors.New("only read statements (SELECT, WITH, VALUES, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE) are allowed")
	// ErrMultipleStatements: the text holds more than one statement.
	ErrMultipleStatements = errors.New("one statement at a time: remove the other statements (and the ';' between them)")
	// ErrEmptyQuery: the text holds no statement at all.
	ErrEmptyQuery = errors.New("empty query")
	// ErrNoLake: the lake folder does not exist.
	ErrNoLake = errors.New("lake folder does not exist")
	// ErrClosed: the DB was closed.
	ErrClosed = errors.New("query: database is closed")
)

// spillSeq numbers the private spill folders of one process.
var spillSeq atomic.Int64

// Config says which lake to open and how to run DuckDB.
type Config struct {
	// Lake is the lake folder (see DESIGN.md): <lake>/<table>/date=…/*.parquet.
	Lake string
	// Logger receives debug logs of the statements run; nil discards them.
	Logger *slog.Logger
	// Threads bounds DuckDB's worker threads; 0 keeps DuckDB's default
	// (one per core).
	Threads int
	// MemoryLimit is DuckDB's memory_limit ("2GB"); "" keeps the default.
	MemoryLimit string
	// TempDir is where DuckDB may spill large sorts and joins. "" means a
	// private folder under os.TempDir, created only when needed and removed
	// by Close.
	TempDir string
	// Setup are more statements (views, macros) to run once the lake's views
	// exist and before the configuration is locked, such as the Athena
	// compatibility views. They come from the program, never from a user.
	Setup []string
}

// DB is an open, read-only view of a lake. It is safe for concurrent use.
type DB struct {
	db      *sql.DB
	lake    string
	tmp     string
	ownTmp  bool
	log     *slog.Logger
	checker *checker
	// requests says which days of s3_requests are stored, as of Open.
	requests RequestsStatus
}

// Open opens the lake read-only: it creates the views over whatever the
// lake holds (tables without files yet are empty views with the catalogue's
// column types), then locks DuckDB's configuration so that queries cannot
// read or write outside the lake, install or load extensions, or change
// settings.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	lake, err := resolveLake(cfg.Lake)
	if err != nil {
		return nil, err
	}
	d := &DB{lake: lake, log: log, tmp: cfg.TempDir}
	if d.tmp == "" {
		// Named, not created: DuckDB creates it only if a query spills, so
		// a process that exits without Close leaves nothing behind.
		d.tmp = filepath.Join(os.TempDir(), fmt.Sprintf("s3sift-duckdb-%d-%d", os.Getpid(), spillSeq.Add(1)))
		d.ownTmp = true
	}
	if d.tmp, err = filepath.Abs(d.tmp); err != nil {
		d.cleanup()
		return nil, fmt.Errorf("query: spill folder: %w", err)
	}
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		d.cleanup()
		return nil, fmt.Errorf("query: starting DuckDB: %w", err)
	}
	d.db = sql.OpenDB(connector)
	d.checker = &checker{db: d.db}
	if err := d.setup(ctx, cfg); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// resolveLake makes the lake path absolute and free of symbolic links, the
// form DuckDB's allowed_directories compares against.
func resolveLake(lake string) (string, error) {
	if lake == "" {
		return "", fmt.Errorf("query: %w: no lake folder given (use --lake)", ErrNoLake)
	}
	abs, err := filepath.Abs(lake)
	if err != nil {
		return "", fmt.Errorf("query: lake %s: %w", lake, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("query: %w: %s (ingest logs into it first: s3sift ingest --lake %s …)", ErrNoLake, abs, lake)
		}
		return "", fmt.Errorf("query: lake %s: %w", lake, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("query: lake %s: %w", lake, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("query: lake %s is a file, not a folder", lake)
	}
	return real, nil
}

// setup runs the set-up statements in order: engine settings, the views,
// then the lock.
func (d *DB) setup(ctx context.Context, cfg Config) error {
	stmts := []string{
		// Before anything could trigger an extension load.
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET temp_directory = " + quote(d.tmp),
	}
	if cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", cfg.Threads))
	}
	if cfg.MemoryLimit != "" {
		stmts = append(stmts, "SET memory_limit = "+quote(cfg.MemoryLimit))
	}
	stmts = append(stmts, macros...)
	stmts = append(stmts, operationsTable()...)
	views, err := storedViews(d.lake)
	if err != nil {
		return err
	}
	stmts = append(stmts, views...)
	requests, status, err := requestsViews(d.lake)
	if err != nil {
		return err
	}
	d.requests = status
	if status.Stale() {
		d.log.Warn("s3_requests: some days are not stored and are computed from the logs at each query, which is much slower; ingesting again stores them",
			"live_days", len(status.LiveDays), "days", status.Days, "reason", status.Reason, "lake", d.lake)
	}
	stmts = append(stmts, requests...)
	stmts = append(stmts, cfg.Setup...)
	stmts = append(stmts,
		"SET allowed_directories = ["+quote(d.lake)+", "+quote(d.tmp)+"]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	for _, s := range stmts {
		start := time.Now()
		if _, err := d.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("query: setting up the views: %w (statement: %s)", err, firstLine(s))
		}
		d.log.Debug("setup", "stmt", firstLine(s), "took", time.Since(start))
	}
	return nil
}

// Requests says, as of Open, which days of s3_requests are read from the
// stored table and which are computed from the logs at query time
// (s3_requests_live, the same rows, slower). Derive stores the stale days.
func (d *DB) Requests() RequestsStatus {
	s := d.requests
	s.LiveDays = slices.Clone(s.LiveDays)
	return s
}

// Lake returns the lake folder the DB reads, absolute.
func (d *DB) Lake() string { return d.lake }

// Query runs one read-only statement and returns its rows. Statements that
// are not reads, use functions with side effects, or come several at once
// are refused before they reach the engine (errors.Is ErrReadOnly,
// ErrMultipleStatements); DuckDB's own errors (syntax, binding) are
// returned as DuckDB words them, position included.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.db == nil {
		return nil, ErrClosed
	}
	if err := d.checker.check(ctx, query); err != nil {
		return nil, err
	}
	start := time.Now()
	rows, err := d.db.QueryContext(ctx, query, args...)
	d.log.Debug("query", "sql", query, "took", time.Since(start), "err", err)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rows, nil
}

// Check reports whether query would be accepted by Query, without running
// it: nil, or the same error Query would return before execution.
func (d *DB) Check(ctx context.Context, query string) error {
	if d.db == nil {
		return ErrClosed
	}
	return d.checker.check(ctx, query)
}

// Close releases DuckDB and removes the private spill folder.
func (d *DB) Close() error {
	var err error
	if d.db != nil {
		err = d.db.Close()
		d.db = nil
	}
	d.cleanup()
	return err
}

func (d *DB) cleanup() {
	if d.ownTmp && d.tmp != "" {
		os.RemoveAll(d.tmp)
		d.ownTmp = false
	}
}

// quote makes s a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ident makes s a SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
