package lake

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"
)

// The lake's page codecs write what parquet-go's ZSTD and GZIP codecs
// write, with two differences in memory use:
//
//   - Encoders are kept in a free list that garbage collection does not
//     empty; parquet-go's sync.Pool lost them every other collection, and
//     each new zstd encoder allocated (and the runtime zeroed) 16 MB of
//     history: 80 MB of an ingest of 400 MB of logs.
//   - zstd's window is 1 MiB, the size of a page (PageBufferSize), instead
//     of 8 MiB: a page is compressed on its own, so a larger window finds
//     nothing more (the files come out the same) and only costs memory.
//
// Fresh memory is dear here: the page faults and zeroing of a growing
// heap were a quarter of an ingest's CPU time. Decoding is parquet-go's:
// readers pick the codec from the file.

// maxFree bounds the encoders a codec keeps: about one per goroutine
// writing at once.
const maxFree = 8

// freeList is a bounded list of reusable values, kept across garbage
// collections.
type freeList[T any] struct {
	mu   sync.Mutex
	free []T
}

func (l *freeList[T]) get() (T, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var v T
	if n := len(l.free); n > 0 {
		v = l.free[n-1]
		l.free = l.free[:n-1]
		return v, true
	}
	return v, false
}

func (l *freeList[T]) put(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) < maxFree {
		l.free = append(l.free, v)
	}
}

// zstdCodec is the ZSTD page codec at one level.
type zstdCodec struct {
	level    zstd.EncoderLevel
	encoders freeList[*zstd.Encoder]
}

var _ compress.Codec = (*zstdCodec)(nil)

func (c *zstdCodec) String() string { return "ZSTD" }

func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, ok := c.encoders.get()
	if !ok {
		var err error
		e, err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(c.level),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(1<<20),
			zstd.WithZeroFrames(true),
			zstd.WithEncoderCRC(false),
		)
		if err != nil {
			return dst[:0], err
		}
	}
	defer c.encoders.put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	return parquet.Zstd.Decode(dst, src)
}

// gzipCodec is the GZIP page codec at one level.
type gzipCodec struct {
	level   int
	writers freeList[*gzipWriter]
}

type gzipWriter struct {
	buf bytes.Buffer
	w   *gzip.Writer
}

var _ compress.Codec = (*gzipCodec)(nil)

func (c *gzipCodec) String() string { return "GZIP" }

func (c *gzipCodec) CompressionCodec() format.CompressionCodec { return format.Gzip }

func (c *gzipCodec) Encode(dst, src []byte) ([]byte, error) {
	gw, ok := c.writers.get()
	if !ok {
		gw = &gzipWriter{}
		var err error
		if gw.w, err = gzip.NewWriterLevel(&gw.buf, c.level); err != nil {
			return dst[:0], err
		}
	}
	defer c.writers.put(gw)
	// The writer writes straight into dst's array.
	gw.buf = *bytes.NewBuffer(dst[:0])
	defer func() { gw.buf = bytes.Buffer{} }()
	gw.w.Reset(&gw.buf)
	if _, err := gw.w.Write(src); err != nil {
		return dst[:0], err
	}
	if err := gw.w.Close(); err != nil {
		return dst[:0], err
	}
	return gw.buf.Bytes(), nil
}

func (c *gzipCodec) Decode(dst, src []byte) ([]byte, error) {
	return parquet.Gzip.Decode(dst, src)
}
