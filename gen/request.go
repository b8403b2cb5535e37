package gen

import (
	"math/rand/v2"
	"time"
)

// request is one S3 request, from which both its access-log line(s) and its
// CloudTrail record are rendered, and which Truth counts.
type request struct {
	t         time.Time
	b         *bucket
	p         *principal
	op        *op
	session   string
	ip        string // "" when none (AWS service, lifecycle)
	ua        string
	referer   string
	k         *objKey // nil for bucket-level requests
	query     string  // request URI query after the path, with its "?"
	status    int
	errCode   string
	errMsg    string
	bytesSent int64 // response body bytes
	bytesIn   int64 // request body bytes
	objSize   int64 // -1 when not applicable
	totalMS   int
	turnMS    int
	sigV      string // SigV4, SigV2 or ""
	auth      string // AuthHeader, QueryString or ""
	tls       string // TLSv1.2, TLSv1.3 or "" for plain HTTP
	cipher    string
	host      string
	pathStyle bool
	ap        string // access point name
	aclReq    bool
	reqID     string
	hostID    string
	eventID   string
	batch     []*objKey // keys of a DeleteObjects request
	uploadID  string
	partNum   int
	srcRegion string
	plain     bool   // plain HTTP: no TLS
	prefix    string // list requests: the prefix listed
	versionID string // the object version the request names
}

// action is the IAM action that authorises the request.
func (q *request) action() string {
	if q.versionID != "" && q.op.VersionAction != "" {
		return q.op.VersionAction
	}
	return q.op.Action
}

// inAccessLog reports whether S3 writes the request to the bucket's
// server access log.
func (q *request) inAccessLog() bool { return q.b != nil && q.b.AccessLogs }

// inCloudTrail reports whether CloudTrail logs the request: management
// events always, data events when the bucket has them enabled; never
// website or lifecycle requests.
func (q *request) inCloudTrail() bool {
	if q.op.Website || q.op.Lifecycle || q.op.Event == "" {
		return false
	}
	return q.op.Mgmt || (q.b != nil && q.b.DataEvents)
}

const hexUpper = "0123456789ABCDEF"

// newRequestID returns an S3-style 16-character request id.
func newRequestID(r *rand.Rand) string {
	var b [16]byte
	v := r.Uint64()
	for i := range b {
		b[i] = hexUpper[v&15]
		v >>= 4
	}
	return string(b[:])
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// newHostID returns an x-amz-id-2 like value (76 base64 characters).
func newHostID(r *rand.Rand) string {
	var b [76]byte
	for i := 0; i < 75; i += 10 {
		v := r.Uint64()
		for j := i; j < i+10 && j < 75; j++ {
			b[j] = b64[v&63]
			v >>= 6
		}
	}
	b[75] = '='
	return string(b[:])
}

// newUUID returns a version-4 UUID string.
func newUUID(r *rand.Rand) string {
	const hx = "0123456789abcdef"
	var b [36]byte
	a, c := r.Uint64(), r.Uint64()
	for i, j := 0, 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
			continue
		case 14:
			b[i] = '4'
			continue
		case 19:
			b[i] = hx[8|(a&3)]
			a >>= 2
			continue
		}
		if j < 16 {
			b[i] = hx[a&15]
			a >>= 4
		} else {
			b[i] = hx[c&15]
			c >>= 4
		}
		j++
	}
	return string(b[:])
}

// finish fills in what every request needs from its principal, bucket and
// operation: ids, transport, host, sizes and timings.
func (q *request) finish(r *rand.Rand) {
	q.reqID = newRequestID(r)
	q.hostID = newHostID(r)
	q.eventID = newUUID(r)
	p := q.p
	if q.session == "" && len(p.Sessions) > 0 {
		q.session = p.Sessions[r.IntN(len(p.Sessions))]
	}
	if q.ua == "" && len(p.uas) > 0 {
		q.ua = p.uas[r.IntN(len(p.uas))]
	}
	if q.ip == "" && len(p.ips) > 0 {
		q.ip = p.ips[r.IntN(len(p.ips))]
	}
	if q.op.Lifecycle {
		q.status = 0
		return
	}
	if q.sigV == "" && p.Kind != KindAnonymous {
		q.sigV = "SigV4"
	}
	if q.auth == "" && q.sigV != "" {
		q.auth = "AuthHeader"
	}
	if q.op.Website {
		q.plain = true
	}
	if q.plain {
		q.tls, q.cipher = "", ""
	} else if q.tls == "" {
		if r.IntN(3) == 0 {
			q.tls, q.cipher = "TLSv1.3", "TLS_AES_128_GCM_SHA256"
		} else {
			q.tls, q.cipher = "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"
		}
	}
	region := q.b.Region
	switch {
	case q.op.Website:
		q.host = q.b.Name + ".s3-website-" + region + ".amazonaws.com"
	case q.ap != "":
		q.host = q.ap + "-" + Account + ".s3-accesspoint." + region + ".amazonaws.com"
	case q.pathStyle && region == RegionUSEast1:
		q.host = "s3.amazonaws.com"
	case q.pathStyle:
		q.host = "s3." + region + ".amazonaws.com"
	default:
		q.host = q.b.Name + ".s3." + region + ".amazonaws.com"
	}
	if q.ip != "" && (q.ip[:3] == "10." || p.Kind == KindAWSService) {
		q.srcRegion = region
	}
	if q.status == 0 {
		q.status = 200
	}
	q.objSize = -1
	switch q.op {
	case opGetObject, opWebsiteGet:
		if q.status == 200 {
			q.objSize = q.k.size
			q.bytesSent = q.k.size
			if q.k.size > 8<<20 && r.IntN(4) == 0 {
				q.status = 206 // a ranged read
				q.bytesSent = 8 << 20
			}
		}
	case opHeadObject:
		if q.status == 200 {
			q.objSize = q.k.size
		}
	case opPutObject:
		if q.status == 200 {
			q.objSize = q.k.size
			q.bytesIn = q.k.size
		}
	case opUploadPart:
		q.objSize = q.bytesIn
	case opDeleteObject:
		if q.status == 200 {
			q.status = 204
		}
	case opListObjects, opListObjectsV2:
		if q.status == 200 {
			q.bytesSent = int64(600 + r.IntN(40000))
		}
	case opDeleteObjects:
		q.bytesIn = int64(120 + 90*len(q.batch))
		q.bytesSent = int64(120 + 80*len(q.batch))
	case opCreateMPU:
		q.bytesSent = 389
	case opCompleteMPU:
		q.bytesIn = int64(180 + 40*q.partNum)
		q.bytesSent = 330
		q.objSize = q.k.size
	case opGetLocation:
		q.bytesSent = 128
	case opGetACL:
		q.bytesSent = int64(550 + r.IntN(300))
	case opGetVersioning:
		q.bytesSent = 113
	case opGetPolicy:
		if q.status == 200 {
			q.bytesSent = int64(400 + r.IntN(900))
		}
	}
	if q.errCode != "" {
		q.bytesSent = int64(230 + r.IntN(120))
	}
	q.turnMS = 1 + r.IntN(25)
	q.totalMS = q.turnMS + r.IntN(20) + int(q.bytesSent>>20)*8 + int(q.bytesIn>>20)*10
}
