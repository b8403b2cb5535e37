package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/klauspost/compress/gzip"
)

// trailName is the trail that delivers the generated CloudTrail files.
const trailName = "org-trail"

// ctItem is one CloudTrail record to write: an S3 request or a management
// event.
type ctItem struct {
	t time.Time
	q *request
	e *mgmtEvent
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(r interface{ IntN(int) int }, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

// writeCloudTrail writes the hour's CloudTrail files, one per region and
// interval, and one digest file per region.
func (g *hourGen) writeCloudTrail(dir string, t *Truth) error {
	iv := g.cfg.CloudTrailInterval
	nw := int(time.Hour / iv)
	groups := make([][]ctItem, len(Regions)*nw)
	ri := func(region string) int {
		for i, r := range Regions {
			if r == region {
				return i
			}
		}
		return 0
	}
	for _, q := range g.reqs {
		if q.inCloudTrail() {
			k := ri(q.b.Region)*nw + g.window(q.t, iv)
			groups[k] = append(groups[k], ctItem{t: q.t, q: q})
		}
	}
	for _, e := range g.mgmt {
		k := ri(e.region)*nw + g.window(e.t, iv)
		groups[k] = append(groups[k], ctItem{t: e.t, e: e})
	}
	var (
		js  []byte
		gz  bytes.Buffer
		zw  *gzip.Writer
		err error
	)
	zw, err = gzip.NewWriterLevel(&gz, g.cfg.GzipLevel)
	if err != nil {
		return fmt.Errorf("gen: gzip: %w", err)
	}
	for regi, region := range Regions {
		var logs []digestLog
		for wi := 0; wi < nw; wi++ {
			items := groups[regi*nw+wi]
			if len(items) == 0 {
				continue
			}
			sort.SliceStable(items, func(i, j int) bool { return items[i].t.Before(items[j].t) })
			js = append(js[:0], `{"Records":[`...)
			for i, it := range items {
				if i > 0 {
					js = append(js, ',')
				}
				if it.q != nil {
					js = appendS3Record(js, it.q)
					if !it.q.op.Mgmt {
						t.Files.CloudTrailDataRecs++
					}
				} else {
					js = appendMgmtRecord(js, it.e)
				}
			}
			js = append(js, "]}\n"...)
			end := g.start.Add(time.Duration(wi+1) * iv)
			folder := filepath.Join(dir, "cloudtrail", "AWSLogs", Account, "CloudTrail", region, g.start.Format("2006/01/02"))
			name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", Account, region, end.Format("20060102T1504Z"), randomAlnum(g.r, 16))
			gz.Reset()
			zw.Reset(&gz)
			if _, err := zw.Write(js); err != nil {
				return fmt.Errorf("gen: compress %s: %w", name, err)
			}
			if err := zw.Close(); err != nil {
				return fmt.Errorf("gen: compress %s: %w", name, err)
			}
			if err := writeFile(folder, name, gz.Bytes()); err != nil {
				return err
			}
			sum := sha256.Sum256(js)
			logs = append(logs, digestLog{
				key:    "AWSLogs/" + Account + "/CloudTrail/" + region + "/" + g.start.Format("2006/01/02") + "/" + name,
				hash:   hex.EncodeToString(sum[:]),
				oldest: items[0].t, newest: items[len(items)-1].t,
			})
			t.Files.CloudTrailObjects++
			t.Files.CloudTrailJSON += int64(len(js))
			t.Files.CloudTrailGzBytes += int64(gz.Len())
			t.Files.CloudTrailRecords += int64(len(items))
			t.Rows.CloudTrail += int64(len(items))
		}
		if len(logs) == 0 {
			continue
		}
		d := g.digest(region, logs)
		gz.Reset()
		zw.Reset(&gz)
		if _, err := zw.Write(d); err != nil {
			return fmt.Errorf("gen: compress digest: %w", err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("gen: compress digest: %w", err)
		}
		end := g.start.Add(time.Hour)
		folder := filepath.Join(dir, "cloudtrail", "AWSLogs", Account, "CloudTrail-Digest", region, g.start.Format("2006/01/02"))
		name := fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", Account, region, trailName, region, end.Format("20060102T150405Z"))
		if err := writeFile(folder, name, gz.Bytes()); err != nil {
			return err
		}
		t.Files.DigestObjects++
		t.Files.DigestBytes += int64(gz.Len())
	}
	return nil
}

// digestLog is one log file a digest lists.
type digestLog struct {
	key            string
	hash           string
	oldest, newest time.Time
}

// digest renders a CloudTrail digest file: not a log, but it sits next to
// the logs and a reader must recognise and skip it.
func (g *hourGen) digest(region string, logs []digestLog) []byte {
	end := g.start.Add(time.Hour)
	prevEnd := g.start
	b := []byte(`{"awsAccountId":"` + Account + `","digestStartTime":`)
	b = appendCTTime(b, g.start)
	b = append(b, `,"digestEndTime":`...)
	b = appendCTTime(b, end)
	b = appendKV(b, "digestS3Bucket", BucketAudit)
	b = appendKV(b, "digestS3Object", fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz",
		Account, region, g.start.Format("2006/01/02"), Account, region, trailName, region, end.Format("20060102T150405Z")))
	b = append(b, `,"digestPublicKeyFingerprint":"47aaa19f7eec22e9bd0b5e58cfade8cb","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":`...)
	b = appendCTTime(b, logs[len(logs)-1].newest)
	b = append(b, `,"oldestEventTime":`...)
	b = appendCTTime(b, logs[0].oldest)
	b = appendKV(b, "previousDigestS3Bucket", BucketAudit)
	b = appendKV(b, "previousDigestS3Object", fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz",
		Account, region, prevEnd.Format("2006/01/02"), Account, region, trailName, region, prevEnd.Format("20060102T150405Z")))
	sum := sha256.Sum256([]byte(region + prevEnd.String()))
	b = appendKV(b, "previousDigestHashValue", hex.EncodeToString(sum[:]))
	b = appendKV(b, "previousDigestHashAlgorithm", "SHA-256")
	b = appendKV(b, "previousDigestSignature", hex.EncodeToString(sum[:])+hex.EncodeToString(sum[:]))
	b = append(b, `,"logFiles":[`...)
	for i, l := range logs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"s3Bucket":"`+BucketAudit+`","s3Object":`...)
		b = appendJSONString(b, l.key)
		b = appendKV(b, "hashValue", l.hash)
		b = appendKV(b, "hashAlgorithm", "SHA-256")
		b = append(b, `,"newestEventTime":`...)
		b = appendCTTime(b, l.newest)
		b = append(b, `,"oldestEventTime":`...)
		b = appendCTTime(b, l.oldest)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
