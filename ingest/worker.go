package ingest

import (
	"bufio"
	"context"
	"fmt"
	"time"
	"unsafe"

	"github.com/klauspost/compress/gzip"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/lake"
)

// Approximate in-memory sizes of rows, for the memory bound: the struct
// plus the decoded bytes its strings point into (added per object).
const (
	accessSize = int64(unsafe.Sizeof(event.AccessLog{}))
	trailSize  = int64(unsafe.Sizeof(event.CloudTrail{}))
	rejectSize = int64(unsafe.Sizeof(event.Reject{}))
)

// maxPending bounds the objects a worker holds uncommitted, so a run over
// many tiny or skipped objects still records progress often.
const maxPending = 2000

// worker reads objects one at a time and buffers their rows. Rows go to
// Parquet when the buffer reaches the worker's memory bound, and are
// committed at object boundaries, so a commit only ever holds whole
// objects.
//
// Invariant: the open segment (seg) holds rows of the objects in done and,
// only when done is empty, rows of the current object (flushed early
// because the object alone outgrew the bound).
type worker struct {
	r     *runner
	bound int64

	access  lake.Chunks[event.AccessLog]
	trail   lake.Chunks[event.CloudTrail]
	rejects lake.Chunks[event.Reject]
	bytes   int64 // estimated memory held by the buffers

	// Buffer lengths and bytes when the current object started: rows
	// before the mark belong to objects in done.
	markAccess, markTrail, markRejects int
	markBytes                          int64

	seg        *lake.Segment
	done       []lake.Object    // read in full, not committed yet
	doneRows   map[string]int64 // their rows per table
	replaced   int64            // objects in done that replace an older version
	lastCommit time.Time

	cur  objectState     // counts of the object being read
	ctx  context.Context // the run's, checked while reading big objects
	rows int64           // rows buffered in this worker's life

	srcBuf, zBuf *bufio.Reader // reused for every object
	gz           *gzip.Reader
	fatal        error // a lake write failed: the run stops
}

// objectState counts the current object's rows per table.
type objectState struct {
	access, trail, rejects int64
}

func newWorker(r *runner, bound int64) *worker {
	return &worker{r: r, bound: bound, doneRows: map[string]int64{}, lastCommit: time.Now(),
		srcBuf: bufio.NewReaderSize(nil, readBuffer), zBuf: bufio.NewReaderSize(nil, readBuffer)}
}

// loop reads jobs until there are none or ctx is done, then commits what
// it read in full.
func (w *worker) loop(ctx context.Context, jobs <-chan job) error {
	w.ctx = ctx
	for {
		select {
		case <-ctx.Done():
			return w.commit()
		case j, ok := <-jobs:
			if !ok {
				return w.commit()
			}
			if ctx.Err() != nil {
				return w.commit()
			}
			if err := w.object(ctx, j); err != nil {
				return err
			}
		}
	}
}

// object reads one object and files it as done (or failed).
func (w *worker) object(ctx context.Context, j job) error {
	w.begin()
	rec, err := w.read(ctx, j)
	w.r.objectsDone.Add(1)
	if w.fatal != nil {
		return w.fatal
	}
	if err != nil {
		w.rollback()
		if ctx.Err() != nil {
			return nil // cancelled, not failed: the loop commits and stops
		}
		w.r.failed(j.obj.ID, err)
		return nil
	}
	if _, ok := w.r.lake.Lookup(j.obj.ID); ok {
		w.replaced++
	}
	w.done = append(w.done, rec)
	w.doneRows[event.TableAccessLogs] += w.cur.access
	w.doneRows[event.TableCloudTrail] += w.cur.trail
	w.doneRows[event.TableRejects] += w.cur.rejects
	if w.bytes >= w.bound || len(w.done) >= maxPending || time.Since(w.lastCommit) >= w.r.cfg.CommitEvery {
		return w.commit()
	}
	return nil
}

func (w *worker) begin() {
	w.markAccess, w.markTrail, w.markRejects = w.access.Len(), w.trail.Len(), w.rejects.Len()
	w.markBytes = w.bytes
	w.cur = objectState{}
}

// rollback forgets the current object's rows.
func (w *worker) rollback() {
	w.access.Truncate(w.markAccess)
	w.trail.Truncate(w.markTrail)
	w.rejects.Truncate(w.markRejects)
	w.bytes = w.markBytes
	if w.seg != nil && len(w.done) == 0 {
		// The segment held only this object's early-flushed rows.
		if err := w.seg.Abort(); err != nil {
			w.r.cfg.Logger.Warn("could not remove staged files; the next run removes them", "error", err)
		}
		w.seg = nil
	}
}

// addAccess, addTrail and addReject buffer one row of the current object.
func (w *worker) addAccess(r *event.AccessLog, size int64) error {
	w.access.Append(r)
	w.cur.access++
	return w.grew(accessSize + size)
}

func (w *worker) addTrail(r *event.CloudTrail, size int64) error {
	w.trail.Append(r)
	w.cur.trail++
	return w.grew(trailSize + size)
}

func (w *worker) addReject(r *event.Reject) error {
	w.rejects.Append(r)
	w.cur.rejects++
	return w.grew(rejectSize + int64(len(r.Raw)+len(r.Reason)))
}

func (w *worker) grew(n int64) error {
	w.bytes += n
	if w.rows++; w.rows%4096 == 0 {
		if err := w.ctx.Err(); err != nil {
			return err // stop reading a big object promptly when cancelled
		}
	}
	if w.bytes < w.bound {
		return nil
	}
	if err := w.spill(); err != nil {
		w.fatal = err
		return err
	}
	return nil
}

// spill makes room in the middle of an object: it commits the objects
// already done, then, if the current object alone is over the bound, writes
// its rows so far to a segment of their own.
func (w *worker) spill() error {
	if len(w.done) > 0 {
		if err := w.flush(w.markAccess, w.markTrail, w.markRejects); err != nil {
			return err
		}
		if err := w.commitSegment(); err != nil {
			return err
		}
		w.access.Drop(w.markAccess)
		w.trail.Drop(w.markTrail)
		w.rejects.Drop(w.markRejects)
		w.bytes -= w.markBytes
		w.markAccess, w.markTrail, w.markRejects, w.markBytes = 0, 0, 0, 0
	}
	if w.bytes < w.bound {
		return nil
	}
	if err := w.flushAll(); err != nil {
		return err
	}
	return nil
}

// flushAll writes all buffered rows to the open segment and empties the
// buffers.
func (w *worker) flushAll() error {
	if err := w.flush(w.access.Len(), w.trail.Len(), w.rejects.Len()); err != nil {
		return err
	}
	w.access.Truncate(0)
	w.trail.Truncate(0)
	w.rejects.Truncate(0)
	w.bytes = 0
	return nil
}

// flush writes the first a, t and j rows of the buffers to the open
// segment (opening one if needed).
func (w *worker) flush(a, t, j int) error {
	if a+t+j == 0 {
		return nil
	}
	if w.seg == nil {
		w.seg = w.r.lake.NewSegment()
	}
	if err := w.seg.WriteAccessLogs(&w.access, a); err != nil {
		return err
	}
	if err := w.seg.WriteCloudTrail(&w.trail, t); err != nil {
		return err
	}
	return w.seg.WriteRejects(&w.rejects, j, w.r.day)
}

// commit writes all buffered rows and commits them with the done objects.
// It is called at object boundaries only.
func (w *worker) commit() error {
	if w.fatal != nil {
		return w.fatal
	}
	if len(w.done) == 0 {
		return nil
	}
	if err := w.flushAll(); err != nil {
		return err
	}
	return w.commitSegment()
}

// commitSegment commits the open segment (possibly empty) with the done
// objects.
func (w *worker) commitSegment() error {
	seg := w.seg
	if seg == nil {
		seg = w.r.lake.NewSegment()
	}
	if err := w.r.lake.Commit(seg, w.done); err != nil {
		return fmt.Errorf("ingest: committing to the lake: %w", err)
	}
	w.r.committed(w.done, w.doneRows, seg.Bytes(), w.replaced)
	w.seg, w.done, w.replaced = nil, nil, 0
	w.doneRows = map[string]int64{}
	w.lastCommit = time.Now()
	return nil
}
