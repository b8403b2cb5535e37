package gen

// op is one kind of S3 request: how the access log names it, how CloudTrail
// names it, and the IAM action that authorises it.
type op struct {
	API       string // API name, e.g. GetObject
	Log       string // access-log operation, e.g. REST.GET.OBJECT
	Method    string // HTTP method
	Action    string // IAM action; empty for lifecycle
	Event     string // CloudTrail eventName; empty when CloudTrail does not log it
	Query     string // sub-resource query of the request URI, e.g. "?acl"
	Object    bool   // the request names a key
	ReadOnly  bool
	Mgmt      bool // a bucket-level request CloudTrail logs as a management event
	Website   bool // a website-endpoint request (never in CloudTrail)
	Lifecycle bool // an S3-internal lifecycle action (access log only)
	// VersionAction is the IAM action checked instead of Action when the
	// request names an object version (versionId=).
	VersionAction string
}

// The operations the generator emits. The IAM actions follow the AWS
// mapping of S3 operations to permissions (HEAD needs s3:GetObject, listing
// needs s3:ListBucket, multipart parts need s3:PutObject, ...).
var (
	opGetObject     = &op{API: "GetObject", Log: "REST.GET.OBJECT", Method: "GET", Action: "s3:GetObject", Event: "GetObject", Object: true, ReadOnly: true, VersionAction: "s3:GetObjectVersion"}
	opHeadObject    = &op{API: "HeadObject", Log: "REST.HEAD.OBJECT", Method: "HEAD", Action: "s3:GetObject", Event: "HeadObject", Object: true, ReadOnly: true, VersionAction: "s3:GetObjectVersion"}
	opPutObject     = &op{API: "PutObject", Log: "REST.PUT.OBJECT", Method: "PUT", Action: "s3:PutObject", Event: "PutObject", Object: true}
	opDeleteObject  = &op{API: "DeleteObject", Log: "REST.DELETE.OBJECT", Method: "DELETE", Action: "s3:DeleteObject", Event: "DeleteObject", Object: true}
	opDeleteObjects = &op{API: "DeleteObjects", Log: "REST.POST.MULTI_OBJECT_DELETE", Method: "POST", Action: "s3:DeleteObject", Event: "DeleteObjects", Query: "?delete"}
	// opBatchDelete is the per-key line S3 logs for each key of a
	// DeleteObjects request; it shares the request's id.
	opBatchDelete   = &op{API: "DeleteObjects", Log: "BATCH.DELETE.OBJECT", Method: "POST", Action: "s3:DeleteObject", Object: true}
	opListObjects   = &op{API: "ListObjects", Log: "REST.GET.BUCKET", Method: "GET", Action: "s3:ListBucket", Event: "ListObjects", ReadOnly: true}
	opListObjectsV2 = &op{API: "ListObjectsV2", Log: "REST.GET.BUCKET", Method: "GET", Action: "s3:ListBucket", Event: "ListObjects", ReadOnly: true}
	opCreateMPU     = &op{API: "CreateMultipartUpload", Log: "REST.POST.UPLOADS", Method: "POST", Action: "s3:PutObject", Event: "CreateMultipartUpload", Query: "?uploads", Object: true}
	opUploadPart    = &op{API: "UploadPart", Log: "REST.PUT.PART", Method: "PUT", Action: "s3:PutObject", Event: "UploadPart", Object: true}
	opCompleteMPU   = &op{API: "CompleteMultipartUpload", Log: "REST.POST.UPLOAD", Method: "POST", Action: "s3:PutObject", Event: "CompleteMultipartUpload", Object: true}
	opGetLocation   = &op{API: "GetBucketLocation", Log: "REST.GET.LOCATION", Method: "GET", Action: "s3:GetBucketLocation", Event: "GetBucketLocation", Query: "?location", ReadOnly: true, Mgmt: true}
	opGetPolicy     = &op{API: "GetBucketPolicy", Log: "REST.GET.BUCKETPOLICY", Method: "GET", Action: "s3:GetBucketPolicy", Event: "GetBucketPolicy", Query: "?policy", ReadOnly: true, Mgmt: true}
	opGetACL        = &op{API: "GetBucketAcl", Log: "REST.GET.ACL", Method: "GET", Action: "s3:GetBucketAcl", Event: "GetBucketAcl", Query: "?acl", ReadOnly: true, Mgmt: true}
	opGetVersioning = &op{API: "GetBucketVersioning", Log: "REST.GET.VERSIONING", Method: "GET", Action: "s3:GetBucketVersioning", Event: "GetBucketVersioning", Query: "?versioning", ReadOnly: true, Mgmt: true}
	opWebsiteGet    = &op{API: "GetObject", Log: "WEBSITE.GET.OBJECT", Method: "GET", Action: "s3:GetObject", Object: true, ReadOnly: true, Website: true}
	opExpire        = &op{API: "", Log: "S3.EXPIRE.OBJECT", Object: true, Lifecycle: true}
)
