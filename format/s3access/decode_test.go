package s3access_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/s3access"
)

func TestDecodeLineEndings(t *testing.T) {
	l1 := baseLine().with(6, "REQ1").String()
	l2 := baseLine().with(6, "REQ2").upTo(17).String()
	tests := []struct {
		name      string
		in        string
		wantLines []int64 // SourceLine of each record
		rejects   []int64
	}{
		{"LF", l1 + "\n" + l2 + "\n", []int64{1, 2}, nil},
		{"CRLF", l1 + "\r\n" + l2 + "\r\n", []int64{1, 2}, nil},
		{"no final newline", l1 + "\n" + l2, []int64{1, 2}, nil},
		{"blank lines skipped but counted", "\n" + l1 + "\n\r\n  \t\n" + l2 + "\n\n", []int64{2, 5}, nil},
		{"bad line in the middle", l1 + "\nnot a log line\n" + l2 + "\n", []int64{1, 3}, []int64{2}},
		{"only blanks", "\n\r\n \n", nil, nil},
		{"empty", "", nil, nil},
		{"lone CR line", l1 + "\r\n\r\r\n", []int64{1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeAll(t, strings.NewReader(tt.in), "mem")
			var got, rej []int64
			for _, r := range d.recs {
				got = append(got, r.SourceLine)
				if r.SourceObject != "mem" {
					t.Errorf("SourceObject = %q", r.SourceObject)
				}
				if strings.HasSuffix(r.UserAgent, "\r") || strings.HasSuffix(r.SourceRegion, "\r") {
					t.Errorf("line %d kept a carriage return", r.SourceLine)
				}
			}
			for _, r := range d.rejs {
				rej = append(rej, r.SourceLine)
				if r.Format != "s3access" || r.SourceObject != "mem" || r.Reason == "" || r.Raw == "" {
					t.Errorf("reject %+v lacks format, source, reason or raw", r)
				}
			}
			if !equalInts(got, tt.wantLines) || !equalInts(rej, tt.rejects) {
				t.Errorf("records at lines %v, rejects at %v; want %v and %v", got, rej, tt.wantLines, tt.rejects)
			}
			if n := nonBlankLines([]byte(tt.in)); n != len(got)+len(rej) {
				t.Errorf("records+rejects = %d, want %d non-blank lines", len(got)+len(rej), n)
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeKeepsStrings reads through a reader that returns one byte at a
// time, so the read buffer is refilled constantly, and checks that the
// records kept from earlier lines are untouched.
func TestDecodeKeepsStrings(t *testing.T) {
	lines := sampleLines(300, 7)
	in := strings.Join(lines, "\n") + "\n"
	d := decodeAll(t, iotest.OneByteReader(strings.NewReader(in)), "slow")
	if len(d.rejs) != 0 || len(d.recs) != len(lines) {
		t.Fatalf("got %d records, %d rejects; want %d records", len(d.recs), len(d.rejs), len(lines))
	}
	for i, rec := range d.recs {
		want := parse(t, lines[i])
		want.Provenance = event.Provenance{SourceObject: "slow", SourceLine: int64(i + 1)}
		if g, w := goldenRow(t, rec), goldenRow(t, want); g != w {
			t.Fatalf("line %d changed after Decode went on:\n got %s\nwant %s", i+1, g, w)
		}
	}
	// The numeric pointers come from shared slabs: each must still be
	// distinct per record.
	if d.recs[0].HTTPStatus != nil && d.recs[1].HTTPStatus != nil && d.recs[0].HTTPStatus == d.recs[1].HTTPStatus {
		t.Error("two records share one HTTPStatus pointer")
	}
}

// TestDecodeKeepsStringsAcrossObjects decodes many small objects, in turn
// and at once, and checks every record afterwards: lines of different
// objects share the blocks they are copied into, so a later object must
// never overwrite an earlier one's text.
func TestDecodeKeepsStringsAcrossObjects(t *testing.T) {
	lines := sampleLines(400, 3)
	lines = append(lines, strings.Repeat("x", 9000)) // a reject, longer than a block's share
	const objects = 40
	type result struct {
		d     decoded
		lines []string
	}
	results := make([]result, objects)
	var wg sync.WaitGroup
	for o := range objects {
		// Objects of 1 to 10 lines; half decoded concurrently.
		part := slices.Clone(lines[o*10 : o*10+1+o%10])
		if o == objects-1 {
			part = append(part, lines[len(lines)-1])
		}
		decode := func() {
			results[o] = result{decodeAll(t, strings.NewReader(strings.Join(part, "\n")), fmt.Sprint("obj", o)), part}
		}
		if o%2 == 0 {
			decode()
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); decode() }()
	}
	wg.Wait()
	for o, res := range results {
		rejects := 0
		if o == objects-1 {
			rejects = 1
		}
		if len(res.d.rejs) != rejects || len(res.d.recs)+rejects != len(res.lines) {
			t.Fatalf("object %d: got %d records, %d rejects; want %d lines, %d rejects", o, len(res.d.recs), len(res.d.rejs), len(res.lines), rejects)
		}
		for i, rec := range res.d.recs {
			want := parse(t, res.lines[i])
			want.Provenance = event.Provenance{SourceObject: fmt.Sprint("obj", o), SourceLine: int64(i + 1)}
			if g, w := goldenRow(t, rec), goldenRow(t, want); g != w {
				t.Fatalf("object %d line %d changed after later objects were decoded:\n got %s\nwant %s", o, i+1, g, w)
			}
		}
	}
}

func TestDecodeLongLines(t *testing.T) {
	hugeAgent := `"` + strings.Repeat("Mozilla/5.0 (compatible) ", 2<<20/25) + `"`
	valid := baseLine().with(17, hugeAgent).String()
	garbage := strings.Repeat("x\"y ", 2<<20/4)
	next := baseLine().with(6, "AFTER").String()
	in := valid + "\n" + garbage + "\r\n" + next + "\n"

	d := decodeAll(t, strings.NewReader(in), "long")
	if len(d.recs) != 2 || len(d.rejs) != 1 {
		t.Fatalf("got %d records, %d rejects; want 2 and 1", len(d.recs), len(d.rejs))
	}
	if got, want := len(d.recs[0].UserAgent), len(hugeAgent)-2; got != want {
		t.Errorf("2 MB user agent parsed to %d bytes, want %d", got, want)
	}
	if d.recs[0].SourceRegion != "eu-west-1" {
		t.Errorf("fields after the 2 MB user agent lost: %+v", d.recs[0].SourceRegion)
	}
	rj := d.rejs[0]
	if rj.SourceLine != 2 || len(rj.Raw) != event.MaxRejectRaw || !strings.HasPrefix(garbage, rj.Raw) {
		t.Errorf("reject line %d with %d raw bytes; want line 2, the first %d bytes", rj.SourceLine, len(rj.Raw), event.MaxRejectRaw)
	}
	if !strings.Contains(rj.Reason, "truncated") || !strings.Contains(rj.Reason, "2097152") {
		t.Errorf("reason %q does not say the raw text was truncated from 2097152 bytes", rj.Reason)
	}
	if d.recs[1].RequestID != "AFTER" || d.recs[1].SourceLine != 3 {
		t.Errorf("line after the long ones: %+v", d.recs[1])
	}
}

func TestDecodeLineBeyondLimit(t *testing.T) {
	over := baseLine().with(17, `"`+strings.Repeat("a", s3access.MaxLineBytes)+`"`).String()
	in := over + "\n" + baseLine().String() + "\n"
	d := decodeAll(t, strings.NewReader(in), "over")
	if len(d.recs) != 1 || len(d.rejs) != 1 || d.recs[0].SourceLine != 2 {
		t.Fatalf("got %d records, %d rejects; want the line after the oversized one parsed", len(d.recs), len(d.rejs))
	}
	rj := d.rejs[0]
	if !strings.Contains(rj.Reason, "longer than") || len(rj.Raw) != event.MaxRejectRaw || !strings.HasPrefix(over, rj.Raw) {
		t.Errorf("reject: reason %q, %d raw bytes", rj.Reason, len(rj.Raw))
	}
}

func TestDecodeRejectRawIsValidUTF8(t *testing.T) {
	// A reject whose raw text is cut inside a multi-byte character and
	// holds invalid bytes.
	// The first cut splits an "é"; in the second, each invalid byte grows
	// into a 3-byte U+FFFD, so the text must be cut again after repair.
	cutInRune := "a" + strings.Repeat("é", event.MaxRejectRaw) + "\xff\xfe"
	growing := strings.Repeat("\xffa", event.MaxRejectRaw)
	in := "\xff\xfe not a line\n" + cutInRune + "\n" + growing + "\n"
	d := decodeAll(t, strings.NewReader(in), "utf8")
	if len(d.rejs) != 3 {
		t.Fatalf("got %d rejects, want 3", len(d.rejs))
	}
	for _, rj := range d.rejs[1:] {
		if !strings.Contains(rj.Reason, "truncated") || len(rj.Raw) < event.MaxRejectRaw-3 {
			t.Errorf("line %d: %d raw bytes, reason %q; want nearly %d bytes and a note", rj.SourceLine, len(rj.Raw), rj.Reason, event.MaxRejectRaw)
		}
	}
	for _, rj := range d.rejs {
		if !utf8.ValidString(rj.Raw) || len(rj.Raw) > event.MaxRejectRaw {
			t.Errorf("line %d: raw is %d bytes, valid UTF-8 %v", rj.SourceLine, len(rj.Raw), utf8.ValidString(rj.Raw))
		}
	}
	if got := d.rejs[0].Raw; got != "\uFFFD not a line" {
		t.Errorf("raw = %q, want invalid bytes replaced", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	boom := errors.New("boom")
	good := baseLine().String() + "\n"
	ok := func(*event.AccessLog) error { return nil }
	okRej := func(*event.Reject) error { return nil }
	tests := []struct {
		name    string
		r       io.Reader
		emit    func(*event.AccessLog) error
		reject  func(*event.Reject) error
		records int64
		want    string
	}{
		{"emit fails", strings.NewReader(good + good), func(*event.AccessLog) error { return boom }, okRej, 0, "s3access: emitting obj line 1: boom"},
		{"reject fails", strings.NewReader(good + "junk\n" + good), ok, func(*event.Reject) error { return boom }, 1, "s3access: rejecting obj line 2: boom"},
		{"reader fails", io.MultiReader(strings.NewReader(good), iotest.ErrReader(boom)), ok, okRej, 1, "s3access: reading obj after line 1: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := s3access.Decode(tt.r, "obj", tt.emit, tt.reject)
			if !errors.Is(err, boom) || err.Error() != tt.want {
				t.Errorf("err = %v, want %q wrapping boom", err, tt.want)
			}
			if st.Records != tt.records {
				t.Errorf("Records = %d, want %d", st.Records, tt.records)
			}
		})
	}
}

func TestDecodeManyLines(t *testing.T) {
	lines := sampleLines(5000, 1)
	var buf bytes.Buffer
	for i, l := range lines {
		buf.WriteString(l)
		if i%2 == 0 {
			buf.WriteString("\r\n")
		} else {
			buf.WriteString("\n")
		}
	}
	d := decodeAll(t, &buf, "many")
	if len(d.rejs) != 0 || len(d.recs) != len(lines) {
		t.Fatalf("got %d records, %d rejects (first %+v); want %d records", len(d.recs), len(d.rejs), firstReject(d.rejs), len(lines))
	}
	counts := map[int32]int{}
	for _, r := range d.recs {
		counts[r.FieldCount]++
	}
	for _, n := range []int32{17, 18, 24, 26, 27} {
		if counts[n] == 0 {
			t.Errorf("no %d-field lines among the samples: %v", n, counts)
		}
	}
}

func firstReject(r []event.Reject) any {
	if len(r) == 0 {
		return nil
	}
	return r[0]
}

// TestDecodeAdversarialLines feeds 512 KB lines built to make a backtracking
// scanner try every quote and space. The attempt budget keeps each one
// linear; a quadratic scanner would run for hours here.
func TestDecodeAdversarialLines(t *testing.T) {
	pre := "o b [14/Mar/2024:09:26:53 +0000] ip r id op "
	const n = 1 << 19
	lines := []string{
		pre + strings.Repeat("k - ", n/4),
		pre + strings.Repeat(`k "`, n/3),
		pre + `k "` + strings.Repeat(`" 200 `, n/6),
		pre + `k - 200 - 1 2 3 4 "` + strings.Repeat(`" "`, n/3),
		pre + `k - 200 - 1 2 3 4 "` + strings.Repeat(`" - `, n/4),
		pre + `k - 200 - 1 2 3 4 - "` + strings.Repeat(`a" `, n/3) + `x"y`,
		pre + strings.Repeat(`k "a" - 200 - 1 2 3 4 "`, n/24),
		strings.Repeat(" ", n) + "x",
	}
	d := decodeAll(t, strings.NewReader(strings.Join(lines, "\n")), "adversarial")
	if len(d.recs) != 0 || len(d.rejs) != len(lines) {
		t.Fatalf("got %d records, %d rejects; want %d rejects", len(d.recs), len(d.rejs), len(lines))
	}
	for _, rj := range d.rejs {
		if !strings.Contains(rj.Reason, "truncated") {
			t.Errorf("line %d: reason %q does not say the raw text was truncated", rj.SourceLine, rj.Reason)
		}
	}
}

// TestDecodeBufferedReaders covers callers that pass a *bufio.Reader: a big
// one is used as is, a small one is read through a buffer of Decode's own.
func TestDecodeBufferedReaders(t *testing.T) {
	lines := sampleLines(50, 9)
	in := strings.Join(lines, "\n")
	for _, size := range []int{16, 1 << 20} {
		br := bufio.NewReaderSize(strings.NewReader(in), size)
		d := decodeAll(t, br, "buffered")
		if len(d.recs) != len(lines) || len(d.rejs) != 0 {
			t.Errorf("bufio size %d: got %d records, %d rejects; want %d records", size, len(d.recs), len(d.rejs), len(lines))
		}
	}
}
