package lake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/s3sift/s3sift/event"
)

// Segment is a set of Parquet files staged for one commit, under
// _s3sift/staging/<id>/ in the same layout as the tables. Nothing in a
// segment is visible in the tables until Lake.Commit. A Segment is used by
// one goroutine at a time.
type Segment struct {
	l     *Lake
	id    string
	dir   string
	n     int
	files []stagedFile
	made  map[string]bool // staging folders created, synced at commit
	bytes int64
}

// stagedFile is one staged file and the source objects with rows in it.
type stagedFile struct {
	rel     string // path relative to the lake root, slash-separated
	objects []string
}

var (
	accessWriters = writerPool[event.AccessLog]{columns: accessColumns}
	trailWriters  writerPool[event.CloudTrail]
	rejectWriters writerPool[event.Reject]
)

// NewSegment starts an empty segment. Its staging folder is created on the
// first write.
func (l *Lake) NewSegment() *Segment {
	var b [6]byte
	rand.Read(b[:])
	id := time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
	return &Segment{l: l, id: id, dir: l.internal(stagingName, id), made: map[string]bool{}}
}

// ID returns the segment's name, also the prefix of its files' names.
func (s *Segment) ID() string { return s.id }

// Len returns how many files the segment holds.
func (s *Segment) Len() int { return len(s.files) }

// Bytes returns the total size of the segment's files.
func (s *Segment) Bytes() int64 { return s.bytes }

// Abort deletes the segment's staged files.
func (s *Segment) Abort() error {
	s.files = nil
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("lake: removing staging %s: %w", s.id, err)
	}
	return nil
}

// WriteAccessLogs stages the first n rows as files of the s3_access_logs
// table, one per day of the rows' time (UTC), each sorted by (bucket,
// time). It reorders nothing in rows and keeps no reference to them.
func (s *Segment) WriteAccessLogs(rows *Chunks[event.AccessLog], n int) error {
	keys := newSortKeys(n)
	for i := range n {
		r := rows.At(i)
		keys.add(dayOf(r.Time), r.Bucket, r.Time.UnixMicro())
	}
	return writeRuns(s, &accessWriters, rows, keys, false, func(day int32, _ string) string {
		return event.TableAccessLogs + "/date=" + dayString(day)
	}, func(r *event.AccessLog) string { return r.SourceObject })
}

// WriteCloudTrail stages the first n rows as files of the cloudtrail
// table, one per day of event_time (UTC) and region, each sorted by
// event_time.
func (s *Segment) WriteCloudTrail(rows *Chunks[event.CloudTrail], n int) error {
	keys := newSortKeys(n)
	for i := range n {
		r := rows.At(i)
		keys.add(dayOf(r.EventTime), regionDir(r.AWSRegion), r.EventTime.UnixMicro())
	}
	return writeRuns(s, &trailWriters, rows, keys, true, func(day int32, region string) string {
		return event.TableCloudTrail + "/date=" + dayString(day) + "/region=" + region
	}, func(r *event.CloudTrail) string { return r.SourceObject })
}

// WriteRejects stages the first n rows as a file of the rejects table in
// the partition of day (the ingestion date), sorted by source object and
// line.
func (s *Segment) WriteRejects(rows *Chunks[event.Reject], n int, day time.Time) error {
	d := dayOf(day)
	keys := newSortKeys(n)
	for i := range n {
		r := rows.At(i)
		keys.add(d, r.SourceObject, r.SourceLine)
	}
	return writeRuns(s, &rejectWriters, rows, keys, false, func(day int32, _ string) string {
		return event.TableRejects + "/date=" + dayString(day)
	}, func(r *event.Reject) string { return r.SourceObject })
}

// sortKey orders rows by day, then a string (bucket, region or object),
// then t, then position. The day and the string's rank among the distinct
// strings are packed in one integer, so that sorting compares integers
// only: comparing the bucket strings themselves was a tenth of the
// writer's time.
type sortKey struct {
	ds int64 // day<<32 | rank of the string
	t  int64
	i  int32
}

// sortKeys builds the keys of rows 0, 1, … in order, giving each distinct
// string a provisional number on first sight (rows of one object share
// their bucket, so the map is consulted only when it changes).
type sortKeys struct {
	keys  []sortKey
	strs  []string       // by provisional number
	ids   map[string]int // provisional number by string
	last  string
	lastN int
}

func newSortKeys(n int) *sortKeys {
	return &sortKeys{keys: make([]sortKey, 0, n), ids: map[string]int{}, lastN: -1}
}

func (k *sortKeys) add(day int32, s string, t int64) {
	if k.lastN < 0 || s != k.last {
		id, ok := k.ids[s]
		if !ok {
			id = len(k.strs)
			k.ids[s] = id
			k.strs = append(k.strs, s)
		}
		k.last, k.lastN = s, id
	}
	k.keys = append(k.keys, sortKey{ds: int64(day)<<32 | int64(k.lastN), t: t, i: int32(len(k.keys))})
}

// sorted replaces the provisional numbers by ranks in string order, sorts
// the keys and returns the strings by rank.
func (k *sortKeys) sorted() []string {
	order := make([]int, len(k.strs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(k.strs[a], k.strs[b]) })
	rank := make([]int64, len(order))
	byRank := make([]string, len(order))
	for r, id := range order {
		rank[id] = int64(r)
		byRank[r] = k.strs[id]
	}
	for j := range k.keys {
		ds := k.keys[j].ds
		k.keys[j].ds = ds&^(1<<32-1) | rank[ds&(1<<32-1)]
	}
	slices.SortFunc(k.keys, func(a, b sortKey) int {
		if a.ds != b.ds {
			return cmpInt64(a.ds, b.ds)
		}
		if a.t != b.t {
			return cmpInt64(a.t, b.t)
		}
		return int(a.i - b.i)
	})
	return byRank
}

func cmpInt64(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

// writeRuns sorts rows by keys and writes one file per partition. When
// sIsPartition is set, the string is part of the partition (CloudTrail's
// region).
func writeRuns[T any](s *Segment, wp *writerPool[T], rows *Chunks[T], sk *sortKeys, sIsPartition bool, partition func(day int32, s string) string, object func(*T) string) error {
	if len(sk.keys) == 0 {
		return nil
	}
	strs := sk.sorted()
	keys := sk.keys
	order := make([]int32, len(keys))
	for start := 0; start < len(keys); {
		day := keys[start].ds >> 32
		end := start + 1
		if sIsPartition {
			for end < len(keys) && keys[end].ds == keys[start].ds {
				end++
			}
		} else {
			for end < len(keys) && keys[end].ds>>32 == day {
				end++
			}
		}
		// Rows of one object share their SourceObject string, so the
		// string's data pointer identifies the object cheaply.
		objs := map[*byte]string{}
		var last *byte
		for j, k := range keys[start:end] {
			order[j] = k.i
			o := object(rows.At(int(k.i)))
			if p := unsafe.StringData(o); p != last || j == 0 {
				objs[p] = o
				last = p
			}
		}
		rel, full, err := s.newFile(partition(int32(day), strs[keys[start].ds&(1<<32-1)]))
		if err != nil {
			return err
		}
		if err := writeFile(wp, full, rows, order[:end-start]); err != nil {
			return err
		}
		s.addFile(rel, full, objs)
		start = end
	}
	return nil
}

// newFile returns a fresh staged file name in partition dir (relative,
// slash-separated), creating its staging folder.
func (s *Segment) newFile(dir string) (rel, full string, err error) {
	s.n++
	rel = path.Join(dir, fmt.Sprintf("%s-%04d.parquet", s.id, s.n))
	full = filepath.Join(s.dir, filepath.FromSlash(rel))
	d := filepath.Dir(full)
	if !s.made[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", "", fmt.Errorf("lake: creating staging folder: %w", err)
		}
		for p := d; len(p) >= len(s.dir); p = filepath.Dir(p) {
			s.made[p] = true
		}
	}
	return rel, full, nil
}

func (s *Segment) addFile(rel, full string, objs map[*byte]string) {
	f := stagedFile{rel: rel}
	for _, o := range objs {
		f.objects = append(f.objects, o)
	}
	slices.Sort(f.objects)
	f.objects = slices.Compact(f.objects) // equal IDs in different strings
	s.files = append(s.files, f)
	if fi, err := os.Stat(full); err == nil {
		s.bytes += fi.Size()
	}
}

// sync makes the staged files and their folder entries durable. The
// syncs run in parallel: the file system batches them into few journal
// commits, which matters for segments of many small partitions.
func (s *Segment) sync() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("lake: creating staging %s: %w", s.id, err)
	}
	s.made[s.dir] = true
	s.made[filepath.Dir(s.dir)] = true
	paths := make([]string, 0, len(s.files)+len(s.made))
	for _, f := range s.files {
		paths = append(paths, filepath.Join(s.dir, filepath.FromSlash(f.rel)))
	}
	for d := range s.made {
		paths = append(paths, d)
	}
	return syncAll(paths)
}

const secondsPerDay = 86400

// dayOf returns the UTC day number (days since 1970-01-01) of t.
func dayOf(t time.Time) int32 {
	sec := t.Unix()
	d := sec / secondsPerDay
	if sec < 0 && sec%secondsPerDay != 0 {
		d--
	}
	return int32(d)
}

func dayString(d int32) string {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Format(time.DateOnly)
}

// regionDir returns the partition value for an AWS region: the region when
// it is a plain name, else "unknown" (the row keeps the original value).
func regionDir(r string) string {
	if r == "" || len(r) > 64 || r[0] == '.' {
		return "unknown"
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "unknown"
		}
	}
	return r
}
