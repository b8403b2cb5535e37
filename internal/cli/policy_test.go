package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/cli"
	"github.com/s3sift/s3sift/internal/s3test"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/policy"
)

// policyLake generates two days of synthetic traffic and ingests it.
func policyLake(tb testing.TB) (string, *gen.Truth) {
	tb.Helper()
	return testlake.Build(tb, tb.TempDir(), gen.Config{Seed: 7})
}

func runPolicyCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), append([]string{"policy"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// finding is one row of `policy check --format json`.
type finding struct {
	Status       string `json:"status"`
	PrincipalARN string `json:"principal_arn"`
	Action       string `json:"action"`
	Decision     string `json:"decision"`
	Requests     int64  `json:"requests"`
}

// brokenByPrincipal runs check and sums the broken requests per principal.
func brokenByPrincipal(tb testing.TB, wantCode int, args ...string) map[string]int64 {
	tb.Helper()
	code, out, errOut := runPolicyCLI(append([]string{"check", "--format", "json"}, args...)...)
	if code != wantCode {
		tb.Fatalf("policy check %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, out, errOut)
	}
	var fs []finding
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		tb.Fatalf("check output is not a JSON array: %v\n%s", err, out)
	}
	got := map[string]int64{}
	for _, f := range fs {
		if f.Status == "broken" {
			got[f.PrincipalARN] += f.Requests
		}
	}
	return got
}

// successes sums a principal's requests that were not denied, per Truth.
func successes(tr *gen.Truth, bucket, principal string) int64 {
	var n int64
	for k, c := range tr.Access {
		if k.Bucket == bucket && k.Principal == principal && k.Action != "" {
			n += c.Requests - c.Denied
		}
	}
	return n
}

func generatePolicy(tb testing.TB, lake, bucket string, flags ...string) string {
	tb.Helper()
	code, out, errOut := runPolicyCLI(append([]string{"generate", "--lake", lake, "--bucket", bucket}, flags...)...)
	if code != 0 {
		tb.Fatalf("policy generate %s: exit %d\n%s", bucket, code, errOut)
	}
	if !strings.Contains(errOut, "PRINCIPAL") || !strings.Contains(errOut, "bytes of the 20480-byte limit") {
		tb.Errorf("generate's summary on stderr lacks the principal table or the size:\n%s", errOut)
	}
	path := filepath.Join(tb.TempDir(), bucket+".json")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// withoutPrincipal writes a copy of the policy at path without arn: its
// Allows and its exception in the Deny.
func withoutPrincipal(tb testing.TB, path, arn string) string {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := policy.ParseDocument(data)
	if err != nil {
		tb.Fatal(err)
	}
	drop := policy.PrincipalPatterns(arn)
	var out []policy.Statement
	found := false
	for _, s := range doc.Statement {
		if s.Principal != nil && !s.Principal.All {
			found = found || slices.Contains(s.Principal.AWS, arn)
			s.Principal.AWS = slices.DeleteFunc(s.Principal.AWS, func(v string) bool { return v == arn })
			if len(s.Principal.AWS)+len(s.Principal.Service) == 0 {
				continue
			}
		}
		if c, ok := s.Condition["ArnNotLike"]["aws:PrincipalArn"]; ok {
			s.Condition["ArnNotLike"]["aws:PrincipalArn"] = slices.DeleteFunc(c, func(v string) bool { return slices.Contains(drop, v) })
		}
		out = append(out, s)
	}
	if !found {
		tb.Fatalf("%s has no statement of its own in the generated policy", arn)
	}
	doc.Statement = out
	js, err := doc.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	np := filepath.Join(tb.TempDir(), "edited.json")
	if err := os.WriteFile(np, js, 0o600); err != nil {
		tb.Fatal(err)
	}
	return np
}

func TestPolicyRoundTrip(t *testing.T) {
	lake, truth := policyLake(t)
	t.Run("generate then check breaks nothing", func(t *testing.T) {
		// Every bucket and option is covered by the policy package's round
		// trip; here the command line, on the bucket with both logs.
		for _, b := range []string{gen.BucketProd} {
			path := generatePolicy(t, lake, b, "--allow-anonymous", "--narrow-prefixes")
			if got := brokenByPrincipal(t, 0, "--lake", lake, "--bucket", b, "--policy", path); len(got) != 0 {
				t.Errorf("bucket %s: broken %v, want none", b, got)
			}
		}
	})
	t.Run("anonymous is not granted by default", func(t *testing.T) {
		path := generatePolicy(t, lake, gen.BucketSite)
		want := map[string]int64{"anonymous": successes(truth, gen.BucketSite, "anonymous")}
		if want["anonymous"] == 0 {
			t.Fatalf("Truth has no anonymous requests on %s", gen.BucketSite)
		}
		got := brokenByPrincipal(t, 3, "--lake", lake, "--bucket", gen.BucketSite, "--policy", path)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("broken = %v, want %v", got, want)
		}
		// The default table: one line per finding, the counts on stderr.
		code, out, errOut := runPolicyCLI("check", "--lake", lake, "--bucket", gen.BucketSite, "--policy", path)
		wantLine := fmt.Sprintf("would break (%d denied, 0 unknown)", want["anonymous"])
		if code != 3 || !strings.Contains(out, "broken") || !strings.Contains(out, "DenyEveryoneElse") || !strings.Contains(errOut, wantLine) {
			t.Errorf("table check: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 3, a broken row and %q", code, out, errOut, wantLine)
		}
	})
	t.Run("removing one principal breaks exactly its requests", func(t *testing.T) {
		path := generatePolicy(t, lake, gen.BucketProd, "--allow-anonymous")
		n := 0
		for _, p := range truth.Principals {
			if (p.Type != gen.KindAssumedRole && p.Type != gen.KindIAMUser) || successes(truth, gen.BucketProd, p.ARN) == 0 || n == 1 {
				continue
			}
			n++
			edited := withoutPrincipal(t, path, p.ARN)
			want := map[string]int64{p.ARN: successes(truth, gen.BucketProd, p.ARN)}
			got := brokenByPrincipal(t, 3, "--lake", lake, "--bucket", gen.BucketProd, "--policy", edited)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("without %s: broken = %v, want %v", p.ARN, got, want)
			}
		}
		if n != 1 {
			t.Errorf("no principal to remove on %s", gen.BucketProd)
		}
	})
	t.Run("current policy from GetBucketPolicy", func(t *testing.T) {
		srv := s3test.Start(t)
		dir := t.TempDir()
		t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
		t.Setenv("AWS_PROFILE", "")
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		srv.CreateBucket(t, gen.BucketProd)
		// versitygw accepts only its own accounts as named principals, so
		// the policy is the AWS documentation's public read plus TLS only.
		doc := `{"Version":"2012-10-17","Statement":[
			{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + gen.BucketProd + `/*"},
			{"Sid":"TLSOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::` + gen.BucketProd + `","arn:aws:s3:::` + gen.BucketProd + `/*"],
			 "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
		if _, err := srv.Client().PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{
			Bucket: aws.String(gen.BucketProd), Policy: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		got := brokenByPrincipal(t, 3, "--lake", lake, "--bucket", gen.BucketProd, "--current", "--endpoint-url", srv.URL, "--region", srv.Region)
		// Plain-HTTP requests are denied; the config service, which no
		// statement allows, is denied too; same-account principals over TLS
		// depend on their identity policies.
		want := map[string]int64{}
		for k, n := range truth.NonTLS {
			if k.Bucket == gen.BucketProd && n > 0 {
				want[k.Principal] = n
			}
		}
		for _, p := range truth.Principals {
			if p.Type == gen.KindAWSService {
				if n := successes(truth, gen.BucketProd, p.ARN); n > 0 {
					want[p.ARN] += n
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("broken under the current policy = %v, want %v", got, want)
		}
		// A bucket without a policy: anonymous access breaks, the rest
		// depends on identity policies.
		srv.CreateBucket(t, gen.BucketSite)
		got = brokenByPrincipal(t, 3, "--lake", lake, "--bucket", gen.BucketSite, "--current", "--endpoint-url", srv.URL, "--region", srv.Region)
		if got["anonymous"] != successes(truth, gen.BucketSite, "anonymous") {
			t.Errorf("no bucket policy: broken = %v, want anonymous %d", got, successes(truth, gen.BucketSite, "anonymous"))
		}
	})
}

func TestPolicyUsage(t *testing.T) {
	lake := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Conditon":{}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{nil, 2, "no subcommand"},
		{[]string{"frobnicate"}, 2, "unknown subcommand"},
		{[]string{"generate", "--lake", lake}, 2, "--bucket is required"},
		{[]string{"generate", "--lake", lake, "--bucket", "s3://acme"}, 2, "bucket name"},
		{[]string{"generate", "--lake", lake, "--bucket", "b", "--keep", "admin"}, 2, "not an ARN"},
		{[]string{"generate", "--lake", lake, "--bucket", "b", "--since", "2024-05-02", "--until", "2024-05-01"}, 2, "not after"},
		{[]string{"generate", "--lake", lake, "--bucket", "b", "--owner-account", "12"}, 2, "12-digit"},
		{[]string{"generate", "--lake", lake, "--bucket", "b"}, 1, "no requests for bucket b"},
		{[]string{"check", "--lake", lake, "--bucket", "b"}, 2, "--policy FILE or --current"},
		{[]string{"check", "--lake", lake, "--bucket", "b", "--policy", bad, "--current"}, 2, "not both"},
		{[]string{"check", "--lake", lake, "--bucket", "b", "--policy", bad}, 1, "malformed policy"},
		{[]string{"check", "--lake", lake, "--bucket", "b", "--policy", filepath.Join(lake, "missing.json")}, 1, "reading the policy"},
		{[]string{"check", "--lake", lake, "--bucket", "b", "--policy", bad, "--format", "xml"}, 2, "unknown --format"},
		{[]string{"generate", "--help"}, 0, "-narrow-prefixes"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errOut := runPolicyCLI(tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.inStderr)
			}
		})
	}
}
