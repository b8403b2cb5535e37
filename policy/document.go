package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Versions of the policy language AWS accepts. Only 2012-10-17 expands
// policy variables such as ${aws:username}.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// MaxBucketPolicySize is the size limit S3 puts on a bucket policy.
const MaxBucketPolicySize = 20 * 1024

// Sentinel errors.
var (
	// ErrMalformed is wrapped by every error about a policy document that AWS
	// would reject or that cannot be evaluated.
	ErrMalformed = errors.New("malformed policy")
)

// Document is a bucket policy as written in JSON.
type Document struct {
	Version   string      `json:"Version,omitempty"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one element of a policy's Statement list. Exactly one of
// Principal and NotPrincipal, of Action and NotAction, and of Resource and
// NotResource is set in a valid bucket policy.
type Statement struct {
	Sid          string     `json:"Sid,omitempty"`
	Effect       string     `json:"Effect"`
	Principal    *Principal `json:"Principal,omitempty"`
	NotPrincipal *Principal `json:"NotPrincipal,omitempty"`
	Action       Values     `json:"Action,omitempty"`
	NotAction    Values     `json:"NotAction,omitempty"`
	Resource     Values     `json:"Resource,omitempty"`
	NotResource  Values     `json:"NotResource,omitempty"`
	// Condition maps an operator (StringEquals, ForAnyValue:ArnLike,
	// IpAddressIfExists …) to condition keys and their values.
	Condition map[string]map[string]Values `json:"Condition,omitempty"`
}

// Principal is a statement's Principal or NotPrincipal element: "*" (All)
// or an object naming principals by kind.
type Principal struct {
	All           bool
	AWS           Values
	Service       Values
	CanonicalUser Values
	Federated     Values
}

// Values is a policy element that JSON writes as one string or a list of
// strings. Numbers and booleans (accepted in conditions) are kept as their
// JSON text.
type Values []string

// ParseDocument parses a bucket policy and checks that it is one AWS would
// accept as far as evaluation is concerned.
func ParseDocument(data []byte) (*Document, error) {
	var doc Document
	if err := strictDecode(data, &doc); err != nil {
		return nil, fmt.Errorf("policy: parse document: %w", err)
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return &doc, nil
}

// strictDecode decodes one JSON value into v, rejecting members v does not
// have: a misspelt "Conditon" must not silently drop a condition.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, ErrMalformed) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: text after the policy object", ErrMalformed)
	}
	return nil
}

// UnmarshalJSON accepts Statement as one object or a list of objects.
func (d *Document) UnmarshalJSON(data []byte) error {
	var aux struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := strictDecode(data, &aux); err != nil {
		return err
	}
	*d = Document{Version: aux.Version, ID: aux.ID}
	raw := bytes.TrimSpace(aux.Statement)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '{' {
		d.Statement = make([]Statement, 1)
		return strictDecode(raw, &d.Statement[0])
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("%w: Statement must be an object or a list: %w", ErrMalformed, err)
	}
	d.Statement = make([]Statement, len(list))
	for i, r := range list {
		if err := strictDecode(r, &d.Statement[i]); err != nil {
			return fmt.Errorf("statement %d: %w", i, err)
		}
	}
	return nil
}

// Validate reports the first reason AWS would reject the document as a
// bucket policy, or nil.
func (d *Document) Validate() error {
	switch d.Version {
	case Version2012, Version2008, "":
	default:
		return fmt.Errorf("policy: Version %q: %w: use %q", d.Version, ErrMalformed, Version2012)
	}
	if len(d.Statement) == 0 {
		return fmt.Errorf("policy: %w: no Statement", ErrMalformed)
	}
	for i := range d.Statement {
		if err := d.Statement[i].validate(); err != nil {
			return fmt.Errorf("policy: statement %d%s: %w", i, sidNote(d.Statement[i].Sid), err)
		}
	}
	return nil
}

func sidNote(sid string) string {
	if sid == "" {
		return ""
	}
	return " (Sid " + strconv.Quote(sid) + ")"
}

func (s *Statement) validate() error {
	if s.Effect != "Allow" && s.Effect != "Deny" {
		return fmt.Errorf("%w: Effect %q must be Allow or Deny", ErrMalformed, s.Effect)
	}
	if (s.Principal == nil) == (s.NotPrincipal == nil) {
		return fmt.Errorf("%w: a bucket policy statement needs exactly one of Principal and NotPrincipal", ErrMalformed)
	}
	if (len(s.Action) == 0) == (len(s.NotAction) == 0) {
		return fmt.Errorf("%w: needs exactly one of Action and NotAction", ErrMalformed)
	}
	if (len(s.Resource) == 0) == (len(s.NotResource) == 0) {
		return fmt.Errorf("%w: needs exactly one of Resource and NotResource", ErrMalformed)
	}
	for _, p := range []*Principal{s.Principal, s.NotPrincipal} {
		if p != nil && !p.All && len(p.AWS)+len(p.Service)+len(p.CanonicalUser)+len(p.Federated) == 0 {
			return fmt.Errorf("%w: empty Principal", ErrMalformed)
		}
	}
	for op, keys := range s.Condition {
		if _, err := parseOperator(op); err != nil {
			return err
		}
		for k, vs := range keys {
			if len(vs) == 0 {
				return fmt.Errorf("%w: condition %s on %s has no values", ErrMalformed, op, k)
			}
		}
	}
	return nil
}

// UnmarshalJSON accepts "*", {"AWS": "*"} and objects whose members are a
// string or a list of strings.
func (p *Principal) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		if s != "*" {
			return fmt.Errorf("%w: Principal string must be \"*\", got %q", ErrMalformed, s)
		}
		*p = Principal{All: true}
		return nil
	}
	var m map[string]Values
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%w: Principal must be \"*\" or an object: %w", ErrMalformed, err)
	}
	*p = Principal{}
	for k, v := range m {
		switch k {
		case "AWS":
			p.AWS = v
		case "Service":
			p.Service = v
		case "CanonicalUser":
			p.CanonicalUser = v
		case "Federated":
			p.Federated = v
		default:
			return fmt.Errorf("%w: unknown Principal kind %q (want AWS, Service, CanonicalUser or Federated)", ErrMalformed, k)
		}
	}
	return nil
}

// MarshalJSON writes "*" for All and otherwise an object with the kinds
// that have values, in AWS's documented order.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.All {
		return []byte(`"*"`), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, kv := range []struct {
		k string
		v Values
	}{{"AWS", p.AWS}, {"Service", p.Service}, {"CanonicalUser", p.CanonicalUser}, {"Federated", p.Federated}} {
		if len(kv.v) == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		v, err := kv.v.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.WriteString(strconv.Quote(kv.k))
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON accepts a string, number or boolean, or a list of them.
func (v *Values) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		out := make(Values, 0, len(raw))
		for _, r := range raw {
			s, err := scalar(r)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*v = out
		return nil
	}
	s, err := scalar(data)
	if err != nil {
		return err
	}
	*v = Values{s}
	return nil
}

func scalar(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "", fmt.Errorf("%w: empty value", ErrMalformed)
	}
	switch data[0] {
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return s, nil
	case '{', '[':
		return "", fmt.Errorf("%w: want a string, number or boolean, got %.40s", ErrMalformed, data)
	case 'n':
		return "", fmt.Errorf("%w: null is not a policy value", ErrMalformed)
	}
	// Numbers and true/false: keep their text, which is what AWS compares.
	return string(data), nil
}

// MarshalJSON writes one value as a string and several as a list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// Marshal returns the document as indented JSON (two spaces), the form
// s3sift prints.
func (d *Document) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("policy: marshal document: %w", err)
	}
	return b, nil
}

// MarshalCompact returns the document as JSON without insignificant
// whitespace.
func (d *Document) MarshalCompact() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("policy: marshal document: %w", err)
	}
	return b, nil
}

// ConditionKeys returns the condition keys the document uses, lower-cased
// and sorted, including those named in policy variables.
func (d *Document) ConditionKeys() []string {
	set := map[string]bool{}
	addVars := func(s string) {
		for _, k := range variableKeys(s) {
			set[k] = true
		}
	}
	for _, st := range d.Statement {
		for _, keys := range st.Condition {
			for k, vs := range keys {
				set[strings.ToLower(k)] = true
				for _, v := range vs {
					addVars(v)
				}
			}
		}
		for _, r := range append(append(Values{}, st.Resource...), st.NotResource...) {
			addVars(r)
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
