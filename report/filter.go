package report

import (
	"strings"

	"github.com/s3sift/s3sift/event"
)

// filter builds the WHERE clause every report shares: time window, source,
// bucket, key, principal and IP, each only when set, and only where the
// report does not use that parameter itself.
type filter struct {
	p Params
}

func newFilter(p Params) filter { return filter{p} }

// where returns "WHERE …" (or "WHERE TRUE") with extra conditions ANDed,
// appending placeholders' arguments to args.
func (f filter) where(args *[]any, extra ...string) string {
	conds := append([]string(nil), extra...)
	p := f.p
	if !p.Since.IsZero() {
		conds = append(conds, "time >= ?")
		*args = append(*args, p.Since.UTC())
	}
	if !p.Until.IsZero() {
		conds = append(conds, "time < ?")
		*args = append(*args, p.Until.UTC())
	}
	switch p.Source {
	case SourceAccessLog:
		conds = append(conds, "in_access_log")
	case SourceCloudTrail:
		conds = append(conds, "in_cloudtrail")
	}
	if p.Bucket != "" {
		conds = append(conds, "bucket = ?")
		*args = append(*args, p.Bucket)
	}
	if p.Key != "" {
		conds = append(conds, "key = ?")
		*args = append(*args, p.Key)
	}
	if p.IP != "" {
		conds = append(conds, "remote_ip = ?")
		*args = append(*args, p.IP)
	}
	if p.Principal != "" {
		c, a := principalCond(p.Principal)
		conds = append(conds, c)
		*args = append(*args, a...)
	}
	if len(conds) == 0 {
		return "WHERE TRUE"
	}
	return "WHERE " + strings.Join(conds, "\n  AND ")
}

// principalCond matches a principal as the user names it. An assumed-role
// session ARN (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION) matches that
// session of the role, whatever the role's path; anything else matches
// principal_arn exactly.
func principalCond(p string) (string, []any) {
	if rest, ok := strings.CutPrefix(p, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5) // partition, service, region, account, resource
		if len(parts) == 5 && parts[1] == "sts" && strings.HasPrefix(parts[4], "assumed-role/") {
			res := strings.Split(strings.TrimPrefix(parts[4], "assumed-role/"), "/")
			if len(res) == 2 {
				return "(principal_type = 'AssumedRole' AND account_id = ? AND principal_arn LIKE ? AND session_name = ?)",
					[]any{parts[3], "%/" + res[0], res[1]}
			}
		}
	}
	return "principal_arn = ?", []any{p}
}

// deniedExpr is true for a request refused by access control.
const deniedExpr = event.DeniedSQL
