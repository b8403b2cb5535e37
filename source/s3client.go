package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// S3Conn says how to reach S3 and sign in. The zero S3Conn uses the AWS
// default chain for everything: environment variables, the shared config
// and credentials files (AWS_PROFILE), SSO, web identity, and the ECS or
// EC2 instance role.
type S3Conn struct {
	// Profile selects a profile of the shared config files.
	Profile string
	// Region is the region to sign for. Empty: the configured region; for
	// AWS endpoints the bucket's region is discovered either way unless
	// EndpointURL is set.
	Region string
	// EndpointURL points at an S3-compatible server (MinIO, versitygw,
	// Ceph, R2 …); it turns on path-style addressing.
	EndpointURL string
	// Credentials, when set, replaces the default credential chain.
	Credentials aws.CredentialsProvider
	// MaxAttempts bounds the attempts per request on throttling, 5xx and
	// network errors; zero means 8.
	MaxAttempts int
	// MaxBackoff caps the pause between attempts; zero means 20s.
	MaxBackoff time.Duration
	// MaxConns is the number of connections kept open to the server; it
	// should be at least the number of concurrent downloads. Zero means 64.
	MaxConns int
	// ReadTimeout fails a download that receives nothing for this long (it
	// is then resumed); zero means one minute.
	ReadTimeout time.Duration
}

// newS3Client loads the AWS configuration and returns a client for
// bucket, signing for the bucket's region.
func newS3Client(ctx context.Context, bucket string, c S3Conn, log *slog.Logger) (*s3.Client, string, error) {
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	maxBackoff := c.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 20 * time.Second
	}
	conns := c.MaxConns
	if conns <= 0 {
		conns = 64
	}
	readTimeout := c.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = time.Minute
	}
	httpClient := awshttp.NewBuildableClient().
		WithReadTimeout(readTimeout).
		WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConns = 2 * conns
			t.MaxIdleConnsPerHost = conns
			t.ResponseHeaderTimeout = readTimeout
		})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		// The SDK logs notes such as "response has no supported checksum"
		// to stderr by default; they belong at debug level.
		config.WithLogger(logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
			log.Debug("aws sdk: " + fmt.Sprintf(format, v...))
		})),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
				// The default retry quota fails requests fast once many
				// have failed; a log ingest would rather wait and finish.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(c.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("source: s3: load AWS configuration (profile %q): %w; profiles live in ~/.aws/config and ~/.aws/credentials (or $AWS_CONFIG_FILE, $AWS_SHARED_CREDENTIALS_FILE)", c.Profile, err)
	}
	custom := c.EndpointURL != "" || cfg.BaseEndpoint != nil
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	newClient := func(region string) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.Region = region
			if c.EndpointURL != "" {
				o.BaseEndpoint = aws.String(c.EndpointURL)
			}
			// S3-compatible servers rarely resolve bucket.host names.
			o.UsePathStyle = custom
		})
	}
	client := newClient(region)
	if custom && (c.Region != "" || cfg.Region != "") {
		return client, region, nil
	}
	found, err := bucketRegion(ctx, client, bucket)
	if err != nil {
		// Listing reports the problem with its bucket and key; discovery
		// is only a convenience.
		log.Debug("s3 bucket region not discovered", "bucket", bucket, "error", err.Error())
		return client, region, nil
	}
	if found != region {
		log.Debug("s3 bucket region discovered", "bucket", bucket, "region", found)
		client, region = newClient(found), found
	}
	return client, region, nil
}

// bucketRegion asks S3 where bucket lives. HeadBucket carries the
// x-amz-bucket-region header even when it is refused or redirected; some
// S3-compatible servers only say it in the error of a signed GET, "the
// region 'us-east-1' is wrong; expecting 'eu-central-1'".
func bucketRegion(ctx context.Context, client *s3.Client, bucket string) (string, error) {
	once := func(o *s3.Options) { o.RetryMaxAttempts = 2 }
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}, once)
	if err == nil && aws.ToString(out.BucketRegion) != "" {
		return aws.ToString(out.BucketRegion), nil
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			return r, nil
		}
	}
	loc, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)}, once)
	if err == nil {
		switch r := string(loc.LocationConstraint); r {
		case "":
			return "us-east-1", nil
		case "EU":
			return "eu-west-1", nil
		default:
			return r, nil
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorMessage()
		if _, after, ok := strings.Cut(msg, "expecting "); ok {
			if r := strings.Trim(strings.Fields(after + " ")[0], `"'.;`); isRegion(r) {
				return r, nil
			}
		}
	}
	return "", s3Err("head", bucket, "", err)
}
