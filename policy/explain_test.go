package policy_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/policy"
)

func TestExplain(t *testing.T) {
	u := sampleUsage()
	g, _ := generate(t, u, policy.GenerateOptions{})
	for _, detail := range []bool{false, true} {
		var b bytes.Buffer
		if err := g.Explain(&b, u, detail); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, p := range u.Principals {
			if !strings.Contains(out, p.ARN) {
				t.Errorf("detail=%v: summary does not list %s:\n%s", detail, p.ARN, out)
			}
		}
		for _, want := range []string{"no: anonymous access is not granted", "bucket owner account: " + owner, "notes:", "bytes of the 20480-byte limit"} {
			if !strings.Contains(out, want) {
				t.Errorf("detail=%v: summary lacks %q:\n%s", detail, want, out)
			}
		}
		// With detail, the action only ever denied is listed as not granted.
		if got := strings.Contains(out, "no: only denied attempts"); got != detail {
			t.Errorf("detail=%v: denied-only action listed: %v, want %v\n%s", detail, got, detail, out)
		}
	}
}
