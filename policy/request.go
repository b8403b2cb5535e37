package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Kind classifies who made a request, as far as the logs tell.
type Kind uint8

// Principal kinds.
const (
	KindUnknown   Kind = iota // an ARN s3sift does not recognise
	KindAnonymous             // unauthenticated
	KindAccount               // an account's root user
	KindUser                  // an IAM user
	KindRole                  // an assumed-role session; PrincipalARN is the role's ARN
	KindFederatedUser
	KindService   // an AWS service principal such as logging.s3.amazonaws.com
	KindCanonical // only a canonical user ID is known (access log without CloudTrail)
)

// String returns the kind's name as s3sift prints it.
func (k Kind) String() string {
	return [...]string{"unknown", "anonymous", "account", "user", "role", "federated-user", "service", "canonical-user"}[k]
}

// Inputs is a set of request inputs, used to say which ones the logs could
// not tell for a request.
type Inputs uint16

// Request inputs that may be unknown.
const (
	InputRemoteIP Inputs = 1 << iota
	InputVPCEndpoint
	InputTLS
	InputTime
	InputSignatureVersion
	InputAuthType
	InputPrefix
	InputUserID
	InputSessionName
	InputSourceAccount
	InputSourceARN
)

// Request is one request as the policy evaluator sees it: who, what, on
// which resource, and the condition inputs the logs recorded. A string
// field that is empty means the input was absent from the request (no TLS,
// no VPC endpoint …) unless its bit is set in Unknown.
type Request struct {
	// PrincipalARN is the role ARN for assumed-role sessions, the user or
	// root ARN, the service principal name (logging.s3.amazonaws.com), the
	// canonical user ID, or "anonymous".
	PrincipalARN string
	Kind         Kind
	Account      string // the principal's account
	SessionName  string // role session name
	UserID       string // aws:userid (AROA…:session, AIDA…)

	Action   string // IAM action, e.g. s3:GetObject
	Resource string // arn:aws:s3:::bucket or arn:aws:s3:::bucket/key

	// OwnerAccount is the bucket owner's account; empty when unknown.
	OwnerAccount string

	Time             time.Time
	RemoteIP         string
	VPCEndpoint      string // vpce-…
	TLSVersion       string // TLSv1.2 or 1.2; empty without TLS
	SignatureVersion string // SigV2 or SigV4 as S3 logs it
	AuthType         string // AuthHeader, QueryString or POST as S3 logs it
	Prefix           string // the prefix parameter of a ListBucket request
	SourceAccount    string // aws:SourceAccount of a service principal's request
	SourceARN        string // aws:SourceArn of a service principal's request

	// Unknown says which inputs the logs could not tell.
	Unknown Inputs
}

// ClassifyPrincipal returns the kind of a principal from its ARN (or name)
// and, when known, CloudTrail's userIdentity.type.
func ClassifyPrincipal(arn, principalType string) Kind {
	switch strings.ToLower(principalType) {
	case "anonymous":
		return KindAnonymous
	case "awsservice":
		return KindService
	}
	switch {
	case arn == "" || arn == "-":
		return KindUnknown
	case arn == "anonymous" || arn == "*":
		return KindAnonymous
	case isServiceName(arn):
		return KindService
	case isCanonicalID(arn):
		return KindCanonical
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return KindUnknown
	}
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		return KindAccount
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		return KindUser
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"),
		parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		return KindRole
	case parts[2] == "sts" && strings.HasPrefix(res, "federated-user/"):
		return KindFederatedUser
	}
	return KindUnknown
}

func isServiceName(s string) bool {
	return !strings.HasPrefix(s, "arn:") && (strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn"))
}

func isCanonicalID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// keyState says whether a condition key is in the request context.
type keyState uint8

const (
	keyAbsent keyState = iota
	keyPresent
	keyUnknown
)

// lookup returns the value of a condition key (lower case) for r: present
// with a value, absent from the request, or unknown because the logs
// cannot tell. Keys s3sift has no source for are unknown.
func (r *Request) lookup(key string) (string, keyState) {
	switch key {
	case "aws:principalarn":
		switch r.Kind {
		case KindAnonymous, KindService:
			return "", keyAbsent
		case KindCanonical, KindUnknown:
			return "", keyUnknown
		}
		return r.PrincipalARN, keyPresent
	case "aws:principalaccount":
		switch {
		case r.Kind == KindAnonymous || r.Kind == KindService:
			return "", keyAbsent
		case r.Account == "":
			return "", keyUnknown
		}
		return r.Account, keyPresent
	case "aws:principaltype":
		switch r.Kind {
		case KindAnonymous:
			return "Anonymous", keyPresent
		case KindAccount:
			return "Account", keyPresent
		case KindUser:
			return "User", keyPresent
		case KindRole:
			return "AssumedRole", keyPresent
		case KindFederatedUser:
			return "FederatedUser", keyPresent
		}
		return "", keyUnknown
	case "aws:userid":
		switch {
		case r.Kind == KindAnonymous:
			return "anonymous", keyPresent
		case r.Kind == KindAccount && r.Account != "":
			return r.Account, keyPresent
		case r.UserID != "" && r.Unknown&InputUserID == 0:
			return r.UserID, keyPresent
		}
		return "", keyUnknown
	case "aws:username":
		switch r.Kind {
		case KindUser:
			return r.PrincipalARN[strings.LastIndexByte(r.PrincipalARN, '/')+1:], keyPresent
		case KindCanonical, KindUnknown:
			return "", keyUnknown
		}
		return "", keyAbsent
	case "aws:principalisawsservice":
		switch r.Kind {
		case KindService:
			return "true", keyPresent
		case KindUnknown:
			return "", keyUnknown
		}
		return "false", keyPresent
	case "aws:principalservicename":
		if r.Kind == KindService {
			return r.PrincipalARN, keyPresent
		}
		if r.Kind == KindUnknown {
			return "", keyUnknown
		}
		return "", keyAbsent
	case "aws:sourceaccount":
		return r.serviceInput(r.SourceAccount, InputSourceAccount)
	case "aws:sourcearn":
		return r.serviceInput(r.SourceARN, InputSourceARN)
	case "aws:sourceip":
		vpce, st := r.vpce()
		switch {
		case st == keyUnknown || r.Unknown&InputRemoteIP != 0:
			return "", keyUnknown
		case vpce != "" || r.RemoteIP == "" || r.Kind == KindService:
			// Through a VPC endpoint, and for calls AWS services make,
			// aws:SourceIp is not in the request context.
			return "", keyAbsent
		}
		return r.RemoteIP, keyPresent
	case "aws:vpcsourceip":
		vpce, st := r.vpce()
		switch {
		case st == keyUnknown || r.Unknown&InputRemoteIP != 0:
			return "", keyUnknown
		case vpce == "" || r.RemoteIP == "":
			return "", keyAbsent
		}
		return r.RemoteIP, keyPresent
	case "aws:sourcevpce":
		vpce, st := r.vpce()
		if st == keyPresent && vpce == "" {
			return "", keyAbsent
		}
		return vpce, st
	case "aws:securetransport":
		if r.Unknown&InputTLS != 0 {
			return "", keyUnknown
		}
		if r.TLSVersion != "" {
			return "true", keyPresent
		}
		return "false", keyPresent
	case "s3:tlsversion":
		if r.Unknown&InputTLS != 0 {
			return "", keyUnknown
		}
		if r.TLSVersion == "" {
			return "", keyAbsent
		}
		return strings.TrimPrefix(strings.TrimPrefix(r.TLSVersion, "TLSv"), "TLS"), keyPresent
	case "aws:currenttime":
		if r.Time.IsZero() || r.Unknown&InputTime != 0 {
			return "", keyUnknown
		}
		return r.Time.UTC().Format(time.RFC3339), keyPresent
	case "aws:epochtime":
		if r.Time.IsZero() || r.Unknown&InputTime != 0 {
			return "", keyUnknown
		}
		return strconv.FormatInt(r.Time.Unix(), 10), keyPresent
	case "s3:signatureversion":
		if r.Unknown&InputSignatureVersion != 0 {
			return "", keyUnknown
		}
		switch strings.ToLower(r.SignatureVersion) {
		case "":
			return "", keyAbsent
		case "sigv2", "aws":
			return "AWS", keyPresent
		case "sigv4", "aws4-hmac-sha256":
			return "AWS4-HMAC-SHA256", keyPresent
		}
		return "", keyUnknown
	case "s3:authtype":
		if r.Unknown&InputAuthType != 0 {
			return "", keyUnknown
		}
		switch strings.ToLower(r.AuthType) {
		case "":
			return "", keyAbsent
		case "authheader", "rest-header":
			return "REST-HEADER", keyPresent
		case "querystring", "rest-query-string":
			return "REST-QUERY-STRING", keyPresent
		case "post":
			return "POST", keyPresent
		}
		return "", keyUnknown
	case "s3:prefix":
		if !strings.EqualFold(r.Action, "s3:ListBucket") && !strings.EqualFold(r.Action, "s3:ListBucketVersions") {
			return "", keyAbsent
		}
		if r.Unknown&InputPrefix != 0 {
			return "", keyUnknown
		}
		if r.Prefix == "" {
			return "", keyAbsent
		}
		return r.Prefix, keyPresent
	case "s3:resourceaccount":
		if r.OwnerAccount == "" {
			return "", keyUnknown
		}
		return r.OwnerAccount, keyPresent
	}
	return "", keyUnknown
}

// serviceInput returns aws:SourceAccount or aws:SourceArn: present only
// for requests AWS services make on a customer's behalf.
func (r *Request) serviceInput(v string, bit Inputs) (string, keyState) {
	switch {
	case r.Kind == KindUnknown:
		return "", keyUnknown
	case r.Kind != KindService:
		return "", keyAbsent
	case v == "" || r.Unknown&bit != 0:
		return "", keyUnknown
	}
	return v, keyPresent
}

// vpce returns the VPC endpoint a request came through. When the log does
// not say (access logs do not record it), a public remote IP shows the
// request did not come through a gateway endpoint, whose traffic carries the
// VPC's private addresses; a private one leaves it unknown.
func (r *Request) vpce() (string, keyState) {
	if r.Unknown&InputVPCEndpoint == 0 {
		return r.VPCEndpoint, keyPresent
	}
	if r.Unknown&InputRemoteIP == 0 && r.RemoteIP != "" {
		if a, err := netip.ParseAddr(r.RemoteIP); err == nil && a.IsGlobalUnicast() && !a.IsPrivate() {
			return "", keyPresent
		}
	}
	return "", keyUnknown
}
