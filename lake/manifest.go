package lake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	json "github.com/goccy/go-json"
)

// Object is the manifest's record of one ingested source object.
type Object struct {
	ID      string `json:"id"`      // path or s3:// URL (source.Object.ID)
	Version string `json:"version"` // ETag, or size and mtime (source.Object.Version)
	Size    int64  `json:"size"`    // bytes as stored
	Format  string `json:"format,omitempty"`
	// Rows counts the rows the object added to each table (rejects excluded).
	Rows    int64 `json:"rows"`
	Rejects int64 `json:"rejects"`
	// Skipped, when non-empty, says why the object holds no log.
	Skipped    string    `json:"skipped,omitempty"`
	IngestedAt time.Time `json:"ingested_at"`
	// Files lists the lake files (relative to the lake root) holding the
	// object's rows, so a new version of the object can replace them.
	Files []string `json:"files,omitempty"`
}

// commitRecord is one line of the manifest: everything one commit did.
// The line reaching the disk in full is the commit point.
type commitRecord struct {
	Segment string    `json:"segment"`
	Time    time.Time `json:"time"`
	// Add lists the files moved from staging/<segment>/ into the tables.
	Add []string `json:"add,omitempty"`
	// Remove lists the files this commit deletes from the tables (replaced
	// because an object they held changed).
	Remove []string `json:"remove,omitempty"`
	// Replace maps each removed file that still held other objects' rows to
	// the added file now holding them.
	Replace map[string]string `json:"replace,omitempty"`
	Objects []Object          `json:"objects"`
}

// load reads the manifest and opens it for appending. A last line cut short
// by a crash is not a commit: it is cut off so the next append starts clean.
func (l *Lake) load() error {
	path := l.internal(manifestName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lake: opening manifest: %w", err)
	}
	var good int64
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				l.logger.Warn("dropping an unfinished manifest record left by an interrupted ingest", "manifest", path, "line", n)
			}
			break
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("lake: reading manifest %s: %w", path, err)
		}
		var rec commitRecord
		if err := json.Unmarshal(bytes.TrimSpace(line), &rec); err != nil {
			f.Close()
			return fmt.Errorf("lake: manifest %s line %d is damaged (%v); move the manifest aside to rebuild the lake from scratch", path, n, err)
		}
		l.apply(&rec)
		good += int64(len(line))
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("lake: truncating manifest %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("lake: seeking manifest %s: %w", path, err)
	}
	l.manifest = f
	return nil
}

// apply updates the in-memory manifest with a commit.
func (l *Lake) apply(rec *commitRecord) {
	for _, from := range rec.Remove {
		to, moved := rec.Replace[from]
		for _, id := range l.files[from] {
			o := l.objects[id]
			if o == nil {
				continue
			}
			o.Files = slices.DeleteFunc(o.Files, func(f string) bool { return f == from })
			if moved && !slices.Contains(o.Files, to) {
				to = l.intern(to)
				o.Files = append(o.Files, to)
				l.files[to] = append(l.files[to], id)
			}
		}
		delete(l.files, from)
		delete(l.names, from)
	}
	for i := range rec.Objects {
		o := rec.Objects[i]
		// Many objects share file names, formats and skip reasons: keep
		// one copy of each, as the manifest stays in memory.
		for j, f := range o.Files {
			o.Files[j] = l.intern(f)
		}
		o.Format, o.Skipped = l.intern(o.Format), l.intern(o.Skipped)
		if old := l.objects[o.ID]; old != nil {
			// Rows of the old version were removed by this same commit.
			for _, f := range old.Files {
				l.files[f] = slices.DeleteFunc(l.files[f], func(id string) bool { return id == o.ID })
			}
		}
		for _, f := range o.Files {
			l.files[f] = append(l.files[f], o.ID)
		}
		l.objects[o.ID] = &o
	}
}

// intern returns the one copy of s the lake keeps.
func (l *Lake) intern(s string) string {
	if v, ok := l.names[s]; ok {
		return v
	}
	l.names[s] = s
	return s
}

// appendRecord writes one commit record and makes it durable.
func (l *Lake) appendRecord(rec *commitRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("lake: encoding commit %s: %w", rec.Segment, err)
	}
	b = append(b, '\n')
	if _, err := l.manifest.Write(b); err != nil {
		return fmt.Errorf("lake: appending to manifest: %w", err)
	}
	if err := l.manifest.Sync(); err != nil {
		return fmt.Errorf("lake: syncing manifest: %w", err)
	}
	return nil
}

// committed returns the commit records of the given segments found in the
// manifest, read again from disk (recovery runs once, at Open).
func (l *Lake) committed(segments map[string]bool) (map[string]*commitRecord, error) {
	out := map[string]*commitRecord{}
	if len(segments) == 0 {
		return out, nil
	}
	f, err := os.Open(l.internal(manifestName))
	if err != nil {
		return nil, fmt.Errorf("lake: reading manifest: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			break // the tail was validated by load
		}
		// Cheap filter before decoding: the segment name is near the start.
		var head struct {
			Segment string `json:"segment"`
		}
		if json.Unmarshal(line, &head) != nil || !segments[head.Segment] {
			continue
		}
		rec := new(commitRecord)
		if err := json.Unmarshal(line, rec); err != nil {
			return nil, fmt.Errorf("lake: decoding manifest: %w", err)
		}
		out[rec.Segment] = rec
	}
	return out, nil
}
