package query

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// Where the stored s3_requests lives. The day files are in the lake's
// usual layout; the record of what they were computed from, and the
// scratch space of a derive, are internal.
const (
	// requestsFileName is the one file of a stored day: a new version
	// replaces the old by rename, so a day never has two.
	requestsFileName = "s3_requests.parquet"
	deriveDir        = "derive"
	deriveStateName  = "s3_requests.json"
	deriveTmpName    = "tmp"
	deriveSpillName  = "spill"
	// deriveFormat versions the stored files and the state record; bump it
	// when either changes meaning.
	deriveFormat = 2
)

// deriveState records what the stored s3_requests was computed from. A
// stored day is used only when its record matches the lake as it is.
type deriveState struct {
	Format int `json:"format"`
	// ViewVersion is the hash of every statement the view's rows depend on
	// (macros, s3_operations, the view itself).
	ViewVersion string `json:"view_version"`
	// CloudTrailFiles is the hash of the list of every CloudTrail file: the
	// role paths below were read from exactly these.
	CloudTrailFiles string `json:"cloudtrail_files"`
	// RolePaths is nil when they were not read (a lake without access
	// logs does not need them).
	RolePaths [][3]string `json:"role_paths"`
	// Days holds the days stored, by YYYY-MM-DD. A day being recomputed
	// is absent, so a crash leaves it unused rather than wrong.
	Days map[string]dayState `json:"days"`
}

// dayState is one stored day.
type dayState struct {
	// Inputs is the hash of the list of source files (with sizes) of the
	// day and the days either side: a request's access-log line and
	// CloudTrail record may fall on both sides of midnight.
	Inputs string `json:"inputs"`
	// File is the day's file relative to the lake ("" when the day has no
	// S3 request, e.g. only management events).
	File string `json:"file,omitempty"`
	Size int64  `json:"size,omitempty"`
	Rows int64  `json:"rows"`
	// Direct, when set, names the one log the day's requests are read
	// from at query time (see directSource); File is then "".
	Direct string `json:"direct,omitempty"`

	day string // YYYY-MM-DD, set by freshness
}

func statePath(lakeDir string) string {
	return filepath.Join(lakeDir, lake.InternalDir, deriveDir, deriveStateName)
}

// loadState reads the state record; a missing or unreadable one is an empty
// state (everything is recomputed, nothing stored is trusted).
func loadState(lakeDir string) (*deriveState, error) {
	st := &deriveState{Days: map[string]dayState{}}
	b, err := os.ReadFile(statePath(lakeDir))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("query: reading %s: %w", statePath(lakeDir), err)
	}
	var got deriveState
	if err := json.Unmarshal(b, &got); err != nil || got.Format != deriveFormat {
		return st, nil
	}
	if got.Days == nil {
		got.Days = map[string]dayState{}
	}
	return &got, nil
}

// save writes the state record atomically (temporary file, sync, rename,
// sync of the folder).
func (st *deriveState) save(lakeDir string) error {
	path := statePath(lakeDir)
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("query: encoding %s: %w", path, err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("query: writing %s: %w", tmp, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncPath(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("query: writing %s: %w", path, err)
	}
	return nil
}

// syncPath makes a file's content or a folder's entries durable.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// inputFile is one source Parquet file of the view.
type inputFile struct {
	rel  string // relative to the lake, slash-separated
	size int64
}

// lakeInputs lists the source files of the view, by day.
type lakeInputs struct {
	accessLogs map[string][]inputFile // by YYYY-MM-DD
	cloudTrail map[string][]inputFile
	days       []string // every day with a file of either, sorted
}

// listInputs lists the files the live view reads, with the same patterns.
func listInputs(lakeDir string) (*lakeInputs, error) {
	in := &lakeInputs{accessLogs: map[string][]inputFile{}, cloudTrail: map[string][]inputFile{}}
	seen := map[string]bool{}
	for _, t := range storedTables {
		var byDay map[string][]inputFile
		switch t.name {
		case event.TableAccessLogs:
			byDay = in.accessLogs
		case event.TableCloudTrail:
			byDay = in.cloudTrail
		default:
			continue
		}
		files, err := filepath.Glob(filepath.Join(lakeDir, filepath.FromSlash(t.glob)))
		if err != nil {
			return nil, fmt.Errorf("query: listing %s: %w", t.name, err)
		}
		for _, f := range files {
			rel, err := filepath.Rel(lakeDir, f)
			if err != nil {
				return nil, fmt.Errorf("query: listing %s: %w", t.name, err)
			}
			rel = filepath.ToSlash(rel)
			day, ok := partitionDay(rel)
			if !ok {
				return nil, fmt.Errorf("query: %s is not in a date=YYYY-MM-DD folder", rel)
			}
			fi, err := os.Stat(f)
			if errors.Is(err, fs.ErrNotExist) {
				continue // replaced by an ingest since the listing
			}
			if err != nil {
				return nil, fmt.Errorf("query: listing %s: %w", t.name, err)
			}
			byDay[day] = append(byDay[day], inputFile{rel: rel, size: fi.Size()})
			if !seen[day] {
				seen[day] = true
				in.days = append(in.days, day)
			}
		}
	}
	slices.Sort(in.days)
	return in, nil
}

// partitionDay returns the YYYY-MM-DD of a file's date=… folder.
func partitionDay(rel string) (string, bool) {
	for _, part := range strings.Split(rel, "/") {
		if d, ok := strings.CutPrefix(part, "date="); ok {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return "", false
			}
			return d, true
		}
	}
	return "", false
}

// window returns the days the stored day depends on: it and its neighbours.
func window(day string) []string {
	t, _ := time.Parse(time.DateOnly, day)
	return []string{t.AddDate(0, 0, -1).Format(time.DateOnly), day, t.AddDate(0, 0, 1).Format(time.DateOnly)}
}

// files returns the access-log and CloudTrail files of the days.
func (in *lakeInputs) files(days []string) (accessLogs, cloudTrail []inputFile) {
	for _, d := range days {
		accessLogs = append(accessLogs, in.accessLogs[d]...)
		cloudTrail = append(cloudTrail, in.cloudTrail[d]...)
	}
	return accessLogs, cloudTrail
}

// dayInputs is the hash of what the stored day is computed from.
func (in *lakeInputs) dayInputs(day string) string {
	al, ct := in.files(window(day))
	return hashFiles(al, ct)
}

// hasAccessLogs reports whether the lake holds access-log files.
func (in *lakeInputs) hasAccessLogs() bool { return len(in.accessLogs) > 0 }

// cloudTrailHash is the hash of the list of every CloudTrail file.
func (in *lakeInputs) cloudTrailHash() string {
	var all []inputFile
	for _, d := range in.days {
		all = append(all, in.cloudTrail[d]...)
	}
	return hashFiles(all)
}

func hashFiles(lists ...[]inputFile) string {
	h := sha256.New()
	for i, l := range lists {
		fmt.Fprintf(h, "list %d\n", i)
		sorted := slices.Clone(l)
		slices.SortFunc(sorted, func(a, b inputFile) int { return strings.Compare(a.rel, b.rel) })
		for _, f := range sorted {
			fmt.Fprintf(h, "%s\x00%d\n", f.rel, f.size)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// viewVersion is the hash of every statement the view's rows depend on, so
// that any change to the SQL (or to the operation mapping) makes the stored
// days stale.
func viewVersion() string {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n", deriveFormat)
	for _, s := range macros {
		fmt.Fprintln(h, s)
	}
	for _, s := range operationsTable() {
		fmt.Fprintln(h, s)
	}
	fmt.Fprintln(h, requestsView("v", "SELECT * FROM role_paths_table"))
	fmt.Fprintln(h, directAccessLogs("files", [][3]string{{"a", "r", "arn"}}))
	fmt.Fprintln(h, directCloudTrail("files"))
	fmt.Fprintln(h, rolePathsQuery)
	for _, t := range storedTables {
		fmt.Fprintln(h, t.glob, t.hiveTypes)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashRolePaths is the hash of a role path map.
func hashRolePaths(rp [][3]string) string {
	h := sha256.New()
	for _, r := range rp {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", r[0], r[1], r[2])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RequestsStatus says how s3_requests is answered: as Derive recorded
// (fast: a stored merged day, or a day read straight from one log's s3r_
// columns), or computed from the logs at query time (the live view, slow).
type RequestsStatus struct {
	// Days is the number of days with logs in the lake.
	Days int
	// StoredDays are answered as Derive recorded them; LiveDays, sorted,
	// are computed at query time because Derive has not seen them or their
	// logs changed since it did.
	StoredDays int
	LiveDays   []string
	// Reason says why days are live ("" when none is).
	Reason string
}

// Stale reports whether some days are computed at query time.
func (s RequestsStatus) Stale() bool { return len(s.LiveDays) > 0 }

// freshness compares the state record with the lake: which stored days
// can be used, and which must come from the live view.
func freshness(lakeDir string, in *lakeInputs, st *deriveState) (stored []dayState, status RequestsStatus) {
	status.Days = len(in.days)
	allLive := func(reason string) ([]dayState, RequestsStatus) {
		status.LiveDays = slices.Clone(in.days)
		if len(in.days) > 0 {
			status.Reason = reason
		}
		return nil, status
	}
	switch {
	case st.ViewVersion == "":
		return allLive("s3_requests has not been stored yet")
	case st.ViewVersion != viewVersion():
		return allLive("s3_requests was stored by another version of s3sift")
	case st.CloudTrailFiles != in.cloudTrailHash():
		// The role paths of every day may have changed.
		return allLive("CloudTrail logs were added or replaced since s3_requests was stored")
	}
	for _, d := range in.days {
		ds, ok := st.Days[d]
		if ok && ds.Inputs == in.dayInputs(d) && fileIntact(lakeDir, ds) {
			status.StoredDays++
			if ds.File != "" || ds.Direct != "" {
				ds.day = d
				stored = append(stored, ds)
			}
			continue
		}
		status.LiveDays = append(status.LiveDays, d)
	}
	if len(status.LiveDays) > 0 {
		status.Reason = "logs of these days were added or replaced since s3_requests was stored"
	}
	return stored, status
}

// fileIntact reports whether a stored day's file is there, as recorded.
func fileIntact(lakeDir string, ds dayState) bool {
	if ds.File == "" {
		return true
	}
	fi, err := os.Stat(filepath.Join(lakeDir, filepath.FromSlash(ds.File)))
	return err == nil && fi.Size() == ds.Size
}

// requestsViews returns the statements that define s3_requests_live (the
// logs merged at query time) and s3_requests: the stored days where they
// are up to date, the live view for the other days. Both always hold the
// same rows.
func requestsViews(lakeDir string) ([]string, RequestsStatus, error) {
	stmts := []string{requestsView(liveRequests, rolePathsQuery)}
	in, err := listInputs(lakeDir)
	if err != nil {
		return nil, RequestsStatus{}, err
	}
	// A record that cannot be read (permissions) only means nothing stored
	// is trusted: the live view still answers.
	st, _ := loadState(lakeDir)
	stored, status := freshness(lakeDir, in, st)
	live := fmt.Sprintf("SELECT * FROM %s", ident(liveRequests))
	var files []string
	direct := map[string][]string{}
	for _, ds := range stored {
		if ds.Direct != "" {
			direct[ds.Direct] = append(direct[ds.Direct], ds.day)
			continue
		}
		files = append(files, quote(filepath.ToSlash(filepath.Join(lakeDir, filepath.FromSlash(ds.File)))))
	}
	var parts []string
	if len(files) > 0 {
		parts = append(parts, fmt.Sprintf(
			"SELECT * FROM read_parquet([%s], hive_partitioning = true, hive_types = {'date': DATE})",
			strings.Join(files, ", ")))
	}
	parts = append(parts, directParts(lakeDir, direct, st)...)
	if len(status.LiveDays) > 0 {
		days := make([]string, len(status.LiveDays))
		for i, d := range status.LiveDays {
			days[i] = "DATE " + quote(d)
		}
		if len(stored) == 0 && status.StoredDays == 0 {
			parts = append(parts, live)
		} else {
			parts = append(parts, live+" WHERE date IN ("+strings.Join(days, ", ")+")")
		}
	}
	if len(parts) == 0 {
		// No request at all (an empty lake, or days without S3 events).
		parts = append(parts, live)
	}
	stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS %s", ident(event.TableRequests), strings.Join(parts, "\nUNION ALL\n")))
	return stmts, status, nil
}

// liveRequests is the name of the view that merges the logs at query time.
const liveRequests = "s3_requests_live"
