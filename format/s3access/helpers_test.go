package s3access_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format"
	"github.com/s3sift/s3sift/format/s3access"
)

// corpus is the shared sample-log folder, relative to this package.
const corpus = "../../../shared/corpus/s3access"

// decoded is everything Decode reported for one input.
type decoded struct {
	recs  []event.AccessLog
	rejs  []event.Reject
	stats format.Stats
}

// decodeAll runs Decode over r, keeping a copy of every record, as the
// ingest pipeline does.
func decodeAll(tb testing.TB, r io.Reader, source string) decoded {
	tb.Helper()
	var d decoded
	var err error
	d.stats, err = s3access.Decode(r, source,
		func(rec *event.AccessLog) error { d.recs = append(d.recs, *rec); return nil },
		func(rj *event.Reject) error { d.rejs = append(d.rejs, *rj); return nil })
	if err != nil {
		tb.Fatalf("Decode(%s): %v", source, err)
	}
	if got, want := d.stats.Records, int64(len(d.recs)); got != want {
		tb.Errorf("Decode(%s): Stats.Records = %d, want %d (records emitted)", source, got, want)
	}
	if got, want := d.stats.Rejects, int64(len(d.rejs)); got != want {
		tb.Errorf("Decode(%s): Stats.Rejects = %d, want %d (rejects reported)", source, got, want)
	}
	return d
}

// parse parses one line and fails the test if it does not parse.
func parse(tb testing.TB, line string) event.AccessLog {
	tb.Helper()
	var rec event.AccessLog
	if err := s3access.ParseLine([]byte(line), &rec); err != nil {
		tb.Fatalf("ParseLine(%.80q…): %v", line, err)
	}
	return rec
}

// columns lists the record's columns in schema order, named by their
// parquet tags (the lake's column names), with NULLs as nil.
func columns(rec event.AccessLog) (names []string, values []any) {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f, fv := t.Field(i), v.Field(i)
			if f.Anonymous {
				walk(fv)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
			if strings.HasPrefix(name, event.RequestColumnPrefix) {
				continue // derived, not parsed: tested in event and query
			}
			var val any
			switch x := fv.Interface().(type) {
			case string:
				if x != "" {
					val = x
				}
			case *int32:
				if x != nil {
					val = *x
				}
			case *int64:
				if x != nil {
					val = *x
				}
			case time.Time:
				val = x.Format(time.RFC3339Nano)
			case []string:
				if len(x) > 0 {
					val = x
				}
			default:
				val = x
			}
			names = append(names, name)
			values = append(values, val)
		}
	}
	walk(reflect.ValueOf(rec))
	return names, values
}

// goldenRow renders a record as one JSON object, columns in schema order,
// NULL columns left out.
func goldenRow(tb testing.TB, rec event.AccessLog) string {
	tb.Helper()
	names, values := columns(rec)
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for i, name := range names {
		if values[i] == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%q:%s", name, mustJSON(tb, values[i]))
	}
	b.WriteByte('}')
	return b.String()
}

// goldenReject renders a reject as one JSON object.
func goldenReject(tb testing.TB, rj event.Reject) string {
	tb.Helper()
	return fmt.Sprintf(`{"source_object":%s,"source_line":%d,"reject":%s,"raw":%s}`,
		mustJSON(tb, rj.SourceObject), rj.SourceLine, mustJSON(tb, rj.Reason), mustJSON(tb, rj.Raw))
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatalf("json: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// nonBlankLines counts the lines Decode must account for: split on '\n',
// skipping lines of only spaces, tabs and '\r'.
func nonBlankLines(data []byte) int {
	n := 0
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.Trim(l, " \t\r")) > 0 {
			n++
		}
	}
	return n
}
