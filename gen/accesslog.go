package gen

import (
	"net/url"
	"strconv"
	"time"
)

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// appendLogTime appends [02/Jan/2006:15:04:05 +0000].
func appendLogTime(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, '[')
	b = append2(b, d)
	b = append(b, '/')
	b = append(b, monthAbbr[mo-1]...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, ':')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	return append(b, " +0000]"...)
}

func appendField(b []byte, s string) []byte {
	b = append(b, ' ')
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

func appendNum(b []byte, v int64, dashIfZero bool) []byte {
	b = append(b, ' ')
	if v < 0 || (v == 0 && dashIfZero) {
		return append(b, '-')
	}
	return strconv.AppendInt(b, v, 10)
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, ' ', '"')
	if s == "" {
		s = "-"
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendRequestURI appends the request line without quotes.
func appendRequestURI(b []byte, q *request) []byte {
	b = append(b, q.op.Method...)
	b = append(b, ' ', '/')
	if q.pathStyle {
		b = append(b, q.b.Name...)
		if q.k != nil {
			b = append(b, '/')
		}
	}
	if q.k != nil {
		b = append(b, q.k.uri...)
	}
	switch {
	case q.op.Query != "":
		b = append(b, q.op.Query...)
	case q.op == opListObjectsV2:
		b = append(b, "?list-type=2&prefix="...)
		b = append(b, encodeLogKey(q.prefix)...)
		b = append(b, "&encoding-type=url"...)
	case q.op == opListObjects:
		b = append(b, "?prefix="...)
		b = append(b, encodeLogKey(q.prefix)...)
		b = append(b, "&delimiter=%2F"...)
	case q.op == opUploadPart:
		b = append(b, "?partNumber="...)
		b = strconv.AppendInt(b, int64(q.partNum), 10)
		b = append(b, "&uploadId="...)
		b = append(b, q.uploadID...)
	case q.op == opCompleteMPU:
		b = append(b, "?uploadId="...)
		b = append(b, q.uploadID...)
	case q.versionID != "":
		b = append(b, "?versionId="...)
		b = append(b, url.QueryEscape(q.versionID)...)
	}
	if q.auth == "QueryString" {
		b = appendPresign(b, q)
	}
	return append(b, " HTTP/1.1"...)
}

// appendPresign appends a presigned URL's query string.
func appendPresign(b []byte, q *request) []byte {
	if q.sigV == "SigV2" {
		b = append(b, "?AWSAccessKeyId="...)
		b = append(b, q.p.key...)
		b = append(b, "&Expires="...)
		b = strconv.AppendInt(b, q.t.Unix()+3600, 10)
		b = append(b, "&Signature=Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA%3D"...)
		return b
	}
	b = append(b, "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="...)
	b = append(b, q.p.key...)
	b = append(b, "%2F"...)
	b = q.t.AppendFormat(b, "20060102")
	b = append(b, "%2F"...)
	b = append(b, q.b.Region...)
	b = append(b, "%2Fs3%2Faws4_request&X-Amz-Date="...)
	b = q.t.AppendFormat(b, "20060102T150405Z")
	b = append(b, "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="...)
	for i := 0; i < 2; i++ {
		for _, c := range []byte(q.eventID) {
			if c != '-' {
				b = append(b, c)
			}
		}
	}
	return b
}

// appendAccessLine appends the request's access-log line(s), each ending in
// a newline, and returns the number of lines appended.
func appendAccessLine(b []byte, q *request) ([]byte, int) {
	requester := q.p.requester(q.session)
	b = append(b, OwnerCanonicalID...)
	b = appendField(b, q.b.Name)
	b = append(b, ' ')
	b = appendLogTime(b, q.t)
	b = appendField(b, q.ip)
	b = appendField(b, requester)
	b = appendField(b, q.reqID)
	b = appendField(b, q.op.Log)
	if q.k != nil {
		b = appendField(b, q.k.logKey)
	} else {
		b = appendField(b, "")
	}
	if q.op.Lifecycle {
		// As S3 writes lifecycle actions: no request, no client.
		b = append(b, ` "-" - - -`...)
		b = appendNum(b, q.objSize, true)
		b = append(b, ` - - "-" "-" -`...)
		b = appendField(b, q.hostID)
		b = append(b, " - - - - - - - -\n"...) // through source region
		return b, 1
	}
	b = append(b, ' ', '"')
	b = appendRequestURI(b, q)
	b = append(b, '"')
	b = appendNum(b, int64(q.status), false)
	b = appendField(b, q.errCode)
	b = appendNum(b, q.bytesSent, true)
	b = appendNum(b, q.objSize, false)
	b = appendNum(b, int64(q.totalMS), false)
	b = appendNum(b, int64(q.turnMS), false)
	b = appendQuoted(b, q.referer)
	b = appendQuoted(b, q.ua)
	b = appendField(b, q.versionID)
	b = appendTail(b, q)
	n := 1
	for _, k := range q.batch {
		// One line per key deleted by a DeleteObjects request, with its
		// request id and no request line of its own.
		b = append(b, OwnerCanonicalID...)
		b = appendField(b, q.b.Name)
		b = append(b, ' ')
		b = appendLogTime(b, q.t)
		b = appendField(b, q.ip)
		b = appendField(b, requester)
		b = appendField(b, q.reqID)
		b = appendField(b, opBatchDelete.Log)
		b = appendField(b, k.logKey)
		b = append(b, " - 204 - -"...)
		b = appendNum(b, k.size, false)
		b = append(b, " - - - - -"...)
		b = appendTail(b, q)
		n++
	}
	return b, n
}

// appendTail appends host id through source region and the newline.
func appendTail(b []byte, q *request) []byte {
	b = appendField(b, q.hostID)
	b = appendField(b, q.sigV)
	b = appendField(b, q.cipher)
	b = appendField(b, q.auth)
	b = appendField(b, q.host)
	b = appendField(b, q.tls)
	if q.ap != "" {
		b = append(b, " arn:aws:s3:"...)
		b = append(b, q.b.Region...)
		b = append(b, ':')
		b = append(b, Account...)
		b = append(b, ":accesspoint/"...)
		b = append(b, q.ap...)
	} else {
		b = appendField(b, "")
	}
	if q.aclReq {
		b = append(b, " Yes"...)
	} else {
		b = appendField(b, "")
	}
	b = appendField(b, q.srcRegion)
	return append(b, '\n')
}

// Malformed access-log lines the generator injects: a line cut short, a
// line that is not a log line at all, and a line with an impossible time.
func malformedLines(t time.Time) []string {
	return []string{
		OwnerCanonicalID + " " + BucketProd + " [" + t.Format("02/Jan/2006:15:04") + " +0000] 10.0.12.31 arn:aws:sts::" + Account + `:assumed-role/app-backend/i-0a1b2c3d4e5f60718 9F2C1B7E3A5D4C60 REST.GET.OBJECT data/2024/11/04/events-0`,
		`<html><body>502 Bad Gateway</body></html>`,
		OwnerCanonicalID + " " + BucketProd + ` [31/Foo/2024:25:61:00 +0000] 10.0.14.77 arn:aws:sts::` + Account + `:assumed-role/app-backend/i-0b2c3d4e5f6071829 0D1E2F3A4B5C6D7E REST.GET.OBJECT data/x.parquet "GET /data/x.parquet HTTP/1.1" 200 - 10 10 5 4 "-" "curl/8.5.0" - ` +
			`AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader ` + BucketProd + `.s3.us-east-1.amazonaws.com TLSv1.2 - - -`,
	}
}
