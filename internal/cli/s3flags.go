package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/s3sift/s3sift/internal/timeflag"
	"github.com/s3sift/s3sift/source"
)

// s3Flags are the flags of commands that read from S3.
type s3Flags struct {
	profile, endpoint string
	regions, accounts listFlag
	since, until      timeflag.Value
	slack             time.Duration
	shard             string
}

// s3Workers is the default number of objects read at once from S3: each
// download mostly waits on the network, so a few per CPU are not enough
// (measured: 2 at a time reach ~150 objects/s at 10ms latency, 16 ~1,000).
const s3Workers = 16

// listFlag is a repeatable flag; a value may also list several items
// separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// addS3Flags registers the S3 flags on fs.
func addS3Flags(fs *flag.FlagSet) *s3Flags {
	f := &s3Flags{}
	fs.StringVar(&f.profile, "profile", "", "AWS profile of the shared config files for s3:// (default $AWS_PROFILE, else the default chain: environment, SSO, instance role)")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "S3-compatible server for s3://, e.g. http://127.0.0.1:7070 (path-style addressing)")
	fs.Var(&f.regions, "region", "region: the first signs the S3 requests (default: the bucket's own region); all filter CloudTrail and date-partitioned access-log folders (repeatable)")
	fs.Var(&f.accounts, "account", "s3:// only: only these account ids' CloudTrail and date-partitioned access-log folders (repeatable)")
	fs.Var(&f.since, "since", "s3:// only: read the log files whose key time can hold records from this time: "+timeflag.Accepted)
	fs.Var(&f.until, "until", "s3:// only: read the log files whose key time can hold records up to this time: "+timeflag.Accepted)
	fs.DurationVar(&f.slack, "delivery-slack", source.DefaultDeliverySlack, "how late a log file may be written after its requests: widens --since/--until when choosing s3:// objects by key time (0 for none)")
	fs.StringVar(&f.shard, "shard", "", "i/n: read only the s3:// objects whose key hashes to shard i of n (0 ≤ i < n), so n workers split a bucket")
	return f
}

// newS3Source returns the source for an s3:// argument, keeping enough
// connections open for workers concurrent downloads.
func newS3Source(ctx context.Context, e *env, f *s3Flags, arg string, workers int) (source.Source, error) {
	bucket, prefix, err := source.ParseS3URL(arg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	sel, err := f.selection()
	if err != nil {
		return nil, err
	}
	conn := source.S3Conn{Profile: f.profile, EndpointURL: f.endpoint, MaxConns: max(workers, s3Workers)}
	if len(f.regions) > 0 {
		conn.Region = f.regions[0]
	}
	s, err := source.NewS3(ctx, source.S3Config{
		Bucket: bucket, Prefix: prefix, Conn: conn, Selection: sel,
		Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// selection turns the filter flags into a source.Selection.
func (f *s3Flags) selection() (source.Selection, error) {
	sel := source.Selection{
		Since: f.since.Time(), Until: f.until.Time(),
		DeliverySlack: f.slack,
		Regions:       f.regions, Accounts: f.accounts,
	}
	switch {
	case f.slack < 0:
		return sel, usagef("--delivery-slack must not be negative, got %v", f.slack)
	case f.slack == 0:
		sel.DeliverySlack = -1 // none; zero would mean the default
	}
	if !sel.Since.IsZero() && !sel.Until.IsZero() && sel.Until.Before(sel.Since) {
		return sel, usagef("--until %s is before --since %s", f.until.String(), f.since.String())
	}
	for _, a := range f.accounts {
		if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
			return sel, usagef("--account %q is not a 12-digit AWS account id", a)
		}
	}
	if f.shard != "" {
		i, n, err := parseShard(f.shard)
		if err != nil {
			return sel, usagef("%v", err)
		}
		sel.Shard, sel.Shards = i, n
	}
	return sel, nil
}

// errShard explains the --shard syntax.
var errShard = errors.New("--shard wants i/n with 0 ≤ i < n, such as 0/4")

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("%w; got %q", errShard, s)
	}
	return i, n, nil
}
