package sqlgen_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/sqlgen"
)

func TestCloudTrailFieldNames(t *testing.T) {
	fields := sqlgen.CloudTrailFields()
	for name, want := range map[string]string{
		"eventName":             `"event_name"`,
		"sourceIPAddress":       `"source_ip_address"`,
		"awsRegion":             `"aws_region"`,
		"requestID":             `"request_id"`,
		"eventID":               `"event_id"`,
		"sharedEventID":         `"shared_event_id"`,
		"vpcEndpointId":         `"vpc_endpoint_id"`,
		"recipientAccountId":    `"recipient_account_id"`,
		"tlsDetails.tlsVersion": `"tls_details"."tls_version"`,
		"userIdentity.sessionContext.sessionIssuer.userName":      `"user_identity"."session_context"."session_issuer"."user_name"`,
		"userIdentity.sessionContext.attributes.mfaAuthenticated": `"user_identity"."session_context"."attributes"."mfa_authenticated"`,
		"requestParameters": `"request_parameters"`,
		"resources":         `"resources"`,
	} {
		if got := fields[name]; got != want {
			t.Errorf("%s maps to %s, want %s", name, got, want)
		}
	}
}

// TestCorpusFieldNames checks the name mapping against real records: every
// member path of the shared corpus's CloudTrail records must compile, and
// the modelled ones must reach a column rather than extra. A mapping that
// disagreed with CloudTrail's spelling would fail here with a near-miss
// error or an extra lookup.
func TestCorpusFieldNames(t *testing.T) {
	files, err := filepath.Glob("../../../shared/corpus/cloudtrail/elastic-integrations/*-json.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files (%v)", err)
	}
	fields := sqlgen.CloudTrailFields()
	paths := map[string]bool{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			collect(rec, "", paths)
		}
		f.Close()
	}
	var modelled []string
	for p := range paths {
		if _, ok := fields[p]; ok {
			modelled = append(modelled, p)
		}
		q, err := insights.Parse("fields " + insights.FormatName(p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		plan, err := sqlgen.Compile(q, sqlgen.Config{})
		if err != nil {
			t.Errorf("corpus member %s: %v", p, err)
			continue
		}
		if _, ok := fields[p]; ok && strings.Contains(plan.SQL, `json_extract_string("extra"`) && !strings.Contains(plan.SQL, "coalesce(") {
			t.Errorf("modelled member %s is looked up in extra:\n%s", p, plan.SQL)
		}
	}
	sort.Strings(modelled)
	if len(modelled) < 20 {
		t.Errorf("only %d corpus members are modelled: %v", len(modelled), modelled)
	}
}

// collect adds the dotted paths of obj's members, descending into the
// fixed-shape objects only (free-form ones are reached by any path).
func collect(obj map[string]any, prefix string, out map[string]bool) {
	fixed := map[string]bool{"userIdentity": true, "userIdentity.sessionContext": true,
		"userIdentity.sessionContext.attributes": true, "userIdentity.sessionContext.sessionIssuer": true, "tlsDetails": true}
	for k, v := range obj {
		p := prefix + k
		if m, ok := v.(map[string]any); ok && fixed[p] {
			collect(m, p+".", out)
			continue
		}
		out[p] = true
	}
}

// TestCopiesAreNotMembers checks that the columns ingest derives from
// requestParameters (request_bucket_name, request_key) are not taken for
// CloudTrail members: they are not listed as fields and @message, the
// record rebuilt as logged, does not include them.
func TestCopiesAreNotMembers(t *testing.T) {
	fields := sqlgen.CloudTrailFields()
	for _, name := range []string{"requestBucketName", "requestKey"} {
		if sql, ok := fields[name]; ok {
			t.Errorf("CloudTrailFields lists %s (as %s), want it absent", name, sql)
		}
	}
	q, err := insights.Parse("fields @message")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sqlgen.Compile(q, sqlgen.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"request_bucket_name", "request_key"} {
		if strings.Contains(plan.SQL, col) {
			t.Errorf("@message SQL reads %s:\n%s", col, plan.SQL)
		}
	}
}
