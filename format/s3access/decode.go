package s3access

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format"
)

// Format is the name rejects carry in their Format field.
const Format = "s3access"

// MaxLineBytes is the longest line Decode parses. A longer line is still
// read to its end and rejected (its first event.MaxRejectRaw bytes kept),
// so one runaway line costs bounded memory and does not stop the object.
const MaxLineBytes = 8 << 20

// readBufferSize is large enough that ReadSlice almost never splits a line.
const readBufferSize = 256 << 10

// Decode reads S3 server access log lines from r (plain text: the caller
// has already undone gzip), calls emit for each parsed line and reject for
// each line that does not parse. source is the object's ID (it goes into
// Provenance.SourceObject); SourceLine is the 1-based line number.
//
// Blank lines are skipped; "\n" and "\r\n" endings both work. The record
// passed to emit is reused after emit returns, but the strings and pointers
// in it stay valid, so the caller may keep a copy of the struct. Decode stops
// at the first error from emit, reject or r, and returns the counts so far.
func Decode(r io.Reader, source string, emit func(*event.AccessLog) error, reject func(*event.Reject) error) (format.Stats, error) {
	var (
		stats  format.Stats
		p      = parser{slabSize: 16, derive: derivers.Get().(*event.AccessLogDeriver)}
		a      = arenas.Get().(*arena)
		rec    event.AccessLog
		br     = reader(r)
		long   []byte
		lineNo int64
	)
	defer arenas.Put(a)
	defer derivers.Put(p.derive)
	if br != r {
		defer func() {
			br.Reset(nil) // do not keep the caller's reader alive
			readers.Put(br)
		}()
	}
	for {
		line, err := br.ReadSlice('\n')
		size := len(line) // the line's length as read, end of line included
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it, up to MaxLineBytes
			// (plus room for "\r\n"), and only count what lies beyond.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				size += len(line)
				if room := MaxLineBytes + 2 - len(long); room > 0 {
					long = append(long, line[:min(room, len(line))]...)
				}
			}
			if len(long) < size { // cut: size becomes the length without its end of line
				size -= eolLen(line)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return stats, fmt.Errorf("s3access: reading %s after line %d: %w", source, lineNo, err)
		}
		if size == 0 {
			return stats, nil
		}
		lineNo++
		whole := len(line) == size
		line = trimEOL(line)
		if whole {
			size = len(line)
		}
		if !blank(line) {
			prov := event.Provenance{SourceObject: source, SourceLine: lineNo}
			if reason := p.parseLine(a, line, size, &rec); reason != "" {
				stats.Rejects++
				rj := newReject(line, size, reason, prov)
				if rerr := reject(&rj); rerr != nil {
					return stats, fmt.Errorf("s3access: rejecting %s line %d: %w", source, lineNo, rerr)
				}
			} else {
				rec.Provenance = prov
				if eerr := emit(&rec); eerr != nil {
					return stats, fmt.Errorf("s3access: emitting %s line %d: %w", source, lineNo, eerr)
				}
				stats.Records++
			}
		}
		if err != nil { // io.EOF after a last line with no newline
			return stats, nil
		}
	}
}

// readers recycles read buffers: access-log objects are often a few
// kilobytes, and a fresh 256 KiB buffer for each would cost more than the
// parsing.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

// reader returns r itself when it is already buffered enough, else a pooled
// reader over it, which the caller puts back when done.
func reader(r io.Reader) *bufio.Reader {
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= readBufferSize {
		return br
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// parseLine parses one line, its end of line removed, whose full length is
// size (more than len(line) when only its head was kept), and returns the
// reject reason, or "" on success.
func (p *parser) parseLine(a *arena, line []byte, size int, rec *event.AccessLog) string {
	if size > MaxLineBytes {
		return fmt.Sprintf("line is %d bytes, longer than the %d bytes s3sift parses; split or drop it", size, MaxLineBytes)
	}
	if err := p.parse(a.validString(line), rec); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return pe.Reason()
		}
		return err.Error()
	}
	return ""
}

// newReject keeps the line as valid UTF-8, cut to event.MaxRejectRaw bytes
// on a character boundary; the reason says when it was cut. size is the
// line's full length.
func newReject(line []byte, size int, reason string, prov event.Provenance) event.Reject {
	cut := false
	if len(line) > event.MaxRejectRaw {
		line, cut = line[:event.MaxRejectRaw], true
	}
	raw := strings.ToValidUTF8(string(line), "\uFFFD")
	if len(raw) > event.MaxRejectRaw { // replacement characters made it longer
		n := event.MaxRejectRaw
		for n > 0 && !utf8.RuneStart(raw[n]) {
			n--
		}
		raw, cut = raw[:n], true
	}
	if cut || size > len(line) {
		reason += fmt.Sprintf(" (raw text truncated to its first %d of %d bytes)", len(raw), size)
	}
	return event.Reject{Format: Format, Reason: reason, Raw: raw, Provenance: prov}
}

// eolLen is the length of the "\n" or "\r\n" that ends b, if any.
func eolLen(b []byte) int {
	n := len(b)
	switch {
	case n >= 2 && b[n-2] == '\r' && b[n-1] == '\n':
		return 2
	case n >= 1 && b[n-1] == '\n':
		return 1
	}
	return 0
}

// trimEOL drops the "\n" or "\r\n" that ends a line.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// blank reports a line of only spaces, tabs and carriage returns.
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
