package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrOutsideSelection is a prefix that names a folder the selection's
// filters exclude (an account or region not asked for, a day outside the
// window).
var ErrOutsideSelection = errors.New("prefix outside the selection")

// ListRequest is one ListObjectsV2 call of a walk.
type ListRequest struct {
	Prefix     string
	Delimiter  string // "/" or "" for a flat listing
	StartAfter string
	Token      string // continuation token from the previous page
	MaxKeys    int32  // 0: the server's default (1000)
}

// ListedObject is one object in a listing page.
type ListedObject struct {
	Key     string
	Size    int64
	ETag    string
	ModTime time.Time
}

// ListPage is one page of a listing, objects and common prefixes each in
// key order.
type ListPage struct {
	Objects   []ListedObject
	Prefixes  []string
	NextToken string // empty on the last page
}

// Lister lists one page of a bucket.
type Lister interface {
	// ListPage returns the page the request names.
	ListPage(ctx context.Context, req ListRequest) (ListPage, error)
}

// probeKeys is the size of the first page of a folder of unknown layout.
const probeKeys = 100

// folder is what a walk knows about a folder from its path.
type folder int

const (
	fAny       folder = iota // no known layout: look at every child
	fAWSLogs                 // AWSLogs/: accounts and organization ids
	fOrg                     // AWSLogs/o-…/: accounts
	fAccount                 // AWSLogs/<account>/: service folders
	fCTRegions               // …/CloudTrail/: regions
	fDPRegions               // <account>/ of partitioned access logs: regions
	fDPBuckets               // <account>/<region>/: source buckets
	fYear                    // date levels
	fMonth
	fDay
	fLeaf // below a day: list flat
)

// walker walks a bucket's folders, listing only those the selection and
// the layouts leave in.
type walker struct {
	l        Lister
	sel      Selection
	from, to time.Time
	log      *slog.Logger
	fn       func(ListedObject, KeyInfo) error
}

// WalkLayout lists the objects below prefix that sel keeps, calling fn for
// each in key order with what its key says. It reads the layout from the
// folder names and lists only the folders that can hold wanted objects:
// other accounts and regions, days outside the window, CloudTrail digest,
// Insights and other services' folders are never listed. In a folder of
// access logs named by time it jumps over the keys outside the window with
// StartAfter instead of listing them.
func WalkLayout(ctx context.Context, l Lister, prefix string, sel Selection, log *slog.Logger, fn func(ListedObject, KeyInfo) error) error {
	if err := sel.Validate(); err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &walker{l: l, sel: sel, log: log, fn: fn}
	w.from, w.to = sel.window()
	// The folders the prefix itself names set where the walk starts.
	st := fAny
	dir := prefix[:strings.LastIndex(prefix, "/")+1]
	var path time.Time
	for _, name := range strings.Split(strings.TrimSuffix(dir, "/"), "/") {
		if name == "" {
			continue
		}
		next, t, why := w.child(st, name, path)
		if why != "" && w.filterReason(why) {
			return fmt.Errorf("source: %w: prefix %q: folder %s is %s", ErrOutsideSelection, prefix, name, why)
		}
		if why != "" {
			// The user asked for this folder by name: look at it, and let
			// ParseKey mark what is not a log.
			next = fAny
		}
		st, path = next, t
	}
	return w.walk(ctx, prefix, dir, st, path, nil)
}

// filterReason tells pruning by a user's filter from pruning by layout.
func (w *walker) filterReason(why string) bool {
	return strings.HasPrefix(why, "not in --") || why == whyOutsideWindow
}

const whyOutsideWindow = "outside --since/--until"

// child returns the state of folder name inside a folder in state st, the
// date the path so far names, and why it is pruned (empty: keep it).
func (w *walker) child(st folder, name string, date time.Time) (folder, time.Time, string) {
	switch st {
	case fAny:
		switch {
		case name == "AWSLogs":
			return fAWSLogs, date, ""
		case isAccount(name):
			if !w.keepAccount(name) {
				return 0, date, "not in --account"
			}
			return fDPRegions, date, ""
		}
		return fAny, date, ""
	case fAWSLogs, fOrg:
		switch {
		case isAccount(name):
			if !w.keepAccount(name) {
				return 0, date, "not in --account"
			}
			return fAccount, date, ""
		case st == fAWSLogs && isOrgID(name):
			return fOrg, date, ""
		}
		return 0, date, "not an account folder"
	case fAccount:
		switch name {
		case "CloudTrail":
			return fCTRegions, date, ""
		case "CloudTrail-Digest":
			return 0, date, SkipDigest
		case "CloudTrail-Insight":
			return 0, date, SkipInsight
		}
		return 0, date, name + skipOtherLogs
	case fCTRegions, fDPRegions:
		if !isRegion(name) {
			return fAny, date, ""
		}
		if !w.keepRegion(name) {
			return 0, date, "not in --region"
		}
		if st == fDPRegions {
			return fDPBuckets, date, ""
		}
		return fYear, date, ""
	case fDPBuckets:
		return fYear, date, ""
	case fYear, fMonth, fDay:
		return w.dateChild(st, name, date)
	}
	return fAny, date, ""
}

// dateChild prunes YYYY/, MM/ and DD/ folders whose span misses the window.
func (w *walker) dateChild(st folder, name string, date time.Time) (folder, time.Time, string) {
	var start, end time.Time
	var next folder
	switch st {
	case fYear:
		y, ok := atoiN(name, 4, 1970, 9999)
		if !ok {
			return fAny, date, ""
		}
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		end, next = start.AddDate(1, 0, 0), fMonth
	case fMonth:
		m, ok := atoiN(name, 2, 1, 12)
		if !ok {
			return fAny, date, ""
		}
		start = time.Date(date.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		end, next = start.AddDate(0, 1, 0), fDay
	case fDay:
		d, ok := atoiN(name, 2, 1, 31)
		if !ok {
			return fAny, date, ""
		}
		start = time.Date(date.Year(), date.Month(), d, 0, 0, 0, 0, time.UTC)
		end, next = start.AddDate(0, 0, 1), fLeaf
	}
	if !w.to.IsZero() && start.After(w.to) || !w.from.IsZero() && !end.After(w.from) {
		return 0, start, whyOutsideWindow
	}
	return next, start, ""
}

func atoiN(s string, n, lo, hi int) (int, bool) {
	if !isDigits(s, n) {
		return 0, false
	}
	v, _ := strconv.Atoi(s)
	return v, v >= lo && v <= hi
}

func (w *walker) keepAccount(a string) bool {
	return len(w.sel.Accounts) == 0 || slices.Contains(w.sel.Accounts, a)
}

func (w *walker) keepRegion(r string) bool {
	return len(w.sel.Regions) == 0 || slices.Contains(w.sel.Regions, r)
}

// listAhead is how many sibling folders' first pages are requested while
// the walk is still in an earlier one: listing a big organization trail
// is thousands of small calls, and their latency adds up when made one by
// one. Objects still come out in key order.
const listAhead = 8

// firstRequest returns the state a folder is walked in and the request
// for its first page.
func (w *walker) firstRequest(prefix string, st folder, date time.Time) (folder, ListRequest) {
	if st == fYear && w.from.IsZero() && w.to.IsZero() {
		// No window to prune by: one flat listing is the fewest calls.
		st = fLeaf
	}
	req := ListRequest{Prefix: prefix, Delimiter: "/"}
	if st == fLeaf {
		req.Delimiter = ""
	}
	if !w.from.IsZero() && (st == fAny || st == fLeaf && !date.After(w.from) && w.from.Before(date.AddDate(0, 0, 1))) {
		// The folder may hold logs named by time that start before the
		// window: look at a few keys first, so that the jump to the
		// window's start does not cost a full page.
		req.MaxKeys = probeKeys
	}
	return st, req
}

// pageFuture is a page requested ahead of its turn.
type pageFuture struct {
	done chan struct{}
	page ListPage
	err  error
}

func (w *walker) prefetch(ctx context.Context, req ListRequest) *pageFuture {
	f := &pageFuture{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.page, f.err = w.l.ListPage(ctx, req)
	}()
	return f
}

// walk lists prefix (which lies in folder dir, in state st). first, when
// not nil, is its first page, already requested.
func (w *walker) walk(ctx context.Context, prefix, dir string, st folder, date time.Time, first *pageFuture) error {
	st, req := w.firstRequest(prefix, st, date)
	for {
		var page ListPage
		var err error
		if first != nil {
			select {
			case <-first.done:
				page, err = first.page, first.err
			case <-ctx.Done():
				return ctx.Err()
			}
			first = nil
		} else {
			page, err = w.l.ListPage(ctx, req)
		}
		if err != nil {
			return err
		}
		// After a probe, pages grow geometrically: a window of few keys
		// costs few more than it holds, a large one soon full pages.
		if req.MaxKeys > 0 {
			req.MaxKeys *= 4
			if req.MaxKeys >= 1000 {
				req.MaxKeys = 0
			}
		}
		j, err := w.page(ctx, dir, st, date, page)
		if err != nil {
			return err
		}
		switch {
		case j.after != "":
			req.StartAfter, req.Token = j.after, ""
			req.MaxKeys = probeKeys
		case page.NextToken != "":
			req.Token = page.NextToken
		default:
			return nil
		}
	}
}

// subfolder is a common prefix the walk descends into.
type subfolder struct {
	prefix string
	st     folder
	date   time.Time
	first  *pageFuture
}

// page handles one listing page in key order. It returns a StartAfter key
// to jump to when the rest of the page lies outside the window.
func (w *walker) page(ctx context.Context, dir string, st folder, date time.Time, p ListPage) (jump, error) {
	var subs []subfolder
	for _, cp := range p.Prefixes {
		name := strings.TrimSuffix(cp[len(dir):], "/")
		next, t, why := w.child(st, name, date)
		if why != "" {
			w.log.Debug("s3 folder not listed", "prefix", cp, "reason", why)
			continue
		}
		subs = append(subs, subfolder{prefix: cp, st: next, date: t})
	}
	// Requests made ahead are abandoned if the page ends early.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ahead := 0
	objs := p.Objects
	for len(objs) > 0 || len(subs) > 0 {
		if len(subs) == 0 || len(objs) > 0 && objs[0].Key < subs[0].prefix {
			o := objs[0]
			objs = objs[1:]
			j, err := w.object(dir, o)
			if err != nil || j.after != "" {
				return j, err
			}
			continue
		}
		for ; ahead < len(subs) && ahead < listAhead; ahead++ {
			sf := &subs[ahead]
			var req ListRequest
			_, req = w.firstRequest(sf.prefix, sf.st, sf.date)
			sf.first = w.prefetch(ctx, req)
		}
		sf := subs[0]
		subs = subs[1:]
		ahead--
		if err := w.walk(ctx, sf.prefix, sf.prefix, sf.st, sf.date, sf.first); err != nil {
			return jump{}, err
		}
	}
	return jump{}, nil
}

// object passes o on when the selection keeps it. For a log named by its
// time directly in the folder, a key outside the window returns where to
// jump instead (see jumpFrom).
func (w *walker) object(dir string, o ListedObject) (jump, error) {
	info := ParseKey(o.Key)
	if info.Skip == "" && !info.Time.IsZero() {
		if !w.from.IsZero() && info.Time.Before(w.from) {
			return w.jumpFrom(dir, o.Key, info.Time, true), nil
		}
		if !w.to.IsZero() && info.Time.After(w.to) {
			return w.jumpFrom(dir, o.Key, info.Time, false), nil
		}
	}
	if !w.sel.InShard(o.Key) {
		return jump{}, nil
	}
	return jump{}, w.fn(o, info)
}

// jump is a StartAfter key to continue a folder's listing at.
type jump struct {
	after string
}

// ctTimeLayout is the time in a CloudTrail file name.
const ctTimeLayout = "20060102T1504Z"

// jumpFrom returns the jump over the time-named keys of the folder from
// key onward: before says key is before the window, else after it.
// Access logs named YYYY-mm-DD-… jump to the window's start when it is in
// the key's year, else past every key of the key's year: folders of other
// names, such as account ids, sort between the years and must not be
// skipped; names that only look like a log's ("2024-01-x") may be.
// CloudTrail files of a day folder all start with the same
// <account>_CloudTrail_<region>_, so they jump to the window's start or
// past that name prefix.
func (w *walker) jumpFrom(dir, key string, t time.Time, before bool) jump {
	name := key[len(dir):]
	if strings.Contains(name, "/") {
		return jump{} // in a subfolder of a flat listing: just drop it
	}
	if head, _, ok := splitAccessLogName(name); ok {
		if before && w.from.Year() == t.Year() {
			return jump{after: dir + head + w.from.Format(accessLogTimeLayout)}
		}
		// Past the year's last possible key: "YYYY0…" (an account id) and
		// "YYYY-notes" sort after it and are still listed.
		return jump{after: dir + head + name[len(head):len(head)+4] + "-12-31-23-59-59-~"}
	}
	if _, acct, region, ok := parseCloudTrailName(name); ok {
		head := acct + "_CloudTrail_" + region + "_"
		if before {
			return jump{after: dir + head + w.from.Format(ctTimeLayout)}
		}
		// '~' sorts after the digits of every time stamp.
		return jump{after: dir + head + "~"}
	}
	return jump{}
}
