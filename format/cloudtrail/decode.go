package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format"
)

// Format is the Format of every reject this package reports.
const Format = "cloudtrail"

// chunkSize is how much input is read at a time. A record longer than this
// grows the buffer to fit it.
const chunkSize = 128 << 10

var (
	// errShort says the data read so far ends inside the current value; the
	// decoder reads more and decodes the value again. It never leaves the
	// package.
	errShort = errors.New("cloudtrail: need more input")
	// errRecordsArray says a top-level object turned out to be a
	// {"Records":[…]} file; the index returned with it is just inside the
	// array.
	errRecordsArray = errors.New("cloudtrail: Records array")
	// errSkipObject says the object is not a log at all (a digest file,
	// say); d.skipReason says why.
	errSkipObject = errors.New("cloudtrail: not a CloudTrail log")
)

// syntaxError is malformed JSON at an absolute byte offset of the object.
type syntaxError struct {
	off int64
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("byte %d: %s", e.off, e.msg) }

func (d *decoder) errAt(i int, format string, args ...any) error {
	return &syntaxError{off: d.base + int64(i), msg: fmt.Sprintf(format, args...)}
}

// state is where the decoder is in the object's structure.
type state int

const (
	stTop         state = iota // between top-level values
	stArray                    // inside a bare top-level array of records
	stRecords                  // inside the Records array of a {"Records":[…]} object
	stRecordsTail              // after the Records array, before the object's '}'
)

// decoder is the state of one Decode call.
type decoder struct {
	r      io.Reader
	source string
	emit   func(*event.CloudTrail) error
	reject func(*event.Reject) error
	stats  format.Stats

	buf  []byte // read buffer; d.b is its filled part
	b    []byte
	s    string // a copy of d.b that decoded strings point into
	base int64  // offset of d.b[0] in the object
	eof  bool   // nothing more to read; d.rerr says if that was an error
	rerr error

	// line is the 1-based line number of d.b[linePos].
	line    int64
	linePos int
	last    int64 // the SourceLine given last
	st      state
	known   bool // the object is known to hold CloudTrail records
	truncd  bool // a record was cut off by the end of input
	// sawValue is set once a top-level value has been seen.
	sawValue bool

	rec        event.CloudTrail
	strong     bool     // the object being decoded has a record-only member
	envelopes  [][2]int // object-valued unknown top-level members: maybe the record
	extra      []byte   // Extra being built, without its closing brace
	resources  []event.Resource
	slab       []event.Resource // resources handed out to records, batched
	scratch    []byte
	stack      []byte
	skipReason string
	topLevel   bool // decoding a top-level object (hooks for Records, digests)
	inEnvelope bool // decoding the record inside an envelope
	curRes     *event.Resource
	resIndex   int
	bools      []bool // *bool values handed out to records, batched
	// derive fills the s3_requests columns of each record from the
	// record and the members of its JSON documents collected while
	// decoding them.
	derive event.CloudTrailDeriver
	s3m    event.S3Members
	// requestParameters' bucketName and key, and how often each came.
	bucket, key   string
	nBucket, nKey int
}

// Decode reads CloudTrail records from r (the caller has already undone gzip), calls emit for each
// record and reject for each record that does not decode. source is the object's ID (Provenance.SourceObject);
// SourceLine is the 1-based record index within the object (for one-record-per-line files, the line number).
//
// SourceLine numbers only grow within an object: a record that shares a
// line with the one before it, or follows an array, gets the next number.
//
// The *event.CloudTrail passed to emit is reused after emit returns; the
// strings and slices in it stay valid. They share memory with the input
// read around them (a 128 KiB chunk, or the record when it is larger), so
// a caller that keeps a few records out of many for long should copy them
// (strings.Clone). An object that holds no CloudTrail
// records (a digest file, an AWS Config snapshot, other JSON) is skipped:
// Stats.Skipped says why and nothing is emitted. Malformed records are
// rejected and decoding resumes at the next record; input that ends inside
// a record (a cut-off gzip stream, say) yields the records before the cut
// and one reject. Decode returns an error only when reading r fails (other
// than at a cut-off end) or when emit or reject return one.
func Decode(r io.Reader, source string, emit func(*event.CloudTrail) error, reject func(*event.Reject) error) (format.Stats, error) {
	d := &decoder{r: r, source: source, emit: emit, reject: reject, line: 1, buf: make([]byte, chunkSize)}
	err := d.run()
	return d.stats, err
}

// fill reads more input, keeping d.b[keep:], which moves to the front.
// Positions the caller holds must be reduced by keep.
func (d *decoder) fill(keep int) {
	if d.linePos < keep {
		d.line += int64(bytes.Count(d.b[d.linePos:keep], []byte{'\n'}))
		d.linePos = 0
	} else {
		d.linePos -= keep
	}
	n := copy(d.buf, d.b[keep:])
	d.base += int64(keep)
	if n == len(d.buf) {
		nb := make([]byte, 2*len(d.buf))
		copy(nb, d.buf[:n])
		d.buf = nb
	}
	for empty := 0; n < len(d.buf) && !d.eof; {
		m, err := d.r.Read(d.buf[n:])
		n += m
		switch {
		case err == io.EOF:
			d.eof = true
		case err != nil:
			d.eof, d.rerr = true, err
		case m == 0:
			if empty++; empty > 100 {
				d.eof, d.rerr = true, io.ErrNoProgress
			}
		}
	}
	d.b = d.buf[:n]
	d.s = string(d.b)
}

// lineAt returns the line number of position i, which must not be before
// any position lineAt was asked about since the last fill.
func (d *decoder) lineAt(i int) int64 {
	d.line += int64(bytes.Count(d.b[d.linePos:i], []byte{'\n'}))
	d.linePos = i
	return d.line
}

// slot returns the SourceLine of the next record or reject: line (a line
// number, or 0 for an array element), raised where needed so that numbers
// only grow. Plain JSON Lines get their line numbers and arrays their
// indexes; mixed content never repeats a number.
func (d *decoder) slot(line int64) int64 {
	if line <= d.last {
		line = d.last + 1
	}
	d.last = line
	return line
}

func (d *decoder) run() error {
	d.fill(0)
	pos := 0
	if bytes.HasPrefix(d.b, []byte("\xef\xbb\xbf")) {
		pos = 3
	}
	for {
		i := d.ws(pos)
		if i >= len(d.b) {
			if d.eof {
				return d.finish(i)
			}
			d.fill(i)
			pos = 0
			continue
		}
		var next int
		var err error
		switch d.st {
		case stTop:
			d.sawValue = true
			next, err = d.top(i)
		case stArray, stRecords:
			next, err = d.element(i)
		case stRecordsTail:
			next, err = d.recordsTail(i)
		}
		if err == errShort {
			d.fill(i)
			pos = 0
			continue
		}
		if err != nil || next < 0 {
			return err
		}
		pos = next
	}
}

// finish handles the end of input at i.
func (d *decoder) finish(i int) error {
	if d.rerr != nil && d.rerr != io.ErrUnexpectedEOF {
		return fmt.Errorf("cloudtrail: reading %s at byte %d: %w", d.source, d.base+int64(i), d.rerr)
	}
	if !d.sawValue {
		d.stats.Skipped = "empty object: no JSON in it"
		return nil
	}
	if d.st == stTop || d.truncd {
		return nil
	}
	what := "']' to close the array"
	if d.st == stRecordsTail {
		what = "'}' to close the Records object"
	}
	d.truncd = true
	return d.rejectf(i, i, d.slot(0), "input ends early (truncated file?): byte %d: expected %s", d.base+int64(i), what)
}

// top decodes the top-level value at i.
func (d *decoder) top(i int) (int, error) {
	switch c := d.b[i]; c {
	case '{':
		d.topLevel = true
		end, err := d.object(i)
		d.topLevel = false
		switch {
		case err == errShort:
			return 0, err
		case err == errRecordsArray:
			// Whether it holds CloudTrail records is told by the first one.
			d.st = stRecords
			return end, nil
		case err == errSkipObject:
			d.stats.Skipped = d.skipReason
			return -1, nil
		case err != nil:
			return d.malformed(i, d.slot(d.lineAt(i)), err)
		}
		line := d.slot(d.lineAt(i))
		if !d.isRecord(i, end) {
			if !d.known {
				d.stats.Skipped = d.notRecordReason()
				return -1, nil
			}
			return end, d.rejectf(i, end, line, "not a CloudTrail record: the object has none of eventVersion, eventTime, eventName, eventSource, eventID")
		}
		if d.otherEvents() {
			return -1, nil
		}
		d.known = true
		return end, d.emitRecord(line)
	case '[':
		d.st = stArray
		return i + 1, nil
	default:
		if !d.known && d.stats.Rejects == 0 {
			d.stats.Skipped = notJSONReason(d.b[i:])
			return -1, nil
		}
		line := d.slot(d.lineAt(i))
		next, raw := d.resyncLine(i)
		return next, d.rejectRaw(raw, line, "not JSON: byte %d: expected '{' or '[' to begin a record, found %s", d.base+int64(i), quoteByte(c))
	}
}

// element decodes the array element (or the ']' or ',' around it) at i.
func (d *decoder) element(i int) (int, error) {
	switch c := d.b[i]; c {
	case ']':
		if d.st == stRecords {
			d.st = stRecordsTail
		} else {
			d.st = stTop
		}
		return i + 1, nil
	case ',':
		// Separators are not checked strictly: a missing or doubled comma
		// between records loses nothing.
		return i + 1, nil
	case '{':
		end, err := d.object(i)
		if err == errShort {
			return 0, err
		}
		n := d.slot(0)
		if err != nil {
			return d.malformed(i, n, err)
		}
		if !d.isRecord(i, end) {
			if !d.known {
				d.stats.Skipped = d.notRecordReason()
				return -1, nil
			}
			return end, d.rejectf(i, end, n, "not a CloudTrail record: the object has none of eventVersion, eventTime, eventName, eventSource, eventID")
		}
		if d.otherEvents() {
			return -1, nil
		}
		d.known = true
		return end, d.emitRecord(n)
	default:
		if !d.known {
			d.stats.Skipped = "not a CloudTrail log: a JSON array whose elements are not objects"
			return -1, nil
		}
		end, _, err := d.skipValue(i)
		if err == errShort {
			return 0, err
		}
		n := d.slot(0)
		if err != nil {
			return d.malformed(i, n, err)
		}
		return end, d.rejectf(i, end, n, "not a CloudTrail record: array element at byte %d is not an object", d.base+int64(i))
	}
}

// recordsTail skips the members after the Records array of a
// {"Records":[…]} object.
func (d *decoder) recordsTail(i int) (int, error) {
	switch c := d.b[i]; c {
	case '}':
		d.st = stTop
		return i + 1, nil
	case ',':
		j, _, err := d.skipKey(i + 1)
		if err == nil {
			j, _, err = d.skipValue(j)
		}
		if err == errShort {
			return 0, err
		}
		if err != nil {
			d.st = stTop
			return d.malformed(i, d.slot(0), err)
		}
		return j, nil
	default:
		d.st = stTop
		return d.malformed(i, d.slot(0), d.errAt(i, "expected ',' or '}' after the Records array, found %s", quoteByte(c)))
	}
}

// malformed rejects the malformed value that starts at i and finds where
// decoding can resume.
func (d *decoder) malformed(i int, line int64, err error) (int, error) {
	var se *syntaxError
	if !errors.As(err, &se) {
		return 0, err
	}
	if d.rerr != nil && d.rerr != io.ErrUnexpectedEOF && se.off >= d.base+int64(len(d.b)) {
		return 0, fmt.Errorf("cloudtrail: reading %s at byte %d: %w", d.source, se.off, d.rerr)
	}
	d.known = true
	reason := "malformed JSON: " + se.Error()
	if d.eof && se.off >= d.base+int64(len(d.b)) {
		d.truncd = true
		reason = "input ends inside a record (truncated file?): " + se.Error()
	}
	var next int
	var raw string
	if d.st == stTop {
		next, raw = d.resyncLine(i)
	} else {
		next, raw = d.resyncArray(i)
	}
	return next, d.rejectRaw(raw, line, "%s", reason)
}

func (d *decoder) rejectf(i, end int, line int64, format string, args ...any) error {
	return d.rejectRaw(d.s[i:end], line, format, args...)
}

func (d *decoder) rejectRaw(raw string, line int64, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	if len(raw) > event.MaxRejectRaw {
		cut := event.MaxRejectRaw
		for cut > event.MaxRejectRaw-utf8.UTFMax && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		raw = raw[:cut]
		reason += fmt.Sprintf(" (raw text truncated to %d bytes)", event.MaxRejectRaw)
	}
	// The raw text is copied so that it does not keep the chunk alive, and
	// made valid UTF-8 so that the lake can hold it.
	if utf8.ValidString(raw) {
		raw = strings.Clone(raw)
	} else {
		raw = toValidUTF8(raw)
	}
	d.stats.Rejects++
	rj := &event.Reject{
		Format:     Format,
		Reason:     reason,
		Raw:        raw,
		Provenance: event.Provenance{SourceObject: d.source, SourceLine: line},
	}
	if err := d.reject(rj); err != nil {
		return fmt.Errorf("cloudtrail: rejecting record %d of %s: %w", line, d.source, err)
	}
	return nil
}

// otherEvents reports whether the first record of the object shows that
// the object holds other AWS events in CloudTrail's clothes (S3 event
// notifications, SQS or SNS messages: {"Records":[{"eventSource":"aws:s3",…}]}),
// and if so marks the object skipped.
func (d *decoder) otherEvents() bool {
	if d.stats.Records != 0 || d.stats.Rejects != 0 {
		return false
	}
	src := d.rec.EventSource
	if len(src) < 4 || !strings.EqualFold(src[:4], "aws:") {
		return false
	}
	d.stats.Skipped = fmt.Sprintf("not a CloudTrail log: AWS event notifications (eventSource %q)", src)
	return true
}

func (d *decoder) emitRecord(line int64) error {
	d.rec.SourceObject = d.source
	d.rec.SourceLine = line
	d.stats.Records++
	if err := d.emit(&d.rec); err != nil {
		return fmt.Errorf("cloudtrail: emitting record %d of %s: %w", line, d.source, err)
	}
	return nil
}

func notJSONReason(b []byte) string {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		return "not a CloudTrail log: gzip-compressed data (decompress it first)"
	}
	return "not a CloudTrail log: not JSON (starts with " + quoteByte(b[0]) + ")"
}
