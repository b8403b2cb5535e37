package lake

import (
	"math/bits"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// parquet-go (v0.32.1) writes a batch of rows 64 at a time, and for each
// optional column that is not a pointer (our strings) it marks the rows
// whose value is set in a 64-bit word, then writes the runs of unset
// (null) and set values. Its test for "every row from y to the end of the
// word is set" is wrong (it compares the word shifted by y with 1<<y-1):
// when the last run of set rows in a word starts at y (1 ≤ y < 32), is y
// rows long and only unset rows follow, it takes those unset rows for set
// ones and writes them as empty strings instead of NULL. A sparse column
// such as error_code had about one NULL in 60 stored as "" that way, so
// that "error_code IS NULL" missed rows; which rows depended on how the
// rows fell into batches.
//
// writeRows sidesteps it: it finds the 64-row groups where that happens
// and ends the Write call just before the run, so that the next call
// starts with it at the beginning of a word, where the test is right.
// Pointer fields (the numbers) and lists go through other code; lists of
// structs with optional fields (CloudTrail's resources) are not covered.

// optionalField is a top-level column of T (embedded and nested structs
// flattened) that parquet-go writes through the faulty path: an optional
// value that is not a pointer, a list or a map.
type optionalField struct {
	offset uintptr
	set    func(p unsafe.Pointer) bool // whether the value at p is not null
	str    bool                        // a string: set is len > 0, inlined
}

// optionalFields lists the optional value fields of struct type t, at
// their offsets from base.
func optionalFields(t reflect.Type, base uintptr) []optionalField {
	var out []optionalField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, hasTag := f.Tag.Lookup("parquet")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		optional := false
		for o := range strings.SplitSeq(opts, ",") {
			if o == "optional" {
				optional = true
			}
		}
		off := base + f.Offset
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			if (f.Anonymous && !hasTag) || !optional {
				out = append(out, optionalFields(f.Type, off)...)
			}
			continue
		}
		if !optional {
			continue
		}
		if of, ok := optionalFieldOf(f.Type, off); ok {
			out = append(out, of)
		}
	}
	return out
}

// optionalFieldOf returns the null test parquet-go applies to an optional
// field of type t: the Go zero value is null (for a byte slice, nil).
func optionalFieldOf(t reflect.Type, off uintptr) (optionalField, bool) {
	f := optionalField{offset: off}
	switch t.Kind() {
	case reflect.String:
		f.str = true
		f.set = func(p unsafe.Pointer) bool { return len(*(*string)(p)) > 0 }
	case reflect.Bool, reflect.Int8, reflect.Uint8:
		f.set = func(p unsafe.Pointer) bool { return *(*uint8)(p) != 0 }
	case reflect.Int16, reflect.Uint16:
		f.set = func(p unsafe.Pointer) bool { return *(*uint16)(p) != 0 }
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		f.set = func(p unsafe.Pointer) bool { return *(*uint32)(p) != 0 }
	case reflect.Int, reflect.Uint, reflect.Int64, reflect.Uint64, reflect.Float64:
		f.set = func(p unsafe.Pointer) bool { return *(*uint64)(p) != 0 }
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 {
			return f, false
		}
		f.set = func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) != nil }
	case reflect.Struct:
		if t != reflect.TypeFor[time.Time]() {
			return f, false
		}
		f.set = func(p unsafe.Pointer) bool { return !(*time.Time)(p).IsZero() }
	default:
		return f, false
	}
	return f, true
}

// setBits returns the word parquet-go builds for field f over the n ≤ 64
// rows from p on, size bytes apart: bit i is set when row i's value is.
func (f *optionalField) setBits(p unsafe.Pointer, size uintptr, n int) uint64 {
	var w uint64
	p = unsafe.Add(p, f.offset)
	if f.str {
		for i := range n {
			if len(*(*string)(unsafe.Add(p, uintptr(i)*size))) > 0 {
				w |= 1 << i
			}
		}
		return w
	}
	for i := range n {
		if f.set(unsafe.Add(p, uintptr(i)*size)) {
			w |= 1 << i
		}
	}
	return w
}

// misread returns where the run of set rows that parquet-go misreads
// starts in a word of n rows, or 0 when it reads the word right.
func misread(w uint64, n int) int {
	if w == 0 {
		return 0
	}
	hi := 63 - bits.LeadingZeros64(w)             // the last set row
	run := bits.LeadingZeros64(^(w << (63 - hi))) // set rows ending there
	y := hi + 1 - run
	if y >= 1 && run == y && 2*y < n { // rows 2y…n-1 would be damaged
		return y
	}
	return 0
}

// writeRows writes rows with w, in as few Write calls as it can while no
// 64-row group of any call is one parquet-go misreads (see above).
func writeRows[T any](w *parquet.GenericWriter[T], fields []optionalField, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	size := unsafe.Sizeof(rows[0])
	start := 0 // of the pending Write call; its groups begin at start+64k
	for at := 0; at < len(rows); {
		n := min(64, len(rows)-at)
		p := unsafe.Pointer(&rows[at])
		for cut := true; cut; {
			// Shortening the group can expose a misread in another
			// field, so look again until none is left: n shrinks
			// each time and one row alone is always read right.
			cut = false
			for i := range fields {
				if y := misread(fields[i].setBits(p, size, n), n); y != 0 {
					n, cut = y, true
				}
			}
		}
		at += n
		if n < 64 && at < len(rows) {
			if _, err := w.Write(rows[start:at]); err != nil {
				return err
			}
			start = at
		}
	}
	_, err := w.Write(rows[start:])
	return err
}
