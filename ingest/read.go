package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format"
	"github.com/s3sift/s3sift/format/cloudtrail"
	"github.com/s3sift/s3sift/format/s3access"
	"github.com/s3sift/s3sift/lake"
)

// readBuffer is the size of the buffers between source, gunzip and parser:
// at least the decoders' own (s3access wants 256 KiB), so that they use
// ours instead of allocating one per object.
const readBuffer = 256 << 10

// read reads one object into the worker's buffers and returns its manifest
// record. An error means the object could not be read (the source failed):
// it is not recorded and is tried again next run. Damaged content (a
// truncated gzip, a decoder error) is not an error: the rows before the
// damage are kept and the damage becomes a reject.
func (w *worker) read(ctx context.Context, j job) (lake.Object, error) {
	rec := lake.Object{ID: j.obj.ID, Version: j.obj.Version, Size: j.obj.Size}
	if j.obj.Skip != "" {
		rec.Skipped = j.obj.Skip
		return rec, nil
	}
	rc, err := j.src.Open(ctx, j.obj)
	if err != nil {
		return rec, err
	}
	defer rc.Close()
	// The chain: source → srcBuf [→ gzip → zBuf] → decoder. Buffers and
	// the gzip reader are the worker's, reused from object to object; they
	// are at least the decoders' own buffer size, so the decoders use them
	// as they are instead of allocating theirs.
	src := &sourceReader{r: rc, stored: &w.r.bytesDone}
	w.srcBuf.Reset(src)
	content := w.srcBuf
	decoded := func() int64 { return src.total }
	var gzErr func() error
	gzipped := false
	if magic, _ := w.srcBuf.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gzipped = true
		if err := w.gzipReset(w.srcBuf); err != nil {
			if src.err != nil {
				return rec, src.err
			}
			return w.damaged(rec, format.Unknown, 0, fmt.Errorf("gzip header: %w", err))
		}
		dr := &decodedReader{r: w.gz, n: &w.r.decoded}
		w.zBuf.Reset(dr)
		content = w.zBuf
		decoded = func() int64 { return dr.total }
		gzErr = func() error { return dr.err }
	} else {
		w.r.decoded.Add(src.total)
		src.decoded = &w.r.decoded
		gzErr = func() error { return src.err }
	}
	head, _ := content.Peek(format.DetectSize)
	kind, reason := format.Detect(head)
	if src.err != nil {
		return rec, src.err
	}
	if kind == format.Unknown {
		if err := gzErr(); err != nil && (gzipped || len(head) == 0) {
			return w.damaged(rec, kind, 0, err)
		}
		rec.Skipped = reason
		return rec, nil
	}
	rec.Format = kind.String()
	// size is the bytes decoded since the previous record: what a record
	// costs the memory budget.
	last := int64(0)
	size := func() int64 {
		n := decoded()
		d := n - last
		last = n
		return d
	}
	var stats format.Stats
	switch kind {
	case format.AccessLog:
		stats, err = s3access.Decode(content, j.obj.ID, func(r *event.AccessLog) error {
			return w.addAccess(r, size())
		}, w.addReject)
	case format.CloudTrail:
		stats, err = cloudtrail.Decode(content, j.obj.ID, func(r *event.CloudTrail) error {
			return w.addTrail(r, size())
		}, w.addReject)
	}
	w.r.rows.Add(stats.Records)
	w.r.rejects.Add(stats.Rejects)
	switch {
	case w.fatal != nil:
		return rec, w.fatal
	case src.err != nil:
		return rec, src.err
	case err != nil && ctx.Err() != nil:
		return rec, ctx.Err()
	case err != nil:
		// The content is damaged (gzip cut short, undecodable JSON): keep
		// what came before and record the damage.
		return w.damaged(rec, kind, stats.Records, err)
	}
	if stats.Skipped != "" {
		rec.Skipped = stats.Skipped
	}
	rec.Rows = stats.Records
	rec.Rejects = w.cur.rejects
	return rec, nil
}

// damaged records an object whose content stops being readable: the rows
// read before are kept, and one reject for the object says what happened.
func (w *worker) damaged(rec lake.Object, kind format.Kind, rows int64, err error) (lake.Object, error) {
	reason := fmt.Sprintf("object damaged after %d records: %v; records before the damage were kept", rows, err)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		reason = fmt.Sprintf("object cut short after %d records (truncated gzip or partial upload): %v; records before the cut were kept", rows, err)
	}
	f := kind.String() // "unknown" when the damage hid the format
	rj := event.Reject{Format: f, Reason: reason, Provenance: event.Provenance{SourceObject: rec.ID}}
	if e := w.addReject(&rj); e != nil {
		return rec, e
	}
	w.r.rejects.Add(1)
	rec.Format = f
	rec.Rows = rows
	rec.Rejects = w.cur.rejects
	return rec, nil
}

// sourceReader counts the bytes read from a source and remembers the
// source's own read error, to tell a failing source (retry later) from
// damaged content (reject and keep going).
type sourceReader struct {
	r       io.Reader
	stored  *atomic.Int64
	decoded *atomic.Int64 // set when the content is not compressed
	total   int64
	err     error
	eof     bool
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if s.eof {
		// The buffers above ask again after the end (a peek, then the
		// decoder): for a file that is one more system call per object.
		return 0, io.EOF
	}
	n, err := s.r.Read(p)
	s.eof = errors.Is(err, io.EOF)
	s.total += int64(n)
	s.stored.Add(int64(n))
	if s.decoded != nil {
		s.decoded.Add(int64(n))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}

// gzipReset points the worker's gzip reader at r.
func (w *worker) gzipReset(r io.Reader) error {
	if w.gz == nil {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		w.gz = zr
		return nil
	}
	return w.gz.Reset(r)
}

// decodedReader counts decoded bytes and remembers the first error below
// it (a gzip error, or the source's).
type decodedReader struct {
	r     io.Reader
	n     *atomic.Int64
	total int64
	err   error
}

func (d *decodedReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err // gzip and the sources need not repeat their error
	}
	n, err := d.r.Read(p)
	d.total += int64(n)
	d.n.Add(int64(n))
	if err != nil && !errors.Is(err, io.EOF) && d.err == nil {
		d.err = err
	}
	return n, err
}
