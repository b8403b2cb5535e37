package gen

import (
	"fmt"
	"time"
)

// The injected incidents' actors and objects (see Incidents).
const (
	incidentDeletedKey   = "reports/2024/q3/q3-financials.xlsx"
	incidentPublicObject = "exports/customers-2024.csv"
	incidentExfilIP      = "185.220.101.47"
	incidentScannerIP    = "45.155.205.233"
)

var incidentBatchKeys = []string{"customers/2024/customers-eu.csv", "customers/2024/customers-us.csv", "customers/2024/customers-apac.csv"}

// incidentDay is the day (0-based) the incidents happen on: the second day
// when there is one, so the first day is a clean baseline.
func incidentDay(cfg Config) int {
	if cfg.Days >= 2 {
		return 1
	}
	return 0
}

func incidentsInfo(cfg Config) Incidents {
	return Incidents{
		Deleter:        "arn:aws:iam::" + Account + ":user/contractor-tmp",
		DeletedKey:     incidentDeletedKey,
		BatchDeleted:   append([]string(nil), incidentBatchKeys...),
		PublicObject:   incidentPublicObject,
		ExfilIP:        incidentExfilIP,
		ExfilPrincipal: "arn:aws:iam::" + Account + ":role/app-backend",
		SigV2Principal: "arn:aws:iam::" + Account + ":user/legacy-reporting",
		ScannerIP:      incidentScannerIP,
		Day:            cfg.Start.AddDate(0, 0, incidentDay(cfg)),
	}
}

// incidents adds the incidents that happen in this hour (hour of day h on
// the incident day).
func (g *hourGen) incidents(h int) {
	r, w := g.r, g.w
	prod, site, backups := w.byName[BucketProd], w.byName[BucketSite], w.byName[BucketBackups]
	at := func(min, sec int) time.Time {
		return g.start.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
	}
	emit := func(q *request) {
		q.finish(r)
		g.add(q)
	}
	contractor := w.pr["contractor-tmp"]

	// Anonymous reads of an object made public by mistake (an ACL grant),
	// once an hour through the working day.
	if h >= 9 && h <= 20 {
		k := publicObject(prod)
		uas := []string{uaCurl, uaRequests, uaChrome}
		emit(&request{t: at(r.IntN(60), r.IntN(60)), b: prod, p: w.anonymous, op: opGetObject, k: &k,
			ip: fmt.Sprintf("%d.%d.%d.%d", 89+h%5, 160+h, 20, 100+h), ua: uas[h%len(uas)], aclReq: true})
	}

	switch h {
	case 3:
		// An unusual principal lists, is denied reading backups, deletes a
		// report and then a batch of customer files.
		emit(&request{t: at(9, 2), b: prod, p: contractor, op: opListObjectsV2, prefix: "reports/"})
		for i := 0; i < 2; i++ {
			k := backups.keys[i]
			emit(&request{t: at(10, 5+i*7), b: backups, p: contractor, op: opGetObject, k: &k, status: 403, errCode: "AccessDenied", errMsg: "Access Denied"})
		}
		cred := newObjKey("secrets/credentials.csv", 1421)
		emit(&request{t: at(11, 40), b: prod, p: contractor, op: opHeadObject, k: &cred})
		k := newObjKey(incidentDeletedKey, 48213)
		emit(&request{t: at(12, 17), b: prod, p: contractor, op: opDeleteObject, k: &k})
		q := &request{t: at(13, 3), b: prod, p: contractor, op: opDeleteObjects}
		for i, name := range incidentBatchKeys {
			bk := newObjKey(name, int64(1e6+i*250e3))
			q.batch = append(q.batch, &bk)
		}
		emit(q)
	case 14:
		// One IP with the application's credentials downloads far more than
		// anyone else.
		app := w.pr["app-backend"]
		n := 60 + g.cfg.RequestsPerDay*g.cfg.Days/50
		exports := exportKeys(prod)
		for i := 0; i < n; i++ {
			k := exports[i%len(exports)]
			emit(&request{t: at(i*60/n, r.IntN(60)), b: prod, p: app, op: opGetObject, k: k, ip: incidentExfilIP, ua: uaCLICp, session: app.Sessions[0]})
		}
		dump := newObjKey("exports/db/backup.sql", 2_400_000_000)
		emit(&request{t: at(59, 30), b: prod, p: app, op: opGetObject, k: &dump, ip: incidentExfilIP, ua: uaCLICp, session: app.Sessions[0]})
	case 16:
		// An anonymous scanner probes the website bucket for secrets.
		for i, name := range []string{".env", ".git/config", "config/id_rsa", "backup.sql", "credentials.csv", "wp-config.php.bak"} {
			k := newObjKey(name, 0)
			emit(&request{t: at(20, 3+i*2), b: site, p: w.anonymous, op: opGetObject, k: &k, ip: incidentScannerIP, ua: uaRequests,
				status: 403, errCode: "AccessDenied", errMsg: "Access Denied"})
		}
	case 22:
		// The root user looks around in the console.
		root := w.pr["root"]
		emit(&request{t: at(5, 40), b: prod, p: root, op: opListObjects})
		emit(&request{t: at(6, 10), b: site, p: root, op: opGetPolicy})
	}
}

// publicObject is the mistakenly public object.
func publicObject(b *bucket) objKey {
	return newObjKey(incidentPublicObject, 18_734_112)
}

// exportKeys are the production bucket's export objects (the exfiltrated
// ones).
func exportKeys(b *bucket) []*objKey {
	var out []*objKey
	for i := range b.keys {
		if len(b.keys[i].key) > 8 && b.keys[i].key[:8] == "exports/" {
			out = append(out, &b.keys[i])
		}
	}
	return out
}
