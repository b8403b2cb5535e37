package s3access

import (
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// arenaBlock is the size of the blocks an arena copies lines into: the
// largest size Go's allocator serves from its small-object size classes,
// big enough for ~50 typical lines, small enough that the last, partly
// filled block of a run wastes little.
const arenaBlock = 32 << 10

// maxArenaLine is the longest line copied into a block; a longer one gets
// a string of its own rather than waste most of a block.
const maxArenaLine = arenaBlock / 8

// arena copies lines into shared blocks, so that a line costs one append
// instead of an allocation of its own (per-line strings were most of the
// parser's time). A block is never written where a string already points,
// only after, so the strings stay immutable; a block lives as long as any
// of its strings.
type arena struct{ buf []byte }

// arenas hands an arena to each Decode call: objects are often a few
// kilobytes, and a block per object would mostly be wasted.
var arenas = sync.Pool{New: func() any { return new(arena) }}

// validString returns line as a string with invalid UTF-8 replaced by
// U+FFFD (DuckDB and the Parquet readers refuse invalid UTF-8).
func (a *arena) validString(line []byte) string {
	if len(line) == 0 || len(line) > maxArenaLine || !(isASCII(line) || utf8.Valid(line)) {
		return toValidString(line)
	}
	if len(line) > cap(a.buf)-len(a.buf) {
		a.buf = make([]byte, 0, arenaBlock)
	}
	n := len(a.buf)
	a.buf = append(a.buf, line...)
	return unsafe.String(&a.buf[n], len(line))
}

// toValidString converts the line to the one string every field of the
// record points into, replacing invalid UTF-8.
func toValidString(line []byte) string {
	if isASCII(line) || utf8.Valid(line) {
		return string(line)
	}
	return strings.ToValidUTF8(string(line), "\uFFFD")
}
