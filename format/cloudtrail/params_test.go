package cloudtrail_test

import (
	"strings"
	"testing"
)

// TestRequestParameterCopies checks RequestBucket and RequestKey, the
// copies of requestParameters.bucketName and .key, for every shape the
// member can take, and that RequestParameters is kept as before.
func TestRequestParameterCopies(t *testing.T) {
	tests := []struct {
		name, params           string
		wantParams             string
		wantBucket, wantKey    string
		wantReject             bool
		wantRejectReasonSubstr string
	}{
		{name: "both", params: `{"bucketName":"b","Host":"h","key":"a/b.txt"}`,
			wantParams: `{"bucketName":"b","Host":"h","key":"a/b.txt"}`, wantBucket: "b", wantKey: "a/b.txt"},
		{name: "spaces compacted", params: "{ \"key\" : \"k 1\" ,\n\t\"bucketName\" :\"b\" }",
			wantParams: `{"key":"k 1","bucketName":"b"}`, wantBucket: "b", wantKey: "k 1"},
		{name: "escaped key and value", params: `{"bucket\u004eame":"b\u002d1","key":"a\/b\"c"}`,
			wantParams: `{"bucket\u004eame":"b\u002d1","key":"a\/b\"c"}`, wantBucket: "b-1", wantKey: `a/b"c`},
		{name: "non-ASCII", params: `{"key":"Ünïcode ✓"}`,
			wantParams: `{"key":"Ünïcode ✓"}`, wantKey: "Ünïcode ✓"},
		{name: "invalid UTF-8 replaced", params: "{\"key\":\"a\xffb\"}",
			wantParams: "{\"key\":\"a\uFFFDb\"}", wantKey: "a\uFFFDb"},
		{name: "empty string", params: `{"bucketName":"","key":""}`,
			wantParams: `{"bucketName":"","key":""}`},
		{name: "number", params: `{"bucketName":12,"key":1.5}`,
			wantParams: `{"bucketName":12,"key":1.5}`},
		{name: "null and boolean", params: `{"bucketName":null,"key":true}`,
			wantParams: `{"bucketName":null,"key":true}`},
		{name: "object and array", params: `{"bucketName":{"x":"b"},"key":["k"]}`,
			wantParams: `{"bucketName":{"x":"b"},"key":["k"]}`},
		{name: "lone surrogates replaced, pairs and escaped backslashes kept",
			params:     `{"key":"a\ud800b","x":"\udc00","y":"\ud83d\ude00","z":"\\ud800","w":"\ud800\u0041"}`,
			wantParams: `{"key":"a\ufffdb","x":"\ufffd","y":"\ud83d\ude00","z":"\\ud800","w":"\ufffd\u0041"}`,
			wantKey:    "a\uFFFDb"},
		{name: "named twice", params: `{"bucketName":"a","bucketName":"b","key":"k"}`,
			wantParams: `{"bucketName":"a","bucketName":"b","key":"k"}`, wantKey: "k"},
		{name: "nested only", params: `{"x":{"bucketName":"b","key":"k"},"list":[{"key":"k"}]}`,
			wantParams: `{"x":{"bucketName":"b","key":"k"},"list":[{"key":"k"}]}`},
		{name: "case differs", params: `{"BucketName":"b","Key":"k"}`,
			wantParams: `{"BucketName":"b","Key":"k"}`},
		{name: "empty object", params: `{ }`, wantParams: `{}`},
		{name: "not an object", params: `["bucketName","b"]`, wantParams: `["bucketName","b"]`},
		{name: "string", params: `"bucketName"`, wantParams: `"bucketName"`},
		{name: "null", params: `null`},
		{name: "missing colon", params: `{"bucketName" "b"}`, wantReject: true, wantRejectReasonSubstr: "expected ':' after object key"},
		{name: "missing comma", params: `{"bucketName":"b" "key":"k"}`, wantReject: true, wantRejectReasonSubstr: "expected ',' or '}'"},
		{name: "bad key", params: `{bucketName:"b"}`, wantReject: true, wantRejectReasonSubstr: "to begin an object key"},
		{name: "bad value", params: `{"bucketName":b}`, wantReject: true, wantRejectReasonSubstr: "expected a value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"Records":[{"eventVersion":"1.09","eventName":"GetObject","requestParameters":` + tc.params +
				`,"eventID":"E1"},{"eventVersion":"1.09","eventName":"Next","eventID":"E2"}]}`
			res := decodeString(t, in)
			if res.err != nil {
				t.Fatalf("Decode: %v", res.err)
			}
			if tc.wantReject {
				if len(res.rejects) != 1 || len(res.records) != 1 {
					t.Fatalf("got %d records and %d rejects, want 1 and 1", len(res.records), len(res.rejects))
				}
				if got := res.rejects[0].Reason; !strings.Contains(got, tc.wantRejectReasonSubstr) {
					t.Errorf("reject reason = %q, want it to contain %q", got, tc.wantRejectReasonSubstr)
				}
				if got := res.records[0].EventName; got != "Next" {
					t.Errorf("record after the reject: eventName = %q, want Next", got)
				}
				return
			}
			if len(res.records) != 2 || len(res.rejects) != 0 {
				t.Fatalf("got %d records and %d rejects, want 2 and 0", len(res.records), len(res.rejects))
			}
			r := res.records[0]
			if r.RequestParameters != tc.wantParams {
				t.Errorf("RequestParameters = %q, want %q", r.RequestParameters, tc.wantParams)
			}
			if r.RequestBucket != tc.wantBucket {
				t.Errorf("RequestBucket = %q, want %q", r.RequestBucket, tc.wantBucket)
			}
			if r.RequestKey != tc.wantKey {
				t.Errorf("RequestKey = %q, want %q", r.RequestKey, tc.wantKey)
			}
			if got := res.records[1]; got.RequestBucket != "" || got.RequestKey != "" {
				t.Errorf("next record: copies %q, %q, want none", got.RequestBucket, got.RequestKey)
			}
		})
	}
}
