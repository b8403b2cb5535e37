package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// diurnal is the share of a day's traffic in each hour (UTC): quiet nights,
// busy working hours.
var diurnal = func() [24]float64 {
	var d [24]float64
	sum := 0.0
	for h := range d {
		d[h] = 1 + 1.6*math.Exp(-math.Pow(float64(h)-14, 2)/18)
		sum += d[h]
	}
	for h := range d {
		d[h] /= sum
	}
	return d
}()

// hourCount is the number of ordinary requests in hour h of the day.
func hourCount(perDay, h int) int {
	// Rounded per hour so days add up to about perDay without drift.
	return int(math.Round(float64(perDay) * diurnal[h]))
}

// pickKey draws a key, favouring the first (popular) keys.
func pickKey(r *rand.Rand, b *bucket) *objKey {
	u := r.Float64()
	return &b.keys[int(u*u*float64(len(b.keys)))]
}

// residentialIP returns a random public client address.
func residentialIP(r *rand.Rand) string {
	firsts := [...]int{24, 47, 67, 73, 76, 81, 86, 98, 100, 108, 151, 174, 178, 188, 212}
	return fmt.Sprintf("%d.%d.%d.%d", firsts[r.IntN(len(firsts))], r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

var (
	websiteReferers = []string{"-", "-", "https://www.google.com/", "https://www.bing.com/", "http://" + BucketSite + ".s3-website-us-east-1.amazonaws.com/index.html", "https://news.ycombinator.com/"}
	browserUAs      = []string{uaChrome, uaFirefox, uaSafari}
)

// ordinary appends n ordinary requests in [start, start+1h).
func (g *hourGen) ordinary(n int) {
	r, w := g.r, g.w
	for i := 0; i < n; i++ {
		it := w.pick(r)
		t := g.start.Add(time.Duration(r.IntN(3600)) * time.Second)
		q := &request{t: t, b: it.b, p: it.p, op: it.op, ap: it.ap, pathStyle: it.pathStyle, plain: it.plainHTTP}
		if it.sigv2 {
			q.sigV = "SigV2"
		}
		if it.presigned {
			q.auth, q.ua, q.ip = "QueryString", browserUAs[r.IntN(len(browserUAs))], residentialIP(r)
		}
		switch it.op {
		case opCreateMPU:
			g.multipart(q)
			continue
		case opListObjects, opListObjectsV2:
			q.prefix = listPrefixes[r.IntN(len(listPrefixes))]
		case opDeleteObject:
			if it.b.Name == BucketProd {
				k := newObjKey(fmt.Sprintf("tmp/job-%d.json", 100000+r.IntN(900000)), int64(200+r.IntN(5000)))
				q.k = &k
			}
		case opGetPolicy:
			if it.b.Name != BucketSite {
				q.status, q.errCode, q.errMsg = 404, "NoSuchBucketPolicy", "The bucket policy does not exist"
			}
		case opWebsiteGet:
			q.referer = websiteReferers[r.IntN(len(websiteReferers))]
			q.ip = residentialIP(r)
		}
		if it.p.Kind == KindAnonymous && q.ip == "" {
			q.ip = residentialIP(r)
		}
		if it.op.Object && q.k == nil {
			q.k = pickKey(r, it.b)
		}
		if it.versioned {
			q.versionID = randomAlnum(r, 32)
		}
		if it.op == opGetObject && r.IntN(60) == 0 {
			k := newObjKey(missingKey(r, q.k.key), 0)
			q.k = &k
			if it.p.Kind == KindAnonymous {
				q.status, q.errCode, q.errMsg = 403, "AccessDenied", "Access Denied"
			} else {
				q.status, q.errCode, q.errMsg = 404, "NoSuchKey", "The specified key does not exist."
			}
		}
		if it.op == opPutObject && it.p.Name == "app-backend" && r.IntN(400) == 0 {
			q.status, q.errCode, q.errMsg = 403, "AccessDenied", "Access Denied"
		}
		if q.referer == "" && it.presigned {
			q.referer = "https://app.example.com/"
		}
		q.finish(r)
		g.add(q)
	}
}

var listPrefixes = []string{"", "data/2024/11/", "uploads/", "reports/", "exports/", "datasets/imagenet-mini/", "db/postgres/", "assets/"}

// missingKey derives a key that does not exist from one that does.
func missingKey(r *rand.Rand, k string) string {
	return fmt.Sprintf("%s.%d.missing", k, r.IntN(1000))
}

// multipart expands a CreateMultipartUpload into the upload's requests:
// create, the parts, complete; the parts share one upload id.
func (g *hourGen) multipart(q *request) {
	r := g.r
	k := pickKey(r, q.b)
	const part = 100 << 20
	parts := int(k.size/part) + 1
	if parts > 8 {
		parts = 8
	}
	upload := fmt.Sprintf("%s%s", newHostID(r)[:40], "--")
	t := q.t
	mk := func(o *op, n int, in int64) {
		c := &request{t: t, b: q.b, p: q.p, op: o, k: k, uploadID: upload, partNum: n, bytesIn: in, session: q.p.Sessions[0]}
		c.finish(r)
		g.add(c)
		t = t.Add(time.Duration(1+r.IntN(4)) * time.Second)
	}
	mk(opCreateMPU, 0, 0)
	left := k.size
	for n := 1; n <= parts; n++ {
		in := int64(part)
		if n == parts || left < in {
			in = left
		}
		left -= in
		mk(opUploadPart, n, in)
	}
	mk(opCompleteMPU, parts, 0)
}

// lifecycle adds the day's S3.EXPIRE.OBJECT actions (access log only) in
// the first hour of each day.
func (g *hourGen) lifecycle(perDay int) {
	r := g.r
	n := perDay / 400
	if n < 4 {
		n = 4
	}
	for i := 0; i < n; i++ {
		b := g.w.byName[BucketBackups]
		var k objKey
		if i%2 == 1 {
			b = g.w.byName[BucketProd]
			k = newObjKey(fmt.Sprintf("tmp/job-%d.json", 100000+r.IntN(900000)), int64(200+r.IntN(5000)))
		} else {
			k = newObjKey(fmt.Sprintf("db/postgres/2024-10-%02d/base-%03d.tar.gz", 1+r.IntN(28), r.IntN(60)), int64(500e6+r.IntN(200e6)))
		}
		q := &request{t: g.start.Add(time.Duration(600+r.IntN(2400)) * time.Second), b: b, p: g.w.lifecycle, op: opExpire, k: &k}
		q.finish(r)
		q.objSize = k.size
		g.add(q)
	}
}
