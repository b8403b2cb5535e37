package lake

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// recover finishes or undoes the segments an interrupted writer left in
// staging. A segment whose commit record is in the manifest is rolled
// forward (its files renamed into place, replaced files removed); any other
// segment never committed and is deleted.
func (l *Lake) recover() error {
	staging := l.internal(stagingName)
	entries, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("lake: reading staging: %w", err)
	}
	segs := map[string]bool{}
	for _, e := range entries {
		segs[e.Name()] = true
	}
	recs, err := l.committed(segs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if rec, ok := recs[name]; ok {
			l.logger.Info("completing a commit interrupted by a crash", "segment", name, "files", len(rec.Add))
			if err := l.publish(rec); err != nil {
				return err
			}
			continue
		}
		l.logger.Info("removing uncommitted staging left by an interrupted ingest", "segment", name)
		if err := os.RemoveAll(filepath.Join(staging, name)); err != nil {
			return fmt.Errorf("lake: removing staging %s: %w", name, err)
		}
	}
	return nil
}

// publish moves a committed segment's files into the tables, removes the
// files it replaces and then its staging folder. It is idempotent: recovery
// runs it again after a crash half-way through.
func (l *Lake) publish(rec *commitRecord) error {
	stage := l.internal(stagingName, rec.Segment)
	dirs := map[string]bool{}
	for _, rel := range rec.Add {
		from := filepath.Join(stage, filepath.FromSlash(rel))
		to := filepath.Join(l.dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return fmt.Errorf("lake: creating %s: %w", filepath.Dir(to), err)
		}
		if err := os.Rename(from, to); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if _, serr := os.Stat(to); serr == nil {
					continue // moved before the crash
				}
				return fmt.Errorf("lake: committed file %s is missing from staging and from the table; the lake lost data (disk or manual change?)", rel)
			}
			return fmt.Errorf("lake: publishing %s: %w", rel, err)
		}
		// Sync the new file's folder and the folders MkdirAll may have made.
		for d := filepath.Dir(to); len(d) > len(l.dir); d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for _, rel := range rec.Remove {
		p := filepath.Join(l.dir, filepath.FromSlash(rel))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lake: removing replaced file %s: %w", rel, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	if err := syncAll(slices.Collect(maps.Keys(dirs))); err != nil {
		return err
	}
	if err := os.RemoveAll(stage); err != nil {
		return fmt.Errorf("lake: removing staging %s: %w", rec.Segment, err)
	}
	return nil
}
