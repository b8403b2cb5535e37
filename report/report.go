// Package report holds the everyday investigations as named, parameterised
// queries over the s3_requests view. Each report knows its parameters, its
// column contract and how to print its SQL; running it is the caller's job.
package report

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Errors a caller may want to tell apart.
var (
	ErrUnknown      = errors.New("unknown report")
	ErrMissingParam = errors.New("missing parameter")
	ErrBadParam     = errors.New("bad parameter")
)

// Source restricts a report to requests seen in one log.
type Source string

// The values of Params.Source.
const (
	SourceAll        Source = "all"
	SourceAccessLog  Source = "access_log"
	SourceCloudTrail Source = "cloudtrail"
)

// Params are a report's parameters. The zero value of each means "any".
type Params struct {
	Bucket    string
	Key       string
	Principal string // an IAM ARN, an assumed-role session ARN, a canonical id or "anonymous"
	IP        string
	Since     time.Time
	Until     time.Time
	Source    Source
	Limit     int      // maximum rows; 0 means DefaultLimit
	Patterns  []string // extra regular expressions for the sensitive report
}

// DefaultLimit bounds a report's rows unless Params.Limit says otherwise.
const DefaultLimit = 1000

// A Report is one named investigation.
type Report struct {
	Name    string
	Summary string
	// Needs lists the parameters the report cannot run without, by flag name.
	Needs []string
	// Columns is the contract: the result's column names, in order.
	Columns []string
	// Order says how rows are sorted, for the documentation.
	Order string
	// body returns the query (without LIMIT) with ? placeholders and
	// appends its arguments; where is the shared filter.
	body func(p Params, w filter) (string, []any)
}

// List returns every report, sorted by name.
func List() []Report {
	rs := reports()
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	return rs
}

// Lookup returns the report called name.
func Lookup(name string) (Report, error) {
	for _, r := range reports() {
		if r.Name == name {
			return r, nil
		}
	}
	names := make([]string, 0)
	for _, r := range List() {
		names = append(names, r.Name)
	}
	return Report{}, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(names, ", "))
}

// SQL returns the report's query and its arguments for p. The query asks
// for one row more than the limit, so a caller can tell that rows were cut.
func (r Report) SQL(p Params) (string, []any, error) {
	if err := r.check(p); err != nil {
		return "", nil, err
	}
	q, args := r.body(p, newFilter(p))
	return q + fmt.Sprintf("\nLIMIT %d", limit(p)+1), args, nil
}

// Limit returns the number of rows the report shows for p.
func Limit(p Params) int { return limit(p) }

func limit(p Params) int {
	if p.Limit > 0 {
		return p.Limit
	}
	return DefaultLimit
}

func (r Report) check(p Params) error {
	for _, n := range r.Needs {
		var v string
		switch n {
		case "bucket":
			v = p.Bucket
		case "key":
			v = p.Key
		case "principal":
			v = p.Principal
		}
		if v == "" {
			return fmt.Errorf("%w: report %s needs --%s", ErrMissingParam, r.Name, n)
		}
	}
	switch p.Source {
	case "", SourceAll, SourceAccessLog, SourceCloudTrail:
	default:
		return fmt.Errorf("%w: --source %q: want all, access_log or cloudtrail", ErrBadParam, p.Source)
	}
	if !p.Since.IsZero() && !p.Until.IsZero() && !p.Until.After(p.Since) {
		return fmt.Errorf("%w: --until %s is not after --since %s", ErrBadParam, p.Until.Format(time.RFC3339), p.Since.Format(time.RFC3339))
	}
	if p.Limit < 0 {
		return fmt.Errorf("%w: --limit %d: want a positive number", ErrBadParam, p.Limit)
	}
	for _, pat := range p.Patterns {
		if err := checkRegexp(pat); err != nil {
			return fmt.Errorf("%w: --pattern %q: %v", ErrBadParam, pat, err)
		}
	}
	return nil
}
