package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// BucketPolicy fetches bucket's policy with GetBucketPolicy, connecting as
// c says. It returns the policy JSON, or found false when the bucket has no
// policy. It lives here so that source stays the one user of the AWS SDK.
func BucketPolicy(ctx context.Context, c S3Conn, bucket string, log *slog.Logger) (doc string, found bool, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, _, err := newS3Client(ctx, bucket, c, log)
	if err != nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucketPolicy" {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("source: s3: GetBucketPolicy of bucket %s (needs s3:GetBucketPolicy): %w", bucket, err)
	}
	return aws.ToString(out.Policy), true, nil
}
