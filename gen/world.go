package gen

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/url"
	"strings"
)

// The accounts of the generated world.
const (
	// Account owns every bucket and most principals.
	Account = "111122223333"
	// PartnerAccount is a second account whose role writes into one bucket.
	PartnerAccount = "444455556666"
	// OwnerCanonicalID is Account's canonical user ID: the bucket owner in
	// every access-log line, and the requester of the root user's requests.
	OwnerCanonicalID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
)

// Principal kinds, as Truth reports them (CloudTrail's userIdentity.type,
// plus Anonymous and S3 itself for lifecycle actions).
const (
	KindAssumedRole = "AssumedRole"
	KindIAMUser     = "IAMUser"
	KindRoot        = "Root"
	KindAWSService  = "AWSService"
	KindAnonymous   = "Anonymous"
	KindS3          = "AmazonS3" // lifecycle actions (access-log requester AmazonS3); never in a policy
)

// principal is one identity that sends requests.
type principal struct {
	Name     string
	Kind     string
	Account  string
	RoleName string
	RolePath string   // "/" or e.g. "/service-role/"
	Sessions []string // assumed-role session names
	UserName string
	Service  string // AWS service principal, e.g. config.amazonaws.com
	uas      []string
	ips      []string
	id       string // AROA…/AIDA… unique id
	key      string // access key id
	vpce     string // VPC endpoint the principal's traffic goes through
	ec2      bool   // credentials delivered by EC2 instance metadata
}

// ARN is the principal normalised: the role ARN (with its path) for
// assumed roles, the user ARN, the root ARN, the service principal,
// "anonymous", or s3.amazonaws.com for lifecycle actions.
func (p *principal) ARN() string {
	switch p.Kind {
	case KindAssumedRole:
		return "arn:aws:iam::" + p.Account + ":role" + p.RolePath + p.RoleName
	case KindIAMUser:
		return "arn:aws:iam::" + p.Account + ":user/" + p.UserName
	case KindRoot:
		return "arn:aws:iam::" + p.Account + ":root"
	case KindAWSService:
		return p.Service
	case KindAnonymous:
		return "anonymous"
	}
	// S3 itself, as s3_requests names the principal of lifecycle actions.
	return "s3.amazonaws.com"
}

// requester is the access log's requester field for one session.
func (p *principal) requester(session string) string {
	switch p.Kind {
	case KindAssumedRole:
		return "arn:aws:sts::" + p.Account + ":assumed-role/" + p.RoleName + "/" + session
	case KindIAMUser:
		return p.ARN()
	case KindRoot:
		return OwnerCanonicalID
	case KindAWSService:
		return "svc:" + p.Service
	case KindS3:
		return "AmazonS3"
	}
	return "-"
}

// bucket is one S3 bucket of the world.
type bucket struct {
	Name       string
	Region     string
	AccessLogs bool // server access logging enabled
	DataEvents bool // CloudTrail S3 data events enabled
	Website    bool
	keys       []objKey
}

// objKey is one object, with its key pre-encoded for the access log.
type objKey struct {
	key    string // the key as stored
	logKey string // as the access log's key field writes it
	uri    string // URL-path encoded, for the request URI
	size   int64
}

func newObjKey(k string, size int64) objKey {
	return objKey{key: k, logKey: encodeLogKey(k), uri: encodeURIPath(k), size: size}
}

// encodeLogKey encodes a key the way the access log's key field does:
// form encoding (space as '+'), slashes kept.
func encodeLogKey(k string) string {
	return strings.ReplaceAll(url.QueryEscape(k), "%2F", "/")
}

// encodeURIPath encodes a key for a request path (space as %20).
func encodeURIPath(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// The fixed buckets. Their names are part of the documented Truth.
const (
	BucketProd    = "acme-prod-data"   // us-east-1, access logs + data events
	BucketSite    = "acme-public-site" // us-east-1, static website, access logs only
	BucketBackups = "acme-backups-eu"  // eu-west-1, access logs + data events
	BucketML      = "acme-ml-datasets" // eu-west-1, data events only
	BucketAudit   = "acme-audit-logs"  // us-east-1, access logs + data events
	RegionUSEast1 = "us-east-1"
	RegionEUWest1 = "eu-west-1"
)

// Regions lists the regions the world's buckets live in.
var Regions = []string{RegionUSEast1, RegionEUWest1}

// world is everything the generator draws from; built once per Generate
// from the seed.
type world struct {
	buckets    []*bucket
	byName     map[string]*bucket
	principals []*principal
	pr         map[string]*principal
	work       []workItem
	workCum    []float64
	lifecycle  *principal
	anonymous  *principal
}

// workItem is one (principal, bucket, operation) with its share of the
// ordinary traffic.
type workItem struct {
	p      *principal
	b      *bucket
	op     *op
	weight float64
	// style of the request
	presigned bool // QueryString authentication from a browser
	sigv2     bool
	plainHTTP bool
	pathStyle bool
	ap        string // access point name
	versioned bool   // names an object version (versionId=)
}

// stableID returns a deterministic identifier of n upper-case letters and
// digits with the given prefix, from name.
func stableID(prefix, name string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	b := []byte(prefix)
	for len(b) < n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(b)
}

func newWorld(cfg Config) *world {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x3041d))
	w := &world{byName: map[string]*bucket{}, pr: map[string]*principal{}}

	addBucket := func(b *bucket) {
		w.buckets = append(w.buckets, b)
		w.byName[b.Name] = b
	}
	addBucket(&bucket{Name: BucketProd, Region: RegionUSEast1, AccessLogs: true, DataEvents: true})
	addBucket(&bucket{Name: BucketSite, Region: RegionUSEast1, AccessLogs: true, Website: true})
	addBucket(&bucket{Name: BucketBackups, Region: RegionEUWest1, AccessLogs: true, DataEvents: true})
	addBucket(&bucket{Name: BucketML, Region: RegionEUWest1, DataEvents: true})
	addBucket(&bucket{Name: BucketAudit, Region: RegionUSEast1, AccessLogs: true, DataEvents: true})
	for i := 1; i <= cfg.ExtraBuckets; i++ {
		addBucket(&bucket{Name: fmt.Sprintf("acme-data-%02d", i), Region: Regions[i%2], AccessLogs: true, DataEvents: i%3 != 0})
	}
	for _, b := range w.buckets {
		b.keys = makeKeys(r, b)
	}

	add := func(p *principal) *principal {
		if p.Account == "" {
			p.Account = Account
		}
		switch p.Kind {
		case KindAssumedRole:
			p.id = stableID("AROA", p.Account+p.RoleName, 21)
			p.key = stableID("ASIA", p.Name+"key", 20)
		case KindIAMUser:
			p.id = stableID("AIDA", p.UserName, 21)
			p.key = stableID("AKIA", p.UserName+"key", 20)
		case KindRoot:
			p.id = p.Account
			p.key = stableID("ASIA", "rootkey", 20)
		}
		w.principals = append(w.principals, p)
		w.pr[p.Name] = p
		return p
	}
	app := add(&principal{Name: "app-backend", Kind: KindAssumedRole, RoleName: "app-backend", RolePath: "/",
		Sessions: []string{"i-0a1b2c3d4e5f60718", "i-0b2c3d4e5f6071829", "i-0c3d4e5f607182930"},
		uas:      []string{uaBoto3, uaBoto3, uaBotocore}, ips: []string{"10.0.12.31", "10.0.14.77", "10.0.15.203"},
		vpce: "vpce-0a1b2c3d4e5f67890", ec2: true})
	etl := add(&principal{Name: "etl-glue-job", Kind: KindAssumedRole, RoleName: "AWSGlueServiceRole-etl", RolePath: "/service-role/",
		Sessions: []string{"GlueJobRunnerSession"}, uas: []string{uaJava, uaJavaV2}, ips: []string{"3.91.171.40", "44.202.13.9", "54.164.22.118"}})
	sso := add(&principal{Name: "sso-admin", Kind: KindAssumedRole, RoleName: "AWSReservedSSO_AdministratorAccess_5f4e3d2c1b0a9f8e",
		RolePath: "/aws-reserved/sso.amazonaws.com/", Sessions: []string{"alice@example.com", "bob@example.com"},
		uas: []string{uaConsole}, ips: []string{"203.0.113.10", "203.0.113.11"}})
	backup := add(&principal{Name: "backup-runner", Kind: KindAssumedRole, RoleName: "backup-runner", RolePath: "/",
		Sessions: []string{"backup-nightly"}, uas: []string{uaGo}, ips: []string{"10.1.3.14"}})
	partner := add(&principal{Name: "partner-ingest", Kind: KindAssumedRole, Account: PartnerAccount, RoleName: "partner-ingest", RolePath: "/",
		Sessions: []string{"partner-sync"}, uas: []string{uaJS}, ips: []string{"52.31.44.160", "34.247.12.5"}})
	ci := add(&principal{Name: "ci-deploy", Kind: KindIAMUser, UserName: "ci-deploy",
		uas: []string{uaTerraform, uaCLI, uaCLI}, ips: []string{"20.42.73.18", "4.175.114.52", "172.200.70.9"}})
	legacy := add(&principal{Name: "legacy-reporting", Kind: KindIAMUser, UserName: "legacy-reporting",
		uas: []string{uaBoto2, uaS3cmd}, ips: []string{"198.51.100.77"}})
	add(&principal{Name: "contractor-tmp", Kind: KindIAMUser, UserName: "contractor-tmp", uas: []string{uaCLIWin}, ips: []string{"192.0.2.44"}})
	add(&principal{Name: "root", Kind: KindRoot, uas: []string{uaConsole}, ips: []string{"203.0.113.99"}})
	cfgsvc := add(&principal{Name: "aws-config", Kind: KindAWSService, Service: "config.amazonaws.com", uas: []string{uaConfig}, ips: []string{""}})
	anon := add(&principal{Name: "anonymous", Kind: KindAnonymous, uas: []string{uaChrome, uaFirefox, uaSafari, uaGooglebot, uaCurl}})
	w.anonymous = anon
	w.lifecycle = add(&principal{Name: "lifecycle", Kind: KindS3, ips: []string{""}})

	item := func(p *principal, bn string, o *op, weight float64, mod func(*workItem)) {
		b := w.byName[bn]
		if b == nil {
			return
		}
		it := workItem{p: p, b: b, op: o, weight: weight}
		if mod != nil {
			mod(&it)
		}
		w.work = append(w.work, it)
	}
	presign := func(it *workItem) { it.presigned = true }
	viaAP := func(it *workItem) { it.ap = "etl-ap" }

	// The application: most of the traffic, on the production bucket.
	item(app, BucketProd, opGetObject, 30, nil)
	item(app, BucketProd, opHeadObject, 8, nil)
	item(app, BucketProd, opPutObject, 10, nil)
	item(app, BucketProd, opListObjectsV2, 4, nil)
	item(app, BucketProd, opDeleteObject, 1, nil)
	item(app, BucketProd, opGetObject, 6, presign) // presigned downloads from browsers
	item(app, BucketSite, opHeadObject, 1, nil)
	// The ETL job reads production data and writes datasets.
	item(etl, BucketProd, opGetObject, 8, viaAP)
	item(etl, BucketProd, opListObjectsV2, 2, viaAP)
	item(etl, BucketML, opPutObject, 5, nil)
	item(etl, BucketML, opGetObject, 6, nil)
	item(etl, BucketML, opListObjectsV2, 1, nil)
	// People in the console.
	for _, bn := range []string{BucketProd, BucketBackups, BucketML, BucketAudit} {
		item(sso, bn, opListObjects, 0.6, nil)
		if bn != BucketBackups {
			item(sso, bn, opGetObject, 0.3, nil)
		}
		item(sso, bn, opGetLocation, 0.2, nil)
		item(sso, bn, opGetPolicy, 0.1, nil)
		item(sso, bn, opGetVersioning, 0.1, nil)
	}
	item(sso, BucketProd, opPutObject, 0.2, nil)
	item(sso, BucketSite, opGetPolicy, 0.1, nil)
	item(sso, BucketSite, opGetACL, 0.1, nil)
	// Backups: reads from production, multipart uploads to the EU bucket.
	item(backup, BucketProd, opGetObject, 2, nil)
	item(backup, BucketBackups, opCreateMPU, 0.4, nil)
	item(backup, BucketBackups, opListObjectsV2, 0.5, nil)
	item(backup, BucketBackups, opHeadObject, 0.3, nil)
	item(backup, BucketBackups, opHeadObject, 0.2, func(it *workItem) { it.versioned = true })
	// A partner account delivers data into the ML bucket.
	item(partner, BucketML, opPutObject, 2, nil)
	item(partner, BucketML, opListObjectsV2, 0.5, nil)
	// CI deploys the website.
	item(ci, BucketSite, opPutObject, 2, nil)
	item(ci, BucketSite, opListObjectsV2, 0.5, nil)
	item(ci, BucketSite, opDeleteObject, 0.2, nil)
	item(ci, BucketSite, opGetLocation, 0.1, nil)
	item(ci, BucketSite, opGetPolicy, 0.1, nil)
	// A legacy reporting job still signs with Signature Version 2, over
	// plain HTTP and path-style URLs.
	item(legacy, BucketProd, opGetObject, 1.5, func(it *workItem) { it.sigv2, it.pathStyle = true, true })
	item(legacy, BucketProd, opListObjects, 0.5, func(it *workItem) { it.sigv2, it.pathStyle, it.plainHTTP = true, true, true })
	// AWS Config checks bucket ACLs and delivers snapshots.
	for _, b := range w.buckets {
		item(cfgsvc, b.Name, opGetACL, 0.05, nil)
	}
	item(cfgsvc, BucketAudit, opPutObject, 0.5, nil)
	// The public website: anonymous browsers over the website endpoint
	// (plain HTTP) and over HTTPS.
	item(anon, BucketSite, opWebsiteGet, 18, func(it *workItem) { it.plainHTTP = true })
	item(anon, BucketSite, opGetObject, 4, nil)
	// Extra buckets share the application and ETL traffic.
	for _, b := range w.buckets[5:] {
		item(app, b.Name, opGetObject, 6, nil)
		item(app, b.Name, opPutObject, 3, nil)
		item(etl, b.Name, opListObjectsV2, 1, nil)
		item(etl, b.Name, opGetObject, 3, nil)
	}

	total := 0.0
	for _, it := range w.work {
		total += it.weight
		w.workCum = append(w.workCum, total)
	}
	return w
}

// pick returns a random work item by weight.
func (w *world) pick(r *rand.Rand) *workItem {
	x := r.Float64() * w.workCum[len(w.workCum)-1]
	lo, hi := 0, len(w.workCum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if w.workCum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return &w.work[lo]
}

// makeKeys builds a bucket's object population.
func makeKeys(r *rand.Rand, b *bucket) []objKey {
	var ks []objKey
	size := func(median float64, sigma float64) int64 {
		return int64(math.Max(1, median*math.Exp(sigma*r.NormFloat64())))
	}
	switch b.Name {
	case BucketProd:
		for i := 0; i < 600; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("data/2024/11/%02d/events-%05d.parquet", 1+i%28, i), size(400e3, 1)))
		}
		for i := 0; i < 300; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("uploads/users/%d/avatar.jpg", 10000+r.IntN(90000)), size(60e3, 0.6)))
		}
		for i := 0; i < 40; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("reports/2024/q%d/summary %d.pdf", 1+i%4, i), size(900e3, 0.5)))
		}
		for i := 0; i < 60; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("exports/batch-%04d.csv", i), size(5e6, 1)))
		}
	case BucketSite:
		for _, k := range []string{"index.html", "about.html", "pricing.html", "favicon.ico", "robots.txt", "docs/Getting Started.html", "docs/faq.html"} {
			ks = append(ks, newObjKey(k, size(20e3, 0.5)))
		}
		for i := 0; i < 40; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("assets/app.%08x.js", r.Uint32()), size(150e3, 0.5)))
			ks = append(ks, newObjKey(fmt.Sprintf("img/photo-%03d.jpg", i), size(250e3, 0.7)))
		}
	case BucketBackups:
		for i := 0; i < 60; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("db/postgres/2024-11-%02d/base-%03d.tar.gz", 1+i%28, i), size(600e6, 0.4)))
		}
		for i := 0; i < 40; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("configs/etc-%03d.tar", i), size(2e6, 0.5)))
		}
	case BucketML:
		for i := 0; i < 800; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("datasets/imagenet-mini/train/n%08d/img_%05d.JPEG", 1440000+i%50, i), size(110e3, 0.5)))
		}
		for i := 0; i < 10; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("models/resnet50-v%d.pt", i), size(98e6, 0.1)))
		}
	case BucketAudit:
		for i := 0; i < 200; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("AWSLogs/%s/Config/us-east-1/2024/11/%d/ConfigSnapshot/%s_Config_us-east-1_ConfigSnapshot_20241104T%02d%02d00Z_%08x.json.gz",
				Account, 1+i%28, Account, i%24, i%60, r.Uint32()), size(30e3, 0.5)))
		}
	default:
		for i := 0; i < 400; i++ {
			ks = append(ks, newObjKey(fmt.Sprintf("part-%05d/data-%04d.csv", i%50, i), size(250e3, 1)))
		}
	}
	return ks
}
