package cloudtrail_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must not panic, must
// account for everything it reports, and must only hand out valid JSON in
// the JSON-typed fields and valid UTF-8 in every string.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(genRecords(5, 4<<10))
	f.Add([]byte(`[{"eventVersion":"1","resources":[{"ARN":1},[],{"x":{}}]},` + "\n" + `{"a":"\u12`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var records, rejects int64
		st, err := cloudtrail.Decode(strings.NewReader(string(data)), "fuzz",
			func(r *event.CloudTrail) error {
				records++
				checkRecord(t, r)
				return nil
			},
			func(rj *event.Reject) error {
				rejects++
				if rj.Format != "cloudtrail" || rj.Reason == "" || rj.SourceLine < 1 {
					t.Errorf("bad reject %+v", rj)
				}
				if len(rj.Raw) > event.MaxRejectRaw || !utf8.ValidString(rj.Raw) {
					t.Errorf("reject raw: %d bytes, valid UTF-8 %v", len(rj.Raw), utf8.ValidString(rj.Raw))
				}
				return nil
			})
		if err != nil {
			t.Fatalf("Decode of an in-memory reader failed: %v", err)
		}
		if st.Records != records || st.Rejects != rejects {
			t.Errorf("stats %+v, callbacks saw %d records and %d rejects", st, records, rejects)
		}
		if st.Skipped != "" && records+rejects != 0 {
			t.Errorf("skipped (%s) after %d records and %d rejects", st.Skipped, records, rejects)
		}
	})
}

func checkRecord(t testing.TB, r *event.CloudTrail) {
	t.Helper()
	if r.SourceObject != "fuzz" || r.SourceLine < 1 {
		t.Errorf("provenance %q:%d", r.SourceObject, r.SourceLine)
	}
	if !r.EventTime.IsZero() && r.EventTime.Location().String() != "UTC" {
		t.Errorf("eventTime %v not in UTC", r.EventTime)
	}
	for name, v := range map[string]string{
		"requestParameters": r.RequestParameters, "responseElements": r.ResponseElements,
		"additionalEventData": r.AdditionalEventData, "serviceEventDetails": r.ServiceEventDetails,
		"addendum": r.Addendum, "edgeDeviceDetails": r.EdgeDeviceDetails, "insightDetails": r.InsightDetails,
		"onBehalfOf": r.UserIdentity.OnBehalfOf, "inScopeOf": r.UserIdentity.InScopeOf,
		"webIdFederationData": r.UserIdentity.SessionContext.WebIDFederationData, "extra": r.Extra,
	} {
		if v != "" && (!json.Valid([]byte(v)) || !utf8.ValidString(v)) {
			t.Errorf("%s is not valid JSON: %q", name, v)
		}
	}
	if r.Extra != "" && r.Extra[0] != '{' {
		t.Errorf("Extra is not an object: %q", r.Extra)
	}
	for _, v := range []string{r.EventVersion, r.EventName, r.EventSource, r.UserAgent, r.ErrorMessage,
		r.UserIdentity.ARN, r.UserIdentity.SessionContext.SessionIssuer.UserName, r.TLSDetails.CipherSuite} {
		if !utf8.ValidString(v) {
			t.Errorf("invalid UTF-8 in %q", v)
		}
	}
	for _, res := range r.Resources {
		if !utf8.ValidString(res.ARN) {
			t.Errorf("invalid UTF-8 in resource %q", res.ARN)
		}
	}
	// A copy of a requestParameters member is that member's string value
	// (a member named twice has none, and encoding/json keeps the last).
	var params map[string]any
	_ = json.Unmarshal([]byte(r.RequestParameters), &params)
	for _, c := range []struct{ member, got string }{{"bucketName", r.RequestBucket}, {"key", r.RequestKey}} {
		if c.got == "" {
			continue
		}
		if want, _ := params[c.member].(string); c.got != want || !utf8.ValidString(c.got) {
			t.Errorf("copy of requestParameters.%s = %q, want %q (from %q)", c.member, c.got, want, r.RequestParameters)
		}
	}
	// The s3_requests columns, from members collected while decoding,
	// are what DeriveCloudTrail finds in the stored JSON.
	again := *r
	event.DeriveCloudTrail(&again)
	if g, w := requestColumns(r.CloudTrailRequest), requestColumns(again.CloudTrailRequest); g != w {
		t.Errorf("s3_requests columns\n got: %s\nwant: %s", g, w)
	}
}
