package policy

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Explain writes the summary of a generated policy: each principal with
// its actions, request counts and last use (one line per action when
// detail is set), what was not granted and why, and the notes and
// compaction steps.
func (g *Generated) Explain(w io.Writer, u *Usage, detail bool) error {
	u = u.sorted()
	ew := &errWriter{w: w}
	window := "all recorded time"
	if !u.From.IsZero() || !u.To.IsZero() {
		window = fmtTime(u.From) + " to " + fmtTime(u.To)
	}
	ew.printf("bucket %s: %d requests, %s; %d lifecycle/internal operations never become statements\n", u.Bucket, u.Requests, window, u.Internal)
	if u.OwnerAccount != "" {
		ew.printf("bucket owner account: %s\n", u.OwnerAccount)
	} else {
		ew.printf("bucket owner account: unknown (give --owner-account to tell same-account from cross-account principals)\n")
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
	granted := map[string]bool{}
	for _, p := range g.Principals {
		granted[p] = true
	}
	state := func(p PrincipalUsage, a *ActionUsage) string {
		switch {
		case !granted[p.ARN]:
			return "no: " + g.Excluded[p.ARN]
		case a != nil && !a.Authorized():
			return "no: only denied attempts"
		case a != nil && !Grantable(a.Action):
			return "no: not a bucket action"
		}
		return "yes"
	}
	if detail {
		fmt.Fprintln(tw, "PRINCIPAL\tKIND\tACTION\tREQUESTS\tDENIED\tLAST SEEN\tGRANTED")
		for _, p := range u.Principals {
			for i, a := range p.Actions {
				name, kind := p.ARN, p.Kind.String()
				if i > 0 {
					name, kind = "", ""
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", name, kind, a.Action, a.Requests, a.Denied, fmtTime(a.LastSeen), state(p, &a))
			}
		}
	} else {
		fmt.Fprintln(tw, "PRINCIPAL\tKIND\tACTIONS USED\tREQUESTS\tDENIED\tLAST SEEN\tGRANTED")
		for _, p := range u.Principals {
			req, den, last := p.Totals()
			used := actionNames(&p)
			if len(used) == 0 {
				used = []string{"-"}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", p.ARN, p.Kind, strings.Join(used, ","), req, den, fmtTime(last), state(p, nil))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(g.Notes) > 0 {
		ew.printf("\nnotes:\n")
		for _, n := range g.Notes {
			ew.printf("  - %s\n", n)
		}
	}
	if len(g.Compaction) > 0 {
		ew.printf("\ncompaction (the policy was over %d bytes):\n", MaxBucketPolicySize)
		for _, c := range g.Compaction {
			ew.printf("  - %s\n", c)
		}
	}
	ew.printf("\npolicy: %d statements, %d bytes of the %d-byte limit\n", len(g.Document.Statement), g.Size, MaxBucketPolicySize)
	return ew.err
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// errWriter keeps the first write error so a summary's many writes need
// one check.
type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
