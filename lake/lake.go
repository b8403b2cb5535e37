// Package lake is s3sift's on-disk store: Hive-partitioned Parquet files
// under one folder, and a manifest of the source objects already ingested.
//
// Layout (the query package reads it as is):
//
//	<lake>/s3_access_logs/date=YYYY-MM-DD/<name>.parquet
//	<lake>/cloudtrail/date=YYYY-MM-DD/region=<aws_region>/<name>.parquet
//	<lake>/rejects/date=YYYY-MM-DD/<name>.parquet
//	<lake>/_s3sift/            manifest, staging area and lock
//
// Files reach the table folders only by rename from the staging area, after
// the manifest records them, so a reader never sees a half-written file and
// a crash at any point leaves the lake as it was before or after a commit.
package lake

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Internal names under the lake root.
const (
	// InternalDir holds everything that is not table data.
	InternalDir  = "_s3sift"
	manifestName = "manifest.jsonl"
	stagingName  = "staging"
	lockName     = "lock"
)

var (
	// ErrClosed is returned by operations on a closed Lake.
	ErrClosed = errors.New("lake: closed")
	// ErrNotLake is returned when the lake path exists but is not a folder.
	ErrNotLake = errors.New("lake: not a folder")
)

// Lake is an open lake, held exclusively by one writer (an flock on
// _s3sift/lock) until Close. Its methods are safe for concurrent use.
type Lake struct {
	dir    string
	logger *slog.Logger
	lock   *os.File

	mu       sync.Mutex
	closed   bool
	broken   error // a commit failed half-way: no more commits until reopened
	manifest *os.File
	objects  map[string]*Object  // by ID: the latest committed record of each object
	files    map[string][]string // lake file (relative path) -> IDs with rows in it
	names    map[string]string   // interned file names, formats, skip reasons
}

// Open opens the lake in dir for writing, creating it if needed. It waits
// (until ctx is done) for any other writer of the same lake to finish, then
// completes or undoes whatever an interrupted writer left behind and loads
// the manifest. A nil logger discards logs.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Lake, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lake: resolving %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotLake, abs)
	}
	if err := os.MkdirAll(filepath.Join(abs, InternalDir, stagingName), 0o755); err != nil {
		return nil, fmt.Errorf("lake: creating %s: %w", abs, err)
	}
	l := &Lake{dir: abs, logger: logger, objects: map[string]*Object{}, files: map[string][]string{}, names: map[string]string{}}
	if l.lock, err = acquireLock(ctx, filepath.Join(abs, InternalDir, lockName), logger); err != nil {
		return nil, err
	}
	if err := l.load(); err != nil {
		l.lock.Close()
		return nil, err
	}
	if err := l.recover(); err != nil {
		l.manifest.Close()
		l.lock.Close()
		return nil, err
	}
	return l, nil
}

// Dir returns the lake's absolute path.
func (l *Lake) Dir() string { return l.dir }

// Close releases the lake. Segments not committed are left in staging and
// removed by the next Open.
func (l *Lake) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.manifest.Close()
	if lerr := releaseLock(l.lock); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("lake: closing %s: %w", l.dir, err)
	}
	return nil
}

// Lookup returns the manifest's record of the object with this ID.
func (l *Lake) Lookup(id string) (Object, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, ok := l.objects[id]
	if !ok {
		return Object{}, false
	}
	c := *o
	c.Files = slices.Clone(o.Files) // the lake edits its own in place
	return c, true
}

// Objects returns the manifest's records, by ID, as of the call.
func (l *Lake) Objects() iter.Seq[Object] {
	l.mu.Lock()
	objs := make([]Object, 0, len(l.objects))
	for _, o := range l.objects {
		c := *o
		c.Files = slices.Clone(o.Files)
		objs = append(objs, c)
	}
	l.mu.Unlock()
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.ID, b.ID) })
	return slices.Values(objs)
}

// Len returns how many objects the manifest records.
func (l *Lake) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.objects)
}

func (l *Lake) internal(elem ...string) string {
	return filepath.Join(append([]string{l.dir, InternalDir}, elem...)...)
}

// syncDir makes a file's content, or a folder's entries (created, renamed,
// removed files), durable.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncAll syncs paths (files or folders), several at a time.
func syncAll(paths []string) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, 16)
	)
	for _, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := syncDir(p); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("lake: syncing %s: %w", p, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
