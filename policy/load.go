package policy

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// LoadConfig says which traffic LoadUsage reads.
type LoadConfig struct {
	Window
	// OwnerAccount is the bucket owner's account; empty asks LoadUsage to
	// find it in CloudTrail (InferOwner).
	OwnerAccount string
	// Prefixes makes LoadUsage collect the key prefixes each principal used
	// per action, for GenerateOptions.NarrowPrefixes.
	Prefixes bool
	// MaxPrefixes bounds the prefixes kept per principal and action; more
	// than that means "do not narrow" (default 20).
	MaxPrefixes int
}

// LoadUsage aggregates a bucket's recorded traffic into Usage, in SQL: one
// row per principal and action, whatever the number of requests.
func LoadUsage(ctx context.Context, q Querier, cfg LoadConfig) (*Usage, error) {
	if cfg.MaxPrefixes <= 0 {
		cfg.MaxPrefixes = 20
	}
	u := &Usage{Bucket: cfg.Bucket, OwnerAccount: cfg.OwnerAccount, From: cfg.From, To: cfg.To}
	if u.OwnerAccount == "" {
		u.OwnerAccount, _ = InferOwner(ctx, q, cfg.Bucket)
	}
	where, args := cfg.where()
	// One scan: grouped by principal and action, and by whether the
	// request is governed by policies and what its log says about TLS, so
	// the totals come from the same rows.
	rows, err := q.Query(ctx, `SELECT coalesce(principal_arn, ''), any_value(principal_type), any_value(account_id), action,
	governed, tls_known, tls_version IS NULL,
	count(*) FILTER (WHERE NOT denied AND NOT batch), count(*) FILTER (WHERE denied AND NOT batch),
	count(*) FILTER (WHERE NOT batch), min(time), max(time)
FROM (SELECT principal_arn, principal_type, account_id, action, time, tls_version,
             `+deniedSQL+` AS denied, `+batchSQL+` AS batch, (`+actionFilter+`) AS governed,
             -- TLS use is known for access-log lines ("-" is plain HTTP)
             -- and for CloudTrail records that carry tlsDetails.
             (coalesce(in_access_log, false) OR tls_version IS NOT NULL) AS tls_known
      FROM s3_requests WHERE `+where+`)
GROUP BY 1, 4, 5, 6, 7 ORDER BY 1, 4`, args...)
	if err != nil {
		return nil, fmt.Errorf("policy: reading usage of bucket %s: %w", cfg.Bucket, err)
	}
	defer rows.Close()
	idx := map[string]int{}
	for rows.Next() {
		var (
			arn                       string
			action, ptype, account    sql.NullString
			governed, tlsKnown, noTLS bool
			ok, denied, all           int64
			first, last               sql.NullTime
		)
		if err := rows.Scan(&arn, &ptype, &account, &action, &governed, &tlsKnown, &noTLS, &ok, &denied, &all, &first, &last); err != nil {
			return nil, fmt.Errorf("policy: reading usage of bucket %s: %w", cfg.Bucket, err)
		}
		u.Requests += all
		if !governed {
			u.Internal += all
			continue
		}
		if tlsKnown {
			u.TLSKnown += all
			if noTLS && all > 0 {
				u.NonTLS += all
				if len(u.NonTLSPrincipals) < 5 && !slices.Contains(u.NonTLSPrincipals, arn) {
					u.NonTLSPrincipals = append(u.NonTLSPrincipals, arn)
				}
			}
		}
		i, seen := idx[arn]
		if !seen {
			i = len(u.Principals)
			idx[arn] = i
			u.Principals = append(u.Principals, PrincipalUsage{ARN: arn, Kind: ClassifyPrincipal(arn, str(ptype)), Account: str(account)})
		}
		p := &u.Principals[i]
		if p.Account == "" {
			p.Account = str(account)
		}
		p.addAction(ActionUsage{Action: action.String, Requests: ok, Denied: denied, FirstSeen: tm(first), LastSeen: tm(last)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy: reading usage of bucket %s: %w", cfg.Bucket, err)
	}
	for i := range u.Principals {
		p := &u.Principals[i]
		if p.Kind == KindService && p.Account != "" {
			p.SourceAccounts = []string{p.Account}
		}
	}
	if cfg.Prefixes {
		if err := loadPrefixes(ctx, q, u, idx, where, args, cfg.MaxPrefixes); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// prefixSQL is the first path segment of a key with its '/', or the empty
// string for a key without one. A request without a key (a multi-object
// delete names its keys only in its body) also counts as the empty string:
// its object resource cannot be narrowed.
const prefixSQL = "CASE WHEN strpos(key, '/') > 0 THEN split_part(key, '/', 1) || '/' ELSE '' END"

// loadPrefixes fills ActionUsage.Prefixes for authorized requests.
func loadPrefixes(ctx context.Context, q Querier, u *Usage, idx map[string]int, where string, args []any, max int) error {
	rows, err := q.Query(ctx, `SELECT coalesce(principal_arn, ''), action, `+prefixSQL+` AS prefix
FROM s3_requests WHERE `+where+` AND `+actionFilter+` AND NOT `+deniedSQL+`
GROUP BY ALL ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return fmt.Errorf("policy: reading key prefixes of bucket %s: %w", u.Bucket, err)
	}
	defer rows.Close()
	for rows.Next() {
		var arn, action, prefix string
		if err := rows.Scan(&arn, &action, &prefix); err != nil {
			return fmt.Errorf("policy: reading key prefixes of bucket %s: %w", u.Bucket, err)
		}
		i, ok := idx[arn]
		if !ok {
			continue
		}
		for j := range u.Principals[i].Actions {
			a := &u.Principals[i].Actions[j]
			if a.Action == action && len(a.Prefixes) <= max {
				a.Prefixes = append(a.Prefixes, prefix)
			}
		}
	}
	return rows.Err()
}

// InferOwner returns the account that owns bucket, from the resources
// CloudTrail lists for the bucket's events ("" when no event names it).
func InferOwner(ctx context.Context, q Querier, bucket string) (string, error) {
	rows, err := q.Query(ctx, `SELECT struct_extract(r, 'account_id') AS account, count(*) AS n
FROM (SELECT unnest(resources) AS r FROM cloudtrail WHERE event_source = 's3.amazonaws.com')
WHERE struct_extract(r, 'type') = 'AWS::S3::Bucket' AND struct_extract(r, 'arn') = ?
  AND struct_extract(r, 'account_id') IS NOT NULL
GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1`, "arn:aws:s3:::"+bucket)
	if err != nil {
		return "", fmt.Errorf("policy: finding the owner of bucket %s: %w", bucket, err)
	}
	defer rows.Close()
	var account string
	if rows.Next() {
		var n int64
		if err := rows.Scan(&account, &n); err != nil {
			return "", fmt.Errorf("policy: finding the owner of bucket %s: %w", bucket, err)
		}
	}
	return strings.TrimSpace(account), rows.Err()
}
