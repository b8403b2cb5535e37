package event

import "strings"

// Principal types of s3_requests.principal_type.
const (
	PrincipalAnonymous     = "Anonymous"
	PrincipalAssumedRole   = "AssumedRole"
	PrincipalFederatedUser = "FederatedUser"
	PrincipalRoot          = "Root"
	PrincipalIAMUser       = "IAMUser"
	PrincipalAWSService    = "AWSService"
	PrincipalCanonicalUser = "CanonicalUser"
	PrincipalUnknown       = "Unknown"
)

// DeriveAccessLog fills a.AccessLogRequest from a's logged fields: the
// API operation, the IAM action, the principal and whether S3 itself made
// the request. It follows, rule for rule, the SQL the s3_requests view
// applies to an access-log line that no CloudTrail record matches (query
// package); a test holds the two equal. An AccessLogDeriver does the same
// faster over many lines.
func DeriveAccessLog(a *AccessLog) {
	var d AccessLogDeriver
	d.Derive(a)
}

// AccessLogDeriver is DeriveAccessLog for a stream of lines: it remembers
// the principal of the requesters it has seen (a log names a few callers
// many times). The zero value is ready; it is not safe for concurrent use.
type AccessLogDeriver struct {
	principals map[string]requesterPrincipal
}

// requesterPrincipal is what the requester field alone decides.
type requesterPrincipal struct {
	arn, typ, session, account string
}

// maxPrincipals bounds the deriver's memory; beyond it the cache starts
// over.
const maxPrincipals = 4096

// Derive fills a.AccessLogRequest, as DeriveAccessLog.
func (d *AccessLogDeriver) Derive(a *AccessLog) {
	r := &a.AccessLogRequest
	*r = AccessLogRequest{}
	ops := accessLogRequestOps[a.Operation]
	op := ops[0]
	if a.Key != "" {
		op = ops[1]
	}
	known := op != nil

	switch {
	case a.Operation == "REST.GET.BUCKET" && strings.Contains(a.RequestURI, "list-type=2"):
		r.ReqOperation = "ListObjectsV2"
	case known:
		r.ReqOperation = op.API
	default:
		r.ReqOperation = a.Operation
	}

	if known {
		r.ReqInternal = op.Internal
	} else {
		r.ReqInternal = strings.HasPrefix(a.Operation, internalPrefix)
	}
	switch {
	case r.ReqInternal:
	case known && op.VersionAction != "" && strings.Contains(a.RequestURI, "versionId="):
		r.ReqAction = op.VersionAction
	case known:
		r.ReqAction = op.Action
	}
	if known && op.Upload {
		r.ReqBytesReceived = a.ObjectSize
	}

	p, ok := d.principals[a.Requester]
	if !ok {
		p = principalOf(a.Requester)
		if d.principals == nil || len(d.principals) >= maxPrincipals {
			d.principals = make(map[string]requesterPrincipal)
		}
		// The key is copied: the requester may point into a buffer that
		// lives only as long as its line.
		d.principals[strings.Clone(a.Requester)] = p
	}
	r.ReqPrincipalARN, r.ReqPrincipalType, r.ReqSessionName, r.ReqAccountID = p.arn, p.typ, p.session, p.account
}

// principalOf works out the principal of an access log's requester field.
func principalOf(req string) requesterPrincipal {
	p := requesterPrincipal{typ: requesterType(req)}
	switch p.typ {
	case PrincipalAnonymous:
		p.arn = "anonymous"
	case PrincipalAssumedRole:
		p.arn = RoleOfSession(req)
		p.session = sessionName(req)
	case PrincipalAWSService:
		if req == "AmazonS3" {
			p.arn = "s3.amazonaws.com"
		} else {
			p.arn = req[len("svc:"):]
		}
	default:
		p.arn = req
	}
	switch p.typ {
	case PrincipalAnonymous, PrincipalAWSService, PrincipalCanonicalUser:
	default:
		if like(req, "arn:%:%::%:%") {
			p.account = splitPart(req, ":", 5)
		}
	}
	// Strings cut from req are copied for the same reason as the key.
	p.arn, p.session, p.account = strings.Clone(p.arn), strings.Clone(p.session), strings.Clone(p.account)
	return p
}

// accessLogRequestOps maps every operation name to the operation an
// access-log line naming it means, without a key ([0]) and with one ([1]),
// found as the view finds it: by the s3_operations lookup key, which adds
// #object or #bucket to a name a bucket and an object API share
// (REST.GET.ACL); nil where no operation has that key. Precomputed because
// it runs for every line.
var accessLogRequestOps = func() map[string][2]*Operation {
	m := make(map[string][2]*Operation, len(byName))
	for name := range byName {
		var pair [2]*Operation
		for k, suffix := range [2]string{"#bucket", "#object"} {
			key := name
			if KeyDependent(name) {
				key += suffix
			}
			if i, ok := byLookupKey[key]; ok {
				pair[k] = &operations[i]
			}
		}
		m[name] = pair
	}
	return m
}()

// requesterType is the principal type of an access log's requester field.
func requesterType(r string) string {
	switch {
	case r == "" || r == "-":
		return PrincipalAnonymous
	case like(r, assumedRoleARN):
		return PrincipalAssumedRole
	case like(r, "arn:%:sts::%:federated-user/%"):
		return PrincipalFederatedUser
	case like(r, "arn:%:iam::%:root"):
		return PrincipalRoot
	case like(r, "arn:%:iam::%:user/%"):
		return PrincipalIAMUser
	case strings.HasPrefix(r, "svc:") || r == "AmazonS3":
		return PrincipalAWSService
	case isCanonicalID(r):
		return PrincipalCanonicalUser
	}
	return PrincipalUnknown
}

// RoleOfSession returns the IAM role ARN of an assumed-role session ARN
// (arn:aws:sts::A:assumed-role/Role/session → arn:aws:iam::A:role/Role),
// or "" when arn is not one. The role's path is not in a session ARN.
func RoleOfSession(arn string) string {
	if !like(arn, assumedRoleARN) {
		return ""
	}
	return "arn:" + splitPart(arn, ":", 2) + ":iam::" + splitPart(arn, ":", 5) + ":role/" + splitPart(arn, "/", 2)
}

// assumedRoleARN is the LIKE pattern of an assumed-role session ARN
// (arn:aws:sts::A:assumed-role/Role/session).
const assumedRoleARN = "arn:%:sts::%:assumed-role/%"

// sessionName is the SQL macro s3sift_session_name: the session of an
// assumed-role session ARN, "" for any other.
func sessionName(arn string) string {
	if !like(arn, assumedRoleARN) {
		return ""
	}
	return splitPart(arn, "/", 3)
}

// isCanonicalID reports whether s is a 64-digit hexadecimal canonical
// user ID.
func isCanonicalID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// splitPart is SQL's split_part: the n-th (1-based) piece of s cut at
// sep, or "" when there are fewer pieces.
func splitPart(s, sep string, n int) string {
	for i := 1; i < n; i++ {
		j := strings.Index(s, sep)
		if j < 0 {
			return ""
		}
		s = s[j+len(sep):]
	}
	if j := strings.Index(s, sep); j >= 0 {
		return s[:j]
	}
	return s
}

// like is SQL's LIKE for patterns whose only wildcard is %: the pieces
// between the %s must appear in order, the first at the start and the
// last at the end.
func like(s, pattern string) bool {
	first, rest, wild := strings.Cut(pattern, "%")
	if !wild {
		return s == pattern
	}
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	for {
		piece, more, ok := strings.Cut(rest, "%")
		if !ok {
			// The last piece: at the end, after what matched so far.
			return len(s) >= len(rest) && strings.HasSuffix(s, rest)
		}
		i := strings.Index(s, piece)
		if i < 0 {
			return false
		}
		s, rest = s[i+len(piece):], more
	}
}
