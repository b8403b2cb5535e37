package gen_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
	"github.com/s3sift/s3sift/format/s3access"
	"github.com/s3sift/s3sift/gen"
)

// TestParsersAcceptGeneratedLogs runs s3sift's own decoders over the data
// set: every well-formed line and record parses, exactly the malformed
// lines are rejected, and the digest files are skipped.
func TestParsersAcceptGeneratedLogs(t *testing.T) {
	dir, tr := shared(t)
	var records int64
	var rejected []gen.LineRef
	for _, f := range files(t, dir, "s3-access") {
		st, err := s3access.Decode(bytes.NewReader(readFile(t, dir, f)), f,
			func(r *event.AccessLog) error {
				if r.FieldCount != 27 || r.RequestID == "" || r.Bucket == "" {
					t.Errorf("%s:%d parsed as %d fields, request id %q, bucket %q", f, r.SourceLine, r.FieldCount, r.RequestID, r.Bucket)
				}
				return nil
			},
			func(r *event.Reject) error {
				rejected = append(rejected, gen.LineRef{Object: f, Line: r.SourceLine})
				return nil
			})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		records += st.Records
	}
	if records != tr.Rows.AccessLogs {
		t.Errorf("s3access parsed %d lines, Truth.Rows.AccessLogs = %d", records, tr.Rows.AccessLogs)
	}
	if got, want := refs(rejected), refs(tr.Malformed); got != want {
		t.Errorf("s3access rejected\n%s\nwant the malformed lines\n%s", got, want)
	}

	records = 0
	var skipped int
	for _, f := range files(t, dir, "cloudtrail") {
		data := gunzip(t, readFile(t, dir, f))
		st, err := cloudtrail.Decode(bytes.NewReader(data), f,
			func(r *event.CloudTrail) error {
				if r.EventName == "" || r.EventTime.IsZero() || r.UserIdentity.Type == "" {
					t.Errorf("%s record %d: name %q, time %v, identity %q", f, r.SourceLine, r.EventName, r.EventTime, r.UserIdentity.Type)
				}
				// The decoder keeps an anonymous identity's empty principalId
				// in Extra (it stores "" as NULL); anything else there is a
				// member the model lost.
				if r.Extra != "" && r.Extra != `{"userIdentity.principalId":""}` {
					t.Errorf("%s record %d has members the model does not know: %s", f, r.SourceLine, r.Extra)
				}
				return nil
			},
			func(r *event.Reject) error {
				t.Errorf("%s record %d rejected: %s", f, r.SourceLine, r.Reason)
				return nil
			})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if st.Skipped != "" {
			skipped++
			if !strings.Contains(f, "/CloudTrail-Digest/") {
				t.Errorf("%s skipped: %s", f, st.Skipped)
			}
		}
		records += st.Records
	}
	if records != tr.Rows.CloudTrail {
		t.Errorf("cloudtrail decoded %d records, Truth.Rows.CloudTrail = %d", records, tr.Rows.CloudTrail)
	}
	if skipped != tr.Files.DigestObjects {
		t.Errorf("cloudtrail skipped %d objects, want the %d digests", skipped, tr.Files.DigestObjects)
	}
}

func refs(rs []gen.LineRef) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s:%d\n", r.Object, r.Line)
	}
	return b.String()
}
