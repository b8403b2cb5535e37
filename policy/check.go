package policy

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CheckConfig says which traffic Check replays.
type CheckConfig struct {
	Window
	// OwnerAccount is the bucket owner's account; empty asks Check to
	// find it in CloudTrail (InferOwner).
	OwnerAccount string
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
}

// BrokenRequests returns the number of requests that would break.
func (r *Report) BrokenRequests() int64 {
	var n int64
	for _, f := range r.Broken {
		n += f.Requests
	}
	return n
}

// inputs are the columns Check groups on beyond principal and action, as
// chosen from the condition keys a policy uses: each column a policy cannot
// look at is left out, so that requests differing only there are one
// evaluation.
type inputs struct {
	session, ip, vpce, tls, sig, auth bool
	// timeThresholds are the epoch seconds the policy compares time to;
	// exactTime groups on the second instead (policy variables).
	timeThresholds []int64
	exactTime      bool
	// resPatterns are the Resource/NotResource patterns whose match depends
	// on the key; exactKey groups on the key itself.
	resPatterns []string
	exactKey    bool
}

func planInputs(p *Policy, bucket string) inputs {
	var in inputs
	doc := p.Document()
	bucketARN := "arn:aws:s3:::" + bucket
	for _, k := range doc.ConditionKeys() {
		switch k {
		case "aws:sourceip", "aws:vpcsourceip":
			in.ip, in.vpce = true, true
		case "aws:sourcevpce":
			in.ip, in.vpce = true, true
		case "aws:securetransport", "s3:tlsversion":
			in.tls = true
		case "s3:signatureversion":
			in.sig = true
		case "s3:authtype":
			in.auth = true
		case "aws:userid":
			in.session = true
		case "aws:currenttime", "aws:epochtime":
			in.timeThresholds = append(in.timeThresholds, 0)
		}
	}
	if len(in.timeThresholds) > 0 {
		in.timeThresholds = in.timeThresholds[:0]
		for _, s := range p.stmts {
			for _, c := range s.clauses {
				if c.key != "aws:currenttime" && c.key != "aws:epochtime" {
					continue
				}
				if c.vars {
					in.exactTime = true
				}
				for _, t := range c.times {
					in.timeThresholds = append(in.timeThresholds, t.Unix())
				}
				for _, n := range c.nums {
					in.timeThresholds = append(in.timeThresholds, int64(n))
				}
			}
		}
		sort.Slice(in.timeThresholds, func(i, j int) bool { return in.timeThresholds[i] < in.timeThresholds[j] })
		in.timeThresholds = dedupeInts(in.timeThresholds)
		if len(in.timeThresholds) == 0 {
			in.exactTime = true
		}
	}
	seen := map[string]bool{}
	for _, st := range doc.Statement {
		if st.NotPrincipal != nil || principalNamesSession(st.Principal) || principalNamesSession(st.NotPrincipal) {
			in.session = true
		}
		for _, r := range append(append(Values{}, st.Resource...), st.NotResource...) {
			switch {
			case r == "*" || r == bucketARN || r == bucketARN+"/*" || seen[r]:
				continue
			case p.variables && strings.Contains(r, "${"):
				in.exactKey = true
			}
			seen[r] = true
			in.resPatterns = append(in.resPatterns, r)
		}
	}
	if len(in.resPatterns) > 62 {
		in.exactKey = true
	}
	return in
}

func principalNamesSession(p *Principal) bool {
	if p == nil {
		return false
	}
	for _, v := range p.AWS {
		if strings.Contains(v, ":assumed-role/") {
			return true
		}
	}
	return false
}

func dedupeInts(s []int64) []int64 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// groupSQL returns the statement that groups the window's requests by the
// evaluation inputs the plan needs.
func (in inputs) groupSQL(where string) (string, []any) {
	cols := []string{"coalesce(principal_arn, '')", "principal_type", "account_id", "action", deniedSQL}
	var args []any
	add := func(on bool, col string) {
		if on {
			cols = append(cols, col)
		} else {
			cols = append(cols, "NULL")
		}
	}
	add(in.session, "session_name")
	add(in.ip, "remote_ip")
	add(in.vpce, "vpc_endpoint_id")
	add(in.vpce || in.tls, "coalesce(in_cloudtrail, false)")
	add(in.tls, "coalesce(in_access_log, false)")
	add(in.tls, "tls_version")
	add(in.sig, "signature_version")
	add(in.auth, "authentication_type")
	// Key: exact, or the set of nontrivial resource patterns it matches
	// (any key with the same set evaluates the same).
	keyClass := "NULL"
	switch {
	case in.exactKey:
		keyClass = "key"
	case len(in.resPatterns) > 0:
		var parts []string
		for i, p := range in.resPatterns {
			parts = append(parts, fmt.Sprintf("(CASE WHEN ('arn:aws:s3:::' || bucket || '/' || coalesce(key, '')) LIKE ? ESCAPE '\\' THEN %d ELSE 0 END)", int64(1)<<i))
			args = append(args, likePattern(p))
		}
		keyClass = "(" + strings.Join(parts, " + ") + ")"
	}
	// Time: exact second, or its position among the thresholds.
	timeClass := "NULL"
	switch {
	case in.exactTime:
		timeClass = "floor(epoch(time))::BIGINT"
	case len(in.timeThresholds) > 0:
		var parts []string
		for _, t := range in.timeThresholds {
			parts = append(parts, fmt.Sprintf("sign(floor(epoch(time))::BIGINT - %d)", t))
		}
		timeClass = "(" + strings.Join(parts, " + ") + ")"
	}
	cols = append(cols, keyClass+" AS key_class", timeClass+" AS time_class")
	n := len(cols)
	groupBy := make([]string, n)
	for i := range groupBy {
		groupBy[i] = strconv.Itoa(i + 1)
	}
	q := `SELECT ` + strings.Join(cols, ", ") + `,
	any_value(key), any_value(time), count(*), min(time), max(time), arg_max(request_id, time)
FROM s3_requests WHERE ` + where + ` AND ` + actionFilter + `
GROUP BY ` + strings.Join(groupBy, ", ")
	return q, args
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
	where, wargs := cfg.where()
	query, cargs := in.groupSQL(where)
	rows, err := q.Query(ctx, query, append(cargs, wargs...)...)
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
			tlsv, sig, auth, key, reqID       sql.NullString
			denied                            bool
			inCT, inAL                        sql.NullBool
			keyClass, timeClass               any
			anyTime, first, last              sql.NullTime
			n                                 int64
		)
		if err := rows.Scan(&arn, &ptype, &account, &action, &denied, &session, &ip, &vpce, &inCT, &inAL, &tlsv, &sig, &auth,
			&keyClass, &timeClass, &key, &anyTime, &n, &first, &last, &reqID); err != nil {
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
		if r.Kind == KindService && r.Account != "" {
			r.SourceAccount = r.Account
		} else {
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
		if ft := tm(first); f.FirstSeen.IsZero() || ft.Before(f.FirstSeen) {
			f.FirstSeen = ft
		}
		if lt := tm(last); !lt.Before(f.LastSeen) {
			f.LastSeen, f.ExampleRequestID = lt, str(reqID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy: replaying bucket %s: %w", cfg.Bucket, err)
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
