package event_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/event"
)

func TestLookupRequest(t *testing.T) {
	tests := []struct {
		name     string
		hasKey   bool
		api      string
		action   string
		scope    event.Scope
		internal bool
	}{
		{"REST.GET.OBJECT", true, "GetObject", "s3:GetObject", event.ScopeObject, false},
		{"REST.HEAD.OBJECT", true, "HeadObject", "s3:GetObject", event.ScopeObject, false},
		{"REST.PUT.OBJECT", true, "PutObject", "s3:PutObject", event.ScopeObject, false},
		{"REST.DELETE.OBJECT", true, "DeleteObject", "s3:DeleteObject", event.ScopeObject, false},
		{"REST.POST.MULTI_OBJECT_DELETE", false, "DeleteObjects", "s3:DeleteObject", event.ScopeObject, false},
		{"BATCH.DELETE.OBJECT", true, "DeleteObjects", "s3:DeleteObject", event.ScopeObject, false},
		{"REST.COPY.OBJECT", true, "CopyObject", "s3:PutObject", event.ScopeObject, false},
		{"REST.COPY.OBJECT_GET", true, "CopyObject", "s3:GetObject", event.ScopeObject, false},
		{"REST.COPY.PART", true, "UploadPartCopy", "s3:PutObject", event.ScopeObject, false},
		{"REST.POST.UPLOADS", true, "CreateMultipartUpload", "s3:PutObject", event.ScopeObject, false},
		{"REST.PUT.PART", true, "UploadPart", "s3:PutObject", event.ScopeObject, false},
		{"REST.POST.UPLOAD", true, "CompleteMultipartUpload", "s3:PutObject", event.ScopeObject, false},
		{"REST.DELETE.UPLOAD", true, "AbortMultipartUpload", "s3:AbortMultipartUpload", event.ScopeObject, false},
		{"REST.GET.UPLOAD", true, "ListParts", "s3:ListMultipartUploadParts", event.ScopeObject, false},
		{"REST.GET.UPLOADS", false, "ListMultipartUploads", "s3:ListBucketMultipartUploads", event.ScopeBucket, false},
		{"REST.GET.BUCKET", false, "ListObjects", "s3:ListBucket", event.ScopeBucket, false},
		{"REST.GET.BUCKETVERSIONS", false, "ListObjectVersions", "s3:ListBucketVersions", event.ScopeBucket, false},
		{"REST.HEAD.BUCKET", false, "HeadBucket", "s3:ListBucket", event.ScopeBucket, false},
		{"REST.GET.ACL", false, "GetBucketAcl", "s3:GetBucketAcl", event.ScopeBucket, false},
		{"REST.GET.ACL", true, "GetObjectAcl", "s3:GetObjectAcl", event.ScopeObject, false},
		{"REST.PUT.ACL", false, "PutBucketAcl", "s3:PutBucketAcl", event.ScopeBucket, false},
		{"REST.PUT.ACL", true, "PutObjectAcl", "s3:PutObjectAcl", event.ScopeObject, false},
		{"REST.GET.VERSIONING", false, "GetBucketVersioning", "s3:GetBucketVersioning", event.ScopeBucket, false},
		{"REST.GET.LOCATION", false, "GetBucketLocation", "s3:GetBucketLocation", event.ScopeBucket, false},
		{"REST.GET.BUCKETPOLICY", false, "GetBucketPolicy", "s3:GetBucketPolicy", event.ScopeBucket, false},
		{"REST.PUT.BUCKETPOLICY", false, "PutBucketPolicy", "s3:PutBucketPolicy", event.ScopeBucket, false},
		{"REST.GET.LOGGING_STATUS", false, "GetBucketLogging", "s3:GetBucketLogging", event.ScopeBucket, false},
		{"REST.GET.OBJECT_TAGGING", true, "GetObjectTagging", "s3:GetObjectTagging", event.ScopeObject, false},
		{"REST.PUT.TAGGING", false, "PutBucketTagging", "s3:PutBucketTagging", event.ScopeBucket, false},
		{"REST.PUT.LIFECYCLE", false, "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", event.ScopeBucket, false},
		{"REST.GET.ENCRYPTION", false, "GetBucketEncryption", "s3:GetEncryptionConfiguration", event.ScopeBucket, false},
		{"REST.PUT.CORS", false, "PutBucketCors", "s3:PutBucketCORS", event.ScopeBucket, false},
		{"REST.DELETE.WEBSITE", false, "DeleteBucketWebsite", "s3:DeleteBucketWebsite", event.ScopeBucket, false},
		{"REST.PUT.NOTIFICATION", false, "PutBucketNotificationConfiguration", "s3:PutBucketNotification", event.ScopeBucket, false},
		{"REST.PUT.REPLICATION", false, "PutBucketReplication", "s3:PutReplicationConfiguration", event.ScopeBucket, false},
		{"REST.PUT.OBJECT_LOCK_CONFIGURATION", false, "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", event.ScopeBucket, false},
		{"REST.PUT.RETENTION", true, "PutObjectRetention", "s3:PutObjectRetention", event.ScopeObject, false},
		{"WEBSITE.GET.OBJECT", true, "GetObject", "s3:GetObject", event.ScopeObject, false},
		{"SOAP.PutObjectInline", true, "PutObject", "s3:PutObject", event.ScopeObject, false},
		{"REST.OPTIONS.PREFLIGHT", true, "PreflightRequest", "", event.ScopeObject, false},
		{"S3.EXPIRE.OBJECT", true, "LifecycleExpiration", "", event.ScopeObject, true},
		{"S3.TRANSITION_GIR.OBJECT", true, "LifecycleTransition", "", event.ScopeObject, true},
		{"S3.CREATE.DELETEMARKER", true, "LifecycleDeleteMarker", "", event.ScopeObject, true},
		{"S3.RESTORE.OBJECT", true, "RestoreCompleted", "", event.ScopeObject, true},
		{"S3.SOMETHING.NEW", true, "S3.SOMETHING.NEW", "", event.ScopeObject, true},
		{"GetObject", true, "GetObject", "s3:GetObject", event.ScopeObject, false},
		{"HeadObject", true, "HeadObject", "s3:GetObject", event.ScopeObject, false},
		{"ListObjectsV2", false, "ListObjectsV2", "s3:ListBucket", event.ScopeBucket, false},
		{"ListObjectVersions", false, "ListObjectVersions", "s3:ListBucketVersions", event.ScopeBucket, false},
		{"DeleteObjects", false, "DeleteObjects", "s3:DeleteObject", event.ScopeObject, false},
		{"PutBucketLifecycle", false, "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration", event.ScopeBucket, false},
		{"PutBucketPublicAccessBlock", false, "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", event.ScopeBucket, false},
		{"ListBuckets", false, "ListBuckets", "s3:ListAllMyBuckets", event.ScopeAccount, false},
	}
	for _, tc := range tests {
		got, ok := event.LookupRequest(tc.name, tc.hasKey)
		if !ok {
			t.Errorf("LookupRequest(%q, %t): not found", tc.name, tc.hasKey)
			continue
		}
		if got.API != tc.api || got.Action != tc.action || got.Scope != tc.scope || got.Internal != tc.internal {
			t.Errorf("LookupRequest(%q, %t) = %s %q %s internal=%t, want %s %q %s internal=%t",
				tc.name, tc.hasKey, got.API, got.Action, got.Scope, got.Internal, tc.api, tc.action, tc.scope, tc.internal)
		}
	}
}

func TestLookupOperation(t *testing.T) {
	if _, ok := event.LookupOperation("REST.NOT.AN.OPERATION"); ok {
		t.Error("LookupOperation(unknown) found something")
	}
	acl, ok := event.LookupOperation("REST.GET.ACL")
	if !ok || acl.API != "GetBucketAcl" {
		t.Errorf("LookupOperation(REST.GET.ACL) = %+v, %t; want the bucket API", acl, ok)
	}
	if !event.KeyDependent("REST.GET.ACL") || event.KeyDependent("REST.GET.OBJECT") {
		t.Error("KeyDependent: want REST.GET.ACL only")
	}
	versioned := map[string]string{"GetObject": "s3:GetObjectVersion", "DeleteObject": "s3:DeleteObjectVersion", "PutObjectTagging": "s3:PutObjectVersionTagging"}
	for name, want := range versioned {
		if op, _ := event.LookupOperation(name); op.VersionAction != want {
			t.Errorf("%s VersionAction = %q, want %q", name, op.VersionAction, want)
		}
	}
	for _, name := range []string{"CopyObject", "UploadPartCopy", "REST.COPY.OBJECT"} {
		if op, _ := event.LookupOperation(name); op.CopySourceAction != "s3:GetObject" {
			t.Errorf("%s CopySourceAction = %q, want s3:GetObject", name, op.CopySourceAction)
		}
	}
}

// TestOperationsConsistent checks the table's invariants: every spelling
// leads to a known API with the same action, only internal operations have
// no action (besides CORS preflight), names are sorted and not repeated.
func TestOperationsConsistent(t *testing.T) {
	ops := event.Operations()
	if len(ops) < 150 {
		t.Errorf("Operations() has %d entries, want the whole S3 API (150+)", len(ops))
	}
	if !sort.SliceIsSorted(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name }) {
		t.Error("Operations() is not sorted by Name")
	}
	seen := map[[2]string]bool{}
	for _, op := range ops {
		k := [2]string{op.Name, string(op.Scope)}
		if seen[k] {
			t.Errorf("%s (%s) listed twice", op.Name, op.Scope)
		}
		seen[k] = true
		switch {
		case op.Internal:
			if op.Action != "" || op.Source != event.SourceAccessLog || !strings.HasPrefix(op.Name, "S3.") {
				t.Errorf("internal %+v: want an S3.* access-log operation with no action", op)
			}
			continue
		case op.Action == "":
			if op.API != "PreflightRequest" {
				t.Errorf("%s has no action", op.Name)
			}
			continue
		case !strings.HasPrefix(op.Action, "s3:"):
			t.Errorf("%s action %q does not start with s3:", op.Name, op.Action)
		}
		if op.Scope != event.ScopeObject && op.Scope != event.ScopeBucket && op.Scope != event.ScopeAccount {
			t.Errorf("%s has scope %q", op.Name, op.Scope)
		}
		api, ok := event.LookupOperation(op.API)
		if !ok || api.Source != event.SourceAPI {
			t.Errorf("%s: API %s is not in the table", op.Name, op.API)
			continue
		}
		if op.Action != api.Action && !strings.HasSuffix(op.Name, "_GET") {
			t.Errorf("%s action %s, its API %s has %s", op.Name, op.Action, op.API, api.Action)
		}
	}
}
