package policy

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// CheckConfig says which traffic Check replays.
type CheckConfig struct {
	Window
	// OwnerAccount is the bucket owner's account; empty asks Check to
	// find it in CloudTrail (InferOwner).
	OwnerAccount string
	// StrictServiceSource makes aws:SourceAccount unknown for AWS service
	// requests whose log does not record the account the service acted
	// for. By default it is taken to be the bucket owner's, the account
	// Generate conditions service access on, and such requests are counted
	// in Report.AssumedSourceAccount.
	StrictServiceSource bool
}

// Finding is the requests of one principal and action that got one
// decision.
type Finding struct {
	PrincipalARN     string    `json:"principal_arn"`
	Action           string    `json:"action"`
	Decision         Decision  `json:"decision"`
	Statement        string    `json:"statement,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	Requests         int64     `json:"requests"`
	FirstSeen        time.Time `json:"first_seen"`
	LastSeen         time.Time `json:"last_seen"`
	ExampleRequestID string    `json:"example_request_id,omitempty"`
	// Keys counts the per-key lines of multi-object deletes (DeleteObjects)
	// among them: each key is authorized on its own, but the request is
	// counted once, in Requests.
	Keys int64 `json:"keys,omitempty"`
	// AlreadyDenied is true for requests that had failed authorization
	// when they were made.
	AlreadyDenied bool `json:"already_denied"`
}

// MarshalText writes the decision's name, so JSON shows "denied".
func (d Decision) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Report is the result of replaying recorded traffic against a policy.
type Report struct {
	Bucket       string
	OwnerAccount string
	From, To     time.Time
	// Requests counts the replayed requests; Evaluations the distinct
	// combinations of evaluation inputs among them, each evaluated once.
	Requests    int64
	Evaluations int
	// Authorized counts requests that passed authorization when made, by
	// the decision the policy gives them now.
	Authorized map[Decision]int64
	// Broken lists requests that passed authorization when made and would
	// now be denied or cannot be told (Decision.Breaks).
	Broken []Finding
	// Depends lists requests that passed when made and now depend on the
	// principal's identity policy (same account, not in the bucket policy).
	Depends []Finding
	// AlreadyDenied lists requests that had already failed authorization,
	// with the decision the policy gives them.
	AlreadyDenied []Finding
	// AssumedSourceAccount counts AWS service requests evaluated with
	// aws:SourceAccount taken to be the bucket owner's account (see
	// CheckConfig.StrictServiceSource).
	AssumedSourceAccount int64
}

// Breaks reports whether any recorded request would break.
func (r *Report) Breaks() bool { return len(r.Broken) > 0 }

// BrokenRequests returns the number of requests that would break (a
// multi-object delete of which only some keys would be refused may count
// as none: see Finding.Keys).
func (r *Report) BrokenRequests() int64 {
	var n int64
	for _, f := range r.Broken {
		n += f.Requests
	}
	return n
}

// Check replays the window's recorded requests against p. Requests are
// grouped in SQL by the inputs the policy can look at, so each distinct
// combination is evaluated once.
func Check(ctx context.Context, q Querier, p *Policy, cfg CheckConfig) (*Report, error) {
	rep := &Report{Bucket: cfg.Bucket, OwnerAccount: cfg.OwnerAccount, From: cfg.From, To: cfg.To, Authorized: map[Decision]int64{}}
	if rep.OwnerAccount == "" {
		rep.OwnerAccount, _ = InferOwner(ctx, q, cfg.Bucket)
	}
	in := planInputs(p, cfg.Bucket)
	query, args := in.groupSQL(cfg.Window)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("policy: replaying bucket %s: %w", cfg.Bucket, err)
	}
	defer rows.Close()
	type fkey struct {
		arn, action string
		res         Result
		denied      bool
	}
	agg := map[fkey]*Finding{}
	for rows.Next() {
		var (
			arn, action                       string
			ptype, account, session, ip, vpce sql.NullString
			tlsv, sig, auth, key              sql.NullString
			denied                            bool
			inCT, inAL                        sql.NullBool
			keyClass, timeClass, ipClass      any
			anyTime, first, last              sql.NullTime
			n, keys                           int64
		)
		if err := rows.Scan(&arn, &ptype, &account, &action, &denied, &session, &ipClass, &vpce, &inCT, &inAL, &tlsv, &sig, &auth,
			&keyClass, &timeClass, &key, &anyTime, &ip, &n, &keys, &first, &last); err != nil {
			return nil, fmt.Errorf("policy: replaying bucket %s: %w", cfg.Bucket, err)
		}
		r := Request{
			PrincipalARN: arn, Kind: ClassifyPrincipal(arn, str(ptype)), Account: str(account),
			SessionName: str(session), Action: action, Resource: Resource(cfg.Bucket, str(key), action),
			OwnerAccount: rep.OwnerAccount, Time: tm(anyTime),
			RemoteIP: str(ip), VPCEndpoint: str(vpce), TLSVersion: str(tlsv),
			SignatureVersion: str(sig), AuthType: str(auth),
			Unknown: InputPrefix | InputUserID | InputSourceARN,
		}
		assumed := false
		switch {
		case r.Kind != KindService:
		case r.Account != "":
			r.SourceAccount = r.Account
		case !cfg.StrictServiceSource && rep.OwnerAccount != "":
			r.SourceAccount, assumed = rep.OwnerAccount, true
		default:
			r.Unknown |= InputSourceAccount
		}
		if !session.Valid {
			r.Unknown |= InputSessionName
		}
		if !ip.Valid {
			r.Unknown |= InputRemoteIP
		}
		// The VPC endpoint is known only from CloudTrail.
		if !inCT.Bool {
			r.Unknown |= InputVPCEndpoint
		}
		// TLS: an access-log line or a CloudTrail record with tlsDetails
		// tells; a CloudTrail record without says nothing.
		if !inAL.Bool && !tlsv.Valid {
			r.Unknown |= InputTLS
		}
		if !in.sig || (!sig.Valid && r.Kind != KindAnonymous) {
			r.Unknown |= InputSignatureVersion
		}
		if !in.auth || (!auth.Valid && r.Kind != KindAnonymous) {
			r.Unknown |= InputAuthType
		}
		res := p.Evaluate(&r)
		rep.Requests += n
		if assumed {
			rep.AssumedSourceAccount += n
		}
		rep.Evaluations++
		if !denied {
			rep.Authorized[res.Decision] += n
			if res.Decision == Allowed {
				continue
			}
		}
		k := fkey{arn, action, res, denied}
		f := agg[k]
		if f == nil {
			f = &Finding{PrincipalARN: arn, Action: action, Decision: res.Decision, Statement: res.Statement, Reason: res.Reason, AlreadyDenied: denied}
			agg[k] = f
		}
		f.Requests += n
		f.Keys += keys
		if ft := tm(first); f.FirstSeen.IsZero() || ft.Before(f.FirstSeen) {
			f.FirstSeen = ft
		}
		if lt := tm(last); !lt.Before(f.LastSeen) {
			f.LastSeen = lt
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy: replaying bucket %s: %w", cfg.Bucket, err)
	}
	if err := fillExamples(ctx, q, cfg.Window, agg); err != nil {
		return nil, err
	}
	for _, f := range agg {
		switch {
		case f.AlreadyDenied:
			rep.AlreadyDenied = append(rep.AlreadyDenied, *f)
		case f.Decision.Breaks():
			rep.Broken = append(rep.Broken, *f)
		case f.Decision == DependsOnIdentity:
			rep.Depends = append(rep.Depends, *f)
		}
	}
	for _, l := range [][]Finding{rep.Broken, rep.Depends, rep.AlreadyDenied} {
		sortFindings(l)
	}
	return rep, nil
}

// exampleBatch bounds the findings looked up per example query.
const exampleBatch = 500

// fillExamples sets each finding's ExampleRequestID to a request of its
// principal and action made at its LastSeen. It is a second, targeted
// query because only the few findings need an example: carrying one
// through the replay's grouping costs more than the whole lookup.
func fillExamples[K comparable](ctx context.Context, q Querier, w Window, agg map[K]*Finding) error {
	fs := make([]*Finding, 0, len(agg))
	for _, f := range agg {
		if !f.LastSeen.IsZero() {
			fs = append(fs, f)
		}
	}
	type key struct {
		arn, action string
		t           time.Time
	}
	where, wargs := w.where()
	for len(fs) > 0 {
		batch := fs[:min(len(fs), exampleBatch)]
		fs = fs[len(batch):]
		var args []any
		tuples := make([]string, len(batch))
		for i, f := range batch {
			tuples[i] = "(?, ?, CAST(? AS TIMESTAMP))"
			args = append(args, f.PrincipalARN, f.Action, f.LastSeen.UTC().Format(sqlTime))
		}
		rows, err := q.Query(ctx, `SELECT v.p, v.a, v.t, min(r.request_id)
FROM s3_requests r JOIN (VALUES `+strings.Join(tuples, ", ")+`) v(p, a, t)
  ON coalesce(r.principal_arn, '') = v.p AND r.action = v.a AND r.time = v.t
WHERE `+where+` AND r.request_id IS NOT NULL
GROUP BY 1, 2, 3`, append(args, wargs...)...)
		if err != nil {
			return fmt.Errorf("policy: finding example requests in bucket %s: %w", w.Bucket, err)
		}
		ids := map[key]string{}
		for rows.Next() {
			var k key
			var id string
			if err := rows.Scan(&k.arn, &k.action, &k.t, &id); err != nil {
				rows.Close()
				return fmt.Errorf("policy: finding example requests in bucket %s: %w", w.Bucket, err)
			}
			k.t = k.t.UTC()
			ids[k] = id
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("policy: finding example requests in bucket %s: %w", w.Bucket, err)
		}
		for _, f := range batch {
			f.ExampleRequestID = ids[key{f.PrincipalARN, f.Action, f.LastSeen.UTC()}]
		}
	}
	return nil
}

func sortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.PrincipalARN != b.PrincipalARN {
			return a.PrincipalARN < b.PrincipalARN
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		if a.Decision != b.Decision {
			return a.Decision < b.Decision
		}
		return a.Reason < b.Reason
	})
}
