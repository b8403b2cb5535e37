package gen

import (
	"sort"
	"strings"
	"time"
)

// Truth is the known answer to every question the generated data set asks,
// computed from the requests while generating them (never by parsing the
// files back).
//
// Counting rules, so that a query can be checked against Truth:
//
//   - A request is one S3 API request: one request id. A request may be in
//     the access log, in CloudTrail, or both (then with the same request id).
//     A DeleteObjects request is one request: one REST.POST.MULTI_OBJECT_DELETE
//     line plus one BATCH.DELETE.OBJECT line per key, all with its request
//     id, and one CloudTrail DeleteObjects event (which names no keys).
//     A multipart upload is several requests (create, parts, complete).
//   - Principals are normalised: an assumed role to its role ARN with the
//     role's path (arn:aws:iam::111122223333:role/service-role/NAME), an IAM
//     user to its user ARN, the root user (whose access-log requester is the
//     owner's canonical ID) to arn:aws:iam::ACCOUNT:root, an AWS service to
//     its service principal (config.amazonaws.com), unauthenticated
//     requests to "anonymous", and lifecycle actions (requester AmazonS3)
//     to "s3.amazonaws.com". Requests
//     that reach only the access log (bucket acme-public-site) come from
//     roles whose path is "/", so the path-less role ARN an access log
//     allows is the full one; see Principals.
//   - Lifecycle expirations (S3.EXPIRE.OBJECT) have no IAM action and are
//     counted only in Lifecycle, Expirations and Rows.
//   - Malformed lines are not requests; they are only in Malformed and
//     Rows.Rejects.
type Truth struct {
	Seed   int64
	Start  time.Time // first hour generated
	End    time.Time // end of the last hour generated
	Config Config

	Buckets    []BucketInfo
	Principals []PrincipalInfo
	Incidents  Incidents

	Files Files
	Rows  Rows

	// Requests is the number of S3 requests (distinct request ids),
	// lifecycle expirations included.
	Requests int64
	// MergedRequests is the number of requests in both the access log and
	// CloudTrail (distinct request ids present in both).
	MergedRequests int64
	// Lifecycle is the number of S3.EXPIRE.OBJECT lines.
	Lifecycle int64

	// Access counts requests by bucket, principal and IAM action.
	Access map[AccessKey]Count
	// Deletions lists every successful object deletion by a principal
	// (DeleteObject, and each key of a DeleteObjects), in time order.
	Deletions []Deletion
	// Expirations lists the lifecycle expirations, in time order.
	Expirations []Deletion
	// BytesSentByIP sums response bytes per remote IP over all requests
	// (access-log bytes_sent, or CloudTrail bytesTransferredOut for
	// requests only CloudTrail has). An AWS service's requests count under
	// the service's name (config.amazonaws.com), which is what CloudTrail
	// gives as their source address when the access log has none;
	// lifecycle actions have no address and are left out. A DeleteObjects
	// request's bytes are those of its one response, not once per key.
	BytesSentByIP map[string]int64
	// AccessLogBytesByIP is the same sum over access-log lines only.
	AccessLogBytesByIP map[string]int64
	// SigV2 counts Signature Version 2 requests by principal.
	SigV2 map[string]int64
	// AnonymousRequests is the number of unauthenticated requests;
	// AnonymousByObject splits them by object.
	AnonymousRequests int64
	AnonymousByObject map[ObjectKey]int64
	// Errors counts requests with an HTTP status of 400 or more. For
	// requests only CloudTrail logged (bucket acme-ml-datasets, and
	// management events of buckets without access logs) no log holds the
	// status; CloudTrail has only the error code.
	Errors map[ErrorKey]int64
	// NonTLS counts requests made over plain HTTP (lifecycle excluded).
	NonTLS map[BucketPrincipal]int64
	// Sensitive lists requests for keys that look like secrets (see
	// SensitivePatterns), in time order.
	Sensitive []Access
	// CloudTrailS3Data counts CloudTrail S3 data events (eventCategory
	// Data) the way the classic Logs Insights bucket-history query does.
	CloudTrailS3Data map[CloudTrailKey]int64
	// Malformed lists the access-log lines that are not valid (each must
	// end up as a reject), in file order.
	Malformed []LineRef
}

// BucketInfo describes one generated bucket.
type BucketInfo struct {
	Name       string
	Region     string
	AccessLogs bool // has server access logs in the data set
	DataEvents bool // has CloudTrail S3 data events in the data set
	Website    bool
}

// PrincipalInfo describes one principal and how each log names it.
type PrincipalInfo struct {
	Name string // a label, e.g. app-backend
	Type string // one of the Kind constants
	// ARN is the normalised principal, as Truth's maps use it.
	ARN string
	// Requesters are the access log's requester values for it (one per
	// assumed-role session; "-" for anonymous).
	Requesters []string
	// CloudTrailARN is userIdentity.arn (the sts ARN of the first session
	// for assumed roles); empty for AWS services and anonymous.
	CloudTrailARN string
	// SessionIssuer is userIdentity.sessionContext.sessionIssuer.userName
	// (the role name) for assumed roles.
	SessionIssuer string
	AccountID     string
}

// Incidents are the names of the injected incidents' actors and objects.
type Incidents struct {
	Deleter        string   // principal ARN of the unusual deleter
	DeletedKey     string   // the key it deleted with DeleteObject (in BucketProd)
	BatchDeleted   []string // the keys it deleted with one DeleteObjects
	PublicObject   string   // the object read anonymously (in BucketProd)
	ExfilIP        string   // the IP that downloads the most bytes
	ExfilPrincipal string   // whose credentials it used
	SigV2Principal string
	ScannerIP      string // anonymous scanner probing for secrets
	Day            time.Time
}

// Files counts what Generate wrote.
type Files struct {
	AccessLogObjects   int
	AccessLogBytes     int64
	CloudTrailObjects  int   // .json.gz log files, digests excluded
	CloudTrailJSON     int64 // uncompressed bytes
	CloudTrailGzBytes  int64
	DigestObjects      int
	DigestBytes        int64
	AccessLogLines     int64 // every line, malformed ones included
	CloudTrailRecords  int64
	CloudTrailDataRecs int64 // records with eventCategory Data
}

// Rows is the number of rows each lake table gets from the data set.
type Rows struct {
	AccessLogs int64 // well-formed access-log lines
	CloudTrail int64 // CloudTrail records, management and data
	Rejects    int64 // malformed lines
	// S3Requests is the number of rows of the s3_requests view when both
	// formats are ingested: one per well-formed access-log line (each
	// BATCH.DELETE.OBJECT line is its own row), plus one per CloudTrail S3
	// record of a request no access-log line has.
	S3Requests int64
}

// AccessKey groups requests by bucket, normalised principal and IAM action.
// Bucket is empty for requests that name none.
type AccessKey struct {
	Bucket, Principal, Action string
}

// Count is how many requests of an AccessKey there were: all, denied (HTTP
// 403), and how many of them each source logged.
type Count struct {
	Requests, Denied          int64
	InAccessLog, InCloudTrail int64
}

// Deletion is one deleted object.
type Deletion struct {
	Time      time.Time
	Bucket    string
	Key       string
	Principal string
	Operation string // access-log operation: REST.DELETE.OBJECT, BATCH.DELETE.OBJECT, S3.EXPIRE.OBJECT
	RequestID string
	RemoteIP  string
}

// Access is one request, as listed in Sensitive.
type Access struct {
	Time       time.Time
	Bucket     string
	Key        string
	Principal  string
	Operation  string // API name
	HTTPStatus int
	RemoteIP   string
	RequestID  string
}

// ObjectKey names one object.
type ObjectKey struct{ Bucket, Key string }

// ErrorKey groups failed requests.
type ErrorKey struct {
	Bucket    string
	Status    int
	ErrorCode string
}

// BucketPrincipal groups requests by bucket and principal.
type BucketPrincipal struct{ Bucket, Principal string }

// CloudTrailKey groups CloudTrail S3 data events by eventSource, eventName,
// requestParameters.bucketName and sessionIssuer.userName (empty when the
// identity is not an assumed role).
type CloudTrailKey struct {
	EventSource, EventName, Bucket, SessionIssuer string
}

// LineRef is one line of one generated file. Object is the path relative
// to the Generate directory, with forward slashes.
type LineRef struct {
	Object string
	Line   int64
}

// SensitivePatterns are the key substrings that mark a key as looking like
// a secret; ordinary generated keys contain none of them.
var SensitivePatterns = []string{".env", "id_rsa", "backup.sql", "credentials.csv", ".git/config", "wp-config.php"}

// IsSensitiveKey reports whether key contains one of SensitivePatterns.
func IsSensitiveKey(key string) bool {
	for _, p := range SensitivePatterns {
		if strings.Contains(key, p) {
			return true
		}
	}
	return false
}

func newTruth() *Truth {
	return &Truth{
		Access:             map[AccessKey]Count{},
		BytesSentByIP:      map[string]int64{},
		AccessLogBytesByIP: map[string]int64{},
		SigV2:              map[string]int64{},
		AnonymousByObject:  map[ObjectKey]int64{},
		Errors:             map[ErrorKey]int64{},
		NonTLS:             map[BucketPrincipal]int64{},
		CloudTrailS3Data:   map[CloudTrailKey]int64{},
	}
}

// addRequest counts one request.
func (t *Truth) addRequest(q *request) {
	inAL, inCT := q.inAccessLog(), q.inCloudTrail()
	arn := q.p.ARN()
	t.Requests++
	switch {
	case inAL:
		t.Rows.S3Requests += 1 + int64(len(q.batch))
	case inCT:
		t.Rows.S3Requests++
	}
	if inAL && inCT {
		t.MergedRequests++
	}
	key := ""
	if q.k != nil {
		key = q.k.key
	}
	if q.op.Lifecycle {
		t.Lifecycle++
		t.Expirations = append(t.Expirations, Deletion{Time: q.t, Bucket: q.b.Name, Key: key, Principal: arn, Operation: q.op.Log, RequestID: q.reqID})
		return
	}
	ak := AccessKey{Bucket: q.b.Name, Principal: arn, Action: q.action()}
	c := t.Access[ak]
	c.Requests++
	if q.status == 403 {
		c.Denied++
	}
	if inAL {
		c.InAccessLog++
	}
	if inCT {
		c.InCloudTrail++
	}
	t.Access[ak] = c
	if q.ip != "" {
		t.BytesSentByIP[q.ip] += q.bytesSent
		if inAL {
			t.AccessLogBytesByIP[q.ip] += q.bytesSent
		}
	} else if q.p.Kind == KindAWSService && inCT {
		// CloudTrail gives the service's name as the source address.
		t.BytesSentByIP[q.p.Service] += q.bytesSent
	}
	if q.sigV == "SigV2" {
		t.SigV2[arn]++
	}
	if q.p.Kind == KindAnonymous {
		t.AnonymousRequests++
		t.AnonymousByObject[ObjectKey{q.b.Name, key}]++
	}
	if q.status >= 400 {
		t.Errors[ErrorKey{q.b.Name, q.status, q.errCode}]++
	}
	if q.tls == "" {
		t.NonTLS[BucketPrincipal{q.b.Name, arn}]++
	}
	if q.k != nil && IsSensitiveKey(key) {
		t.Sensitive = append(t.Sensitive, Access{Time: q.t, Bucket: q.b.Name, Key: key, Principal: arn, Operation: q.op.API, HTTPStatus: q.status, RemoteIP: q.ip, RequestID: q.reqID})
	}
	if q.status < 300 {
		switch q.op {
		case opDeleteObject:
			t.Deletions = append(t.Deletions, Deletion{Time: q.t, Bucket: q.b.Name, Key: key, Principal: arn, Operation: q.op.Log, RequestID: q.reqID, RemoteIP: q.ip})
		case opDeleteObjects:
			for _, k := range q.batch {
				t.Deletions = append(t.Deletions, Deletion{Time: q.t, Bucket: q.b.Name, Key: k.key, Principal: arn, Operation: opBatchDelete.Log, RequestID: q.reqID, RemoteIP: q.ip})
			}
		}
	}
	if inCT && !q.op.Mgmt {
		issuer := ""
		if q.p.Kind == KindAssumedRole {
			issuer = q.p.RoleName
		}
		t.CloudTrailS3Data[CloudTrailKey{"s3.amazonaws.com", q.op.Event, q.b.Name, issuer}]++
	}
}

// merge adds o's counts into t.
func (t *Truth) merge(o *Truth) {
	t.Requests += o.Requests
	t.MergedRequests += o.MergedRequests
	t.Lifecycle += o.Lifecycle
	t.AnonymousRequests += o.AnonymousRequests
	for k, v := range o.Access {
		c := t.Access[k]
		c.Requests += v.Requests
		c.Denied += v.Denied
		c.InAccessLog += v.InAccessLog
		c.InCloudTrail += v.InCloudTrail
		t.Access[k] = c
	}
	addMap(t.BytesSentByIP, o.BytesSentByIP)
	addMap(t.AccessLogBytesByIP, o.AccessLogBytesByIP)
	addMap(t.SigV2, o.SigV2)
	addMap(t.AnonymousByObject, o.AnonymousByObject)
	addMap(t.Errors, o.Errors)
	addMap(t.NonTLS, o.NonTLS)
	addMap(t.CloudTrailS3Data, o.CloudTrailS3Data)
	t.Deletions = append(t.Deletions, o.Deletions...)
	t.Expirations = append(t.Expirations, o.Expirations...)
	t.Sensitive = append(t.Sensitive, o.Sensitive...)
	t.Malformed = append(t.Malformed, o.Malformed...)
	f, g := &t.Files, o.Files
	f.AccessLogObjects += g.AccessLogObjects
	f.AccessLogBytes += g.AccessLogBytes
	f.CloudTrailObjects += g.CloudTrailObjects
	f.CloudTrailJSON += g.CloudTrailJSON
	f.CloudTrailGzBytes += g.CloudTrailGzBytes
	f.DigestObjects += g.DigestObjects
	f.DigestBytes += g.DigestBytes
	f.AccessLogLines += g.AccessLogLines
	f.CloudTrailRecords += g.CloudTrailRecords
	f.CloudTrailDataRecs += g.CloudTrailDataRecs
	t.Rows.AccessLogs += o.Rows.AccessLogs
	t.Rows.CloudTrail += o.Rows.CloudTrail
	t.Rows.Rejects += o.Rows.Rejects
	t.Rows.S3Requests += o.Rows.S3Requests
}

func addMap[K comparable](dst, src map[K]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// sortLists puts the lists in a stable order after merging.
func (t *Truth) sortLists() {
	byTime := func(d []Deletion) {
		sort.SliceStable(d, func(i, j int) bool {
			if !d[i].Time.Equal(d[j].Time) {
				return d[i].Time.Before(d[j].Time)
			}
			if d[i].RequestID != d[j].RequestID {
				return d[i].RequestID < d[j].RequestID
			}
			return d[i].Key < d[j].Key
		})
	}
	byTime(t.Deletions)
	byTime(t.Expirations)
	sort.SliceStable(t.Sensitive, func(i, j int) bool {
		if !t.Sensitive[i].Time.Equal(t.Sensitive[j].Time) {
			return t.Sensitive[i].Time.Before(t.Sensitive[j].Time)
		}
		return t.Sensitive[i].RequestID < t.Sensitive[j].RequestID
	})
	sort.SliceStable(t.Malformed, func(i, j int) bool {
		if t.Malformed[i].Object != t.Malformed[j].Object {
			return t.Malformed[i].Object < t.Malformed[j].Object
		}
		return t.Malformed[i].Line < t.Malformed[j].Line
	})
}

// TopIPs returns the n remote IPs with the most bytes sent, largest first
// (ties by IP).
func (t *Truth) TopIPs(n int) []IPBytes {
	var s []IPBytes
	for ip, b := range t.BytesSentByIP {
		s = append(s, IPBytes{ip, b})
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].Bytes != s[j].Bytes {
			return s[i].Bytes > s[j].Bytes
		}
		return s[i].IP < s[j].IP
	})
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// IPBytes is a remote IP and the bytes sent to it.
type IPBytes struct {
	IP    string
	Bytes int64
}

// DeletionsOf returns the deletions of key in bucket.
func (t *Truth) DeletionsOf(bucket, key string) []Deletion {
	var out []Deletion
	for _, d := range t.Deletions {
		if d.Bucket == bucket && d.Key == key {
			out = append(out, d)
		}
	}
	return out
}

// BucketAccess returns the Access entries of one bucket.
func (t *Truth) BucketAccess(bucket string) map[AccessKey]Count {
	out := map[AccessKey]Count{}
	for k, v := range t.Access {
		if k.Bucket == bucket {
			out[k] = v
		}
	}
	return out
}
