package lake

import (
	"fmt"
	"os"
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
)

// RowGroupRows is the number of rows per Parquet row group: big enough for
// good compression and few footers, small enough that readers can skip by
// statistics.
const RowGroupRows = 100_000

// copyChunk is how many rows are copied into a writer batch at a time:
// parquet-go reads a batch once per column, and 256 access-log rows
// (about 180 KB) stay in the CPU's cache for all of them (3-6% faster
// writing than 2048).
const copyChunk = 256

// codec is the page compression: zstd's default level costs a few percent
// more CPU than its fastest and makes the access-log lake ~10% smaller,
// which keeps it below the gzipped logs.
var codec = &zstdCodec{level: zstd.SpeedDefault}

// columnStorage is how one column is stored when it differs from what its
// struct tags and the writer's defaults say.
type columnStorage struct {
	encoding encoding.Encoding
	codec    compress.Codec
}

// randomText is the storage of columns of random identifiers, such as
// request and host IDs: hex or base64 text in which nothing repeats, so
// that all a compressor can gain is the few bits per character the
// alphabet leaves unused. Lengths first, then the bytes
// (DELTA_LENGTH_BYTE_ARRAY), make the bytes pure text, and deflate's
// Huffman-only mode codes it as well as zstd does, at several times
// zstd's speed: zstd's match search found nothing but cost a fifth of
// the access-log writer's time. (zstd itself leaves such pages raw
// rather than Huffman-code them for a quarter less.) Every Parquet reader
// knows GZIP.
var randomText = columnStorage{
	encoding: &parquet.DeltaLengthByteArray,
	codec:    &gzipCodec{level: gzip.HuffmanOnly},
}

// accessColumns are the s3_access_logs columns stored as randomText: 70%
// of the table's bytes in a typical lake.
var accessColumns = map[string]columnStorage{
	"request_id": randomText,
	"host_id":    randomText,
}

// schemaWith returns T's Parquet schema with the top-level columns named
// in columns stored as said there.
func schemaWith[T any](columns map[string]columnStorage) *parquet.Schema {
	var zero T
	s := parquet.SchemaOf(zero)
	if len(columns) == 0 {
		return s
	}
	return parquet.NewSchema(s.Name(), storageNode{s, columns})
}

// storageNode is a struct's schema whose top-level columns named in
// columns are stored as said there. Writers match a schema to a Go type
// ignoring encodings and codecs, so rows of T are still written directly.
type storageNode struct {
	parquet.Node
	columns map[string]columnStorage
}

func (n storageNode) Fields() []parquet.Field {
	fields := n.Node.Fields()
	out := make([]parquet.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if st, ok := n.columns[f.Name()]; ok && f.Leaf() {
			out[i] = storageField{f, st}
		}
	}
	return out
}

type storageField struct {
	parquet.Field
	st columnStorage
}

func (f storageField) Encoding() encoding.Encoding { return f.st.encoding }

func (f storageField) Compression() compress.Codec { return f.st.codec }

// fileWriter is a reusable Parquet writer for rows of type T plus the
// scratch slice rows are gathered into in sorted order.
type fileWriter[T any] struct {
	w       *parquet.GenericWriter[T]
	fields  []optionalField // of T, for writeRows
	scratch []T
}

// writerPool hands out fileWriters for one row type. Reusing writers saves
// rebuilding column buffers (megabytes of fresh memory) for every
// partition file; unlike a sync.Pool, the pool keeps them across garbage
// collections, which come several times between two flushes of a worker.
type writerPool[T any] struct {
	free    freeList[*fileWriter[T]]
	columns map[string]columnStorage // passed to schemaWith
}

func (wp *writerPool[T]) get() *fileWriter[T] {
	if fw, ok := wp.free.get(); ok {
		return fw
	}
	return &fileWriter[T]{
		w: parquet.NewGenericWriter[T](nil,
			schemaWith[T](wp.columns),
			parquet.Compression(codec),
			parquet.CreatedBy("s3sift", "", ""),
			parquet.PageBufferSize(1<<20),
			// Times (sorted within a bucket), line numbers and sizes are
			// small deltas; every Parquet reader knows this encoding.
			parquet.DefaultEncodingFor(parquet.Int64, &parquet.DeltaBinaryPacked),
		),
		fields:  optionalFields(reflect.TypeFor[T](), 0),
		scratch: make([]T, 0, copyChunk),
	}
}

func (wp *writerPool[T]) put(fw *fileWriter[T]) {
	clear(fw.scratch[:cap(fw.scratch)]) // drop references to row strings
	fw.scratch = fw.scratch[:0]
	wp.free.put(fw)
}

// writeFile writes rows[order[i]] for every i to a new Parquet file at
// path. The segment syncs it before the commit.
func writeFile[T any](wp *writerPool[T], path string, rows *Chunks[T], order []int32) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("lake: creating %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("lake: closing %s: %w", path, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	fw := wp.get()
	// A writer that failed midway is not reused: its state is unknown.
	fw.w.Reset(f)
	inGroup := 0
	for start := 0; start < len(order); {
		end := min(start+copyChunk, len(order))
		if n := RowGroupRows - inGroup; end-start > n {
			end = start + n
		}
		batch := fw.scratch[:0]
		for _, i := range order[start:end] {
			batch = append(batch, *rows.At(int(i)))
		}
		if err := writeRows(fw.w, fw.fields, batch); err != nil {
			return fmt.Errorf("lake: writing %s: %w", path, err)
		}
		inGroup += end - start
		if inGroup == RowGroupRows {
			if err := fw.w.Flush(); err != nil {
				return fmt.Errorf("lake: writing %s: %w", path, err)
			}
			inGroup = 0
		}
		start = end
	}
	if err := fw.w.Close(); err != nil {
		return fmt.Errorf("lake: writing %s: %w", path, err)
	}
	wp.put(fw)
	return nil
}
