package lake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/s3sift/s3sift/event"
)

// Commit makes a segment's files and the records of the objects they came
// from part of the lake, atomically: after a crash at any point the next
// Open finds either all of it or none of it. objs must describe every
// object with rows in the segment, each read in full; their Files are
// filled in here. An object already in the manifest under another version
// is replaced: its old rows are removed in the same commit. The segment is
// spent afterwards.
func (l *Lake) Commit(s *Segment, objs []Object) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writable(); err != nil {
		return err
	}
	now := time.Now().UTC()
	rec := &commitRecord{Segment: s.id, Time: now}
	if err := l.replaceOld(s, rec, objs); err != nil {
		s.Abort()
		return err
	}
	byObject := map[string][]string{}
	for _, f := range s.files {
		rec.Add = append(rec.Add, f.rel)
		for _, o := range f.objects {
			byObject[o] = append(byObject[o], f.rel)
		}
	}
	for _, o := range objs {
		o.Files = byObject[o.ID]
		if o.IngestedAt.IsZero() {
			o.IngestedAt = now
		}
		rec.Objects = append(rec.Objects, o)
	}
	return l.commit(s, rec)
}

// writable says why the lake takes no more commits, if it does not.
func (l *Lake) writable() error {
	if l.closed {
		return ErrClosed
	}
	if l.broken != nil {
		return fmt.Errorf("lake: not writing after an earlier failure (%v); the next ingest repairs the lake", l.broken)
	}
	return nil
}

// commit carries out the commit protocol for rec, whose files s staged:
// sync the staged files, append rec to the manifest (the commit point),
// apply it in memory, then move the files into place. Every change to the
// lake's files goes through here. l.mu is held.
func (l *Lake) commit(s *Segment, rec *commitRecord) error {
	hasFiles := len(rec.Add) > 0 || len(rec.Remove) > 0
	if hasFiles {
		// The staging folder exists from here until publish completes: it
		// tells recovery this commit may be unfinished.
		if err := s.sync(); err != nil {
			s.Abort()
			return err
		}
	}
	if err := l.appendRecord(rec); err != nil {
		// The record may or may not have reached the disk: leave staging
		// for recovery to decide, and stop writing to this lake.
		l.broken = err
		return err
	}
	l.apply(rec)
	if hasFiles {
		if err := l.publish(rec); err != nil {
			l.broken = err
			return fmt.Errorf("%w (the next ingest completes this commit)", err)
		}
	}
	return nil
}

// replaceOld stages, for every object in objs that the manifest holds under
// another version, copies of the files with its old rows minus those rows,
// and records the swap in rec.
func (l *Lake) replaceOld(s *Segment, rec *commitRecord, objs []Object) error {
	gone := map[string]bool{}
	var files []string
	for _, o := range objs {
		old := l.objects[o.ID]
		if old == nil || len(old.Files) == 0 {
			continue
		}
		gone[o.ID] = true
		files = append(files, old.Files...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	for _, rel := range files {
		kept, removed, err := s.rewrite(rel, gone)
		if err != nil {
			return err
		}
		if removed == 0 {
			continue
		}
		rec.Remove = append(rec.Remove, rel)
		if kept != "" {
			if rec.Replace == nil {
				rec.Replace = map[string]string{}
			}
			rec.Replace[rel] = kept
		}
	}
	return nil
}

// rewrite stages a copy of the lake file rel without the rows of the
// objects in gone. It returns the copy's relative path (empty when no row
// is left) and how many rows it dropped.
func (s *Segment) rewrite(rel string, gone map[string]bool) (string, int, error) {
	full := filepath.Join(s.l.dir, filepath.FromSlash(rel))
	switch {
	case strings.HasPrefix(rel, event.TableAccessLogs+"/"):
		return rewriteFile(s, &accessWriters, rel, full, gone, func(r *event.AccessLog) string { return r.SourceObject })
	case strings.HasPrefix(rel, event.TableCloudTrail+"/"):
		return rewriteFile(s, &trailWriters, rel, full, gone, func(r *event.CloudTrail) string { return r.SourceObject })
	case strings.HasPrefix(rel, event.TableRejects+"/"):
		return rewriteFile(s, &rejectWriters, rel, full, gone, func(r *event.Reject) string { return r.SourceObject })
	}
	return "", 0, fmt.Errorf("lake: manifest names %s, which is in no table", rel)
}

func rewriteFile[T any](s *Segment, wp *writerPool[T], rel, full string, gone map[string]bool, object func(*T) string) (string, int, error) {
	f, err := os.Open(full)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, nil // already gone: nothing to remove
	}
	if err != nil {
		return "", 0, fmt.Errorf("lake: opening %s to replace an object's rows: %w", rel, err)
	}
	defer f.Close()
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	rows := &Chunks[T]{}
	buf := make([]T, 1024)
	removed := 0
	for {
		n, err := r.Read(buf)
		for i := range buf[:n] {
			if gone[object(&buf[i])] {
				removed++
				continue
			}
			rows.Append(&buf[i])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", 0, fmt.Errorf("lake: reading %s to replace an object's rows: %w", rel, err)
		}
	}
	defer rows.Truncate(0)
	if removed == 0 || rows.Len() == 0 {
		return "", removed, nil
	}
	newRel, newFull, err := s.newFile(path.Dir(rel))
	if err != nil {
		return "", 0, err
	}
	order := make([]int32, rows.Len())
	objs := map[*byte]string{}
	for i := range order {
		order[i] = int32(i)
		o := object(rows.At(i))
		objs[unsafe.StringData(o)] = o
	}
	if err := writeFile(wp, newFull, rows, order); err != nil {
		return "", 0, err
	}
	s.addFile(newRel, newFull, objs)
	return newRel, removed, nil
}
