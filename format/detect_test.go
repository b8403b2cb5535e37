package format_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/format"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		head   string
		want   format.Kind
		reason string // substring of the reason, for Unknown
	}{
		{"access log", `79a5 bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a5 3E57 REST.GET.VERSIONING - "GET /x HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -` + "\n", format.AccessLog, ""},
		{"access log negative offset", `b659 www.example.com [10/Feb/2012:16:42:07 -0500] 1.2.3.4 arn EB35 WEBSITE.GET.OBJECT index`, format.AccessLog, ""},
		{"access log after garbage line", "garbage\n\nowner bkt [01/Aug/2019:00:24:41 +0000] 1.2.3.4 - X REST.GET.OBJECT", format.AccessLog, ""},
		{"access log with BOM and CRLF", "\xef\xbb\xbf\r\nowner bkt [01/Aug/2019:00:24:41 +0000] x\r\n", format.AccessLog, ""},
		{"records file", `{"Records":[{"eventVersion":"1.08"}]}`, format.CloudTrail, ""},
		{"records file cut short", `{"Records":[{"eventVersion":"1.08","requestParameters":{"bucketName":"b`, format.CloudTrail, ""},
		{"empty records", `{"Records":[]}`, format.CloudTrail, ""},
		{"json lines", `{"awsRegion":"us-east-1","eventCategory":"Management"}` + "\n" + `{"awsRegion":"us-east-1"}`, format.CloudTrail, ""},
		{"array", "[\n  {\n    \"eventVersion\": \"1.08\",\n \"userIdentity\": {}}]", format.CloudTrail, ""},
		{"empty array", "[ ]", format.CloudTrail, ""},
		{"record with nested first", `{"additionalEventData":{"x":{"eventName":1}},"eventName":"PutObject"}`, format.CloudTrail, ""},
		{"eventbridge", `{"version":"0","id":"6a7e","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{"eventVersion":"1.09"}}`, format.CloudTrail, ""},
		{"config snapshot", `{"fileVersion":"1.0","configSnapshotId":"2b5c","configurationItems":[]}`, format.Unknown, "first members: configSnapshotId, configurationItems, fileVersion"},
		{"digest", `{"awsAccountId":"123","digestStartTime":"2020-09-11T18:36:49Z","digestEndTime":"x"}`, format.Unknown, "CloudTrail digest"},
		{"other json", `{"expected": [{"eventName": "x"}]}`, format.Unknown, "first members: expected"},
		{"wrapped records", `{"source_doc": "x.md", "record": {"eventVersion": "1.05"}}`, format.Unknown, "first members: record, source_doc"},
		{"json string", `["a", "b"]`, format.Unknown, "JSON that is not CloudTrail"},
		{"markdown", "# Amazon S3 Server Access Log Format\n\nThis section", format.Unknown, `(starts with "# Amazon S3 Server Acces"…)`},
		{"regex text", `([^ ]*) ([^ ]*) \[(.*?)\]`, format.Unknown, "not S3 access log lines"},
		{"nearly a line", "owner bucket [06/Feb/2019 00:00:38 +0000] x", format.Unknown, "not S3 access log lines"},
		{"zip", "PK\x03\x04\x14\x00", format.Unknown, "zip"},
		{"parquet", "PAR1\x15\x00", format.Unknown, "Parquet"},
		{"double gzip", "\x1f\x8b\x08\x00", format.Unknown, "gzip inside gzip"},
		{"binary", "abc\x00def", format.Unknown, "binary"},
		{"empty", "", format.Unknown, "empty"},
		{"blank", " \n\r\n\t", format.Unknown, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := format.Detect([]byte(tt.head))
			if got != tt.want {
				t.Fatalf("Detect(%q) = %v (%q), want %v", tt.head, got, reason, tt.want)
			}
			if tt.want != format.Unknown && reason != "" {
				t.Errorf("Detect(%q) reason = %q, want empty for a log", tt.head, reason)
			}
			if tt.want == format.Unknown && (!strings.HasPrefix(reason, "not a log: ") || !strings.Contains(reason, tt.reason)) {
				t.Errorf("Detect(%q) reason = %q, want \"not a log: …%s…\"", tt.head, reason, tt.reason)
			}
		})
	}
}

// TestDetectCorpus checks every real sample: files with log content are
// told apart by content, documentation and metadata are not logs.
func TestDetectCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus")
	for _, dir := range []string{"s3access", "cloudtrail"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			got, reason := format.Detect(b)
			want := corpusKind(path)
			if got != want {
				t.Errorf("Detect(%s) = %v (%s), want %v", path, got, reason, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// corpusKind is what a corpus file holds, by what the corpus README says
// of it: the .log and .json files are logs, except the expected-output
// documents, the digest file and the test-case JSONL files that wrap lines
// or records in other JSON.
func corpusKind(path string) format.Kind {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, "-expected.json"), strings.Contains(base, "digest"), strings.HasSuffix(base, ".jsonl"):
		return format.Unknown
	case strings.Contains(path, "s3access") && strings.HasSuffix(base, ".log"):
		return format.AccessLog
	case strings.Contains(path, "cloudtrail") && (strings.HasSuffix(base, ".log") || strings.HasSuffix(base, ".json")):
		return format.CloudTrail
	}
	return format.Unknown
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventVersion":"1.08"}]}`))
	f.Add([]byte(`o b [06/Feb/2019:00:00:38 +0000] x`))
	f.Add([]byte(`[{"a":"\"","b":[{"c":1}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, reason := format.Detect(b)
		if (k == format.Unknown) != (reason != "") {
			t.Fatalf("Detect(%q) = %v, %q: a reason must come with Unknown only", b, k, reason)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	head := bytes.Repeat([]byte(`{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"eventTime":"2024-01-01T00:00:00Z"}`+"\n"), 600)
	b.SetBytes(int64(min(len(head), format.DetectSize)))
	for b.Loop() {
		format.Detect(head)
	}
}
