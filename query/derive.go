package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// DefaultDeriveMemory is the DuckDB memory limit of Derive unless
// DeriveConfig.MemoryLimit says otherwise; beyond it DuckDB spills to the
// lake's internal folder.
const DefaultDeriveMemory = "2GB"

// ErrOutOfMemory is returned (wrapped) by Derive when DuckDB ran out of
// its memory limit (some of its hash tables cannot spill to disk): a
// larger MemoryLimit is needed.
var ErrOutOfMemory = errors.New("query: storing s3_requests: DuckDB ran out of memory")

// DeriveConfig says which lake's s3_requests to store and how.
type DeriveConfig struct {
	// Lake is the lake folder.
	Lake string
	// Logger receives a line per day stored; nil discards.
	Logger *slog.Logger
	// Threads bounds DuckDB's worker threads; 0 means one per core.
	Threads int
	// MemoryLimit is DuckDB's memory_limit; "" means DefaultDeriveMemory.
	MemoryLimit string
	// Force recomputes every day, even those whose logs did not change.
	Force bool
	// BeforeEngine, when set, is called once before DuckDB starts (it
	// starts only when a day must be merged or CloudTrail read), e.g. to
	// give memory back to the system first.
	BeforeEngine func()
	// Progress, when set, is called after each day is stored (or found to
	// hold no request), with the day and how many are left.
	Progress func(day string, left int)
}

// DeriveSummary is what Derive did.
type DeriveSummary struct {
	Days     int      // days with logs in the lake
	Computed []string // days (re)computed, sorted
	// Direct counts the computed days read straight from one log's files
	// (nothing written; see directSource).
	Direct    int
	Unchanged int   // days whose logs had not changed
	Removed   int   // stored days whose logs are gone
	Rows      int64 // rows of the computed days
	Bytes     int64 // bytes of Parquet written
	// Reason says why every day was recomputed ("" when only changed
	// days were).
	Reason  string
	Elapsed time.Duration
}

// Derive stores s3_requests in the lake, one file per day at
// <lake>/s3_requests/date=YYYY-MM-DD/s3_requests.parquet, sorted by bucket
// and time, so that queries read it instead of merging the logs each time.
// It recomputes only the days whose logs (or the logs of the day either
// side) changed since the last Derive, and every day when the view's SQL
// or the role paths CloudTrail shows changed. Run it after each ingest;
// until then Open answers the changed days from the logs (same rows,
// slower).
//
// Derive holds the lake's writer lock, so it waits for a running ingest and
// an ingest waits for it. Each day's file is written in the lake's internal
// folder and renamed into place: a crash leaves the old file or the new,
// and the next Derive clears what was left.
func Derive(ctx context.Context, cfg DeriveConfig) (DeriveSummary, error) {
	start := time.Now()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lk, err := lake.Open(ctx, cfg.Lake, log)
	if err != nil {
		return DeriveSummary{}, fmt.Errorf("query: storing s3_requests: %w", err)
	}
	defer lk.Close()
	d := &deriver{cfg: cfg, log: log, lake: lk.Dir()}
	sum, err := d.run(ctx)
	sum.Elapsed = time.Since(start)
	return sum, memoryHint(err, d.memoryLimit())
}

// deriver is one Derive run.
type deriver struct {
	cfg   DeriveConfig
	log   *slog.Logger
	lake  string
	tmp   string // scratch folder for day files before their rename
	spill string // DuckDB's temporary folder
	// rolePaths fill the engine's role path table when it starts.
	rolePaths [][3]string
	db        *sql.DB
	conn      *sql.Conn // nil until engine starts it
}

// engine returns the connection to the run's DuckDB, starting it (with the
// role paths loaded) on first use.
func (d *deriver) engine(ctx context.Context) (*sql.Conn, error) {
	if d.conn != nil {
		return d.conn, nil
	}
	if d.cfg.BeforeEngine != nil {
		d.cfg.BeforeEngine()
	}
	db, err := d.openEngine(ctx, d.spill)
	if err != nil {
		d.conn = nil // closed by openEngine
		return nil, err
	}
	d.db = db
	if err := d.loadRolePaths(ctx, d.rolePaths); err != nil {
		return nil, err
	}
	return d.conn, nil
}

func (d *deriver) closeEngine() {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.db != nil {
		d.db.Close()
	}
}

func (d *deriver) run(ctx context.Context) (DeriveSummary, error) {
	var sum DeriveSummary
	base := filepath.Join(d.lake, lake.InternalDir, deriveDir)
	d.tmp = filepath.Join(base, deriveTmpName)
	spill := filepath.Join(base, deriveSpillName)
	// We hold the lock: whatever is here was left by a killed Derive.
	for _, dir := range []string{d.tmp, spill} {
		if err := os.RemoveAll(dir); err != nil {
			return sum, fmt.Errorf("query: clearing %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(d.tmp, 0o755); err != nil {
		return sum, fmt.Errorf("query: creating %s: %w", d.tmp, err)
	}
	defer os.RemoveAll(d.tmp)
	defer os.RemoveAll(spill)

	in, err := listInputs(d.lake)
	if err != nil {
		return sum, err
	}
	sum.Days = len(in.days)
	st, err := loadState(d.lake)
	if err != nil {
		return sum, err
	}

	// DuckDB starts only if a day needs it (a merge, CloudTrail to look
	// into): a lake of access logs alone is updated without it.
	d.spill = spill
	defer d.closeEngine()

	// The role paths come from every CloudTrail record: read them again only
	// when CloudTrail's files changed.
	version, ctHash := viewVersion(), in.cloudTrailHash()
	rolePaths := st.RolePaths
	if st.ViewVersion != version || st.CloudTrailFiles != ctHash || rolePaths == nil {
		// Only access-log lines need them (a CloudTrail record names its
		// role's path itself): without access logs they stay unread (nil),
		// and are read when access logs arrive.
		rolePaths = nil
		if in.hasAccessLogs() {
			if rolePaths, err = d.readRolePaths(ctx, in); err != nil {
				return sum, err
			}
		}
	}
	switch {
	case st.ViewVersion != version:
		sum.Reason = "the view's SQL changed (or s3_requests was never stored)"
	case hashRolePaths(st.RolePaths) != hashRolePaths(rolePaths):
		sum.Reason = "the role paths CloudTrail shows changed"
	case d.cfg.Force:
		sum.Reason = "forced"
	}
	if sum.Reason != "" {
		st.Days = map[string]dayState{}
	}
	if st.ViewVersion != version || st.CloudTrailFiles != ctHash || sum.Reason != "" {
		st.Format, st.ViewVersion, st.CloudTrailFiles, st.RolePaths = deriveFormat, version, ctHash, rolePaths
		if err := st.save(d.lake); err != nil {
			return sum, err
		}
	}
	d.rolePaths = rolePaths
	if d.conn != nil { // started to read them: load them now
		if err := d.loadRolePaths(ctx, rolePaths); err != nil {
			return sum, err
		}
	}

	var todo []string
	for _, day := range in.days {
		ds, ok := st.Days[day]
		if ok && ds.Inputs == in.dayInputs(day) && fileIntact(d.lake, ds) {
			sum.Unchanged++
			continue
		}
		todo = append(todo, day)
	}
	if len(todo) > 0 {
		d.log.Info("storing s3_requests", "days", len(todo), "unchanged", sum.Unchanged, "reason", sum.Reason)
	}
	done := 0
	var merge []string
	direct := map[string]dayState{}
	for _, day := range todo {
		source, rows, err := d.directSource(ctx, in, day)
		if err != nil {
			return sum, err
		}
		if source == "" {
			merge = append(merge, day)
			continue
		}
		direct[day] = dayState{Inputs: in.dayInputs(day), Direct: source, Rows: rows}
	}
	if err := d.publishDirect(st, direct); err != nil {
		return sum, err
	}
	for day, ds := range direct {
		done++
		sum.Computed = append(sum.Computed, day)
		sum.Direct++
		sum.Rows += ds.Rows
		if d.cfg.Progress != nil {
			d.cfg.Progress(day, len(todo)-done)
		}
	}
	// One day at a time: the day and its neighbours' logs are read for
	// each (three times in all), but only one day's rows are held. Three
	// days computed into a table at once were no faster, and that table
	// once ran DuckDB out of memory.
	for _, day := range merge {
		if err := ctx.Err(); err != nil {
			return sum, fmt.Errorf("query: storing s3_requests: interrupted (run again to finish): %w", err)
		}
		t0 := time.Now()
		ds, err := d.mergeDay(ctx, in, st, day)
		if err != nil {
			return sum, err
		}
		done++
		sum.Computed = append(sum.Computed, day)
		sum.Rows += ds.Rows
		sum.Bytes += ds.Size
		if d.cfg.Progress != nil {
			d.cfg.Progress(day, len(todo)-done)
		}
		d.log.Debug("stored s3_requests day", "day", day, "rows", ds.Rows, "took", time.Since(t0))
	}
	slices.Sort(sum.Computed)
	n, err := d.removeGone(in, st)
	sum.Removed = n
	return sum, err
}

// openEngine starts the program's own DuckDB, separate from any user's
// (which is locked read-only), with the macros and operation table the
// view needs.
func (d *deriver) openEngine(ctx context.Context, spill string) (*sql.DB, error) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("query: starting DuckDB: %w", err)
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("query: starting DuckDB: %w", err)
	}
	d.conn = conn
	mem := d.memoryLimit()
	stmts := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET temp_directory = " + quote(spill),
		"SET memory_limit = " + quote(mem),
		"SET preserve_insertion_order = true",
	}
	if d.cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", d.cfg.Threads))
	}
	stmts = append(stmts, macros...)
	stmts = append(stmts, operationsTable()...)
	stmts = append(stmts,
		"CREATE TABLE s3sift_role_paths (account_id VARCHAR, role_name VARCHAR, role_arn VARCHAR)",
		"SET allowed_directories = ["+quote(d.lake)+"]",
		"SET enable_external_access = false",
	)
	if err := d.exec(ctx, stmts...); err != nil {
		conn.Close()
		db.Close()
		return nil, err
	}
	return db, nil
}

func (d *deriver) exec(ctx context.Context, stmts ...string) error {
	for _, s := range stmts {
		if _, err := d.conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("query: storing s3_requests: %w (statement: %s)", err, firstLine(s))
		}
	}
	return nil
}

// matchSlack is how far from a day's bounds the neighbouring days' rows
// are read when merging the day: the two logs record a request seconds
// apart, and reading whole neighbouring days tripled the rows joined.
const matchSlack = 6 * time.Hour

// inputViews defines s3_access_logs and cloudtrail over the given files
// (an empty view with the catalogue's columns when there are none). With a
// day, rows of other days are kept only within matchSlack of its bounds.
func (d *deriver) inputViews(ctx context.Context, accessLogs, cloudTrail []inputFile, day string) error {
	var stmts []string
	for _, t := range storedTables {
		var files []inputFile
		timeCol := "time"
		switch t.name {
		case event.TableAccessLogs:
			files = accessLogs
		case event.TableCloudTrail:
			files, timeCol = cloudTrail, "event_time"
		default:
			continue
		}
		stmts = append(stmts, "DROP VIEW IF EXISTS "+ident(t.name))
		cat, _ := event.LookupTable(t.name)
		if len(files) == 0 {
			stmts = append(stmts, emptyView(cat))
			continue
		}
		view := tableView(t, cat, d.fileList(files))
		if day != "" {
			start, _ := time.Parse(time.DateOnly, day)
			view += fmt.Sprintf(" WHERE date = DATE %s OR (%s >= TIMESTAMP %s AND %s < TIMESTAMP %s)",
				quote(day), timeCol, quote(start.Add(-matchSlack).Format(time.DateTime)),
				timeCol, quote(start.Add(24*time.Hour+matchSlack).Format(time.DateTime)))
		}
		stmts = append(stmts, view)
	}
	return d.exec(ctx, stmts...)
}

// readRolePaths reads the role paths from every CloudTrail file.
func (d *deriver) readRolePaths(ctx context.Context, in *lakeInputs) ([][3]string, error) {
	_, ct := in.files(in.days)
	if len(ct) == 0 {
		return [][3]string{}, nil
	}
	if _, err := d.engine(ctx); err != nil {
		return nil, err
	}
	if err := d.inputViews(ctx, nil, ct, ""); err != nil {
		return nil, err
	}
	rows, err := d.conn.QueryContext(ctx, "SELECT account_id, role_name, role_arn FROM ("+rolePathsQuery+") ORDER BY ALL")
	if err != nil {
		return nil, fmt.Errorf("query: reading role paths from CloudTrail: %w", err)
	}
	defer rows.Close()
	out := [][3]string{}
	for rows.Next() {
		var a, n, r sql.NullString
		if err := rows.Scan(&a, &n, &r); err != nil {
			return nil, fmt.Errorf("query: reading role paths from CloudTrail: %w", err)
		}
		if !a.Valid || !n.Valid || !r.Valid {
			// A NULL key joins nothing; keeping it would only make the
			// table differ from what the live view joins.
			continue
		}
		out = append(out, [3]string{a.String, n.String, r.String})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: reading role paths from CloudTrail: %w", err)
	}
	return out, nil
}

// loadRolePaths fills the table the view joins for role paths.
func (d *deriver) loadRolePaths(ctx context.Context, rp [][3]string) error {
	if err := d.exec(ctx, "DELETE FROM s3sift_role_paths"); err != nil {
		return err
	}
	const batch = 500
	for start := 0; start < len(rp); start += batch {
		vals := make([]string, 0, batch)
		for _, r := range rp[start:min(start+batch, len(rp))] {
			vals = append(vals, fmt.Sprintf("(%s, %s, %s)", quote(r[0]), quote(r[1]), quote(r[2])))
		}
		if err := d.exec(ctx, "INSERT INTO s3sift_role_paths VALUES "+strings.Join(vals, ", ")); err != nil {
			return err
		}
	}
	return nil
}

// mergeDay computes and publishes one merged day.
func (d *deriver) mergeDay(ctx context.Context, in *lakeInputs, st *deriveState, day string) (dayState, error) {
	if _, err := d.engine(ctx); err != nil {
		return dayState{}, err
	}
	if err := d.compute(ctx, in, day); err != nil {
		return dayState{}, err
	}
	return d.publish(ctx, in, st, day)
}

// isOutOfMemory reports whether err is DuckDB's out-of-memory error.
func isOutOfMemory(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Out of Memory Error")
}

// memoryHint marks DuckDB's out-of-memory error, wherever Derive met it,
// with ErrOutOfMemory and the limit that was too small.
func memoryHint(err error, limit string) error {
	if !isOutOfMemory(err) {
		return err
	}
	return fmt.Errorf("%w (limit %s): %w", ErrOutOfMemory, limit, err)
}

func (d *deriver) memoryLimit() string {
	if d.cfg.MemoryLimit == "" {
		return DefaultDeriveMemory
	}
	return d.cfg.MemoryLimit
}

// compute defines the view over the logs the day needs: its own and its
// neighbours'.
func (d *deriver) compute(ctx context.Context, in *lakeInputs, day string) error {
	al, ct := in.files(window(day))
	if err := d.inputViews(ctx, al, ct, day); err != nil {
		return err
	}
	return d.exec(ctx,
		"DROP VIEW IF EXISTS s3sift_requests_day",
		requestsView("s3sift_requests_day", "SELECT * FROM s3sift_role_paths"),
	)
}

// publish writes one computed day into the scratch folder and renames it
// into place. The state forgets the day before the rename and records it
// after, so a crash in between leaves a day that is recomputed, never one
// trusted with the wrong file.
func (d *deriver) publish(ctx context.Context, in *lakeInputs, st *deriveState, day string) (dayState, error) {
	tmp := filepath.Join(d.tmp, day+".parquet")
	const from = "s3sift_requests_day"
	// The date is the folder's, not a column of the file, as in the other
	// tables; hive partitioning adds it back last, where the view has it.
	copyStmt := fmt.Sprintf(`COPY (
	SELECT * EXCLUDE (date) FROM %s WHERE date = DATE %s ORDER BY bucket, time
) TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE %d)`,
		from, quote(day), quote(filepath.ToSlash(tmp)), lake.RowGroupRows)
	res, err := d.conn.ExecContext(ctx, copyStmt)
	if err != nil {
		return dayState{}, fmt.Errorf("query: storing s3_requests of %s: %w", day, err)
	}
	rows, err := res.RowsAffected()
	if err != nil {
		return dayState{}, fmt.Errorf("query: storing s3_requests of %s: %w", day, err)
	}
	ds := dayState{Inputs: in.dayInputs(day), Rows: rows}
	rel := path.Join(event.TableRequests, "date="+day, requestsFileName)
	final := filepath.Join(d.lake, filepath.FromSlash(rel))

	delete(st.Days, day)
	if err := st.save(d.lake); err != nil {
		return dayState{}, err
	}
	if rows == 0 {
		os.Remove(tmp)
		if err := os.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return dayState{}, fmt.Errorf("query: removing %s: %w", rel, err)
		}
	} else {
		if err := syncPath(tmp); err != nil {
			return dayState{}, fmt.Errorf("query: syncing %s: %w", tmp, err)
		}
		fi, err := os.Stat(tmp)
		if err != nil {
			return dayState{}, fmt.Errorf("query: storing s3_requests of %s: %w", day, err)
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return dayState{}, fmt.Errorf("query: creating %s: %w", filepath.Dir(final), err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return dayState{}, fmt.Errorf("query: publishing %s: %w", rel, err)
		}
		for _, dir := range []string{filepath.Dir(final), filepath.Dir(filepath.Dir(final))} {
			if err := syncPath(dir); err != nil {
				return dayState{}, fmt.Errorf("query: syncing %s: %w", dir, err)
			}
		}
		ds.File, ds.Size = rel, fi.Size()
	}
	st.Days[day] = ds
	if err := st.save(d.lake); err != nil {
		return dayState{}, err
	}
	return ds, nil
}

// removeGone drops stored days whose logs are no longer in the lake, and
// any file under s3_requests/ the state does not name.
func (d *deriver) removeGone(in *lakeInputs, st *deriveState) (int, error) {
	removed := 0
	changed := false
	for day := range st.Days {
		if _, ok := slices.BinarySearch(in.days, day); ok {
			continue
		}
		delete(st.Days, day)
		removed++
		changed = true
	}
	if changed {
		if err := st.save(d.lake); err != nil {
			return removed, err
		}
	}
	keep := map[string]bool{}
	for _, ds := range st.Days {
		if ds.File != "" {
			keep[ds.File] = true
		}
	}
	root := filepath.Join(d.lake, event.TableRequests)
	files, err := filepath.Glob(filepath.Join(root, "*", "*"))
	if err != nil {
		return removed, fmt.Errorf("query: listing %s: %w", root, err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(d.lake, f)
		if err != nil || keep[filepath.ToSlash(rel)] {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("query: removing %s: %w", f, err)
		}
		os.Remove(filepath.Dir(f)) // the day's folder, when now empty
	}
	return removed, nil
}
