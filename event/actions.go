package event

import (
	"sort"
	"strings"
)

// Scope is the kind of resource an IAM action is checked against:
// object-level actions on arn:aws:s3:::bucket/*, bucket-level ones on
// arn:aws:s3:::bucket.
type Scope string

// The scopes of S3 actions.
const (
	ScopeNone    Scope = ""        // no action, or the action needs no resource
	ScopeObject  Scope = "object"  // arn:aws:s3:::bucket/key (bucket/* in a policy)
	ScopeBucket  Scope = "bucket"  // arn:aws:s3:::bucket
	ScopeAccount Scope = "account" // "*": not grantable by a bucket policy (ListBuckets)
)

// OperationSource says which log spells an operation name this way.
type OperationSource string

// The spellings an Operation's Name can have.
const (
	// SourceAccessLog names are server-access-log operations (REST.GET.OBJECT).
	SourceAccessLog OperationSource = "access_log"
	// SourceAPI names are S3 API names, which CloudTrail uses as eventName.
	SourceAPI OperationSource = "api"
	// SourceCloudTrail names are CloudTrail eventNames that differ from the
	// current API name (PutBucketLifecycle for PutBucketLifecycleConfiguration).
	SourceCloudTrail OperationSource = "cloudtrail"
)

// Operation maps one operation name, as a log spells it, to the S3 API it
// is and the IAM action S3 authorises it with. It is the one mapping the
// SQL views, reports and policy generation share.
type Operation struct {
	// Name is the operation as logged: REST.GET.OBJECT, or a CloudTrail
	// eventName such as GetObject.
	Name   string
	Source OperationSource
	// API is the S3 API name (GetObject, ListObjects ...).
	API string
	// Action is the IAM action (s3:GetObject), or "" when no permission is
	// involved: internal operations and CORS preflight requests.
	Action string
	Scope  Scope
	// Internal marks operations S3 performs itself (lifecycle expiry and
	// transitions, restores completing): they never enter a policy.
	Internal bool
	// VersionAction is the action checked instead of Action when the
	// request names an object version (versionId=), e.g. s3:GetObjectVersion.
	VersionAction string
	// CopySourceAction is the action also needed on the copy source object
	// (CopyObject, UploadPartCopy).
	CopySourceAction string
	// Upload marks operations whose request body is object data, so the
	// access log's object_size is the number of bytes received.
	Upload bool
}

// api is one S3 API with its action; the table below is built from these
// so that every spelling of an API agrees on the action.
type api struct {
	name, action  string
	scope         Scope
	versionAction string
	copySource    string
	upload        bool
}

// apis lists the S3 APIs s3sift knows, with their IAM actions (from the
// service authorization reference for Amazon S3).
var apis = []api{
	// Objects.
	{name: "GetObject", action: "s3:GetObject", scope: ScopeObject, versionAction: "s3:GetObjectVersion"},
	{name: "HeadObject", action: "s3:GetObject", scope: ScopeObject, versionAction: "s3:GetObjectVersion"},
	{name: "GetObjectAttributes", action: "s3:GetObjectAttributes", scope: ScopeObject, versionAction: "s3:GetObjectVersionAttributes"},
	{name: "GetObjectTorrent", action: "s3:GetObjectTorrent", scope: ScopeObject, versionAction: "s3:GetObjectVersionTorrent"},
	{name: "SelectObjectContent", action: "s3:GetObject", scope: ScopeObject},
	{name: "RestoreObject", action: "s3:RestoreObject", scope: ScopeObject},
	{name: "PutObject", action: "s3:PutObject", scope: ScopeObject, upload: true},
	{name: "PostObject", action: "s3:PutObject", scope: ScopeObject, upload: true},
	{name: "CopyObject", action: "s3:PutObject", scope: ScopeObject, copySource: "s3:GetObject"},
	{name: "CreateMultipartUpload", action: "s3:PutObject", scope: ScopeObject},
	{name: "UploadPart", action: "s3:PutObject", scope: ScopeObject, upload: true},
	{name: "UploadPartCopy", action: "s3:PutObject", scope: ScopeObject, copySource: "s3:GetObject"},
	{name: "CompleteMultipartUpload", action: "s3:PutObject", scope: ScopeObject},
	{name: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", scope: ScopeObject},
	{name: "ListParts", action: "s3:ListMultipartUploadParts", scope: ScopeObject},
	{name: "DeleteObject", action: "s3:DeleteObject", scope: ScopeObject, versionAction: "s3:DeleteObjectVersion"},
	{name: "DeleteObjects", action: "s3:DeleteObject", scope: ScopeObject},
	{name: "GetObjectAcl", action: "s3:GetObjectAcl", scope: ScopeObject, versionAction: "s3:GetObjectVersionAcl"},
	{name: "PutObjectAcl", action: "s3:PutObjectAcl", scope: ScopeObject, versionAction: "s3:PutObjectVersionAcl"},
	{name: "GetObjectTagging", action: "s3:GetObjectTagging", scope: ScopeObject, versionAction: "s3:GetObjectVersionTagging"},
	{name: "PutObjectTagging", action: "s3:PutObjectTagging", scope: ScopeObject, versionAction: "s3:PutObjectVersionTagging"},
	{name: "DeleteObjectTagging", action: "s3:DeleteObjectTagging", scope: ScopeObject, versionAction: "s3:DeleteObjectVersionTagging"},
	{name: "GetObjectRetention", action: "s3:GetObjectRetention", scope: ScopeObject},
	{name: "PutObjectRetention", action: "s3:PutObjectRetention", scope: ScopeObject},
	{name: "GetObjectLegalHold", action: "s3:GetObjectLegalHold", scope: ScopeObject},
	{name: "PutObjectLegalHold", action: "s3:PutObjectLegalHold", scope: ScopeObject},
	// A CORS preflight (OPTIONS) is answered from the CORS configuration
	// without authorisation: it needs no permission.
	{name: "PreflightRequest", scope: ScopeObject},

	// Buckets.
	{name: "ListObjects", action: "s3:ListBucket", scope: ScopeBucket},
	{name: "ListObjectsV2", action: "s3:ListBucket", scope: ScopeBucket},
	{name: "HeadBucket", action: "s3:ListBucket", scope: ScopeBucket},
	{name: "ListObjectVersions", action: "s3:ListBucketVersions", scope: ScopeBucket},
	{name: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads", scope: ScopeBucket},
	{name: "CreateBucket", action: "s3:CreateBucket", scope: ScopeBucket},
	{name: "DeleteBucket", action: "s3:DeleteBucket", scope: ScopeBucket},
	{name: "GetBucketLocation", action: "s3:GetBucketLocation", scope: ScopeBucket},
	{name: "GetBucketAcl", action: "s3:GetBucketAcl", scope: ScopeBucket},
	{name: "PutBucketAcl", action: "s3:PutBucketAcl", scope: ScopeBucket},
	{name: "GetBucketPolicy", action: "s3:GetBucketPolicy", scope: ScopeBucket},
	{name: "PutBucketPolicy", action: "s3:PutBucketPolicy", scope: ScopeBucket},
	{name: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy", scope: ScopeBucket},
	{name: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus", scope: ScopeBucket},
	{name: "GetBucketVersioning", action: "s3:GetBucketVersioning", scope: ScopeBucket},
	{name: "PutBucketVersioning", action: "s3:PutBucketVersioning", scope: ScopeBucket},
	{name: "GetBucketLogging", action: "s3:GetBucketLogging", scope: ScopeBucket},
	{name: "PutBucketLogging", action: "s3:PutBucketLogging", scope: ScopeBucket},
	{name: "GetBucketTagging", action: "s3:GetBucketTagging", scope: ScopeBucket},
	{name: "PutBucketTagging", action: "s3:PutBucketTagging", scope: ScopeBucket},
	{name: "DeleteBucketTagging", action: "s3:PutBucketTagging", scope: ScopeBucket},
	{name: "GetBucketLifecycleConfiguration", action: "s3:GetLifecycleConfiguration", scope: ScopeBucket},
	{name: "PutBucketLifecycleConfiguration", action: "s3:PutLifecycleConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketLifecycle", action: "s3:PutLifecycleConfiguration", scope: ScopeBucket},
	{name: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration", scope: ScopeBucket},
	{name: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration", scope: ScopeBucket},
	{name: "GetBucketCors", action: "s3:GetBucketCORS", scope: ScopeBucket},
	{name: "PutBucketCors", action: "s3:PutBucketCORS", scope: ScopeBucket},
	{name: "DeleteBucketCors", action: "s3:PutBucketCORS", scope: ScopeBucket},
	{name: "GetBucketWebsite", action: "s3:GetBucketWebsite", scope: ScopeBucket},
	{name: "PutBucketWebsite", action: "s3:PutBucketWebsite", scope: ScopeBucket},
	{name: "DeleteBucketWebsite", action: "s3:DeleteBucketWebsite", scope: ScopeBucket},
	{name: "GetBucketNotificationConfiguration", action: "s3:GetBucketNotification", scope: ScopeBucket},
	{name: "PutBucketNotificationConfiguration", action: "s3:PutBucketNotification", scope: ScopeBucket},
	{name: "GetBucketReplication", action: "s3:GetReplicationConfiguration", scope: ScopeBucket},
	{name: "PutBucketReplication", action: "s3:PutReplicationConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketReplication", action: "s3:PutReplicationConfiguration", scope: ScopeBucket},
	{name: "GetObjectLockConfiguration", action: "s3:GetBucketObjectLockConfiguration", scope: ScopeBucket},
	{name: "PutObjectLockConfiguration", action: "s3:PutBucketObjectLockConfiguration", scope: ScopeBucket},
	{name: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock", scope: ScopeBucket},
	{name: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", scope: ScopeBucket},
	{name: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", scope: ScopeBucket},
	{name: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls", scope: ScopeBucket},
	{name: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", scope: ScopeBucket},
	{name: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", scope: ScopeBucket},
	{name: "GetBucketRequestPayment", action: "s3:GetBucketRequestPayment", scope: ScopeBucket},
	{name: "PutBucketRequestPayment", action: "s3:PutBucketRequestPayment", scope: ScopeBucket},
	{name: "GetBucketAccelerateConfiguration", action: "s3:GetAccelerateConfiguration", scope: ScopeBucket},
	{name: "PutBucketAccelerateConfiguration", action: "s3:PutAccelerateConfiguration", scope: ScopeBucket},
	{name: "GetBucketAnalyticsConfiguration", action: "s3:GetAnalyticsConfiguration", scope: ScopeBucket},
	{name: "ListBucketAnalyticsConfigurations", action: "s3:GetAnalyticsConfiguration", scope: ScopeBucket},
	{name: "PutBucketAnalyticsConfiguration", action: "s3:PutAnalyticsConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketAnalyticsConfiguration", action: "s3:PutAnalyticsConfiguration", scope: ScopeBucket},
	{name: "GetBucketInventoryConfiguration", action: "s3:GetInventoryConfiguration", scope: ScopeBucket},
	{name: "ListBucketInventoryConfigurations", action: "s3:GetInventoryConfiguration", scope: ScopeBucket},
	{name: "PutBucketInventoryConfiguration", action: "s3:PutInventoryConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketInventoryConfiguration", action: "s3:PutInventoryConfiguration", scope: ScopeBucket},
	{name: "GetBucketMetricsConfiguration", action: "s3:GetMetricsConfiguration", scope: ScopeBucket},
	{name: "ListBucketMetricsConfigurations", action: "s3:GetMetricsConfiguration", scope: ScopeBucket},
	{name: "PutBucketMetricsConfiguration", action: "s3:PutMetricsConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketMetricsConfiguration", action: "s3:PutMetricsConfiguration", scope: ScopeBucket},
	{name: "GetBucketIntelligentTieringConfiguration", action: "s3:GetIntelligentTieringConfiguration", scope: ScopeBucket},
	{name: "ListBucketIntelligentTieringConfigurations", action: "s3:GetIntelligentTieringConfiguration", scope: ScopeBucket},
	{name: "PutBucketIntelligentTieringConfiguration", action: "s3:PutIntelligentTieringConfiguration", scope: ScopeBucket},
	{name: "DeleteBucketIntelligentTieringConfiguration", action: "s3:PutIntelligentTieringConfiguration", scope: ScopeBucket},

	// The account.
	{name: "ListBuckets", action: "s3:ListAllMyBuckets", scope: ScopeAccount},
}

// cloudTrailNames are CloudTrail eventNames that differ from the API name
// they log: older API names CloudTrail still uses.
var cloudTrailNames = [][2]string{
	{"GetBucketLifecycle", "GetBucketLifecycleConfiguration"},
	{"PutBucketLifecycle", "PutBucketLifecycleConfiguration"},
	{"GetBucketNotification", "GetBucketNotificationConfiguration"},
	{"PutBucketNotification", "PutBucketNotificationConfiguration"},
	{"GetBucketPublicAccessBlock", "GetPublicAccessBlock"},
	{"PutBucketPublicAccessBlock", "PutPublicAccessBlock"},
	{"DeleteBucketPublicAccessBlock", "DeletePublicAccessBlock"},
	{"GetBucketObjectLockConfiguration", "GetObjectLockConfiguration"},
	{"PutBucketObjectLockConfiguration", "PutObjectLockConfiguration"},
	{"ListMultipartUploadParts", "ListParts"},
	{"ListObjectsV1", "ListObjects"},
	{"ListBucketVersions", "ListObjectVersions"},
	{"GetBucketAccelerate", "GetBucketAccelerateConfiguration"},
	{"PutBucketAccelerate", "PutBucketAccelerateConfiguration"},
	{"GetBucketIntelligentTiering", "GetBucketIntelligentTieringConfiguration"},
	{"PutBucketIntelligentTiering", "PutBucketIntelligentTieringConfiguration"},
}

// logOp is a server-access-log operation and the API it logs; action, when
// set, overrides the API's action (the source side of a copy).
type logOp struct {
	name, api, action string
}

// accessLogOps maps server-access-log operation names to APIs. REST.GET.ACL
// and REST.PUT.ACL name both a bucket and an object API: the entry listed
// with the object API applies when the request has a key.
var accessLogOps = []logOp{
	{name: "REST.GET.OBJECT", api: "GetObject"},
	{name: "REST.HEAD.OBJECT", api: "HeadObject"},
	{name: "REST.PUT.OBJECT", api: "PutObject"},
	{name: "REST.POST.OBJECT", api: "PostObject"},
	{name: "REST.DELETE.OBJECT", api: "DeleteObject"},
	{name: "REST.POST.MULTI_OBJECT_DELETE", api: "DeleteObjects"},
	// One line per key deleted by a DeleteObjects request, sharing its
	// request ID.
	{name: "BATCH.DELETE.OBJECT", api: "DeleteObjects"},
	{name: "REST.COPY.OBJECT", api: "CopyObject"},
	{name: "REST.COPY.PART", api: "UploadPartCopy"},
	// The copy source's own bucket logs the read of the source object.
	{name: "REST.COPY.OBJECT_GET", api: "CopyObject", action: "s3:GetObject"},
	{name: "REST.COPY.PART_GET", api: "UploadPartCopy", action: "s3:GetObject"},
	{name: "REST.POST.UPLOADS", api: "CreateMultipartUpload"},
	{name: "REST.PUT.PART", api: "UploadPart"},
	{name: "REST.POST.UPLOAD", api: "CompleteMultipartUpload"},
	{name: "REST.DELETE.UPLOAD", api: "AbortMultipartUpload"},
	{name: "REST.GET.UPLOAD", api: "ListParts"},
	{name: "REST.GET.UPLOADS", api: "ListMultipartUploads"},
	{name: "REST.GET.OBJECT_ATTRIBUTES", api: "GetObjectAttributes"},
	{name: "REST.GET.TORRENT", api: "GetObjectTorrent"},
	{name: "REST.POST.RESTORE", api: "RestoreObject"},
	{name: "REST.GET.OBJECT_TAGGING", api: "GetObjectTagging"},
	{name: "REST.PUT.OBJECT_TAGGING", api: "PutObjectTagging"},
	{name: "REST.DELETE.OBJECT_TAGGING", api: "DeleteObjectTagging"},
	{name: "REST.GET.RETENTION", api: "GetObjectRetention"},
	{name: "REST.PUT.RETENTION", api: "PutObjectRetention"},
	{name: "REST.GET.LEGAL_HOLD", api: "GetObjectLegalHold"},
	{name: "REST.PUT.LEGAL_HOLD", api: "PutObjectLegalHold"},
	{name: "REST.OPTIONS.PREFLIGHT", api: "PreflightRequest"},
	{name: "WEBSITE.GET.OBJECT", api: "GetObject"},
	{name: "WEBSITE.HEAD.OBJECT", api: "HeadObject"},

	{name: "REST.GET.ACL", api: "GetBucketAcl"},
	{name: "REST.GET.ACL", api: "GetObjectAcl"},
	{name: "REST.PUT.ACL", api: "PutBucketAcl"},
	{name: "REST.PUT.ACL", api: "PutObjectAcl"},

	{name: "REST.GET.BUCKET", api: "ListObjects"},
	{name: "REST.GET.BUCKETVERSIONS", api: "ListObjectVersions"},
	{name: "REST.HEAD.BUCKET", api: "HeadBucket"},
	{name: "REST.PUT.BUCKET", api: "CreateBucket"},
	{name: "REST.DELETE.BUCKET", api: "DeleteBucket"},
	{name: "REST.GET.LOCATION", api: "GetBucketLocation"},
	{name: "REST.GET.BUCKETPOLICY", api: "GetBucketPolicy"},
	{name: "REST.PUT.BUCKETPOLICY", api: "PutBucketPolicy"},
	{name: "REST.DELETE.BUCKETPOLICY", api: "DeleteBucketPolicy"},
	{name: "REST.GET.POLICY_STATUS", api: "GetBucketPolicyStatus"},
	{name: "REST.GET.VERSIONING", api: "GetBucketVersioning"},
	{name: "REST.PUT.VERSIONING", api: "PutBucketVersioning"},
	{name: "REST.GET.LOGGING_STATUS", api: "GetBucketLogging"},
	{name: "REST.PUT.LOGGING_STATUS", api: "PutBucketLogging"},
	{name: "REST.GET.TAGGING", api: "GetBucketTagging"},
	{name: "REST.PUT.TAGGING", api: "PutBucketTagging"},
	{name: "REST.DELETE.TAGGING", api: "DeleteBucketTagging"},
	{name: "REST.GET.LIFECYCLE", api: "GetBucketLifecycleConfiguration"},
	{name: "REST.PUT.LIFECYCLE", api: "PutBucketLifecycleConfiguration"},
	{name: "REST.DELETE.LIFECYCLE", api: "DeleteBucketLifecycle"},
	{name: "REST.GET.ENCRYPTION", api: "GetBucketEncryption"},
	{name: "REST.PUT.ENCRYPTION", api: "PutBucketEncryption"},
	{name: "REST.DELETE.ENCRYPTION", api: "DeleteBucketEncryption"},
	{name: "REST.GET.CORS", api: "GetBucketCors"},
	{name: "REST.PUT.CORS", api: "PutBucketCors"},
	{name: "REST.DELETE.CORS", api: "DeleteBucketCors"},
	{name: "REST.GET.WEBSITE", api: "GetBucketWebsite"},
	{name: "REST.PUT.WEBSITE", api: "PutBucketWebsite"},
	{name: "REST.DELETE.WEBSITE", api: "DeleteBucketWebsite"},
	{name: "REST.GET.NOTIFICATION", api: "GetBucketNotificationConfiguration"},
	{name: "REST.PUT.NOTIFICATION", api: "PutBucketNotificationConfiguration"},
	{name: "REST.GET.REPLICATION", api: "GetBucketReplication"},
	{name: "REST.PUT.REPLICATION", api: "PutBucketReplication"},
	{name: "REST.DELETE.REPLICATION", api: "DeleteBucketReplication"},
	{name: "REST.GET.OBJECT_LOCK_CONFIGURATION", api: "GetObjectLockConfiguration"},
	{name: "REST.PUT.OBJECT_LOCK_CONFIGURATION", api: "PutObjectLockConfiguration"},
	{name: "REST.GET.PUBLIC_ACCESS_BLOCK", api: "GetPublicAccessBlock"},
	{name: "REST.PUT.PUBLIC_ACCESS_BLOCK", api: "PutPublicAccessBlock"},
	{name: "REST.DELETE.PUBLIC_ACCESS_BLOCK", api: "DeletePublicAccessBlock"},
	{name: "REST.GET.OWNERSHIP_CONTROLS", api: "GetBucketOwnershipControls"},
	{name: "REST.PUT.OWNERSHIP_CONTROLS", api: "PutBucketOwnershipControls"},
	{name: "REST.DELETE.OWNERSHIP_CONTROLS", api: "DeleteBucketOwnershipControls"},
	{name: "REST.GET.REQUEST_PAYMENT", api: "GetBucketRequestPayment"},
	{name: "REST.PUT.REQUEST_PAYMENT", api: "PutBucketRequestPayment"},
	{name: "REST.GET.ACCELERATE", api: "GetBucketAccelerateConfiguration"},
	{name: "REST.PUT.ACCELERATE", api: "PutBucketAccelerateConfiguration"},
	{name: "REST.GET.ANALYTICS", api: "GetBucketAnalyticsConfiguration"},
	{name: "REST.PUT.ANALYTICS", api: "PutBucketAnalyticsConfiguration"},
	{name: "REST.DELETE.ANALYTICS", api: "DeleteBucketAnalyticsConfiguration"},
	{name: "REST.GET.INVENTORY", api: "GetBucketInventoryConfiguration"},
	{name: "REST.PUT.INVENTORY", api: "PutBucketInventoryConfiguration"},
	{name: "REST.DELETE.INVENTORY", api: "DeleteBucketInventoryConfiguration"},
	{name: "REST.GET.METRICS", api: "GetBucketMetricsConfiguration"},
	{name: "REST.PUT.METRICS", api: "PutBucketMetricsConfiguration"},
	{name: "REST.DELETE.METRICS", api: "DeleteBucketMetricsConfiguration"},
	{name: "REST.GET.INTELLIGENT_TIERING", api: "GetBucketIntelligentTieringConfiguration"},
	{name: "REST.PUT.INTELLIGENT_TIERING", api: "PutBucketIntelligentTieringConfiguration"},
	{name: "REST.DELETE.INTELLIGENT_TIERING", api: "DeleteBucketIntelligentTieringConfiguration"},

	// The legacy SOAP interface (HTTPS only, deprecated) logs SOAP.<operation>.
	{name: "SOAP.ListAllMyBuckets", api: "ListBuckets"},
	{name: "SOAP.CreateBucket", api: "CreateBucket"},
	{name: "SOAP.DeleteBucket", api: "DeleteBucket"},
	{name: "SOAP.ListBucket", api: "ListObjects"},
	{name: "SOAP.GetBucketAccessControlPolicy", api: "GetBucketAcl"},
	{name: "SOAP.SetBucketAccessControlPolicy", api: "PutBucketAcl"},
	{name: "SOAP.GetBucketLoggingStatus", api: "GetBucketLogging"},
	{name: "SOAP.SetBucketLoggingStatus", api: "PutBucketLogging"},
	{name: "SOAP.GetObject", api: "GetObject"},
	{name: "SOAP.GetObjectExtended", api: "GetObject"},
	{name: "SOAP.PutObject", api: "PutObject"},
	{name: "SOAP.PutObjectInline", api: "PutObject"},
	{name: "SOAP.CopyObject", api: "CopyObject"},
	{name: "SOAP.DeleteObject", api: "DeleteObject"},
	{name: "SOAP.GetObjectAccessControlPolicy", api: "GetObjectAcl"},
	{name: "SOAP.SetObjectAccessControlPolicy", api: "PutObjectAcl"},
}

// internalOps are operations S3 performs on its own (lifecycle rules,
// restores completing): no principal asked, no action is authorised. Any
// other access-log operation starting with "S3." is treated the same way.
var internalOps = [][2]string{
	{"S3.EXPIRE.OBJECT", "LifecycleExpiration"},
	{"S3.CREATE.DELETEMARKER", "LifecycleDeleteMarker"},
	{"S3.DELETE.UPLOAD", "LifecycleAbortMultipartUpload"},
	{"S3.TRANSITION.OBJECT", "LifecycleTransition"},
	{"S3.TRANSITION_SIA.OBJECT", "LifecycleTransition"},
	{"S3.TRANSITION_ZIA.OBJECT", "LifecycleTransition"},
	{"S3.TRANSITION_INT.OBJECT", "LifecycleTransition"},
	{"S3.TRANSITION_GIR.OBJECT", "LifecycleTransition"},
	{"S3.TRANSITION_GDA.OBJECT", "LifecycleTransition"},
	{"S3.RESTORE.OBJECT", "RestoreCompleted"},
}

// internalPrefix starts the access-log operations S3 performs itself.
const internalPrefix = "S3."

var operations, byName = buildOperations()

func buildOperations() ([]Operation, map[string][]int) {
	byAPI := make(map[string]api, len(apis))
	var ops []Operation
	fromAPI := func(name string, src OperationSource, a api) Operation {
		return Operation{
			Name: name, Source: src, API: a.name, Action: a.action, Scope: a.scope,
			VersionAction: a.versionAction, CopySourceAction: a.copySource, Upload: a.upload,
		}
	}
	for _, a := range apis {
		byAPI[a.name] = a
		ops = append(ops, fromAPI(a.name, SourceAPI, a))
	}
	for _, n := range cloudTrailNames {
		ops = append(ops, fromAPI(n[0], SourceCloudTrail, byAPI[n[1]]))
	}
	for _, l := range accessLogOps {
		op := fromAPI(l.name, SourceAccessLog, byAPI[l.api])
		if l.action != "" {
			op.Action, op.VersionAction, op.CopySourceAction = l.action, "", ""
		}
		ops = append(ops, op)
	}
	for _, n := range internalOps {
		ops = append(ops, Operation{Name: n[0], Source: SourceAccessLog, API: n[1], Scope: ScopeObject, Internal: true})
	}
	idx := make(map[string][]int, len(ops))
	for i, op := range ops {
		idx[op.Name] = append(idx[op.Name], i)
	}
	return ops, idx
}

// Operations returns every known operation spelling, access-log names,
// API names and CloudTrail-only eventNames, sorted by Name (an access-log
// name shared by a bucket and an object API appears twice, bucket first).
func Operations() []Operation {
	out := append([]Operation(nil), operations...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupOperation returns the operation logged as name: a server-access-log
// operation (REST.GET.OBJECT), an API name or a CloudTrail eventName. Unknown
// access-log operations starting with "S3." are internal. For REST.GET.ACL
// and REST.PUT.ACL it returns the bucket API; use LookupRequest to tell
// bucket from object requests.
func LookupOperation(name string) (Operation, bool) {
	return LookupRequest(name, false)
}

// LookupRequest is LookupOperation for one request: hasKey says whether the
// request named an object key, which decides between a bucket and an object
// API logged under the same access-log operation (REST.GET.ACL).
func LookupRequest(name string, hasKey bool) (Operation, bool) {
	idx := byName[name]
	if len(idx) == 0 {
		if strings.HasPrefix(name, internalPrefix) {
			return Operation{Name: name, Source: SourceAccessLog, API: name, Scope: ScopeObject, Internal: true}, true
		}
		return Operation{}, false
	}
	for _, i := range idx {
		if (operations[i].Scope == ScopeObject) == hasKey {
			return operations[i], true
		}
	}
	return operations[idx[0]], true
}

// KeyDependent reports whether name is an access-log operation that logs a
// bucket and an object API alike, so that LookupRequest depends on the key.
func KeyDependent(name string) bool { return len(byName[name]) > 1 }

// LookupKey is the key the s3_requests view joins operations on
// (s3_operations.lookup): the name, plus "#object" or "#bucket" for a name
// that logs a bucket and an object API alike (KeyDependent), since which
// one it is depends on the request.
func (op Operation) LookupKey() string {
	if !KeyDependent(op.Name) {
		return op.Name
	}
	if op.Scope == ScopeObject {
		return op.Name + "#object"
	}
	return op.Name + "#bucket"
}

var byLookupKey = func() map[string]int {
	m := make(map[string]int, len(operations))
	for i, op := range operations {
		m[op.LookupKey()] = i
	}
	return m
}()

// LookupEventName returns the operation a CloudTrail eventName names the
// way s3_requests finds it (s3_operations.lookup = eventName): only a name
// that means one operation matches, so REST.GET.ACL does not, and no
// internal operation the table does not list matches either.
func LookupEventName(name string) (Operation, bool) {
	i, ok := byLookupKey[name]
	if !ok {
		return Operation{}, false
	}
	return operations[i], true
}
