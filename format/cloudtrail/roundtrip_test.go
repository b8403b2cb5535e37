package cloudtrail_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
)

// TestGoldenRoundTrip rebuilds every record of the well-formed golden
// inputs from the struct and Extra and compares it with the original.
func TestGoldenRoundTrip(t *testing.T) {
	for _, name := range []string{"records", "array", "lines", "eventbridge", "unknown-fields", "odd-types"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			res := decode(t, bytes.NewReader(data), name)
			refs := splitRecords(t, data)
			if len(res.records) != len(refs) || len(res.rejects) != 0 {
				t.Fatalf("got %d records and %d rejects, want %d records", len(res.records), len(res.rejects), len(refs))
			}
			for i := range refs {
				checkRoundTrip(t, fmt.Sprintf("record %d", i+1), unwrap(t, refs[i]), &res.records[i])
			}
		})
	}
}

// TestGeneratedRoundTrip decodes a generated Records file through readers
// that return little at a time, so records straddle every kind of read
// boundary, and checks each record against the original.
func TestGeneratedRoundTrip(t *testing.T) {
	data := genRecords(7, 600<<10)
	refs := splitRecords(t, data)
	whole := decode(t, bytes.NewReader(data), "gen")
	if whole.err != nil || len(whole.rejects) != 0 || len(whole.records) != len(refs) {
		t.Fatalf("got %d records, %d rejects, err %v; want %d records", len(whole.records), len(whole.rejects), whole.err, len(refs))
	}
	for i := range refs {
		checkRoundTrip(t, fmt.Sprintf("record %d", i+1), refs[i], &whole.records[i])
		if whole.records[i].SourceLine != int64(i+1) {
			t.Fatalf("record %d: SourceLine = %d", i+1, whole.records[i].SourceLine)
		}
	}
	readers := []struct {
		name string
		r    io.Reader
	}{
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:200<<10]))},
		{"half reads", iotest.HalfReader(bytes.NewReader(data))},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(data))},
	}
	for _, tc := range readers {
		t.Run(tc.name, func(t *testing.T) {
			got := decode(t, tc.r, "gen")
			if got.err != nil {
				t.Fatal(got.err)
			}
			n := len(got.records)
			if tc.name == "one byte at a time" {
				if n == 0 || len(got.rejects) != 1 {
					t.Fatalf("cut input: got %d records and %d rejects, want records and 1 reject", n, len(got.rejects))
				}
			} else if n != len(whole.records) || len(got.rejects) != 0 {
				t.Fatalf("got %d records and %d rejects, want %d and 0", n, len(got.rejects), len(whole.records))
			}
			if !reflect.DeepEqual(got.records, whole.records[:n]) {
				t.Errorf("records differ from those decoded from one read")
			}
		})
	}
}

// TestLargeMember decodes records whose requestParameters are megabytes
// long, larger than the read buffer.
func TestLargeMember(t *testing.T) {
	big := strings.Repeat(`{"k":"`+strings.Repeat("x", 1000)+`"},`, 2100)
	big = "[" + big[:len(big)-1] + "]"
	in := `{"Records":[{"eventVersion":"1.0","eventName":"Big","requestParameters":{"items":` + big + `}},` +
		`{"eventVersion":"1.0","eventName":"After","userAgent":"` + strings.Repeat("é", 400000) + `"}]}`
	res := decodeString(t, in)
	if res.err != nil || len(res.rejects) != 0 || len(res.records) != 2 {
		t.Fatalf("got %d records, %d rejects, err %v; want 2 records", len(res.records), len(res.rejects), res.err)
	}
	if got, want := res.records[0].RequestParameters, `{"items":`+big+`}`; got != want {
		t.Errorf("requestParameters: got %d bytes, want %d", len(got), len(want))
	}
	if got := len(res.records[1].UserAgent); got != 800000 {
		t.Errorf("userAgent: got %d bytes, want 800000", got)
	}
}

// TestTruncatedGzip cuts a gzip-compressed Records file at several points:
// each yields the records before the cut and exactly one reject.
func TestTruncatedGzip(t *testing.T) {
	data := genRecords(3, 300<<10)
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write(data)
	zw.Close()
	z := zbuf.Bytes()
	for _, frac := range []float64{0.05, 0.3, 0.61, 0.9, 0.999} {
		cut := int(float64(len(z)) * frac)
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			zr, err := gzip.NewReader(bytes.NewReader(z[:cut]))
			if err != nil {
				t.Fatal(err)
			}
			// The records complete in what decompresses before the cut.
			prefix, perr := io.ReadAll(zr)
			if !errors.Is(perr, io.ErrUnexpectedEOF) {
				t.Fatalf("reading the cut stream: got %v, want unexpected EOF", perr)
			}
			want := bytes.Count(prefix, []byte(`},{"eventVersion"`))
			zr, _ = gzip.NewReader(bytes.NewReader(z[:cut]))
			res := decode(t, zr, "cut.json.gz")
			if res.err != nil {
				t.Fatalf("Decode: %v", res.err)
			}
			if len(res.records) != want || len(res.rejects) != 1 {
				t.Fatalf("got %d records and %d rejects, want %d and 1", len(res.records), len(res.rejects), want)
			}
			if !strings.Contains(res.rejects[0].Reason, "truncated") {
				t.Errorf("reject reason %q does not say the input was truncated", res.rejects[0].Reason)
			}
			if res.rejects[0].SourceLine != int64(want+1) {
				t.Errorf("reject SourceLine = %d, want %d", res.rejects[0].SourceLine, want+1)
			}
		})
	}
}

// TestCallbackAndReadErrors checks that errors from emit, reject and the
// reader stop decoding and are returned.
func TestCallbackAndReadErrors(t *testing.T) {
	boom := errors.New("boom")
	in := `{"eventVersion":"1","eventName":"A"}` + "\n" + `{bad}` + "\n"
	tests := []struct {
		name   string
		r      io.Reader
		emit   func(*event.CloudTrail) error
		reject func(*event.Reject) error
	}{
		{"emit fails", strings.NewReader(in), func(*event.CloudTrail) error { return boom }, func(*event.Reject) error { return nil }},
		{"reject fails", strings.NewReader(in), func(*event.CloudTrail) error { return nil }, func(*event.Reject) error { return boom }},
		{"read fails", io.MultiReader(strings.NewReader(`{"Records":[{"eventVersion":"1"},{"eventVer`), iotest.ErrReader(boom)), func(*event.CloudTrail) error { return nil }, func(*event.Reject) error { return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cloudtrail.Decode(tc.r, "obj", tc.emit, tc.reject)
			if !errors.Is(err, boom) {
				t.Fatalf("got error %v, want one wrapping %v", err, boom)
			}
			if !strings.Contains(err.Error(), "obj") {
				t.Errorf("error %q does not name the object", err)
			}
		})
	}
}

// TestValues checks how single member values land in the struct.
func TestValues(t *testing.T) {
	tests := []struct {
		name string
		in   string // members of a record besides eventVersion
		get  func(*event.CloudTrail) string
		want string
	}{
		{"escapes", `"userAgent":"a\"b\\c\/d\n\u00e9\ud83d\ude00"`, func(r *event.CloudTrail) string { return r.UserAgent }, "a\"b\\c/d\né😀"},
		{"lone surrogate", `"userAgent":"x\ud800y"`, func(r *event.CloudTrail) string { return r.UserAgent }, "x\uFFFDy"},
		{"invalid UTF-8", "\"userAgent\":\"a\xffb\"", func(r *event.CloudTrail) string { return r.UserAgent }, "a\uFFFDb"},
		{"invalid UTF-8 in raw", "\"requestParameters\":{\"k\":\"a\xffb\"}", func(r *event.CloudTrail) string { return r.RequestParameters }, "{\"k\":\"a\uFFFDb\"}"},
		{"offset time", `"eventTime":"2026-01-01T01:30:00.5+01:30"`, func(r *event.CloudTrail) string { return r.EventTime.String() }, "2026-01-01 00:00:00.5 +0000 UTC"},
		{"leap day", `"eventTime":"2024-02-29T23:59:59Z"`, func(r *event.CloudTrail) string { return r.EventTime.String() }, "2024-02-29 23:59:59 +0000 UTC"},
		{"bad day", `"eventTime":"2023-02-29T00:00:00Z"`, func(r *event.CloudTrail) string { return r.Extra }, `{"eventTime":"2023-02-29T00:00:00Z"}`},
		{"pretty raw compacted", "\"responseElements\": {\n \"a\" : [ 1 , \"b c\" ] }", func(r *event.CloudTrail) string { return r.ResponseElements }, `{"a":[1,"b c"]}`},
		{"null raw", `"additionalEventData":null`, func(r *event.CloudTrail) string { return r.AdditionalEventData + "|" + r.Extra }, "|"},
		{"readOnly string", `"readOnly":"false"`, func(r *event.CloudTrail) string { return fmt.Sprint(*r.ReadOnly) + " " + r.Extra }, `false {"readOnly":"false"}`},
		{"number for string", `"recipientAccountId":-1.5e3`, func(r *event.CloudTrail) string { return r.RecipientAccountID }, "-1.5e3"},
		{"empty resources", `"resources":[]`, func(r *event.CloudTrail) string { return fmt.Sprint(r.Resources != nil, len(r.Resources)) }, "true 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := decodeString(t, `{"eventVersion":"1.0",`+tc.in+`}`)
			if len(res.records) != 1 {
				t.Fatalf("got %d records, rejects %v", len(res.records), res.rejects)
			}
			if got := tc.get(&res.records[0]); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRejectRawLimit checks that a huge malformed record keeps at most
// event.MaxRejectRaw bytes and says so.
func TestRejectRawLimit(t *testing.T) {
	in := `{"eventVersion":"1","junk":[` + strings.Repeat("1,", 100000) + `x]}` + "\n" + `{"eventVersion":"1","eventName":"Next"}`
	res := decodeString(t, in)
	if len(res.rejects) != 1 || len(res.records) != 1 {
		t.Fatalf("got %d rejects and %d records, want 1 and 1", len(res.rejects), len(res.records))
	}
	rj := res.rejects[0]
	if len(rj.Raw) > event.MaxRejectRaw || len(rj.Raw) < event.MaxRejectRaw-3 || !strings.Contains(rj.Reason, "truncated to") {
		t.Errorf("got raw of %d bytes and reason %q, want %d bytes and a note", len(rj.Raw), rj.Reason, event.MaxRejectRaw)
	}
	if !utf8.ValidString(rj.Raw) {
		t.Errorf("reject raw is not valid UTF-8")
	}
	if got := res.records[0].SourceLine; got != 2 {
		t.Errorf("next record: SourceLine %d, want 2", got)
	}
}
