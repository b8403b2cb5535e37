package policy

import (
	"sort"
	"time"
)

// Usage is what a bucket's recorded traffic says about who needs what:
// the input of Generate. LoadUsage fills it from the s3_requests view.
type Usage struct {
	Bucket       string
	OwnerAccount string // the bucket owner's account; empty when unknown
	From, To     time.Time

	Principals []PrincipalUsage

	// Requests counts every request in the window, internal ones included.
	Requests int64
	// Internal counts lifecycle and service-internal operations, which
	// never become statements.
	Internal int64
	// TLSKnown counts requests whose log says whether TLS was used;
	// NonTLS counts those that did not use it.
	TLSKnown, NonTLS int64
	// NonTLSPrincipals names up to a few principals seen without TLS.
	NonTLSPrincipals []string
}

// PrincipalUsage is one principal's traffic.
type PrincipalUsage struct {
	// ARN is the role ARN for assumed roles, the user or root ARN, the
	// service principal, the canonical ID or "anonymous".
	ARN     string
	Kind    Kind
	Account string
	Actions []ActionUsage
	// SourceAccounts and SourceARNs are the aws:SourceAccount and
	// aws:SourceArn values seen for a service principal, when known.
	SourceAccounts []string
	SourceARNs     []string
}

// ActionUsage is one principal's use of one IAM action.
type ActionUsage struct {
	Action string
	// Requests counts requests that passed authorization (including
	// those that then failed, e.g. 404); Denied counts those refused
	// (401/403, AccessDenied …).
	Requests, Denied    int64
	FirstSeen, LastSeen time.Time
	// Prefixes lists the first path segment ("logs/") of the keys used,
	// with "" for keys without a '/'. Filled only when narrowing.
	Prefixes []string
}

// addAction adds a to p's actions, merging it with an entry of the same
// action.
func (p *PrincipalUsage) addAction(a ActionUsage) {
	for i := range p.Actions {
		b := &p.Actions[i]
		if b.Action != a.Action {
			continue
		}
		b.Requests += a.Requests
		b.Denied += a.Denied
		if !a.FirstSeen.IsZero() && (b.FirstSeen.IsZero() || a.FirstSeen.Before(b.FirstSeen)) {
			b.FirstSeen = a.FirstSeen
		}
		if a.LastSeen.After(b.LastSeen) {
			b.LastSeen = a.LastSeen
		}
		return
	}
	p.Actions = append(p.Actions, a)
}

// Authorized reports whether the action ever passed authorization.
func (a ActionUsage) Authorized() bool { return a.Requests > 0 }

// Totals returns the principal's authorized and denied requests and last
// use.
func (p *PrincipalUsage) Totals() (requests, denied int64, last time.Time) {
	for _, a := range p.Actions {
		requests += a.Requests
		denied += a.Denied
		if a.LastSeen.After(last) {
			last = a.LastSeen
		}
	}
	return requests, denied, last
}

// sorted returns a copy of u with principals and actions in a stable
// order: by ARN, then by action.
func (u *Usage) sorted() *Usage {
	c := *u
	c.Principals = make([]PrincipalUsage, len(u.Principals))
	for i, p := range u.Principals {
		p.Actions = append([]ActionUsage(nil), p.Actions...)
		c.Principals[i] = p
	}
	c.sortUsage()
	return &c
}

// sortUsage puts principals and actions in a stable order: by ARN, then by
// action.
func (u *Usage) sortUsage() {
	sort.Slice(u.Principals, func(i, j int) bool { return u.Principals[i].ARN < u.Principals[j].ARN })
	for i := range u.Principals {
		as := u.Principals[i].Actions
		sort.Slice(as, func(a, b int) bool { return as[a].Action < as[b].Action })
	}
}
