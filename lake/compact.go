package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/s3sift/s3sift/event"
)

// CompactStats says what Compact did.
type CompactStats struct {
	Partitions int // partitions with files merged
	FilesIn    int // small files merged away
	FilesOut   int // files written in their place
}

// compactRows bounds the rows merged into one file, per table: the rows
// are held in memory while merged (CloudTrail rows are the biggest).
var compactRows = map[string]int64{
	event.TableAccessLogs: 2 * RowGroupRows,
	event.TableCloudTrail: RowGroupRows,
	event.TableRejects:    RowGroupRows,
}

// Compact merges the small files of each partition (those with fewer rows
// than a row group, which many small ingests leave behind) into files of
// full row groups, sorted like any lake file. Each merge is one commit, so
// a crash leaves the lake as before or after it, and rows are never lost
// or doubled. Objects keep pointing at the files that hold their rows.
func (l *Lake) Compact(ctx context.Context) (CompactStats, error) {
	var st CompactStats
	for _, table := range []string{event.TableAccessLogs, event.TableCloudTrail, event.TableRejects} {
		parts, err := l.partitions(table)
		if err != nil {
			return st, err
		}
		for _, dir := range parts {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			groups, err := l.smallGroups(table, dir)
			if err != nil {
				return st, err
			}
			if len(groups) > 0 {
				st.Partitions++
			}
			for _, g := range groups {
				if err := l.merge(table, dir, g); err != nil {
					return st, err
				}
				st.FilesIn += len(g)
				st.FilesOut++
			}
		}
	}
	return st, nil
}

// partitions lists the leaf folders of a table, relative to the lake.
func (l *Lake) partitions(table string) ([]string, error) {
	var out []string
	root := filepath.Join(l.dir, table)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return filepath.SkipDir
		}
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(l.dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lake: listing %s: %w", table, err)
	}
	return out, nil
}

// smallGroups returns the partition's small files that the manifest knows,
// in groups of at least two whose rows fit one merged file.
func (l *Lake) smallGroups(table, dir string) ([][]string, error) {
	entries, err := os.ReadDir(filepath.Join(l.dir, filepath.FromSlash(dir)))
	if err != nil {
		return nil, fmt.Errorf("lake: listing %s: %w", dir, err)
	}
	var groups [][]string
	var cur []string
	var rows int64
	for _, e := range entries {
		rel := path.Join(dir, e.Name())
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".parquet") {
			continue
		}
		l.mu.Lock()
		_, known := l.files[rel]
		l.mu.Unlock()
		if !known {
			continue
		}
		n, err := fileRows(filepath.Join(l.dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		if n >= RowGroupRows {
			continue
		}
		if rows+n > compactRows[table] {
			if len(cur) > 1 {
				groups = append(groups, cur)
			}
			cur, rows = nil, 0
		}
		cur = append(cur, rel)
		rows += n
	}
	if len(cur) > 1 {
		groups = append(groups, cur)
	}
	return groups, nil
}

func fileRows(full string) (int64, error) {
	f, err := os.Open(full)
	if err != nil {
		return 0, fmt.Errorf("lake: opening %s: %w", full, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("lake: opening %s: %w", full, err)
	}
	pf, err := parquet.OpenFile(f, fi.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, fmt.Errorf("lake: reading %s: %w", full, err)
	}
	return pf.NumRows(), nil
}

// merge writes the rows of files (one partition of table) as one new file
// and commits the swap.
func (l *Lake) merge(table, dir string, files []string) error {
	s := l.NewSegment()
	var err error
	switch table {
	case event.TableAccessLogs:
		err = mergeInto(s, files, func(c *Chunks[event.AccessLog]) error { return s.WriteAccessLogs(c, c.Len()) })
	case event.TableCloudTrail:
		err = mergeInto(s, files, func(c *Chunks[event.CloudTrail]) error { return s.WriteCloudTrail(c, c.Len()) })
	case event.TableRejects:
		day, perr := time.Parse(time.DateOnly, strings.TrimPrefix(path.Base(dir), "date="))
		if perr != nil {
			return fmt.Errorf("lake: rejects partition %s has no date", dir)
		}
		err = mergeInto(s, files, func(c *Chunks[event.Reject]) error { return s.WriteRejects(c, c.Len(), day) })
	}
	if err != nil {
		s.Abort()
		return err
	}
	if len(s.files) != 1 || path.Dir(s.files[0].rel) != dir {
		s.Abort()
		return fmt.Errorf("lake: merging %s: rows of other partitions in it (files moved by hand?)", dir)
	}
	return l.commitMerge(s, files)
}

// mergeInto reads every row of files and hands them to write.
func mergeInto[T any](s *Segment, files []string, write func(*Chunks[T]) error) error {
	rows := &Chunks[T]{}
	defer rows.Truncate(0)
	buf := make([]T, 1024)
	for _, rel := range files {
		f, err := os.Open(filepath.Join(s.l.dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("lake: opening %s to merge it: %w", rel, err)
		}
		r := parquet.NewGenericReader[T](f)
		for {
			n, err := r.Read(buf)
			for i := range buf[:n] {
				rows.Append(&buf[i])
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				f.Close()
				return fmt.Errorf("lake: reading %s to merge it: %w", rel, err)
			}
		}
		r.Close()
		f.Close()
	}
	clear(buf)
	return write(rows)
}

// commitMerge commits a merged file in place of the files it merged.
func (l *Lake) commitMerge(s *Segment, merged []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writable(); err != nil {
		s.Abort()
		return err
	}
	for _, f := range merged {
		if _, ok := l.files[f]; !ok {
			s.Abort() // replaced meanwhile by a commit: merge next time
			return nil
		}
	}
	to := s.files[0].rel
	rec := &commitRecord{Segment: s.id, Time: time.Now().UTC(), Add: []string{to}, Remove: slices.Clone(merged), Replace: map[string]string{}}
	for _, f := range merged {
		rec.Replace[f] = to
	}
	return l.commit(s, rec)
}
