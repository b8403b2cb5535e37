package s3access

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"sync"

	"github.com/s3sift/s3sift/event"
)

// ParseLine parses one line (without the newline) into rec, overwriting all
// its fields, Provenance included (Decode fills that in). The strings in rec
// are substrings of one copy of the line, so they stay valid after line is
// reused. A line that is not valid UTF-8 has its bad bytes replaced with
// U+FFFD first. The error, if any, is a *ParseError wrapping ErrSyntax.
func ParseLine(line []byte, rec *event.AccessLog) error {
	p := parser{slabSize: 1}
	return p.parse(toValidString(line), rec)
}

// isASCII reports whether b is all ASCII, 32 bytes a step: access logs
// almost always are, and this is several times faster than utf8.Valid.
func isASCII(b []byte) bool {
	const high = 0x8080808080808080
	for len(b) >= 32 {
		w := binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		if w&high != 0 {
			return false
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&high != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// numbers holds one line's numeric fields, so that their pointers cost one
// slab slot rather than up to five allocations.
type numbers struct {
	status     int32
	bytesSent  int64
	objectSize int64
	totalTime  int64
	turnAround int64
}

// maxAttempts bounds how many candidate field ends the parser tries on one
// line (keys with spaces, quotes inside quoted fields), so a 2 MB line of
// quotes costs milliseconds, not hours.
const maxAttempts = 64

// maxSlab is the largest slab of numbers a parser allocates at once.
const maxSlab = 512

// parser holds what outlives one line: the slab the numeric pointers come
// from, and the attempt budget of the line being parsed.
type parser struct {
	slab     []numbers
	slabSize int
	budget   int
	// plainExtras is set when the fields after the documented ones hold a
	// stray quote, so they are split on spaces alone.
	plainExtras bool
	// derive fills the s3r_ columns; Decode takes one from derivers so
	// that its principal cache outlives an object.
	derive *event.AccessLogDeriver
}

// derivers keeps AccessLogDerivers, with what they learnt, between
// Decode calls.
var derivers = sync.Pool{New: func() any { return new(event.AccessLogDeriver) }}

func (p *parser) newNumbers() *numbers {
	if len(p.slab) == 0 {
		// Slabs grow, so a small object costs a small slab and a big one
		// few allocations.
		n := max(p.slabSize, 1)
		p.slab = make([]numbers, n)
		if n < maxSlab {
			p.slabSize = min(2*n, maxSlab)
		}
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	return n
}

// mid is fields 10 to 15, parsed while looking for the end of the request
// URI: they are what tells a real closing quote from a quote inside it.
type mid struct {
	set       uint8 // bit 0: status, bits 1-4: the four numbers
	status    int32
	nums      [4]int64
	errorCode string
	end       int // index of the space before field 16
}

// parse fills rec from s, which must be valid UTF-8; rec's strings point
// into s.
func (p *parser) parse(s string, rec *event.AccessLog) error {
	*rec = event.AccessLog{}
	if err := p.fill(s, rec); err != nil {
		*rec = event.AccessLog{} // no half-filled record on failure
		return err
	}
	if p.derive == nil {
		p.derive = new(event.AccessLogDeriver)
	}
	p.derive.Derive(rec)
	return nil
}

// fill parses s into a zero rec.
func (p *parser) fill(s string, rec *event.AccessLog) *ParseError {
	p.budget = maxAttempts
	p.plainExtras = false
	s = trimRight(s)

	// Fields 1 and 2, then the bracketed time, then 4 to 7: plain tokens.
	i := 0
	e := nextSpace(s, i)
	if e == len(s) {
		return endsAfter(1)
	}
	rec.BucketOwner = null(s[i:e])
	i = e + 1
	e = nextSpace(s, i)
	if e == len(s) {
		return endsAfter(2)
	}
	rec.Bucket = null(s[i:e])
	i = e + 1
	t, perr := parseTime(s[i:])
	if perr != nil {
		return perr
	}
	rec.Time = t
	i += timeLen
	if i >= len(s) {
		return endsAfter(3)
	}
	if s[i] != ' ' {
		return fieldErr(3, "want a space after the closing ], got %s", excerpt(s[i:nextSpace(s, i)]))
	}
	i++
	var tok [4]string
	for f := 4; f <= 7; f++ {
		e = nextSpace(s, i)
		if e == len(s) {
			return endsAfter(f)
		}
		tok[f-4] = null(s[i:e])
		i = e + 1
	}
	rec.RemoteIP, rec.Requester, rec.RequestID, rec.Operation = tok[0], tok[1], tok[2], tok[3]

	// Fields 8 and 9: the key (which may hold spaces) ends where a request
	// URI followed by a well-formed fields 10 to 15 begins.
	var m mid
	keyEnd, uriEnd, perr := p.keyAndURI(s, i, &m)
	if perr != nil {
		return perr
	}
	rec.KeyRaw = null(s[i:keyEnd])
	rec.Key = decodeKey(rec.KeyRaw)
	rec.RequestURI = unquote(s[keyEnd+1 : uriEnd])
	rec.ErrorCode = m.errorCode
	if m.set != 0 {
		n := p.newNumbers()
		if m.set&1 != 0 {
			n.status = m.status
			rec.HTTPStatus = &n.status
		}
		if m.set&2 != 0 {
			n.bytesSent = m.nums[0]
			rec.BytesSent = &n.bytesSent
		}
		if m.set&4 != 0 {
			n.objectSize = m.nums[1]
			rec.ObjectSize = &n.objectSize
		}
		if m.set&8 != 0 {
			n.totalTime = m.nums[2]
			rec.TotalTimeMS = &n.totalTime
		}
		if m.set&16 != 0 {
			n.turnAround = m.nums[3]
			rec.TurnAroundTimeMS = &n.turnAround
		}
	}

	// Fields 16 and 17: referer and user agent, quoted or "-".
	i = m.end + 1
	refEnd, uaEnd, perr := p.refererAndAgent(s, i)
	if perr != nil {
		return perr
	}
	rec.Referer = unquote(s[i:refEnd])
	rec.UserAgent = unquote(s[refEnd+1 : uaEnd])

	// Fields 18 to 27 hold no quote (agent checked): plain tokens. Past
	// them, whatever AWS adds next, a quoted string kept whole.
	n := minFields
	i = uaEnd
	for _, dst := range [...]*string{
		&rec.VersionID, &rec.HostID, &rec.SignatureVersion, &rec.CipherSuite,
		&rec.AuthenticationType, &rec.HostHeader, &rec.TLSVersion,
		&rec.AccessPointARN, &rec.ACLRequired, &rec.SourceRegion,
	} {
		if i >= len(s) {
			break
		}
		e = nextSpace(s, i+1)
		if v := s[i+1 : e]; v != "-" {
			*dst = v
		}
		i = e
		n++
	}
	for i < len(s) {
		if p.plainExtras {
			e = nextSpace(s, i+1)
		} else {
			e = tailFieldEnd(s, i+1)
		}
		rec.ExtraFields = append(rec.ExtraFields, s[i+1:e])
		i = e
		n++
	}
	rec.FieldCount = int32(n)
	return nil
}

// trimRight drops trailing spaces, tabs and carriage returns: AWS's own
// sample lines end in a stray space, and CRLF files leave a '\r'.
func trimRight(s string) string {
	n := len(s)
	for n > 0 && (s[n-1] == ' ' || s[n-1] == '\r' || s[n-1] == '\t') {
		n--
	}
	return s[:n]
}

// nextSpace returns the index of the first space at or after i, or len(s).
// Most fields are short, so it tests eight bytes a step itself before
// paying for the vectorised search.
func nextSpace(s string, i int) int {
	const ones, highs, spaces = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020
	j := i
	for end := min(i+32, len(s)); j+8 <= end; j += 8 {
		w := binary.LittleEndian.Uint64([]byte(s[j:j+8])) ^ spaces // a space becomes a zero byte
		if t := (w - ones) &^ w & highs; t != 0 {
			return j + bits.TrailingZeros64(t)/8
		}
	}
	if k := strings.IndexByte(s[j:], ' '); k >= 0 {
		return j + k
	}
	return len(s)
}

// null maps "-" (and an empty field) to "", which the lake stores as NULL.
func null(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// unquote strips the quotes of a quoted field and maps "-" and "\"-\"" to "".
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	return null(s)
}
