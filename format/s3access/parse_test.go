package s3access_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/s3access"
)

func TestParseLineAllFields(t *testing.T) {
	rec := parse(t, baseLine().plus("x-future", `"quoted future"`).String())
	str := []struct{ name, got, want string }{
		{"BucketOwner", rec.BucketOwner, testOwner},
		{"Bucket", rec.Bucket, "logs-demo"},
		{"RemoteIP", rec.RemoteIP, "203.0.113.7"},
		{"Requester", rec.Requester, "arn:aws:iam::111122223333:user/alice"},
		{"RequestID", rec.RequestID, "5KQ2JD8F0T1A9B3C"},
		{"Operation", rec.Operation, "REST.GET.OBJECT"},
		{"Key", rec.Key, "reports/2024/q1.csv"},
		{"KeyRaw", rec.KeyRaw, "reports/2024/q1.csv"},
		{"RequestURI", rec.RequestURI, "GET /logs-demo/reports/2024/q1.csv HTTP/1.1"},
		{"ErrorCode", rec.ErrorCode, ""},
		{"Referer", rec.Referer, "https://console.example.com/"},
		{"UserAgent", rec.UserAgent, "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12"},
		{"VersionID", rec.VersionID, ""},
		{"HostID", rec.HostID, testHostID},
		{"SignatureVersion", rec.SignatureVersion, "SigV4"},
		{"CipherSuite", rec.CipherSuite, "TLS_AES_128_GCM_SHA256"},
		{"AuthenticationType", rec.AuthenticationType, "AuthHeader"},
		{"HostHeader", rec.HostHeader, "logs-demo.s3.eu-west-1.amazonaws.com"},
		{"TLSVersion", rec.TLSVersion, "TLSv1.3"},
		{"AccessPointARN", rec.AccessPointARN, "arn:aws:s3:eu-west-1:111122223333:accesspoint/reports-ap"},
		{"ACLRequired", rec.ACLRequired, "Yes"},
		{"SourceRegion", rec.SourceRegion, "eu-west-1"},
	}
	for _, s := range str {
		if s.got != s.want {
			t.Errorf("%s = %q, want %q", s.name, s.got, s.want)
		}
	}
	if want := time.Date(2024, 3, 14, 9, 26, 53, 0, time.UTC); !rec.Time.Equal(want) || rec.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v", rec.Time, want)
	}
	nums := []struct {
		name string
		got  any
		want int64
	}{
		{"HTTPStatus", int32OrNil(rec.HTTPStatus), 200},
		{"BytesSent", int64OrNil(rec.BytesSent), 5120},
		{"ObjectSize", int64OrNil(rec.ObjectSize), 5120},
		{"TotalTimeMS", int64OrNil(rec.TotalTimeMS), 23},
		{"TurnAroundTimeMS", int64OrNil(rec.TurnAroundTimeMS), 11},
	}
	for _, n := range nums {
		if n.got != n.want {
			t.Errorf("%s = %v, want %d", n.name, n.got, n.want)
		}
	}
	if got, want := strings.Join(rec.ExtraFields, "|"), `x-future|"quoted future"`; got != want {
		t.Errorf("ExtraFields = %q, want %q", got, want)
	}
	if rec.FieldCount != 29 {
		t.Errorf("FieldCount = %d, want 29", rec.FieldCount)
	}
}

func TestParseLineFieldCounts(t *testing.T) {
	for n := 17; n <= 30; n++ {
		f := baseLine()
		if n <= len(f) {
			f = f.upTo(n)
		} else {
			for i := len(f); i < n; i++ {
				f = f.plus("extra" + string(rune('a'+i-len(baseLine()))))
			}
		}
		rec := parse(t, f.String())
		if int(rec.FieldCount) != n {
			t.Errorf("%d fields: FieldCount = %d", n, rec.FieldCount)
		}
		if got, want := len(rec.ExtraFields), max(0, n-27); got != want {
			t.Errorf("%d fields: %d extra fields, want %d", n, got, want)
		}
		// The last documented field present is set, the next is not.
		if n >= 27 && rec.SourceRegion != "eu-west-1" || n == 26 && (rec.ACLRequired != "Yes" || rec.SourceRegion != "") {
			t.Errorf("%d fields: acl_required %q, source_region %q", n, rec.ACLRequired, rec.SourceRegion)
		}
		if n == 17 && (rec.UserAgent == "" || rec.VersionID != "" || rec.HostID != "") {
			t.Errorf("17 fields: parsed as %+v", rec)
		}
	}
}

func TestParseLineNulls(t *testing.T) {
	dash := baseLine()
	for _, n := range []int{1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27} {
		dash = dash.with(n, "-")
	}
	quoted := dash.with(9, `"-"`).with(16, `"-"`).with(17, `"-"`)
	empty := dash.with(9, `""`).with(16, `""`).with(17, `""`)
	for name, line := range map[string]string{"dashes": dash.String(), "quoted dashes": quoted.String(), "empty quotes": empty.String()} {
		rec := parse(t, line)
		names, values := columns(rec)
		for i, name := range names {
			switch name {
			case "time", "field_count", "source_object", "source_line":
				continue
			}
			if values[i] != nil {
				t.Errorf("%s: %s = %#v, want NULL", name, name, values[i])
			}
		}
		if rec.FieldCount != 27 {
			t.Errorf("%s: FieldCount = %d", name, rec.FieldCount)
		}
	}
}

func TestParseLineTimeOffsets(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"[06/Feb/2019:00:00:38 +0000]", time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC)},
		{"[10/Feb/2012:16:42:07 -0500]", time.Date(2012, 2, 10, 21, 42, 7, 0, time.UTC)},
		{"[01/Jan/2024:00:30:00 +0100]", time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC)},
		{"[31/Dec/2023:23:59:59 -0930]", time.Date(2024, 1, 1, 9, 29, 59, 0, time.UTC)},
		{"[29/Feb/2024:12:00:00 +0545]", time.Date(2024, 2, 29, 6, 15, 0, 0, time.UTC)},
		{"[29/Feb/2000:00:00:00 +0000]", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"[01/Mar/1900:00:00:00 +0000]", time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"[15/Jul/2031:08:09:10 +1400]", time.Date(2031, 7, 14, 18, 9, 10, 0, time.UTC)},
	}
	for _, tt := range tests {
		rec := parse(t, baseLine().with(3, tt.in).String())
		if !rec.Time.Equal(tt.want) || rec.Time.Location() != time.UTC {
			t.Errorf("%s: Time = %v, want %v", tt.in, rec.Time, tt.want)
		}
		// Cross-check with the standard library's reading of the layout.
		std, err := time.Parse("[02/Jan/2006:15:04:05 -0700]", tt.in)
		if err != nil || !std.Equal(rec.Time) {
			t.Errorf("%s: time.Parse gives %v (%v), we give %v", tt.in, std, err, rec.Time)
		}
	}
}

func TestParseLineKeys(t *testing.T) {
	tests := []struct {
		name, field, key, raw string
	}{
		{"plain", "a/b.txt", "a/b.txt", "a/b.txt"},
		{"percent-encoded", "photos/puppy%20dog%21.jpg", "photos/puppy dog!.jpg", "photos/puppy%20dog%21.jpg"},
		{"plus stays plus", "Screen+Shot+2019.png", "Screen+Shot+2019.png", "Screen+Shot+2019.png"},
		{"utf-8", "caf%C3%A9", "café", "caf%C3%A9"},
		{"lower-case hex", "a%2fb", "a/b", "a%2fb"},
		{"encoded percent", "100%25", "100%", "100%25"},
		{"bad escape kept raw", "a%zzb", "a%zzb", "a%zzb"},
		{"cut escape kept raw", "a%4", "a%4", "a%4"},
		{"invalid utf-8 kept raw", "latin1-%E9", "latin1-%E9", "latin1-%E9"},
		{"spaces", "my file (1).txt", "my file (1).txt", "my file (1).txt"},
		{"space and dash", "a - b", "a - b", "a - b"},
		{"space and quote", `say "hi" now`, `say "hi" now`, `say "hi" now`},
		{"no key", "-", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := parse(t, baseLine().with(8, tt.field).String())
			if rec.Key != tt.key || rec.KeyRaw != tt.raw {
				t.Errorf("Key, KeyRaw = %q, %q; want %q, %q", rec.Key, rec.KeyRaw, tt.key, tt.raw)
			}
			if rec.RequestURI != "GET /logs-demo/reports/2024/q1.csv HTTP/1.1" || *rec.HTTPStatus != 200 {
				t.Errorf("fields after the key shifted: uri %q", rec.RequestURI)
			}
		})
	}
}

func TestParseLineQuotes(t *testing.T) {
	tests := []struct {
		name                  string
		line                  fields
		uri, referer, agent   string
		versionID, sourceRegn string
	}{
		{"quote inside user agent", baseLine().with(17, `"Mozilla/5.0 "compatible" Bot/1.0"`),
			"GET /logs-demo/reports/2024/q1.csv HTTP/1.1", "https://console.example.com/", `Mozilla/5.0 "compatible" Bot/1.0`, "", "eu-west-1"},
		{"user agent ends in a quote", baseLine().with(17, `"x "y""`),
			"GET /logs-demo/reports/2024/q1.csv HTTP/1.1", "https://console.example.com/", `x "y"`, "", "eu-west-1"},
		{"quote inside the last field of a 17-field line", baseLine().upTo(17).with(17, `"a" b"`),
			"GET /logs-demo/reports/2024/q1.csv HTTP/1.1", "https://console.example.com/", `a" b`, "", ""},
		{"quote inside referer", baseLine().with(16, `"https://x/?q="s3" a"`),
			"GET /logs-demo/reports/2024/q1.csv HTTP/1.1", `https://x/?q="s3" a`, "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", "", "eu-west-1"},
		{"quote inside request URI", baseLine().with(9, `"GET /logs-demo/a"b HTTP/1.1"`),
			`GET /logs-demo/a"b HTTP/1.1`, "https://console.example.com/", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", "", "eu-west-1"},
		{"quote and space inside request URI", baseLine().with(9, `"GET /logs-demo/a" b HTTP/1.1"`),
			`GET /logs-demo/a" b HTTP/1.1`, "https://console.example.com/", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", "", "eu-west-1"},
		{"unquoted dashes", baseLine().with(9, "-").with(16, "-").with(17, "-").with(18, "v1"),
			"", "", "", "v1", "eu-west-1"},
		{"odd request URI after a key with a space", baseLine().with(8, "a b").with(9, `"%%%"`),
			"%%%", "https://console.example.com/", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", "", "eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := parse(t, tt.line.String())
			if rec.RequestURI != tt.uri || rec.Referer != tt.referer || rec.UserAgent != tt.agent {
				t.Errorf("uri, referer, agent = %q, %q, %q\nwant %q, %q, %q", rec.RequestURI, rec.Referer, rec.UserAgent, tt.uri, tt.referer, tt.agent)
			}
			if rec.VersionID != tt.versionID || rec.SourceRegion != tt.sourceRegn {
				t.Errorf("version_id, source_region = %q, %q; want %q, %q", rec.VersionID, rec.SourceRegion, tt.versionID, tt.sourceRegn)
			}
			if int(rec.FieldCount) != len(tt.line) {
				t.Errorf("FieldCount = %d, want %d", rec.FieldCount, len(tt.line))
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	b := baseLine()
	tests := []struct {
		name   string
		line   string
		field  int
		reason string
	}{
		{"empty", "", 0, "line ends after field 1 (bucket_owner)"},
		{"one word", "hello", 0, "line ends after field 1 (bucket_owner)"},
		{"bad month", b.with(3, "[06/Fob/2019:00:00:38 +0000]").String(), 3, `field 3 (time): bad month "Fob"`},
		{"bad day", b.with(3, "[30/Feb/2019:00:00:38 +0000]").String(), 3, `field 3 (time): bad day "30"`},
		{"bad offset", b.with(3, "[06/Feb/2019:00:00:38 *0000]").String(), 3, `field 3 (time): bad UTC offset "*0000"`},
		{"iso time", b.with(3, "[2019-02-06T00:00:38Z]").String(), 3, `field 3 (time): want [dd/Mon/yyyy:HH:MM:SS +hhmm], got "[2019-02-06T00:00:38Z]"`},
		{"16 fields", b.upTo(16).String(), 0, "line ends after field 16 (referer); want at least 17 fields"},
		{"cut in the key", b.upTo(8).String(), 0, "line ends after field 8 (key)"},
		{"unquoted uri", b.with(9, "GET").String(), 9, `field 9 (request_uri): want a quoted string or -, got "GET"`},
		{"bad status", b.with(10, "OK").String(), 10, `field 10 (http_status): want a number or -, got "OK"`},
		{"status too big", b.with(10, "4294967296").String(), 10, `field 10 (http_status): want a number or -`},
		{"bad bytes", b.with(12, "1e3").String(), 12, `field 12 (bytes_sent): want a number or -, got "1e3"`},
		{"negative size", b.with(13, "-1").String(), 13, `field 13 (object_size): want a number or -, got "-1"`},
		{"bad turnaround", b.with(15, "x").String(), 15, `field 15 (turn_around_time_ms): want a number or -, got "x"`},
		{"unquoted referer", b.with(16, "http://x/").String(), 16, `field 16 (referer): want a quoted string or -, got "http://x/"`},
		{"unclosed user agent", b.upTo(17).with(17, `"curl/8`).String(), 17, "field 17 (user_agent): opening quote is never closed"},
		{"quote in version id", b.with(18, `v"1`).String(), 18, `field 18 (version_id): unexpected quote in "v\"1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec event.AccessLog
			rec.Bucket = "stale"
			err := s3access.ParseLine([]byte(tt.line), &rec)
			if err == nil {
				t.Fatalf("ParseLine succeeded: %+v", rec)
			}
			if !errors.Is(err, s3access.ErrSyntax) {
				t.Errorf("errors.Is(%v, ErrSyntax) = false", err)
			}
			var pe *s3access.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Field != tt.field || !strings.HasPrefix(pe.Reason(), tt.reason) {
				t.Errorf("field %d, reason %q\nwant field %d, reason starting %q", pe.Field, pe.Reason(), tt.field, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "s3access: ") {
				t.Errorf("Error() = %q, want the package prefix", err.Error())
			}
		})
	}
}

// TestParseLineExtraFields: fields after the documented ones are kept
// verbatim; a quoted one may hold spaces; a stray quote in one does not cost
// the line.
func TestParseLineExtraFields(t *testing.T) {
	tests := []struct {
		name  string
		line  fields
		agent string
		want  []string
	}{
		{"plain", baseLine().plus("a", "-", "b"), "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", []string{"a", "-", "b"}},
		{"quoted with spaces", baseLine().plus(`"a b"`, "c"), "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", []string{`"a b"`, "c"}},
		{"stray quote", baseLine().plus(`x"y`), "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", []string{`x"y`}},
		{"unclosed quote", baseLine().plus(`"x y`), "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12", []string{`"x`, "y"}},
		{"stray quote after a dash agent", baseLine().with(17, "-").plus(`x"y`, "z"), "", []string{`x"y`, "z"}},
		{"quote inside the agent and a quoted extra", baseLine().with(17, `"a "b" c"`).plus(`"d e"`), `a "b" c`, []string{`"d e"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := parse(t, tt.line.String())
			if strings.Join(rec.ExtraFields, "|") != strings.Join(tt.want, "|") || rec.UserAgent != tt.agent {
				t.Errorf("ExtraFields %q, UserAgent %q; want %q, %q", rec.ExtraFields, rec.UserAgent, tt.want, tt.agent)
			}
			if int(rec.FieldCount) != 27+len(tt.want) || rec.SourceRegion != "eu-west-1" {
				t.Errorf("FieldCount %d, SourceRegion %q", rec.FieldCount, rec.SourceRegion)
			}
		})
	}
}

func TestParseLineOverwritesRecord(t *testing.T) {
	var rec event.AccessLog
	full := baseLine().plus("extra").String()
	if err := s3access.ParseLine([]byte(full), &rec); err != nil {
		t.Fatal(err)
	}
	rec.SourceObject, rec.SourceLine = "old", 9
	short := baseLine().upTo(17).with(12, "-").String()
	if err := s3access.ParseLine([]byte(short), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.SourceRegion != "" || rec.HostID != "" || rec.ExtraFields != nil || rec.BytesSent != nil || rec.SourceObject != "" || rec.SourceLine != 0 {
		t.Errorf("fields of the previous line survived: %+v", rec)
	}
}

func TestParseLineStringsOutliveInput(t *testing.T) {
	line := []byte(baseLine().with(8, "a%20b").String())
	var rec event.AccessLog
	if err := s3access.ParseLine(line, &rec); err != nil {
		t.Fatal(err)
	}
	for i := range line {
		line[i] = 'X'
	}
	if rec.Bucket != "logs-demo" || rec.Key != "a b" || rec.KeyRaw != "a%20b" || rec.HostID != testHostID {
		t.Errorf("strings changed with the input buffer: %+v", rec)
	}
}

func TestParseLineInvalidUTF8(t *testing.T) {
	line := baseLine().with(17, "\"curl/\xff\xfe8\"").with(5, "user\xc3").String()
	rec := parse(t, line)
	names, values := columns(rec)
	for i, v := range values {
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			t.Errorf("%s = %q is not valid UTF-8", names[i], s)
		}
	}
	if rec.UserAgent != "curl/\uFFFD8" || rec.Requester != "user\uFFFD" {
		t.Errorf("UserAgent, Requester = %q, %q; want the bad bytes replaced by U+FFFD", rec.UserAgent, rec.Requester)
	}
}

func TestParseLineCRAndTrailingSpace(t *testing.T) {
	for _, suffix := range []string{"\r", " ", " \r", "\t "} {
		rec := parse(t, baseLine().String()+suffix)
		if rec.SourceRegion != "eu-west-1" || rec.FieldCount != 27 {
			t.Errorf("suffix %q: source_region %q, FieldCount %d", suffix, rec.SourceRegion, rec.FieldCount)
		}
	}
}
