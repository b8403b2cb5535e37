package s3access_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/s3access"
)

// FuzzParse feeds arbitrary bytes to ParseLine and Decode. Neither may
// panic; ParseLine either fails with a *ParseError or yields a record whose
// strings are valid UTF-8, whose time is UTC and whose field count fits its
// fields; Decode accounts for every non-blank line exactly once and agrees
// with ParseLine on a single line.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(corpus, "*", "*.log"))
	more, _ := filepath.Glob("testdata/*.log")
	for _, path := range append(seeds, more...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	for _, l := range sampleLines(20, 3) {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec event.AccessLog
		err := s3access.ParseLine(data, &rec)
		if err != nil {
			var pe *s3access.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, s3access.ErrSyntax) || pe.Reason() == "" {
				t.Fatalf("error %v is not a *ParseError wrapping ErrSyntax", err)
			}
		} else {
			checkRecord(t, &rec)
		}

		var recs, rejs int
		var lastLine int64
		st, derr := s3access.Decode(bytes.NewReader(data), "fuzz",
			func(r *event.AccessLog) error {
				recs++
				checkRecord(t, r)
				if r.SourceLine <= lastLine {
					t.Fatalf("SourceLine %d after %d", r.SourceLine, lastLine)
				}
				lastLine = r.SourceLine
				return nil
			},
			func(r *event.Reject) error {
				rejs++
				if r.Reason == "" || r.Format != "s3access" || !utf8.ValidString(r.Raw) || len(r.Raw) > event.MaxRejectRaw {
					t.Fatalf("bad reject %+v", r)
				}
				if r.SourceLine <= lastLine {
					t.Fatalf("SourceLine %d after %d", r.SourceLine, lastLine)
				}
				lastLine = r.SourceLine
				return nil
			})
		if derr != nil {
			t.Fatalf("Decode: %v", derr)
		}
		if st.Records != int64(recs) || st.Rejects != int64(rejs) {
			t.Fatalf("stats %+v, callbacks saw %d records, %d rejects", st, recs, rejs)
		}
		if want := nonBlankLines(data); recs+rejs != want {
			t.Fatalf("records+rejects = %d, want %d non-blank lines", recs+rejs, want)
		}
		if !bytes.Contains(data, []byte("\n")) && len(bytes.Trim(data, " \t\r")) > 0 {
			if (err == nil) != (recs == 1) {
				t.Fatalf("ParseLine err %v but Decode gave %d records", err, recs)
			}
		}
	})
}

// checkRecord asserts what holds for every parsed record.
func checkRecord(t *testing.T, rec *event.AccessLog) {
	t.Helper()
	names, values := columns(*rec)
	for i, v := range values {
		switch x := v.(type) {
		case string:
			if !utf8.ValidString(x) {
				t.Fatalf("%s = %q is not valid UTF-8", names[i], x)
			}
			// "-" is stored as NULL; only a decoded key can be a literal "-".
			if x == "-" && names[i] != "key" && names[i] != "source_object" {
				t.Fatalf("%s = \"-\", want NULL", names[i])
			}
		case []string:
			for _, s := range x {
				if !utf8.ValidString(s) {
					t.Fatalf("extra field %q is not valid UTF-8", s)
				}
			}
		}
	}
	if rec.Time.Location() != time.UTC {
		t.Fatalf("time %v is not UTC", rec.Time)
	}
	if rec.FieldCount < 17 {
		t.Fatalf("FieldCount = %d", rec.FieldCount)
	}
	if n := len(rec.ExtraFields); n > 0 && int(rec.FieldCount) != 27+n {
		t.Fatalf("FieldCount = %d with %d extra fields", rec.FieldCount, n)
	}
	if !strings.Contains(rec.KeyRaw, "%") && rec.Key != rec.KeyRaw {
		t.Fatalf("Key %q differs from KeyRaw %q with nothing to decode", rec.Key, rec.KeyRaw)
	}
}
