package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Decision is the outcome of evaluating a bucket policy for one request.
type Decision uint8

// Decisions. Only the bucket policy is evaluated: identity policies, SCPs,
// permission boundaries, session policies and ACLs are not in the logs.
const (
	// Allowed: an Allow statement in the bucket policy matches and no
	// Deny does.
	Allowed Decision = iota
	// DependsOnIdentity: no statement decides, and the principal is in
	// the bucket owner's account, so its identity policy may allow it.
	DependsOnIdentity
	// ImplicitDeny: no Allow matches and the principal is anonymous or in
	// another account, which needs the bucket policy's Allow.
	ImplicitDeny
	// ExplicitDeny: a Deny statement matches.
	ExplicitDeny
	// Unknown: the answer depends on something the logs cannot tell.
	Unknown
)

// String returns the decision as s3sift prints it.
func (d Decision) String() string {
	return [...]string{"allowed", "depends-on-identity-policy", "denied-implicit", "denied", "unknown"}[d]
}

// Breaks reports whether a request that was authorized when made would be
// refused, or might be, under this decision.
func (d Decision) Breaks() bool { return d == ImplicitDeny || d == ExplicitDeny || d == Unknown }

// Result is a decision with the statement that made it and, for Unknown,
// what could not be told.
type Result struct {
	Decision  Decision
	Statement string // Sid, or "#i" (0-based) when the statement has none
	Reason    string
}

// Policy is a compiled bucket policy, safe for concurrent use.
type Policy struct {
	doc       *Document
	variables bool
	stmts     []*compiledStatement
}

type compiledStatement struct {
	id          string
	deny        bool
	principal   *Principal
	notPrinc    bool
	actions     []string // lower case
	notAction   bool
	resources   []string
	notResource bool
	clauses     []*clause
}

// Compile validates doc and prepares it for evaluation.
func Compile(doc *Document) (*Policy, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	p := &Policy{doc: doc, variables: doc.Version == Version2012}
	for i := range doc.Statement {
		s := &doc.Statement[i]
		cs := &compiledStatement{id: s.Sid, deny: s.Effect == "Deny"}
		if cs.id == "" {
			cs.id = fmt.Sprintf("#%d", i)
		}
		cs.principal, cs.notPrinc = s.Principal, false
		if s.NotPrincipal != nil {
			cs.principal, cs.notPrinc = s.NotPrincipal, true
		}
		acts := s.Action
		if len(s.NotAction) > 0 {
			acts, cs.notAction = s.NotAction, true
		}
		for _, a := range acts {
			cs.actions = append(cs.actions, strings.ToLower(a))
		}
		cs.resources = s.Resource
		if len(s.NotResource) > 0 {
			cs.resources, cs.notResource = s.NotResource, true
		}
		ops := make([]string, 0, len(s.Condition))
		for op := range s.Condition {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			keys := make([]string, 0, len(s.Condition[op]))
			for k := range s.Condition[op] {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				c, err := compileClause(op, k, s.Condition[op][k], p.variables)
				if err != nil {
					return nil, fmt.Errorf("policy: statement %s: %w", cs.id, err)
				}
				cs.clauses = append(cs.clauses, c)
			}
		}
		p.stmts = append(p.stmts, cs)
	}
	return p, nil
}

// None returns the policy of a bucket without a bucket policy: it allows
// and denies nothing, so same-account principals depend on their identity
// policies and everyone else is denied.
func None() *Policy { return &Policy{doc: &Document{Version: Version2012}, variables: true} }

// Document returns the document the policy was compiled from.
func (p *Policy) Document() *Document { return p.doc }

// Evaluate applies AWS's evaluation logic for resource-based policies to r:
// an explicit Deny wins; otherwise an Allow allows; otherwise same-account
// principals depend on their identity policy and everyone else is denied.
// A statement whose match cannot be told makes the result Unknown only if
// it could change the decision.
func (p *Policy) Evaluate(r *Request) Result {
	var (
		allow, allowDelegated bool
		allowSid              string
		maybeDeny, maybeAllow *Result
	)
	for _, s := range p.stmts {
		m, delegated, why := s.applies(r, p.variables)
		switch {
		case m == no:
			continue
		case s.deny && m == yes:
			return Result{Decision: ExplicitDeny, Statement: s.id}
		case s.deny:
			if maybeDeny == nil {
				maybeDeny = &Result{Decision: Unknown, Statement: s.id, Reason: why}
			}
		case m == yes && delegated:
			allowDelegated = true
			if allowSid == "" {
				allowSid = s.id
			}
		case m == yes:
			if !allow {
				allow, allowSid = true, s.id
			}
		default:
			if maybeAllow == nil {
				maybeAllow = &Result{Decision: Unknown, Statement: s.id, Reason: why}
			}
		}
	}
	if maybeDeny != nil {
		return *maybeDeny
	}
	if allow {
		return Result{Decision: Allowed, Statement: allowSid}
	}
	same, sameKnown := r.sameAccount()
	if allowDelegated && sameKnown && same {
		return Result{Decision: DependsOnIdentity, Statement: allowSid, Reason: "the Allow names the account, which delegates to identity policies"}
	}
	if allowDelegated && sameKnown {
		return Result{Decision: Allowed, Statement: allowSid}
	}
	switch {
	case r.Kind == KindAnonymous || r.Kind == KindService || (sameKnown && !same):
		if maybeAllow != nil {
			return *maybeAllow
		}
		return Result{Decision: ImplicitDeny}
	case sameKnown && same:
		// Whether or not the unknown Allow matches, the identity policy
		// can still allow it: not a denial either way.
		return Result{Decision: DependsOnIdentity}
	}
	if maybeAllow != nil {
		return *maybeAllow
	}
	if r.OwnerAccount == "" {
		return Result{Decision: Unknown, Reason: "bucket owner account unknown: same-account and cross-account principals cannot be told apart"}
	}
	return Result{Decision: Unknown, Reason: "principal's account unknown"}
}

// sameAccount reports whether r's principal is in the bucket owner's
// account, and whether that can be told.
func (r *Request) sameAccount() (same, known bool) {
	if r.Kind == KindAnonymous || r.Kind == KindService {
		return false, true
	}
	if r.OwnerAccount == "" || r.Account == "" {
		return false, false
	}
	return r.Account == r.OwnerAccount, true
}

// applies reports whether the statement applies to r. delegated is true
// when the principal matched only through its account (root ARN or
// account ID).
func (s *compiledStatement) applies(r *Request, variables bool) (m tri, delegated bool, why string) {
	if !s.actionMatches(r.Action) {
		return no, false, ""
	}
	rm, rwhy := s.resourceMatches(r, variables)
	if rm == no {
		return no, false, ""
	}
	pm, delegated, pwhy := s.principalMatches(r)
	if pm == no {
		return no, false, ""
	}
	m, why = and3(rm, pm), rwhy
	if why == "" {
		why = pwhy
	}
	for _, c := range s.clauses {
		cm, cwhy := c.eval(r, variables)
		if cm == no {
			return no, false, ""
		}
		if cm == maybe && why == "" {
			why = "condition key " + cwhy + " is not in the logs"
		}
		m = and3(m, cm)
	}
	return m, delegated, why
}

func (s *compiledStatement) actionMatches(action string) bool {
	a := strings.ToLower(action)
	hit := false
	for _, pat := range s.actions {
		if pat == "*" || pat == a || (hasWildcard(pat) && wildcardMatch(pat, a)) {
			hit = true
			break
		}
	}
	return hit != s.notAction
}

func (s *compiledStatement) resourceMatches(r *Request, variables bool) (tri, string) {
	out := no
	why := ""
	for _, pat := range s.resources {
		if variables && strings.Contains(pat, "${") {
			x, st, k := expand(pat, r)
			switch st {
			case keyUnknown:
				out, why = maybe, "policy variable "+k+" in Resource is not in the logs"
				continue
			case keyAbsent:
				continue
			}
			pat = x
		}
		if arnMatch(pat, r.Resource) {
			out = yes
			break
		}
	}
	if s.notResource {
		return not3(out), why
	}
	return out, why
}

// principalMatches matches the request's identities against a Principal
// (or, negated, NotPrincipal) element. A role session is the session ARN,
// the role ARN and the account; a Principal naming any of them applies,
// and a NotPrincipal applies unless it names all of them, as AWS documents.
func (s *compiledStatement) principalMatches(r *Request) (tri, bool, string) {
	p := s.principal
	if p.All || contains(p.AWS, "*") {
		return bool3(!s.notPrinc), false, ""
	}
	switch r.Kind {
	case KindAnonymous:
		return bool3(s.notPrinc), false, ""
	case KindService:
		return bool3(contains(p.Service, r.PrincipalARN) != s.notPrinc), false, ""
	case KindCanonical:
		if contains(p.CanonicalUser, r.PrincipalARN) {
			return bool3(!s.notPrinc), false, ""
		}
		if len(p.AWS) > 0 {
			return maybe, false, "principal known only by canonical ID " + r.PrincipalARN
		}
		return bool3(s.notPrinc), false, ""
	}
	if len(p.CanonicalUser) > 0 && len(p.AWS) == 0 && len(p.Federated) == 0 {
		// A canonical ID names an account; which one is not in the logs.
		return maybe, false, "Principal names a canonical user ID"
	}
	ids := r.identities()
	listed := 0
	viaAccountOnly := true
	sessionUnknown := r.Kind == KindRole && (r.SessionName == "" || r.Unknown&InputSessionName != 0)
	sessionListed := maybe
	for _, id := range ids {
		if contains(p.AWS, id.arn) || (id.account && contains(p.AWS, r.Account)) || contains(p.Federated, id.arn) {
			listed++
			if !id.account {
				viaAccountOnly = false
			}
		}
	}
	if sessionUnknown {
		// The session ARN cannot be built; it is listed only if some
		// assumed-role ARN of this role is.
		sessionListed = no
		prefix := r.sessionPrefix()
		for _, v := range p.AWS {
			if prefix != "" && strings.HasPrefix(v, prefix) {
				sessionListed = maybe
			}
		}
	}
	if !s.notPrinc {
		if listed > 0 {
			return yes, viaAccountOnly, ""
		}
		if sessionListed == maybe && sessionUnknown {
			return maybe, false, "role session name not in the logs"
		}
		return no, false, ""
	}
	// NotPrincipal: applies when some identity is not listed.
	switch {
	case listed < len(ids):
		return yes, false, ""
	case sessionUnknown && sessionListed == maybe:
		return maybe, false, "role session name not in the logs"
	case sessionUnknown:
		return yes, false, ""
	}
	return no, false, ""
}

type identity struct {
	arn     string
	account bool
}

// identities lists the ARNs a request's principal is known by.
func (r *Request) identities() []identity {
	ids := make([]identity, 0, 3)
	if r.Kind == KindRole {
		if sess := r.sessionARN(); sess != "" {
			ids = append(ids, identity{arn: sess})
		}
		if role := r.roleARN(); role != "" {
			ids = append(ids, identity{arn: role})
		}
	} else if r.PrincipalARN != "" {
		ids = append(ids, identity{arn: r.PrincipalARN})
	}
	if r.Account != "" && r.Kind != KindAccount {
		ids = append(ids, identity{arn: "arn:" + partition(r.PrincipalARN) + ":iam::" + r.Account + ":root", account: true})
	} else if r.Kind == KindAccount {
		ids[len(ids)-1].account = true
	}
	return ids
}

// roleARN returns the role ARN of a role session whose PrincipalARN may be
// the role ARN or the session ARN.
func (r *Request) roleARN() string {
	parts := strings.SplitN(r.PrincipalARN, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	if parts[2] == "iam" {
		return r.PrincipalARN
	}
	rest := strings.TrimPrefix(parts[5], "assumed-role/")
	name, _, _ := strings.Cut(rest, "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + name
}

// sessionARN returns arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION.
func (r *Request) sessionARN() string {
	parts := strings.SplitN(r.PrincipalARN, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	if parts[2] == "sts" {
		return r.PrincipalARN
	}
	if r.SessionName == "" || r.Unknown&InputSessionName != 0 {
		return ""
	}
	return r.sessionPrefix() + r.SessionName
}

func (r *Request) sessionPrefix() string {
	parts := strings.SplitN(r.PrincipalARN, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	name := parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	if parts[2] == "sts" {
		rest := strings.TrimPrefix(parts[5], "assumed-role/")
		name, _, _ = strings.Cut(rest, "/")
	}
	return "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/"
}

func partition(arn string) string {
	if strings.HasPrefix(arn, "arn:") {
		p, _, _ := strings.Cut(arn[4:], ":")
		if p != "" {
			return p
		}
	}
	return "aws"
}

// contains reports whether vs holds v; account IDs in vs also match
// their root ARN and the other way round.
func contains(vs Values, v string) bool {
	if v == "" {
		return false
	}
	for _, x := range vs {
		if x == v {
			return true
		}
		if len(x) == 12 && strings.HasSuffix(v, ":iam::"+x+":root") {
			return true
		}
	}
	return false
}
