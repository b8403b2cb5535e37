package cloudtrail_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format"
	"github.com/s3sift/s3sift/format/cloudtrail"
)

// result is everything one Decode call produced.
type result struct {
	records []event.CloudTrail
	rejects []event.Reject
	stats   format.Stats
	err     error
}

func decode(tb testing.TB, r io.Reader, source string) result {
	tb.Helper()
	var res result
	res.stats, res.err = cloudtrail.Decode(r, source,
		func(rec *event.CloudTrail) error {
			res.records = append(res.records, *rec)
			return nil
		},
		func(rj *event.Reject) error {
			res.rejects = append(res.rejects, *rj)
			return nil
		})
	return res
}

func decodeString(tb testing.TB, in string) result {
	tb.Helper()
	return decode(tb, strings.NewReader(in), "test")
}

// rebuild turns a decoded record back into the JSON object it came from:
// the struct's fields under their CloudTrail names, then Extra laid over it
// by path. RequestBucket and RequestKey are left out: they are copies of
// requestParameters members, not members of their own (checkDerived
// checks them).
func rebuild(tb testing.TB, rec *event.CloudTrail) map[string]any {
	tb.Helper()
	out := map[string]any{}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	setJSON := func(m map[string]any, k, v string) {
		if v == "" {
			return
		}
		var x any
		if err := json.Unmarshal([]byte(v), &x); err != nil {
			tb.Fatalf("member %s holds invalid JSON %q: %v", k, v, err)
		}
		m[k] = x
	}
	setBool := func(m map[string]any, k string, v *bool) {
		if v != nil {
			m[k] = *v
		}
	}
	sub := func(m map[string]any, k string, fill func(map[string]any)) {
		s := map[string]any{}
		fill(s)
		if len(s) > 0 {
			m[k] = s
		}
	}
	set(out, "eventVersion", rec.EventVersion)
	sub(out, "userIdentity", func(m map[string]any) {
		u := &rec.UserIdentity
		set(m, "type", u.Type)
		set(m, "principalId", u.PrincipalID)
		set(m, "arn", u.ARN)
		set(m, "accountId", u.AccountID)
		set(m, "accessKeyId", u.AccessKeyID)
		set(m, "userName", u.UserName)
		set(m, "invokedBy", u.InvokedBy)
		set(m, "identityProvider", u.IdentityProvider)
		set(m, "credentialId", u.CredentialID)
		setJSON(m, "onBehalfOf", u.OnBehalfOf)
		setJSON(m, "inScopeOf", u.InScopeOf)
		sub(m, "sessionContext", func(m map[string]any) {
			c := &u.SessionContext
			sub(m, "attributes", func(m map[string]any) {
				set(m, "creationDate", c.Attributes.CreationDate)
				set(m, "mfaAuthenticated", c.Attributes.MFAAuthenticated)
			})
			sub(m, "sessionIssuer", func(m map[string]any) {
				s := &c.SessionIssuer
				set(m, "type", s.Type)
				set(m, "principalId", s.PrincipalID)
				set(m, "arn", s.ARN)
				set(m, "accountId", s.AccountID)
				set(m, "userName", s.UserName)
			})
			setJSON(m, "webIdFederationData", c.WebIDFederationData)
			set(m, "sourceIdentity", c.SourceIdentity)
			set(m, "ec2RoleDelivery", c.EC2RoleDelivery)
			set(m, "assumedRoot", c.AssumedRoot)
		})
	})
	if !rec.EventTime.IsZero() {
		if rec.EventTime.Location() != time.UTC {
			tb.Errorf("eventTime %v is not in UTC", rec.EventTime)
		}
		out["eventTime"] = rec.EventTime.Format(time.RFC3339Nano)
	}
	set(out, "eventSource", rec.EventSource)
	set(out, "eventName", rec.EventName)
	set(out, "awsRegion", rec.AWSRegion)
	set(out, "sourceIPAddress", rec.SourceIPAddress)
	set(out, "userAgent", rec.UserAgent)
	set(out, "errorCode", rec.ErrorCode)
	set(out, "errorMessage", rec.ErrorMessage)
	setJSON(out, "requestParameters", rec.RequestParameters)
	setJSON(out, "responseElements", rec.ResponseElements)
	setJSON(out, "additionalEventData", rec.AdditionalEventData)
	set(out, "requestID", rec.RequestID)
	set(out, "eventID", rec.EventID)
	setBool(out, "readOnly", rec.ReadOnly)
	if rec.Resources != nil {
		list := []any{}
		for _, r := range rec.Resources {
			m := map[string]any{}
			set(m, "ARN", r.ARN)
			set(m, "accountId", r.AccountID)
			set(m, "type", r.Type)
			list = append(list, m)
		}
		out["resources"] = list
	}
	set(out, "eventType", rec.EventType)
	set(out, "apiVersion", rec.APIVersion)
	setBool(out, "managementEvent", rec.ManagementEvent)
	set(out, "recipientAccountId", rec.RecipientAccountID)
	setJSON(out, "serviceEventDetails", rec.ServiceEventDetails)
	set(out, "sharedEventID", rec.SharedEventID)
	set(out, "vpcEndpointId", rec.VPCEndpointID)
	set(out, "vpcEndpointAccountId", rec.VPCEndpointAccountID)
	set(out, "eventCategory", rec.EventCategory)
	setJSON(out, "addendum", rec.Addendum)
	set(out, "sessionCredentialFromConsole", rec.SessionCredentialFromConsole)
	setJSON(out, "edgeDeviceDetails", rec.EdgeDeviceDetails)
	sub(out, "tlsDetails", func(m map[string]any) {
		set(m, "tlsVersion", rec.TLSDetails.TLSVersion)
		set(m, "cipherSuite", rec.TLSDetails.CipherSuite)
		set(m, "clientProvidedHostHeader", rec.TLSDetails.ClientProvidedHostHeader)
	})
	setJSON(out, "insightDetails", rec.InsightDetails)

	if rec.Extra == "" {
		return out
	}
	var extra map[string]any
	if err := json.Unmarshal([]byte(rec.Extra), &extra); err != nil {
		tb.Fatalf("Extra is not a JSON object: %v\n%s", err, rec.Extra)
	}
	for path, v := range extra {
		placeExtra(tb, out, path, v)
	}
	return out
}

var resourcePath = regexp.MustCompile(`^resources\.([0-9]+)(?:\.(.*))?$`)

// containers are the fixed-shape objects, longest first: an Extra key is
// split after the longest one it starts with; the rest is the member name.
var containers = []string{
	"userIdentity.sessionContext.sessionIssuer",
	"userIdentity.sessionContext.attributes",
	"userIdentity.sessionContext",
	"userIdentity",
	"tlsDetails",
}

func placeExtra(tb testing.TB, out map[string]any, path string, v any) {
	tb.Helper()
	if m := resourcePath.FindStringSubmatch(path); m != nil {
		n, _ := strconv.Atoi(m[1])
		list, _ := out["resources"].([]any)
		if n >= len(list) {
			tb.Fatalf("Extra key %q: resources has %d elements", path, len(list))
		}
		if m[2] == "" {
			list[n] = v
			return
		}
		list[n].(map[string]any)[m[2]] = v
		return
	}
	for _, c := range containers {
		if !strings.HasPrefix(path, c+".") {
			continue
		}
		m := out
		for _, part := range strings.Split(c, ".") {
			next, ok := m[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[part] = next
			}
			m = next
		}
		m[strings.TrimPrefix(path, c+".")] = v
		return
	}
	out[path] = v
}

// dropNulls removes object members whose value is null, at any depth: the
// decoder treats a null member as an absent one.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			x[k] = dropNulls(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropNulls(e)
		}
	}
	return v
}

// checkRoundTrip checks that rec rebuilds into the JSON object original.
func checkRoundTrip(tb testing.TB, what string, original []byte, rec *event.CloudTrail) {
	tb.Helper()
	var want any
	if err := json.Unmarshal(original, &want); err != nil {
		tb.Fatalf("%s: original is not JSON: %v", what, err)
	}
	want = dropNulls(want)
	got := dropNulls(rebuild(tb, rec))
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		tb.Errorf("%s: round trip differs\n got: %s\nwant: %s\nextra: %s", what, g, w, rec.Extra)
	}
	checkDerived(tb, what, rec)
}

// checkDerived checks that RequestBucket and RequestKey hold
// requestParameters.bucketName and .key when those are non-empty strings,
// and are empty otherwise (encoding/json as the reference; the inputs
// checked name no member twice), and that the s3_requests columns, from
// the members collected while decoding, are what event.DeriveCloudTrail
// finds in the stored record.
func checkDerived(tb testing.TB, what string, rec *event.CloudTrail) {
	tb.Helper()
	again := *rec
	event.DeriveCloudTrail(&again)
	if g, w := requestColumns(rec.CloudTrailRequest), requestColumns(again.CloudTrailRequest); g != w {
		tb.Errorf("%s: s3_requests columns\n got: %s\nwant: %s", what, g, w)
	}
	var params map[string]any
	if strings.HasPrefix(rec.RequestParameters, "{") {
		if err := json.Unmarshal([]byte(rec.RequestParameters), &params); err != nil {
			tb.Fatalf("%s: requestParameters is not a JSON object: %v", what, err)
		}
	}
	for _, f := range []struct {
		member, got string
	}{{"bucketName", rec.RequestBucket}, {"key", rec.RequestKey}} {
		want, _ := params[f.member].(string)
		if f.got != want {
			tb.Errorf("%s: copy of requestParameters.%s = %q, want %q", what, f.member, f.got, want)
		}
	}
}

// splitRecords returns the JSON text of each record in data, whatever its
// shape, using encoding/json as the reference.
func splitRecords(tb testing.TB, data []byte) [][]byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return out
		} else if err != nil {
			tb.Fatalf("reference decoder: %v", err)
		}
		switch v[0] {
		case '[':
			var list []json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				tb.Fatal(err)
			}
			for _, e := range list {
				out = append(out, e)
			}
		case '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(v, &obj); err != nil {
				tb.Fatal(err)
			}
			if recs, ok := obj["Records"]; ok {
				var list []json.RawMessage
				if err := json.Unmarshal(recs, &list); err != nil {
					tb.Fatal(err)
				}
				for _, e := range list {
					out = append(out, e)
				}
				continue
			}
			out = append(out, v)
		}
	}
}

// requestColumns renders r with the byte counts' values, not addresses.
func requestColumns(r event.CloudTrailRequest) string {
	n := func(p *int64) string {
		if p == nil {
			return "NULL"
		}
		return strconv.FormatInt(*p, 10)
	}
	sent, received := n(r.ReqBytesSent), n(r.ReqBytesReceived)
	r.ReqBytesSent, r.ReqBytesReceived = nil, nil
	return fmt.Sprintf("%+v sent=%s received=%s", r, sent, received)
}
