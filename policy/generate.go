package policy

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// GenerateOptions tunes Generate.
type GenerateOptions struct {
	// Keep lists principal ARNs (wildcards allowed) that the Deny must
	// never lock out: break-glass and admin roles.
	Keep []string
	// NarrowPrefixes narrows object resources to the key prefixes used.
	NarrowPrefixes bool
	// AllowAnonymous grants observed anonymous actions to everyone.
	AllowAnonymous bool
	// MaxPrefixes bounds the prefixes per grant before narrowing gives up
	// for it and grants the whole bucket (default 20).
	MaxPrefixes int
}

// Generated is a generated policy with what a user must know about it.
type Generated struct {
	Document *Document
	// JSON is the document as s3sift prints it; Size is len(JSON).
	JSON []byte
	Size int
	// Compaction says how the policy was made to fit under the size
	// limit; empty when it fitted as is.
	Compaction []string
	// Notes are the decisions a user must know: TLS, anonymous access,
	// principals that cannot be expressed, missing --keep …
	Notes []string
	// Principals are the principals granted, by ARN; Excluded the ones
	// seen but not granted, with why.
	Principals []string
	Excluded   map[string]string
}

// Sids of the statements Generate writes besides the per-principal Allows.
const (
	SidDenyOthers    = "DenyEveryoneElse"
	SidDenyInsecure  = "DenyInsecureTransport"
	SidAllowAnonymus = "AllowObservedAnonymousAccess"
)

// grant is one principal's allowed actions on one set of resources.
type grant struct {
	actions   []string
	resources []string
}

// member is one principal in a generated Allow.
type member struct {
	kind      Kind
	arn       string
	condition map[string]map[string]Values
	grants    []grant
}

// Generate builds the least-privilege policy for u: each principal gets
// exactly the actions it used successfully; everyone else is denied. It
// fails only when the policy cannot be made to fit the size limit, and
// then still returns what it built.
func Generate(u *Usage, opt GenerateOptions) (*Generated, error) {
	if opt.MaxPrefixes <= 0 {
		opt.MaxPrefixes = 20
	}
	u = u.sorted()
	g := &Generated{Excluded: map[string]string{}}
	bucketARN := "arn:aws:s3:::" + u.Bucket
	var members []member
	var exceptions []string
	var anon *member
	for i := range u.Principals {
		p := &u.Principals[i]
		m := member{kind: p.Kind, arn: p.ARN}
		m.grants = grantsFor(u.Bucket, p, opt)
		if len(m.grants) == 0 {
			g.Excluded[p.ARN] = "no successful request: denied attempts are listed, not granted"
			continue
		}
		switch p.Kind {
		case KindAnonymous:
			if !opt.AllowAnonymous {
				req, _, _ := p.Totals()
				g.Excluded[p.ARN] = "anonymous access is not granted without --allow-anonymous"
				g.Notes = append(g.Notes, fmt.Sprintf("%d anonymous requests (%s) were seen and are not granted: give --allow-anonymous to keep them working", req, strings.Join(actionNames(p), ", ")))
				continue
			}
			anon = &m
			continue
		case KindCanonical, KindUnknown:
			g.Excluded[p.ARN] = "known only by a canonical ID or an unrecognised name, which aws:PrincipalArn cannot name"
			g.Notes = append(g.Notes, fmt.Sprintf("principal %s cannot be named in a policy (no IAM ARN in the logs): find its ARN in CloudTrail and give --keep ARN, or it loses access", p.ARN))
			continue
		case KindService:
			m.condition = serviceCondition(u, p, g)
		case KindAccount:
			exceptions = append(exceptions, p.ARN)
			if p.Account != "" && p.Account == u.OwnerAccount {
				// The owner's root user needs no Allow, and an Allow
				// naming the root ARN would delegate to the whole account.
				g.Principals = append(g.Principals, p.ARN)
				g.Notes = append(g.Notes, fmt.Sprintf("%s (the owner account's root user) is kept out of the Deny but given no Allow: it needs none", p.ARN))
				continue
			}
			g.Notes = append(g.Notes, fmt.Sprintf("%s is a root user: an Allow naming it grants its whole account, which then delegates through identity policies", p.ARN))
		default:
			exceptions = append(exceptions, principalPatterns(p.ARN)...)
		}
		members = append(members, m)
		g.Principals = append(g.Principals, p.ARN)
	}
	for _, k := range opt.Keep {
		exceptions = append(exceptions, principalPatterns(normalizeKeep(k))...)
	}
	if len(opt.Keep) == 0 {
		g.Notes = append(g.Notes, "no --keep ARN given: principals not listed, admins included, are denied; only the account root can still change or delete the bucket policy")
	}
	exceptions = dedupe(exceptions)

	tail := tailStatements(u, bucketARN, exceptions, anon != nil, g)
	levels := []struct {
		name  string
		f     func(string) string
		merge bool
	}{
		{"", nil, false},
		{"actions widened to their families (s3:GetObjectTagging → s3:GetObject*)", family, false},
		{"actions widened to their verbs (s3:GetObject → s3:Get*)", verb, false},
		{"one statement per principal group for bucket and objects (an action on the resource it does not apply to grants nothing)", verb, true},
	}
	var doc *Document
	for li, lv := range levels {
		ms := members
		if lv.f != nil {
			ms = widenMembers(members, lv.f, lv.merge)
		}
		doc = &Document{Version: Version2012, Statement: allowStatements(ms, anon)}
		doc.Statement = append(doc.Statement, tail...)
		js, err := doc.Marshal()
		if err != nil {
			return nil, err
		}
		if li > 0 {
			g.Compaction = append(g.Compaction, lv.name)
		}
		if len(js) <= MaxBucketPolicySize {
			g.Document, g.JSON, g.Size = doc, js, len(js)
			return g, nil
		}
		if li == 0 {
			g.Compaction = append(g.Compaction, fmt.Sprintf("indented JSON is %d bytes, over the %d-byte limit", len(js), MaxBucketPolicySize))
		}
		if cjs, err := doc.MarshalCompact(); err == nil && len(cjs) <= MaxBucketPolicySize {
			g.Compaction = append(g.Compaction, "whitespace removed")
			g.Document, g.JSON, g.Size = doc, cjs, len(cjs)
			return g, nil
		}
	}
	cjs, err := doc.MarshalCompact()
	if err != nil {
		return nil, err
	}
	g.Document, g.JSON, g.Size = doc, cjs, len(cjs)
	return g, fmt.Errorf("policy: generated policy is %d bytes even with actions widened to verbs, over the %d-byte bucket-policy limit: %d principals' ARNs and %d Deny exceptions do not fit; grant access to roles rather than users, or give wildcard --keep patterns and split the bucket's data", len(cjs), MaxBucketPolicySize, len(members), len(exceptions))
}

// grantsFor returns the actions p may keep, grouped by resource set.
func grantsFor(bucket string, p *PrincipalUsage, opt GenerateOptions) []grant {
	bucketARN := "arn:aws:s3:::" + bucket
	var bucketActs []string
	objByRes := map[string][]string{}
	var resOrder []string
	for _, a := range p.Actions {
		if !a.Authorized() || !Grantable(a.Action) {
			continue
		}
		if !ObjectLevel(a.Action) {
			bucketActs = append(bucketActs, a.Action)
			continue
		}
		res := []string{bucketARN + "/*"}
		if opt.NarrowPrefixes {
			if nr := narrow(bucketARN, a.Prefixes, opt.MaxPrefixes); nr != nil {
				res = nr
			}
		}
		k := strings.Join(res, "\x00")
		if _, ok := objByRes[k]; !ok {
			resOrder = append(resOrder, k)
		}
		objByRes[k] = append(objByRes[k], a.Action)
	}
	var out []grant
	if len(bucketActs) > 0 {
		out = append(out, grant{actions: bucketActs, resources: []string{bucketARN}})
	}
	for _, k := range resOrder {
		out = append(out, grant{actions: objByRes[k], resources: strings.Split(k, "\x00")})
	}
	return out
}

// narrow returns object resources for the prefixes used, or nil when they
// cannot be narrowed: a key without '/', a prefix with a wildcard
// character, or too many prefixes.
func narrow(bucketARN string, prefixes []string, max int) []string {
	if len(prefixes) == 0 || len(prefixes) > max {
		return nil
	}
	out := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		if p == "" || strings.ContainsAny(p, "*?$") {
			return nil
		}
		out = append(out, bucketARN+"/"+p+"*")
	}
	sort.Strings(out)
	return out
}

// serviceCondition returns the aws:SourceAccount / aws:SourceArn condition
// that keeps an AWS service principal from acting for someone else (the
// confused-deputy problem).
func serviceCondition(u *Usage, p *PrincipalUsage, g *Generated) map[string]map[string]Values {
	cond := map[string]map[string]Values{}
	accounts := p.SourceAccounts
	if len(accounts) == 0 && u.OwnerAccount != "" {
		accounts = []string{u.OwnerAccount}
		g.Notes = append(g.Notes, fmt.Sprintf("service principal %s: aws:SourceAccount set to the bucket owner's account %s (the logs do not record the source account); change it if the service acts for another account", p.ARN, u.OwnerAccount))
	}
	if len(accounts) > 0 {
		cond["StringEquals"] = map[string]Values{"aws:SourceAccount": Values(dedupe(accounts))}
	} else {
		g.Notes = append(g.Notes, fmt.Sprintf("service principal %s is granted without aws:SourceAccount: the bucket owner's account is unknown", p.ARN))
	}
	if len(p.SourceARNs) > 0 {
		cond["ArnLike"] = map[string]Values{"aws:SourceArn": Values(dedupe(p.SourceARNs))}
	}
	if len(cond) == 0 {
		return nil
	}
	return cond
}

// tailStatements returns the Deny statements that follow the Allows.
func tailStatements(u *Usage, bucketARN string, exceptions []string, allowAnon bool, g *Generated) []Statement {
	both := Values{bucketARN, bucketARN + "/*"}
	cond := map[string]map[string]Values{
		"Bool": {"aws:PrincipalIsAWSService": Values{"false"}},
	}
	if len(exceptions) > 0 {
		cond["ArnNotLike"] = map[string]Values{"aws:PrincipalArn": Values(exceptions)}
	}
	if allowAnon {
		// Anonymous requests have no aws:PrincipalArn: leave them to the
		// anonymous Allow instead of denying them.
		cond["Null"] = map[string]Values{"aws:PrincipalArn": Values{"false"}}
	}
	out := []Statement{{
		Sid: SidDenyOthers, Effect: "Deny", Principal: &Principal{All: true},
		Action: Values{"s3:*"}, Resource: both, Condition: cond,
	}}
	switch {
	case u.TLSKnown == 0:
		g.Notes = append(g.Notes, "no Deny for aws:SecureTransport=false: the logs do not say whether requests used TLS")
	case u.NonTLS == 0:
		g.Notes = append(g.Notes, fmt.Sprintf("added a Deny for aws:SecureTransport=false: none of the %d requests whose TLS use is logged went without TLS", u.TLSKnown))
		out = append(out, Statement{
			Sid: SidDenyInsecure, Effect: "Deny", Principal: &Principal{All: true},
			Action: Values{"s3:*"}, Resource: both,
			Condition: map[string]map[string]Values{"Bool": {"aws:SecureTransport": Values{"false"}}},
		})
	default:
		g.Notes = append(g.Notes, fmt.Sprintf("no Deny for aws:SecureTransport=false: %d requests went without TLS (e.g. %s); they would break", u.NonTLS, strings.Join(u.NonTLSPrincipals, ", ")))
	}
	return out
}

// allowStatements groups members with the same grants and conditions into
// one statement per resource set.
func allowStatements(members []member, anon *member) []Statement {
	type group struct {
		key  string
		ms   []member
		name string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, m := range members {
		k := grantKey(m)
		gr, ok := byKey[k]
		if !ok {
			gr = &group{key: k, name: shortName(m.arn)}
			byKey[k] = gr
			groups = append(groups, gr)
		}
		gr.ms = append(gr.ms, m)
	}
	var out []Statement
	used := map[string]int{}
	for _, gr := range groups {
		p := &Principal{}
		for _, m := range gr.ms {
			if m.kind == KindService {
				p.Service = append(p.Service, m.arn)
			} else {
				p.AWS = append(p.AWS, m.arn)
			}
		}
		base := "Allow" + gr.name
		if len(gr.ms) > 1 {
			base += fmt.Sprintf("And%dMore", len(gr.ms)-1)
		}
		for _, gt := range gr.ms[0].grants {
			sid := base
			switch {
			case len(gt.resources) > 1 && !strings.HasSuffix(gt.resources[0], "*"):
				// Merged: the bucket and its objects.
			case ObjectLevel(strings.TrimSuffix(gt.actions[0], "*")) || strings.HasSuffix(gt.resources[0], "*"):
				sid += "Objects"
			default:
				sid += "Bucket"
			}
			used[sid]++
			if n := used[sid]; n > 1 {
				sid += fmt.Sprint(n)
			}
			out = append(out, Statement{
				Sid: sid, Effect: "Allow", Principal: p,
				Action: Values(sortedCopy(gt.actions)), Resource: Values(gt.resources),
				Condition: gr.ms[0].condition,
			})
		}
	}
	if anon != nil {
		for i, gt := range anon.grants {
			sid := SidAllowAnonymus
			if i > 0 {
				sid += fmt.Sprint(i + 1)
			}
			out = append(out, Statement{
				Sid: sid, Effect: "Allow", Principal: &Principal{All: true},
				Action: Values(sortedCopy(gt.actions)), Resource: Values(gt.resources),
			})
		}
	}
	return out
}

func grantKey(m member) string {
	var b strings.Builder
	if m.kind == KindService {
		b.WriteString("S|")
	} else {
		b.WriteString("A|")
	}
	conds := make([]string, 0)
	for op, kv := range m.condition {
		for k, vs := range kv {
			conds = append(conds, op+"/"+k+"="+strings.Join(vs, ","))
		}
	}
	sort.Strings(conds)
	b.WriteString(strings.Join(conds, ";"))
	for _, gt := range m.grants {
		b.WriteString("|" + strings.Join(sortedCopy(gt.actions), ",") + "@" + strings.Join(gt.resources, ","))
	}
	return b.String()
}

// widenMembers returns members with their actions widened by f and grants
// on the same resources merged; with all, every grant of a member is merged
// into one on the union of the resources.
func widenMembers(members []member, f func(string) string, all bool) []member {
	out := make([]member, len(members))
	for i, m := range members {
		n := m
		n.grants = nil
		idx := map[string]int{}
		if all && len(m.grants) > 0 {
			var acts, res []string
			for _, gt := range m.grants {
				acts = append(acts, gt.actions...)
				res = append(res, gt.resources...)
			}
			n.grants = []grant{{actions: widen(acts, f), resources: sortedCopy(dedupe(res))}}
			out[i] = n
			continue
		}
		for _, gt := range m.grants {
			k := strings.Join(gt.resources, "\x00")
			if j, ok := idx[k]; ok {
				n.grants[j].actions = widen(append(n.grants[j].actions, gt.actions...), f)
				continue
			}
			idx[k] = len(n.grants)
			n.grants = append(n.grants, grant{actions: widen(gt.actions, f), resources: gt.resources})
		}
		out[i] = n
	}
	return out
}

// principalPatterns returns the aws:PrincipalArn patterns that match a
// principal. A role ARN without a path also gets a pattern for any path,
// because access logs name roles without their path.
func principalPatterns(arn string) []string {
	out := []string{arn}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/") && !strings.Contains(parts[5][len("role/"):], "/") {
		out = append(out, strings.Join(parts[:5], ":")+":role/*/"+parts[5][len("role/"):])
	}
	return out
}

// PrincipalPatterns returns the aws:PrincipalArn patterns Generate puts in
// the Deny's exception list for a principal ARN.
func PrincipalPatterns(arn string) []string { return principalPatterns(arn) }

// normalizeKeep turns an assumed-role session ARN into its role ARN, the
// value aws:PrincipalArn has for a role session.
func normalizeKeep(arn string) string {
	r := Request{PrincipalARN: arn, Kind: ClassifyPrincipal(arn, "")}
	if r.Kind == KindRole {
		return r.roleARN()
	}
	return arn
}

func shortName(arn string) string {
	name := arn
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 && i+1 < len(arn) {
		name = arn[i+1:]
	}
	if strings.HasSuffix(arn, ":root") {
		name = "Account" + strings.Split(arn, ":")[4]
	}
	name = strings.TrimSuffix(name, ".amazonaws.com")
	var b strings.Builder
	up := true
	for _, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) || c > unicode.MaxASCII {
			up = true
			continue
		}
		if up {
			c = unicode.ToUpper(c)
			up = false
		}
		b.WriteRune(c)
	}
	s := b.String()
	if len(s) > 48 {
		s = s[:48]
	}
	return s
}

func actionNames(p *PrincipalUsage) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Authorized() {
			out = append(out, a.Action)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
