package policy

import (
	"sort"
	"strings"
	"sync"

	"github.com/s3sift/s3sift/event"
)

// scopes maps lower-cased IAM actions to their resource scope, from the
// one operation table in package event.
var scopes = sync.OnceValue(func() map[string]event.Scope {
	m := map[string]event.Scope{}
	for _, op := range event.Operations() {
		for _, a := range []string{op.Action, op.VersionAction} {
			if a != "" && op.Scope != event.ScopeNone {
				m[strings.ToLower(a)] = op.Scope
			}
		}
	}
	return m
})

// scopeOf returns an action's scope: from the operation table, else from
// its name.
func scopeOf(action string) event.Scope {
	a := strings.ToLower(action)
	if s, ok := scopes()[a]; ok {
		return s
	}
	if objectLevelExtra[a] || (!strings.Contains(a, "bucket") && strings.Contains(a, "object")) {
		return event.ScopeObject
	}
	return event.ScopeBucket
}

// objectLevelExtra lists object-level S3 actions whose names do not contain
// "Object", for actions missing from the operation table.
var objectLevelExtra = map[string]bool{
	"s3:abortmultipartupload":             true,
	"s3:listmultipartuploadparts":         true,
	"s3:replicatedelete":                  true,
	"s3:replicatetags":                    true,
	"s3:bypassgovernanceretention":        true,
	"s3:initiatereplication":              true,
	"s3:putobjectlegalhold":               true,
	"s3:getobjectlegalhold":               true,
	"s3:objectowneroverridetobucketowner": true,
	"s3:restoreobject":                    true,
	"s3:getobjectretention":               true,
	"s3:putobjectretention":               true,
}

// ObjectLevel reports whether an S3 action applies to objects
// (arn:aws:s3:::bucket/key) rather than to the bucket
// (arn:aws:s3:::bucket). ListBucket, ListBucketVersions,
// ListBucketMultipartUploads and every *Bucket* configuration action are
// bucket-level, even GetBucketObjectLockConfiguration.
func ObjectLevel(action string) bool { return scopeOf(action) == event.ScopeObject }

// Grantable reports whether a bucket policy can grant the action: account
// actions such as s3:ListAllMyBuckets apply to no bucket.
func Grantable(action string) bool { return action != "" && scopeOf(action) != event.ScopeAccount }

// Resource returns the ARN of the resource an action on bucket/key
// applies to.
func Resource(bucket, key, action string) string {
	if ObjectLevel(action) {
		return "arn:aws:s3:::" + bucket + "/" + key
	}
	return "arn:aws:s3:::" + bucket
}

// family returns the wildcard that covers action and its relatives, used
// only to compact a policy that is over the size limit: s3:GetObjectTagging
// and s3:GetObjectAcl become s3:GetObject*, s3:PutBucketPolicy becomes
// s3:PutBucket*.
func family(action string) string {
	svc, name, ok := strings.Cut(action, ":")
	if !ok {
		return action
	}
	for _, noun := range []string{"Object", "Bucket", "MultipartUpload"} {
		if i := strings.Index(name, noun); i > 0 {
			return svc + ":" + name[:i+len(noun)] + "*"
		}
	}
	return action
}

// verb returns the coarsest wildcard: s3:Get*, s3:Put*, s3:List* …
func verb(action string) string {
	svc, name, ok := strings.Cut(action, ":")
	if !ok || name == "" {
		return action
	}
	i := 1
	for i < len(name) && (name[i] < 'A' || name[i] > 'Z') {
		i++
	}
	return svc + ":" + name[:i] + "*"
}

// widen maps each action through f and returns the sorted distinct
// results.
func widen(actions []string, f func(string) string) []string {
	set := map[string]bool{}
	for _, a := range actions {
		set[f(a)] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
