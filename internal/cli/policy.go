package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/s3sift/s3sift/internal/timeflag"
	"github.com/s3sift/s3sift/policy"
	"github.com/s3sift/s3sift/query"
)

const policyUsage = `generate|check [flags]

Generates a least-privilege bucket policy from the recorded traffic, or
replays the recorded traffic against a policy before it is applied:

  s3sift policy generate --lake ./lake --bucket acme-prod-data --since 90d > policy.json
  s3sift policy check    --lake ./lake --bucket acme-prod-data --since 90d --policy policy.json
  s3sift policy check    --lake ./lake --bucket acme-prod-data --current

run 's3sift policy generate --help' or 's3sift policy check --help' for their flags`

const policyGenerateUsage = `--bucket B [flags]

Prints a bucket policy (JSON, to stdout) that allows each principal seen in
the window exactly the actions it used successfully and denies everyone
else; a summary of what was granted and why goes to stderr.`

// runPolicy dispatches policy generate and policy check.
func runPolicy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fs := newFlagSet(e, "policy", policyUsage)
		fs.Usage()
		return usagef("no subcommand: use generate or check")
	}
	switch args[0] {
	case "generate":
		return runPolicyGenerate(ctx, e, args[1:])
	case "check":
		return runPolicyCheck(ctx, e, args[1:])
	case "-h", "--help", "help":
		newFlagSet(e, "policy", policyUsage).Usage()
		return flag.ErrHelp
	}
	return usagef("unknown subcommand %q: use generate or check", args[0])
}

// keepFlag is the repeatable --keep ARN flag.
type keepFlag []string

func (k *keepFlag) String() string { return strings.Join(*k, ",") }

func (k *keepFlag) Set(s string) error {
	if !strings.HasPrefix(s, "arn:") {
		return fmt.Errorf("%q is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)", s)
	}
	*k = append(*k, s)
	return nil
}

// policyWindowFlags are the flags generate and check share.
type policyWindowFlags struct {
	lake, bucket, owner *string
	since, until        timeflag.Value
	threads             *int
}

func addPolicyWindowFlags(e *env, fs *flag.FlagSet) *policyWindowFlags {
	f := &policyWindowFlags{lake: lakeFlag(e, fs)}
	f.bucket = fs.String("bucket", "", "the bucket (required)")
	fs.Var(&f.since, "since", "only requests from this time on: "+timeflag.Accepted)
	fs.Var(&f.until, "until", "only requests before this time: "+timeflag.Accepted)
	f.owner = fs.String("owner-account", "", "the bucket owner's 12-digit account id (default: found in CloudTrail's resources for the bucket)")
	f.threads = fs.Int("threads", 0, "DuckDB worker threads (default one per core)")
	return f
}

// window validates the flags and returns the selected traffic.
func (f *policyWindowFlags) window() (policy.Window, error) {
	w := policy.Window{Bucket: *f.bucket, From: f.since.Time(), To: f.until.Time()}
	switch {
	case w.Bucket == "":
		return w, usagef("--bucket is required")
	case strings.HasPrefix(w.Bucket, "s3://") || strings.Contains(w.Bucket, "/"):
		return w, usagef("--bucket wants a bucket name such as acme-prod-data, got %q", w.Bucket)
	case !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From):
		return w, usagef("--until %s is not after --since %s", f.until.String(), f.since.String())
	case *f.owner != "" && (len(*f.owner) != 12 || strings.Trim(*f.owner, "0123456789") != ""):
		return w, usagef("--owner-account %q is not a 12-digit AWS account id", *f.owner)
	}
	return w, nil
}

func (f *policyWindowFlags) open(ctx context.Context) (*query.DB, error) {
	db, err := query.Open(ctx, query.Config{Lake: *f.lake, Threads: *f.threads})
	if err != nil {
		return nil, userError(err)
	}
	return db, nil
}

// runPolicyGenerate prints a least-privilege policy for the window's traffic.
func runPolicyGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy generate", policyGenerateUsage)
	wf := addPolicyWindowFlags(e, fs)
	var keep keepFlag
	fs.Var(&keep, "keep", "an ARN the Deny must never lock out, e.g. a break-glass or admin role; wildcards allowed (repeatable)")
	narrow := fs.Bool("narrow-prefixes", false, "grant object actions only on the key prefixes (first path segment) each principal used")
	anon := fs.Bool("allow-anonymous", false, "grant the anonymous access seen (default: report it, do not grant it)")
	explain := fs.Bool("explain", false, "summary with one line per principal and action (default: one line per principal)")
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	w, err := wf.window()
	if err != nil {
		return err
	}
	db, err := wf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := policy.LoadUsage(ctx, db, policy.LoadConfig{Window: w, OwnerAccount: *wf.owner, Prefixes: *narrow})
	if err != nil {
		return userError(err)
	}
	if u.Requests == 0 {
		return &exitError{code: 1, err: fmt.Errorf("no requests for bucket %s in the lake %s in the window: check --bucket, --since/--until, or ingest its logs first", w.Bucket, db.Lake())}
	}
	g, genErr := policy.Generate(u, policy.GenerateOptions{Keep: keep, NarrowPrefixes: *narrow, AllowAnonymous: *anon})
	if g == nil {
		return genErr
	}
	if _, err := e.stdout.Write(append(g.JSON, '\n')); err != nil {
		return err
	}
	if !*quiet || *explain {
		if err := g.Explain(e.stderr, u, *explain); err != nil {
			return err
		}
	}
	if genErr != nil {
		return &exitError{code: 1, err: genErr}
	}
	return nil
}

// The lake's query engine is what policy reads traffic through.
var _ policy.Querier = (*query.DB)(nil)

// errNoPolicy says check needs a policy to replay.
var errNoPolicy = errors.New("give --policy FILE or --current")
