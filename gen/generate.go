package gen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Generate writes a synthetic data set into dir and returns its Truth:
//
//	dir/s3-access/<bucket>/YYYY-mm-DD-HH-MM-SS-<16 hex>      server access logs
//	dir/cloudtrail/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
//	    <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
//	dir/cloudtrail/AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/…json.gz
//
// Output depends only on cfg (not on cfg.Workers): the same seed gives the
// same bytes. Hours are generated independently and in parallel, each held
// in memory only while it is written, so memory stays bounded at any size.
// Existing files of the same names are overwritten; nothing else in dir is
// touched.
func Generate(dir string, cfg Config) (*Truth, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gen: create output folder: %w", err)
	}
	w := newWorld(cfg)
	hours := cfg.Days * 24
	parts := make([]*Truth, hours)
	errs := make([]error, hours)
	next := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range next {
				parts[h], errs[h] = runHour(dir, cfg, w, h)
			}
		}()
	}
	for h := 0; h < hours; h++ {
		next <- h
	}
	close(next)
	wg.Wait()
	t := newTruth()
	for h := range parts {
		if errs[h] != nil {
			return nil, errs[h]
		}
		t.merge(parts[h])
	}
	t.sortLists()
	t.Seed = cfg.Seed
	t.Config = cfg
	t.Start = cfg.Start
	t.End = cfg.Start.Add(time.Duration(hours) * time.Hour)
	if !cfg.NoIncidents {
		t.Incidents = incidentsInfo(cfg)
	}
	for _, b := range w.buckets {
		t.Buckets = append(t.Buckets, BucketInfo{Name: b.Name, Region: b.Region, AccessLogs: b.AccessLogs, DataEvents: b.DataEvents, Website: b.Website})
	}
	for _, p := range w.principals {
		t.Principals = append(t.Principals, principalInfo(p))
	}
	return t, nil
}

func principalInfo(p *principal) PrincipalInfo {
	pi := PrincipalInfo{Name: p.Name, Type: p.Kind, ARN: p.ARN(), AccountID: p.Account}
	switch p.Kind {
	case KindAssumedRole:
		for _, s := range p.Sessions {
			pi.Requesters = append(pi.Requesters, p.requester(s))
		}
		pi.CloudTrailARN = pi.Requesters[0]
		pi.SessionIssuer = p.RoleName
	case KindIAMUser, KindRoot:
		pi.Requesters = []string{p.requester("")}
		pi.CloudTrailARN = p.ARN()
	default:
		pi.Requesters = []string{p.requester("")}
	}
	return pi
}

// hourGen generates one hour.
type hourGen struct {
	cfg   Config
	w     *world
	r     *rand.Rand
	start time.Time
	reqs  []*request
	mgmt  []*mgmtEvent
}

func (g *hourGen) add(q *request)       { g.reqs = append(g.reqs, q) }
func (g *hourGen) addMgmt(e *mgmtEvent) { g.mgmt = append(g.mgmt, e) }

// runHour generates hour h (0-based from cfg.Start), writes its files and
// returns its share of the Truth.
func runHour(dir string, cfg Config, w *world, h int) (*Truth, error) {
	g := &hourGen{cfg: cfg, w: w, start: cfg.Start.Add(time.Duration(h) * time.Hour),
		r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9E3779B97F4A7C15*uint64(h+1)))}
	hod, day := h%24, h/24
	n := hourCount(cfg.RequestsPerDay, hod)
	g.ordinary(n)
	if hod == 0 {
		g.lifecycle(cfg.RequestsPerDay)
	}
	if !cfg.NoIncidents && day == incidentDay(cfg) {
		g.incidents(hod)
		if hod == 22 {
			g.consoleLogin(g.start.Add(4 * time.Minute))
		}
	}
	g.mgmtEvents(n/8 + 1)
	sort.SliceStable(g.reqs, func(i, j int) bool { return g.reqs[i].t.Before(g.reqs[j].t) })
	sort.SliceStable(g.mgmt, func(i, j int) bool { return g.mgmt[i].t.Before(g.mgmt[j].t) })

	t := newTruth()
	for _, q := range g.reqs {
		t.addRequest(q)
	}
	malformed := !cfg.NoIncidents && h == 0
	if cfg.Only != "cloudtrail" {
		if err := g.writeAccessLogs(dir, t, malformed); err != nil {
			return nil, err
		}
	}
	if cfg.Only != "s3access" {
		if err := g.writeCloudTrail(dir, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// window returns the index of t's interval within the hour. A request that
// spills past the hour (the last parts of a multipart upload) goes into the
// last interval, as a late delivery.
func (g *hourGen) window(t time.Time, iv time.Duration) int {
	return min(int(t.Sub(g.start)/iv), int(time.Hour/iv)-1)
}

func (g *hourGen) writeAccessLogs(dir string, t *Truth, malformed bool) error {
	iv := g.cfg.AccessLogInterval
	nw := int(time.Hour / iv)
	idx := map[*bucket]int{}
	for i, b := range g.w.buckets {
		idx[b] = i
	}
	groups := make([][]*request, len(g.w.buckets)*nw)
	for _, q := range g.reqs {
		if !q.inAccessLog() {
			continue
		}
		k := idx[q.b]*nw + g.window(q.t, iv)
		groups[k] = append(groups[k], q)
	}
	var buf []byte
	for bi, b := range g.w.buckets {
		if !b.AccessLogs {
			continue
		}
		folder := filepath.Join(dir, "s3-access", b.Name)
		for wi := 0; wi < nw; wi++ {
			qs := groups[bi*nw+wi]
			bad := malformed && b.Name == BucketProd && wi == 0
			if len(qs) == 0 && !bad {
				continue
			}
			delivered := g.start.Add(time.Duration(wi+1)*iv + time.Duration(30+g.r.IntN(600))*time.Second)
			name := delivered.Format("2006-01-02-15-04-05") + "-" + newRequestID(g.r)
			rel := "s3-access/" + b.Name + "/" + name
			buf = buf[:0]
			var lines int64
			var bads []string
			if bad {
				bads = malformedLines(g.start)
			}
			for i, q := range qs {
				var n int
				buf, n = appendAccessLine(buf, q)
				lines += int64(n)
				if len(bads) > 0 && (i == 0 || i == 2) {
					buf, lines = appendBad(buf, lines, bads[0], rel, t)
					bads = bads[1:]
				}
			}
			for _, s := range bads {
				buf, lines = appendBad(buf, lines, s, rel, t)
			}
			if err := writeFile(folder, name, buf); err != nil {
				return err
			}
			t.Files.AccessLogObjects++
			t.Files.AccessLogBytes += int64(len(buf))
			t.Files.AccessLogLines += lines
			t.Rows.AccessLogs += lines
		}
	}
	t.Rows.AccessLogs -= t.Rows.Rejects
	return nil
}

func appendBad(buf []byte, lines int64, s, rel string, t *Truth) ([]byte, int64) {
	buf = append(buf, s...)
	buf = append(buf, '\n')
	lines++
	t.Malformed = append(t.Malformed, LineRef{Object: rel, Line: lines})
	t.Rows.Rejects++
	return buf, lines
}

func writeFile(folder, name string, data []byte) error {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("gen: create %s: %w", folder, err)
	}
	if err := os.WriteFile(filepath.Join(folder, name), data, 0o644); err != nil {
		return fmt.Errorf("gen: write %s: %w", name, err)
	}
	return nil
}
