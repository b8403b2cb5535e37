package policy_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/testlake"
	"github.com/s3sift/s3sift/policy"
	"github.com/s3sift/s3sift/query"
)

// genLake generates two days of synthetic traffic, ingests it and opens
// the lake.
func genLake(tb testing.TB) (*query.DB, *gen.Truth) {
	tb.Helper()
	lake, truth := testlake.Build(tb, tb.TempDir(), gen.Config{Seed: 11})
	db, err := query.Open(context.Background(), query.Config{Lake: lake})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, truth
}

// truthSuccesses sums a principal's requests on bucket that were not
// denied.
func truthSuccesses(tr *gen.Truth, bucket, principal string) int64 {
	var n int64
	for k, c := range tr.Access {
		if k.Bucket == bucket && k.Principal == principal && k.Action != "" {
			n += c.Requests - c.Denied
		}
	}
	return n
}

// TestRoundTripGenerated runs generate then check on the synthetic data
// set against its Truth: nothing breaks; without --allow-anonymous exactly
// the anonymous requests break; removing one principal breaks exactly its
// successful requests.
func TestRoundTripGenerated(t *testing.T) {
	db, truth := genLake(t)
	ctx := context.Background()
	// Usage is loaded once a bucket (with prefixes) and generated from
	// with each set of options.
	gen1 := func(t *testing.T, u *policy.Usage, opt policy.GenerateOptions) *policy.Document {
		t.Helper()
		g, err := policy.Generate(u, opt)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := policy.ParseDocument(g.JSON)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	check := func(t *testing.T, bucket string, doc *policy.Document) *policy.Report {
		t.Helper()
		p, err := policy.Compile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := policy.Check(ctx, db, p, policy.CheckConfig{Window: policy.Window{Bucket: bucket}, OwnerAccount: gen.Account})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	for _, b := range truth.Buckets {
		t.Run(b.Name, func(t *testing.T) {
			u, err := policy.LoadUsage(ctx, db, policy.LoadConfig{Window: policy.Window{Bucket: b.Name}, Prefixes: true})
			if err != nil {
				t.Fatal(err)
			}
			if u.OwnerAccount != gen.Account {
				t.Errorf("owner account %q, want %q", u.OwnerAccount, gen.Account)
			}
			// Usage agrees with Truth for every principal and action.
			for _, p := range u.Principals {
				for _, a := range p.Actions {
					c := truth.Access[gen.AccessKey{Bucket: b.Name, Principal: p.ARN, Action: a.Action}]
					if a.Requests != c.Requests-c.Denied || a.Denied != c.Denied {
						t.Errorf("%s %s: usage %d ok, %d denied; Truth %d ok, %d denied",
							p.ARN, a.Action, a.Requests, a.Denied, c.Requests-c.Denied, c.Denied)
					}
				}
			}
			for _, narrow := range []bool{false, true} {
				rep := check(t, b.Name, gen1(t, u, policy.GenerateOptions{AllowAnonymous: true, NarrowPrefixes: narrow}))
				if len(rep.Broken) != 0 {
					t.Errorf("narrow=%v: generate then check: broken %v, want none", narrow, brokenBy(rep))
				}
			}
			if anon := truthSuccesses(truth, b.Name, "anonymous"); anon > 0 {
				doc := gen1(t, u, policy.GenerateOptions{})
				want := map[string]int64{"anonymous": anon}
				if got := brokenBy(check(t, b.Name, doc)); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("without --allow-anonymous: broken %v, want %v", got, want)
				}
			}
			doc := gen1(t, u, policy.GenerateOptions{AllowAnonymous: true})
			removed := 0
			for _, p := range truth.Principals {
				n := truthSuccesses(truth, b.Name, p.ARN)
				// Two principals a bucket keep the test fast; over the
				// buckets, roles and users of every log source are covered.
				if n == 0 || (p.Type != gen.KindAssumedRole && p.Type != gen.KindIAMUser) || removed == 2 {
					continue
				}
				removed++
				edited := *doc
				edited.Statement = slices.Clone(doc.Statement)
				for i := range edited.Statement {
					s := &edited.Statement[i]
					if s.Principal != nil {
						pc := *s.Principal
						s.Principal = &pc
					}
					if s.Condition != nil {
						c := map[string]map[string]policy.Values{}
						for op, kv := range s.Condition {
							c[op] = map[string]policy.Values{}
							for k, v := range kv {
								c[op][k] = slices.Clone(v)
							}
						}
						s.Condition = c
					}
				}
				removePrincipal(&edited, p.ARN)
				want := map[string]int64{p.ARN: n}
				if got := brokenBy(check(t, b.Name, &edited)); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("without %s: broken %v, want %v", p.ARN, got, want)
				}
			}
		})
	}
}
