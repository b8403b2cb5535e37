package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/s3sift/s3sift/policy"
	"github.com/s3sift/s3sift/source"
)

const policyCheckUsage = `--bucket B (--policy FILE | --current) [flags]

Replays every recorded request of the bucket in the window against a bucket
policy with AWS's evaluation logic, and lists the requests that succeeded
when they were made and would now be denied, or cannot be told from the
logs (broken), apart from those that had already failed.

Exit status: 0 when nothing recorded would break, 3 when something would,
1 on error.`

// exitBroken is check's exit status when recorded requests would break.
const exitBroken = 3

// runPolicyCheck replays recorded traffic against a policy.
func runPolicyCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "policy check", policyCheckUsage)
	wf := addPolicyWindowFlags(e, fs)
	file := fs.String("policy", "", "the policy to check: a JSON file, or - for standard input")
	current := fs.Bool("current", false, "check the bucket's current policy, fetched with GetBucketPolicy")
	format := fs.String("format", "table", "output format: table, csv, json or jsonl")
	strict := fs.Bool("strict-service-source", false, "treat aws:SourceAccount of AWS service requests as unknown when the logs do not record it (default: the bucket owner's account)")
	profile := fs.String("profile", "", "--current: AWS profile of the shared config files (default $AWS_PROFILE, else the default chain)")
	region := fs.String("region", "", "--current: region to sign for (default: the configured region)")
	endpoint := fs.String("endpoint-url", "", "--current: S3-compatible server, e.g. http://127.0.0.1:7070 (path-style addressing)")
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
	f, err := resolveFormat(e, *format)
	if err != nil {
		return err
	}
	if (*file == "") == !*current {
		if *current {
			return usagef("give --policy FILE or --current, not both")
		}
		return usagef("%v", errNoPolicy)
	}
	var p *policy.Policy
	var source string
	if *current {
		p, source, err = currentPolicy(ctx, s3Conn{profile: *profile, region: *region, endpoint: *endpoint}, w.Bucket)
	} else {
		p, source, err = filePolicy(*file)
	}
	if err != nil {
		return err
	}
	db, err := wf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := policy.Check(ctx, db, p, policy.CheckConfig{Window: w, OwnerAccount: *wf.owner, StrictServiceSource: *strict})
	if err != nil {
		return userError(err)
	}
	if err := writeFindings(e.stdout, f, rep); err != nil {
		return err
	}
	writeCheckSummary(e.stderr, rep, source)
	if rep.Breaks() {
		return &exitError{code: exitBroken, err: fmt.Errorf("%d recorded requests would break under %s", rep.BrokenRequests(), source)}
	}
	return nil
}

// filePolicy reads and compiles a policy file ("-" is standard input).
func filePolicy(path string) (*policy.Policy, string, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading the policy: %w", err)
	}
	doc, err := policy.ParseDocument(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	p, err := policy.Compile(doc)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return p, path, nil
}

// s3Conn is how --current reaches S3.
type s3Conn struct{ profile, region, endpoint string }

// currentPolicy fetches the bucket's policy with GetBucketPolicy. A bucket
// without a policy is checked as such: policy.None.
func currentPolicy(ctx context.Context, c s3Conn, bucket string) (*policy.Policy, string, error) {
	text, found, err := source.BucketPolicy(ctx, source.S3Conn{Profile: c.profile, Region: c.region, EndpointURL: c.endpoint}, bucket, nil)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return policy.None(), "no bucket policy (the bucket has none)", nil
	}
	doc, err := policy.ParseDocument([]byte(text))
	if err != nil {
		return nil, "", fmt.Errorf("the current policy of bucket %s: %w", bucket, err)
	}
	p, err := policy.Compile(doc)
	if err != nil {
		return nil, "", fmt.Errorf("the current policy of bucket %s: %w", bucket, err)
	}
	return p, "the current policy of s3://" + bucket, nil
}

// findingColumns are the columns of check's output. delete_keys counts the
// keys of multi-object deletes among the requests, each authorized on its
// own.
var findingColumns = []string{"status", "principal_arn", "action", "decision", "requests", "delete_keys", "first_seen", "last_seen", "example_request_id", "statement", "reason"}

// writeFindings prints the broken, identity-dependent and already-denied
// findings, in that order, one row per principal, action and decision.
func writeFindings(w io.Writer, f outputFormat, rep *policy.Report) error {
	var rows [][]any
	add := func(status string, fs []policy.Finding) {
		for _, x := range fs {
			rows = append(rows, []any{status, x.PrincipalARN, x.Action, x.Decision.String(), x.Requests, x.Keys,
				x.FirstSeen, x.LastSeen, nullString(x.ExampleRequestID), nullString(x.Statement), nullString(x.Reason)})
		}
	}
	add("broken", rep.Broken)
	add("depends-on-identity-policy", rep.Depends)
	add("already-denied", rep.AlreadyDenied)
	if len(rows) == 0 && f == formatTable {
		_, err := fmt.Fprintln(w, "nothing recorded would break")
		return err
	}
	_, err := writeRows(w, f, newMemRows(findingColumns, rows))
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeCheckSummary prints the replay's counts to stderr.
func writeCheckSummary(w io.Writer, rep *policy.Report, source string) {
	owner := rep.OwnerAccount
	if owner == "" {
		owner = "unknown (give --owner-account)"
	}
	fmt.Fprintf(w, "replayed %d requests of bucket %s against %s (%d distinct evaluations); bucket owner account %s\n",
		rep.Requests, rep.Bucket, source, rep.Evaluations, owner)
	var ok int64
	for _, n := range rep.Authorized {
		ok += n
	}
	fmt.Fprintf(w, "of the %d that succeeded when made: %d allowed by the policy, %d depend on identity policies (same account), %d would break (%d denied, %d unknown)\n",
		ok, rep.Authorized[policy.Allowed], rep.Authorized[policy.DependsOnIdentity], rep.BrokenRequests(),
		rep.Authorized[policy.ExplicitDeny]+rep.Authorized[policy.ImplicitDeny], rep.Authorized[policy.Unknown])
	var denied int64
	for _, x := range rep.AlreadyDenied {
		denied += x.Requests
	}
	if denied > 0 {
		fmt.Fprintf(w, "%d requests had already been denied when made (listed apart as already-denied)\n", denied)
	}
	if rep.AssumedSourceAccount > 0 {
		fmt.Fprintf(w, "%d AWS service requests were evaluated with aws:SourceAccount = the bucket owner's account, which the logs do not record (--strict-service-source to treat it as unknown)\n", rep.AssumedSourceAccount)
	}
}
