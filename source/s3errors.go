package source

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Sentinel errors of the S3 source; errors.Is matches them on the errors
// S3 operations return.
var (
	// ErrS3URL is a malformed s3:// argument.
	ErrS3URL = errors.New("bad s3 URL")
	// ErrS3AccessDenied is a missing permission (HTTP 403).
	ErrS3AccessDenied = errors.New("access denied")
	// ErrS3NotFound is a missing bucket or object.
	ErrS3NotFound = errors.New("not found")
	// ErrS3Changed is an object whose ETag changed after it was listed.
	ErrS3Changed = errors.New("object changed since it was listed")
)

// S3Error is a failed S3 operation on a bucket and key: what was done,
// where, what S3 answered and what to do about it.
type S3Error struct {
	Op     string // list, get, head
	Bucket string
	Key    string // the key, or the prefix for a listing
	Status int    // HTTP status, 0 when no response came back
	Code   string // S3 error code such as AccessDenied, or ""
	Err    error  // the SDK's error
}

func (e *S3Error) Error() string {
	where := fmt.Sprintf("s3://%s/%s", e.Bucket, e.Key)
	msg := fmt.Sprintf("source: s3: %s %s: ", e.Op, where)
	var api smithy.APIError
	if e.Code != "" && errors.As(e.Err, &api) {
		msg += fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, api.ErrorMessage())
	} else {
		msg += e.Err.Error()
	}
	switch {
	case e.Status == 0 && strings.Contains(e.Err.Error(), "get identity"):
		// The SDK found no credentials to sign with, or could not refresh them.
		msg += "; no usable AWS credentials: use --profile or AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, 'aws sso login' for SSO profiles, or an instance or task role"
	case e.Code == "SignatureDoesNotMatch" || e.Code == "InvalidAccessKeyId":
		msg += "; the credentials are not valid for this server: check --profile, the AWS_* variables and --endpoint-url"
	case e.Code == "ExpiredToken" || e.Code == "ExpiredTokenException" || e.Code == "TokenRefreshRequired":
		msg += "; the session credentials expired: refresh them (aws sso login, or new role credentials)"
	case e.Code == "InvalidObjectState":
		msg += "; the object is archived (S3 Glacier Flexible Retrieval or Deep Archive): restore it, then run again"
	case e.Status == http.StatusForbidden && e.Op == "list":
		msg += fmt.Sprintf("; the credentials in use need s3:ListBucket on arn:aws:s3:::%s", e.Bucket)
	case e.Status == http.StatusForbidden:
		msg += fmt.Sprintf("; the credentials in use need s3:GetObject on arn:aws:s3:::%s/%s (and kms:Decrypt if it is SSE-KMS encrypted)", e.Bucket, e.Key)
	case e.Code == "NoSuchBucket":
		msg += "; check the bucket name, and --endpoint-url for an S3-compatible server"
	case e.Status == http.StatusPreconditionFailed:
		msg += "; the object was rewritten after it was listed; the next run reads the new version"
	case e.Status == http.StatusMovedPermanently:
		msg += "; the bucket is in another region: pass its region with --region, or leave --region out to discover it"
	}
	return msg
}

func (e *S3Error) Unwrap() error { return e.Err }

// Is matches the package's sentinels by HTTP status.
func (e *S3Error) Is(target error) bool {
	switch target {
	case ErrS3AccessDenied:
		return e.Status == http.StatusForbidden && e.Code != "InvalidObjectState"
	case ErrS3NotFound:
		return e.Status == http.StatusNotFound
	case ErrS3Changed:
		return e.Status == http.StatusPreconditionFailed
	}
	return false
}

// s3Err wraps an SDK error with the operation, bucket and key.
func s3Err(op, bucket, key string, err error) error {
	e := &S3Error{Op: op, Bucket: bucket, Key: key, Err: err}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
	}
	return e
}
