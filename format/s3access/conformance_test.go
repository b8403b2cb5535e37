package s3access_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
)

// The conformance tests run the parser over every real sample line in the
// shared corpus and compare with what other parsers of the format expect.

// clfTime is the access log's time layout, for reading other parsers'
// expectations (the parser itself does not use time.Parse).
const clfTime = "02/Jan/2006:15:04:05 -0700"

// nullable turns our "" into nil so it compares with JSON nulls and absent
// fields.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func int32OrNil(p *int32) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func int64OrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonValue normalises a decoded JSON value for comparison: numbers become
// int64, and a literal "-" (which Elastic and Logstash keep where we store
// NULL) becomes nil.
func jsonValue(tb testing.TB, v any) any {
	tb.Helper()
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			tb.Fatalf("non-integer number %v", x)
		}
		return int64(x)
	case string:
		if x == "-" {
			return nil
		}
		return x
	}
	return v
}

// elasticFields maps the fields of Elastic's aws.s3access object to ours.
var elasticFields = map[string]func(*event.AccessLog) any{
	"bucket_owner":        func(r *event.AccessLog) any { return nullable(r.BucketOwner) },
	"bucket":              func(r *event.AccessLog) any { return nullable(r.Bucket) },
	"remote_ip":           func(r *event.AccessLog) any { return nullable(r.RemoteIP) },
	"requester":           func(r *event.AccessLog) any { return nullable(r.Requester) },
	"request_id":          func(r *event.AccessLog) any { return nullable(r.RequestID) },
	"operation":           func(r *event.AccessLog) any { return nullable(r.Operation) },
	"key":                 func(r *event.AccessLog) any { return nullable(r.KeyRaw) }, // Elastic keeps the key as logged
	"request_uri":         func(r *event.AccessLog) any { return nullable(r.RequestURI) },
	"http_status":         func(r *event.AccessLog) any { return int32OrNil(r.HTTPStatus) },
	"error_code":          func(r *event.AccessLog) any { return nullable(r.ErrorCode) },
	"bytes_sent":          func(r *event.AccessLog) any { return int64OrNil(r.BytesSent) },
	"object_size":         func(r *event.AccessLog) any { return int64OrNil(r.ObjectSize) },
	"total_time":          func(r *event.AccessLog) any { return int64OrNil(r.TotalTimeMS) },
	"turn_around_time":    func(r *event.AccessLog) any { return int64OrNil(r.TurnAroundTimeMS) },
	"referrer":            func(r *event.AccessLog) any { return nullable(r.Referer) },
	"user_agent":          func(r *event.AccessLog) any { return nullable(r.UserAgent) },
	"version_id":          func(r *event.AccessLog) any { return nullable(r.VersionID) },
	"host_id":             func(r *event.AccessLog) any { return nullable(r.HostID) },
	"signature_version":   func(r *event.AccessLog) any { return nullable(r.SignatureVersion) },
	"cipher_suite":        func(r *event.AccessLog) any { return nullable(r.CipherSuite) },
	"authentication_type": func(r *event.AccessLog) any { return nullable(r.AuthenticationType) },
	"host_header":         func(r *event.AccessLog) any { return nullable(r.HostHeader) },
	"tls_version":         func(r *event.AccessLog) any { return nullable(r.TLSVersion) },
	"point_arn":           func(r *event.AccessLog) any { return nullable(r.AccessPointARN) },
	"aclrequired":         func(r *event.AccessLog) any { return nullable(r.ACLRequired) },
}

// TestElasticIntegrations compares every line of Elastic's s3access pipeline
// test with its expected document, field by field in both directions: each
// field Elastic extracted must match ours, and each field Elastic left out
// must be NULL in ours.
func TestElasticIntegrations(t *testing.T) {
	dir := filepath.Join(corpus, "elastic-integrations")
	data, err := os.ReadFile(filepath.Join(dir, "test-s3-server-access.log"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "test-s3-server-access.log-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Expected []struct {
			Timestamp string `json:"@timestamp"`
			AWS       struct {
				S3Access map[string]any `json:"s3access"`
			} `json:"aws"`
			Event struct {
				Original string `json:"original"`
			} `json:"event"`
		} `json:"expected"`
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, bytes.NewReader(data), "elastic")
	if len(d.rejs) != 0 {
		t.Fatalf("rejects: %+v", d.rejs)
	}
	if got, want := len(d.recs), len(expected.Expected); got != want || want == 0 {
		t.Fatalf("got %d records, want %d", got, want)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, exp := range expected.Expected {
		rec := &d.recs[i]
		if exp.Event.Original != lines[rec.SourceLine-1] {
			t.Fatalf("record %d: line %d is not the expected document's event.original", i, rec.SourceLine)
		}
		wantTime, err := time.Parse(time.RFC3339, exp.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Time.Equal(wantTime) || rec.Time.Location() != time.UTC {
			t.Errorf("line %d: time = %v, want %v in UTC", rec.SourceLine, rec.Time, wantTime)
		}
		for name := range exp.AWS.S3Access {
			if _, ok := elasticFields[name]; !ok {
				t.Errorf("line %d: Elastic field aws.s3access.%s has no mapping to ours", rec.SourceLine, name)
			}
		}
		for name, get := range elasticFields {
			want := jsonValue(t, exp.AWS.S3Access[name])
			if got := get(rec); got != want {
				t.Errorf("line %d: %s = %#v, want %#v", rec.SourceLine, name, got, want)
			}
		}
	}
}

// TestLogstashPatterns checks the three S3_ACCESS_LOG cases of
// logstash-patterns-core: legacy field names, ECS names and the fields it
// expects to be absent.
func TestLogstashPatterns(t *testing.T) {
	f, err := os.Open(filepath.Join(corpus, "logstash-patterns-core", "s3_access_spec_cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type spec struct {
		Context     string         `json:"context"`
		Line        string         `json:"line"`
		Legacy      map[string]any `json:"expected_legacy"`
		ECS         map[string]any `json:"expected_ecs"`
		NilInLegacy []string       `json:"expected_nil_legacy"`
	}
	// requestPart splits "GET /x HTTP/1.1" as the grok pattern does.
	requestPart := func(r *event.AccessLog, i int) any {
		parts := strings.SplitN(r.RequestURI, " ", 3)
		if len(parts) != 3 {
			return nil
		}
		if i == 2 {
			return strings.TrimPrefix(parts[2], "HTTP/")
		}
		return parts[i]
	}
	fields := map[string]func(*event.AccessLog) any{
		// legacy names
		"owner":              func(r *event.AccessLog) any { return nullable(r.BucketOwner) },
		"bucket":             func(r *event.AccessLog) any { return nullable(r.Bucket) },
		"clientip":           func(r *event.AccessLog) any { return nullable(r.RemoteIP) },
		"requester":          func(r *event.AccessLog) any { return nullable(r.Requester) },
		"request_id":         func(r *event.AccessLog) any { return nullable(r.RequestID) },
		"operation":          func(r *event.AccessLog) any { return nullable(r.Operation) },
		"key":                func(r *event.AccessLog) any { return nullable(r.KeyRaw) },
		"verb":               func(r *event.AccessLog) any { return requestPart(r, 0) },
		"request":            func(r *event.AccessLog) any { return requestPart(r, 1) },
		"httpversion":        func(r *event.AccessLog) any { return requestPart(r, 2) },
		"response":           func(r *event.AccessLog) any { return int32OrNil(r.HTTPStatus) },
		"error_code":         func(r *event.AccessLog) any { return nullable(r.ErrorCode) },
		"bytes":              func(r *event.AccessLog) any { return int64OrNil(r.BytesSent) },
		"object_size":        func(r *event.AccessLog) any { return int64OrNil(r.ObjectSize) },
		"request_time_ms":    func(r *event.AccessLog) any { return int64OrNil(r.TotalTimeMS) },
		"turnaround_time_ms": func(r *event.AccessLog) any { return int64OrNil(r.TurnAroundTimeMS) },
		"referrer":           func(r *event.AccessLog) any { return nullable(r.Referer) },
		"agent":              func(r *event.AccessLog) any { return nullable(r.UserAgent) },
		"version_id":         func(r *event.AccessLog) any { return nullable(r.VersionID) },
		// ECS names
		"client.ip":                        func(r *event.AccessLog) any { return nullable(r.RemoteIP) },
		"client.user.id":                   func(r *event.AccessLog) any { return nullable(r.Requester) },
		"http.request.method":              func(r *event.AccessLog) any { return requestPart(r, 0) },
		"http.version":                     func(r *event.AccessLog) any { return requestPart(r, 2) },
		"http.response.status_code":        func(r *event.AccessLog) any { return int32OrNil(r.HTTPStatus) },
		"url.original":                     func(r *event.AccessLog) any { return requestPart(r, 1) },
		"user_agent.original":              func(r *event.AccessLog) any { return nullable(r.UserAgent) },
		"tls.cipher":                       func(r *event.AccessLog) any { return nullable(r.CipherSuite) },
		"aws.s3access.bucket_owner":        func(r *event.AccessLog) any { return nullable(r.BucketOwner) },
		"aws.s3access.bucket":              func(r *event.AccessLog) any { return nullable(r.Bucket) },
		"aws.s3access.key":                 func(r *event.AccessLog) any { return nullable(r.KeyRaw) },
		"aws.s3access.request_id":          func(r *event.AccessLog) any { return nullable(r.RequestID) },
		"aws.s3access.operation":           func(r *event.AccessLog) any { return nullable(r.Operation) },
		"aws.s3access.request_uri":         func(r *event.AccessLog) any { return nullable(r.RequestURI) },
		"aws.s3access.error_code":          func(r *event.AccessLog) any { return nullable(r.ErrorCode) },
		"aws.s3access.bytes_sent":          func(r *event.AccessLog) any { return int64OrNil(r.BytesSent) },
		"aws.s3access.total_time":          func(r *event.AccessLog) any { return int64OrNil(r.TotalTimeMS) },
		"aws.s3access.turn_around_time":    func(r *event.AccessLog) any { return int64OrNil(r.TurnAroundTimeMS) },
		"aws.s3access.host_id":             func(r *event.AccessLog) any { return nullable(r.HostID) },
		"aws.s3access.signature_version":   func(r *event.AccessLog) any { return nullable(r.SignatureVersion) },
		"aws.s3access.authentication_type": func(r *event.AccessLog) any { return nullable(r.AuthenticationType) },
		"aws.s3access.host_header":         func(r *event.AccessLog) any { return nullable(r.HostHeader) },
		"aws.s3access.tls_version":         func(r *event.AccessLog) any { return nullable(r.TLSVersion) },
		"aws.s3access.cipher_suite":        func(r *event.AccessLog) any { return nullable(r.CipherSuite) },
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var c spec
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(c.Context, func(t *testing.T) {
			rec := parse(t, c.Line)
			check := func(name string, v any) {
				t.Helper()
				if name == "timestamp" {
					want, err := time.Parse(clfTime, v.(string))
					if err != nil {
						t.Fatal(err)
					}
					if !rec.Time.Equal(want) {
						t.Errorf("time = %v, want %v", rec.Time, want)
					}
					return
				}
				get := fields[name]
				if get == nil {
					t.Errorf("expected field %q has no mapping to ours", name)
					return
				}
				want := v
				if s, ok := want.(string); ok && len(s) >= 2 && s[0] == '"' {
					want = s[1 : len(s)-1] // grok keeps the quotes of referrer and agent
				}
				if got := get(&rec); got != jsonValue(t, want) {
					t.Errorf("%s = %#v, want %#v", name, got, jsonValue(t, want))
				}
			}
			for name, v := range c.Legacy {
				check(name, v)
			}
			for name, v := range flatten("", c.ECS) {
				check(name, v)
			}
			for _, name := range c.NilInLegacy {
				if name == "tags" { // grok's failure tags: the line parsed
					continue
				}
				check(name, nil)
			}
		})
	}
	if err := sc.Err(); err != nil || n != 3 {
		t.Fatalf("read %d cases (err %v), want 3", n, err)
	}
}

// flatten turns nested ECS objects into dotted names.
func flatten(prefix string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			for k2, v2 := range flatten(name, sub) {
				out[k2] = v2
			}
			continue
		}
		out[name] = v
	}
	return out
}

// TestAWSDocsSamples parses AWS's own example lines: the user guide's five
// 26-field lines (one with a trailing space) and the developer guide's five
// 24-field lines, checking values the docs describe.
func TestAWSDocsSamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpus, "awsdocs", "aws_doc_sample_lines.log"))
	if err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, bytes.NewReader(data), "awsdocs")
	if len(d.rejs) != 0 || len(d.recs) != 10 {
		t.Fatalf("got %d records and rejects %+v, want 10 records and none", len(d.recs), d.rejs)
	}
	tests := []struct {
		line                 int64
		fieldCount           int32
		op, key, errCode     string
		status               int32
		bytesSent, objSize   any
		accessPoint, aclReq  string
		sigVersion, tlsVersn string
	}{
		{1, 26, "REST.GET.VERSIONING", "", "", 200, int64(113), nil, "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", "Yes", "SigV4", "TLSV1.2"},
		{2, 26, "REST.GET.LOGGING_STATUS", "", "", 200, int64(242), nil, "", "", "SigV4", "TLSV1.2"},
		{3, 26, "REST.GET.BUCKETPOLICY", "", "NoSuchBucketPolicy", 404, int64(297), nil, "", "Yes", "SigV4", "TLSV1.2"},
		{5, 26, "REST.PUT.OBJECT", "s3-dg.pdf", "", 200, nil, int64(4406583), "", "Yes", "SigV4", "TLSV1.2"},
		{6, 24, "REST.GET.VERSIONING", "", "", 200, int64(113), nil, "", "", "SigV2", "TLSV1.1"},
		{10, 24, "REST.PUT.OBJECT", "s3-dg.pdf", "", 200, nil, int64(4406583), "", "", "SigV4", "TLSV1.1"},
	}
	for _, tt := range tests {
		r := d.recs[tt.line-1]
		if r.SourceLine != tt.line {
			t.Fatalf("record %d has SourceLine %d", tt.line-1, r.SourceLine)
		}
		got := []any{r.FieldCount, r.Operation, r.Key, r.ErrorCode, *r.HTTPStatus, int64OrNil(r.BytesSent), int64OrNil(r.ObjectSize), r.AccessPointARN, r.ACLRequired, r.SignatureVersion, r.TLSVersion}
		want := []any{tt.fieldCount, tt.op, tt.key, tt.errCode, tt.status, tt.bytesSent, tt.objSize, tt.accessPoint, tt.aclReq, tt.sigVersion, tt.tlsVersn}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("line %d: value %d = %#v, want %#v", tt.line, i, got[i], want[i])
			}
		}
	}
}

// TestLnavSamples parses lnav's two sample lines, one in the 2012 format
// that ends at the user agent and has a -0500 offset.
func TestLnavSamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpus, "lnav", "s3_log_format_samples.log"))
	if err != nil {
		t.Fatal(err)
	}
	d := decodeAll(t, bytes.NewReader(data), "lnav")
	if len(d.rejs) != 0 || len(d.recs) != 2 {
		t.Fatalf("got %d records and rejects %+v, want 2 records and none", len(d.recs), d.rejs)
	}
	old := d.recs[0]
	if got, want := old.Time, time.Date(2012, 2, 10, 21, 42, 7, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("time = %v, want %v", got, want)
	}
	if old.FieldCount != 17 || old.Operation != "WEBSITE.GET.OBJECT" || old.Key != "index" || old.ErrorCode != "" || *old.BytesSent != 368 {
		t.Errorf("2012 line parsed as %+v", old)
	}
	if !strings.HasPrefix(old.UserAgent, "Mozilla/5.0 (X11; Linux x86_64)") || !strings.HasSuffix(old.UserAgent, "Safari/535.11") {
		t.Errorf("user agent = %q", old.UserAgent)
	}
	if d.recs[1].FieldCount != 24 || d.recs[1].TLSVersion != "TLSV1.1" {
		t.Errorf("second line parsed as %+v", d.recs[1])
	}
}

// TestAthenaRegexAgrees reads every corpus line, and a few thousand
// generated ones, with the RegexSerDe regex of AWS's Athena table and checks
// that each group it captures equals the field we parsed: an independent
// reading of the same lines. (The regex needs a field after the user agent,
// so it skips 17-field lines.)
func TestAthenaRegexAgrees(t *testing.T) {
	pattern, err := os.ReadFile(filepath.Join(corpus, "awsdocs", "athena_regexserde_input_regex.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The file holds the SQL string literal: backslashes are doubled.
	re := regexp.MustCompile(strings.ReplaceAll(strings.TrimSpace(string(pattern)), `\\`, `\`))
	files, _ := filepath.Glob(filepath.Join(corpus, "*", "*.log"))
	if len(files) < 3 {
		t.Fatalf("found only %d corpus logs", len(files))
	}
	matched := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		d := decodeAll(t, bytes.NewReader(data), path)
		if len(d.rejs) != 0 {
			t.Errorf("%s: rejects %+v", path, d.rejs)
		}
		lines := strings.Split(string(data), "\n")
		for _, rec := range d.recs {
			if agreesWithAthena(t, re, lines[rec.SourceLine-1], &rec) {
				matched++
			}
		}
	}
	if matched < 21 {
		t.Errorf("the Athena regex matched %d corpus lines, want the 21 that have more than 17 fields", matched)
	}
	generated := 0
	for _, line := range sampleLines(3000, 11) {
		rec := parse(t, line)
		if agreesWithAthena(t, re, line, &rec) {
			generated++
		}
	}
	if generated < 2500 {
		t.Errorf("the Athena regex matched only %d of 3000 generated lines", generated)
	}
}

// agreesWithAthena compares rec with the regex's reading of line; it
// reports whether the regex matched at all.
func agreesWithAthena(t *testing.T, re *regexp.Regexp, line string, rec *event.AccessLog) bool {
	t.Helper()
	idx := re.FindStringSubmatchIndex(line)
	if idx == nil {
		return false
	}
	ours := []string{
		rec.BucketOwner, rec.Bucket, "", rec.RemoteIP, rec.Requester, rec.RequestID,
		rec.Operation, rec.KeyRaw, rec.RequestURI, numStr(rec.HTTPStatus), rec.ErrorCode,
		num64Str(rec.BytesSent), num64Str(rec.ObjectSize), num64Str(rec.TotalTimeMS),
		num64Str(rec.TurnAroundTimeMS), rec.Referer, rec.UserAgent, rec.VersionID, rec.HostID,
		rec.SignatureVersion, rec.CipherSuite, rec.AuthenticationType, rec.HostHeader,
		rec.TLSVersion, rec.AccessPointARN, rec.ACLRequired,
	}
	where := fmt.Sprintf("%s:%d", rec.SourceObject, rec.SourceLine)
	for g := 1; g < len(idx)/2; g++ {
		if idx[2*g] < 0 {
			// The regex's optional group wants all of fields 19 to 26 or
			// none: Athena's table reads lines of 18 to 25 fields with
			// those columns empty.
			continue
		}
		want := line[idx[2*g]:idx[2*g+1]]
		if g == 3 { // the time, compared as a time
			tm, err := time.Parse(clfTime, want)
			if err != nil || !tm.Equal(rec.Time) {
				t.Errorf("%s: time = %v, Athena regex reads %q", where, rec.Time, want)
			}
			continue
		}
		if want = strings.Trim(want, `"`); want == "-" {
			want = ""
		}
		if ours[g-1] != want {
			t.Errorf("%s: field %d = %q, Athena regex reads %q\n%s", where, g, ours[g-1], want, line)
		}
	}
	return true
}

func numStr(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

func num64Str(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}
