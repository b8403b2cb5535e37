package policy_test

import (
	"testing"

	"github.com/s3sift/s3sift/policy"
)

// FuzzParseDocument checks that any input either fails to parse with an
// error or parses, compiles, evaluates without panicking and prints back
// to a document that parses to the same text.
func FuzzParseDocument(f *testing.F) {
	for _, s := range []string{docPublicRead, docDenyNonTLS, docVPCE, docIPAllowList,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["1","arn:aws:sts::1:assumed-role/r/s"]},"NotAction":"s3:Get*","NotResource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:PrincipalTag/x":["a*"]},"DateLessThan":{"aws:CurrentTime":"2024-01-01"}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := policy.ParseDocument(data)
		if err != nil {
			return
		}
		p, err := policy.Compile(d)
		if err != nil {
			return
		}
		for _, r := range []policy.Request{baseRequest(), anonymousRequest(), sameAccountRole()} {
			p.Evaluate(&r)
		}
		js, err := d.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		d2, err := policy.ParseDocument(js)
		if err != nil {
			t.Fatalf("printed document does not parse: %v\n%s", err, js)
		}
		js2, _ := d2.Marshal()
		if string(js) != string(js2) {
			t.Fatalf("print, parse, print differs:\n%s\n%s", js, js2)
		}
	})
}
