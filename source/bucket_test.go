package source_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3sift/s3sift/source"
)

// genObj is one generated object and what the generator knows about it,
// which is what the oracle decides from (never the code under test).
type genObj struct {
	key     string
	log     bool // a log s3sift must read: CloudTrail or access log
	other   bool // a file of no known layout: passed on whatever the window
	t       time.Time
	account string // "" when the layout carries none
	region  string
}

// genBucket builds keys of all the layouts the source understands.
type genBucket struct{ objs []genObj }

func (g *genBucket) add(o genObj) { g.objs = append(g.objs, o) }

// cloudTrail adds a trail's files (and digests, Insights and Config
// neighbours) for days starting at start, every step.
func (g *genBucket) cloudTrail(prefix, org string, accounts, regions []string, start time.Time, days int, step time.Duration) {
	root := prefix + "AWSLogs/"
	if org != "" {
		root += org + "/"
	}
	for _, acct := range accounts {
		for _, reg := range regions {
			for t := start; t.Before(start.AddDate(0, 0, days)); t = t.Add(step) {
				day := t.Format("2006/01/02/")
				stamp := t.Format("20060102T1504Z")
				g.add(genObj{key: fmt.Sprintf("%s%s/CloudTrail/%s/%s%s_CloudTrail_%s_%s_%s.json.gz", root, acct, reg, day, acct, reg, stamp, uniq(t, acct+reg)),
					log: true, t: t, account: acct, region: reg})
				if t.Minute() == 0 {
					g.add(genObj{key: fmt.Sprintf("%s%s/CloudTrail-Digest/%s/%s%s_CloudTrail-Digest_%s_trail_%s_%s.json.gz", root, acct, reg, day, acct, reg, reg, t.Format("20060102T150405Z"))})
					g.add(genObj{key: fmt.Sprintf("%s%s/CloudTrail-Insight/%s/%s%s_CloudTrail-Insight_%s_%s_%s.json.gz", root, acct, reg, day, acct, reg, stamp, uniq(t, "i"))})
				}
			}
		}
		g.add(genObj{key: fmt.Sprintf("%s%s/Config/us-east-1/2024/3/1/ConfigSnapshot/x.json.gz", root, acct)})
	}
}

// accessSimple adds access logs in the simple key format.
func (g *genBucket) accessSimple(prefix string, start time.Time, days int, step time.Duration) {
	for t := start; t.Before(start.AddDate(0, 0, days)); t = t.Add(step) {
		g.add(genObj{key: prefix + t.Format("2006-01-02-15-04-05-") + uniq(t, prefix), log: true, t: t})
	}
}

// accessPartitioned adds access logs in the date-partitioned format.
func (g *genBucket) accessPartitioned(prefix string, accounts, regions []string, bucket string, start time.Time, days int, step time.Duration) {
	for _, acct := range accounts {
		for _, reg := range regions {
			for t := start; t.Before(start.AddDate(0, 0, days)); t = t.Add(step) {
				g.add(genObj{key: fmt.Sprintf("%s%s/%s/%s/%s%s", prefix, acct, reg, bucket, t.Format("2006/01/02/2006-01-02-15-04-05-"), uniq(t, acct+reg)),
					log: true, t: t, account: acct, region: reg})
			}
		}
	}
}

func uniq(t time.Time, salt string) string {
	return fmt.Sprintf("%08X%08X", uint32(t.Unix()), uint32(len(salt)*7919+int(salt[0])))
}

// want returns the keys under prefix that sel must yield, in key order.
func (g *genBucket) want(prefix string, sel source.Selection) []string {
	slack := sel.DeliverySlack
	if slack == 0 {
		slack = source.DefaultDeliverySlack
	}
	slack = max(slack, 0)
	var keys []string
	for _, o := range g.objs {
		if !o.log && !o.other || !strings.HasPrefix(o.key, prefix) {
			continue
		}
		if o.other {
			if sel.InShard(o.key) {
				keys = append(keys, o.key)
			}
			continue
		}
		if !sel.Since.IsZero() && o.t.Before(sel.Since.Add(-slack)) || !sel.Until.IsZero() && o.t.After(sel.Until.Add(slack)) {
			continue
		}
		if o.account != "" && len(sel.Accounts) > 0 && !slices.Contains(sel.Accounts, o.account) {
			continue
		}
		if o.region != "" && len(sel.Regions) > 0 && !slices.Contains(sel.Regions, o.region) {
			continue
		}
		if !sel.InShard(o.key) {
			continue
		}
		keys = append(keys, o.key)
	}
	sort.Strings(keys)
	return keys
}

// body returns a plausible content for o: an access log line or a
// gzipped CloudTrail file, each naming the key so a reader can tell them
// apart.
func (o genObj) body(tb testing.TB) []byte {
	tb.Helper()
	if strings.HasSuffix(o.key, ".json.gz") {
		var b bytes.Buffer
		zw := gzipPool.Get().(*gzip.Writer)
		defer gzipPool.Put(zw)
		zw.Reset(&b)
		fmt.Fprintf(zw, `{"Records":[{"eventVersion":"1.09","eventTime":%q,"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestID":"R%X","eventID":"e-%X","requestParameters":{"bucketName":"b","key":%q}}]}`,
			o.t.Format(time.RFC3339), o.t.UnixNano(), o.t.UnixNano(), o.key)
		zw.Close()
		return b.Bytes()
	}
	return fmt.Appendf(nil, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket [%s] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.OBJECT %s \"GET /amzn-s3-demo-bucket/%s HTTP/1.1\" 200 - 113 113 7 - \"-\" \"S3Console/0.4\" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket.s3.us-west-1.amazonaws.com TLSv1.2 - -\n",
		o.t.Format("02/Jan/2006:15:04:05 -0700"), o.key, o.key)
}

// gzipPool saves a compressor's large allocation per generated object.
var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// memBucket is an in-memory Lister with ListObjectsV2's semantics, counting
// calls and keys returned.
type memBucket struct {
	mu         sync.Mutex
	keys       []string // sorted
	calls      int
	listedKeys int
}

func newMemBucket(g *genBucket) *memBucket {
	m := &memBucket{}
	for _, o := range g.objs {
		m.keys = append(m.keys, o.key)
	}
	sort.Strings(m.keys)
	return m
}

func (m *memBucket) ListPage(_ context.Context, req source.ListRequest) (source.ListPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	maxKeys := int(req.MaxKeys)
	if maxKeys == 0 {
		maxKeys = 1000
	}
	after := req.StartAfter
	if req.Token != "" {
		after = req.Token
	}
	i := max(sort.SearchStrings(m.keys, after), sort.SearchStrings(m.keys, req.Prefix))
	for i < len(m.keys) && m.keys[i] <= after {
		i++
	}
	var p source.ListPage
	last := ""
	for ; i < len(m.keys); i++ {
		k := m.keys[i]
		if !strings.HasPrefix(k, req.Prefix) {
			if k > req.Prefix {
				break
			}
			continue
		}
		if len(p.Objects)+len(p.Prefixes) == maxKeys {
			p.NextToken = last
			break
		}
		if req.Delimiter != "" {
			if j := strings.Index(k[len(req.Prefix):], req.Delimiter); j >= 0 {
				cp := k[:len(req.Prefix)+j+1]
				p.Prefixes = append(p.Prefixes, cp)
				// Skip the rest of the common prefix.
				for i+1 < len(m.keys) && strings.HasPrefix(m.keys[i+1], cp) {
					i++
				}
				last = m.keys[i]
				continue
			}
		}
		p.Objects = append(p.Objects, source.ListedObject{Key: k, Size: 1, ETag: "e"})
		last = k
	}
	m.listedKeys += len(p.Objects) + len(p.Prefixes)
	return p, nil
}
