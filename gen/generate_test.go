package gen_test

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
)

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := smallConfig(7)
	cfg.Days, cfg.Workers = 1, 1
	a := t.TempDir()
	if _, err := gen.Generate(a, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 3 // the split of hours across workers must not matter
	b := t.TempDir()
	if _, err := gen.Generate(b, cfg); err != nil {
		t.Fatal(err)
	}
	fa, fb := files(t, a, "."), files(t, b, ".")
	if strings.Join(fa, "\n") != strings.Join(fb, "\n") {
		t.Fatalf("same seed, different file names: %d vs %d files", len(fa), len(fb))
	}
	for _, f := range fa {
		if !bytes.Equal(readFile(t, a, f), readFile(t, b, f)) {
			t.Errorf("same seed, %s differs", f)
		}
	}

	cfg.Seed = 8
	c := t.TempDir()
	if _, err := gen.Generate(c, cfg); err != nil {
		t.Fatal(err)
	}
	if fc := files(t, c, "."); strings.Join(fa, "\n") == strings.Join(fc, "\n") {
		t.Errorf("seeds 7 and 8 gave the same file names")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  gen.Config
	}{
		{"interval not dividing an hour", gen.Config{AccessLogInterval: 7 * time.Minute}},
		{"interval over an hour", gen.Config{CloudTrailInterval: 2 * time.Hour}},
		{"gzip level", gen.Config{GzipLevel: 12}},
		{"only", gen.Config{Only: "vpcflow"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := gen.Generate(t.TempDir(), tt.cfg); err == nil {
				t.Errorf("Generate(%+v) = nil error, want one", tt.cfg)
			}
		})
	}
	if _, err := gen.ForScale("huge", 1); err == nil {
		t.Errorf("ForScale(huge) = nil error, want one")
	}
}

// TestAccessLogLines checks every access-log line against the documented
// format, and Truth's line, byte and IP counts against the files.
func TestAccessLogLines(t *testing.T) {
	dir, tr := shared(t)
	malformed := map[gen.LineRef]bool{}
	for _, m := range tr.Malformed {
		malformed[m] = true
	}
	var lines, good, size int64
	bytesByIP := map[string]int64{}
	errs := map[gen.ErrorKey]map[string]bool{} // request ids per error
	deleted := map[string]bool{}               // bucket/key of successful deletions
	deleteLines := 0
	objects := files(t, dir, "s3-access")
	for _, f := range objects {
		data := readFile(t, dir, f)
		size += int64(len(data))
		if !bytes.HasSuffix(data, []byte("\n")) {
			t.Errorf("%s does not end in a newline", f)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			lines++
			ref := gen.LineRef{Object: f, Line: int64(i + 1)}
			if malformed[ref] {
				continue
			}
			good++
			fs := splitFields(line)
			if len(fs) != 27 {
				t.Fatalf("%s:%d has %d fields, want 27: %s", f, i+1, len(fs), line)
			}
			if !strings.HasPrefix(fs[2], "[") || !strings.HasSuffix(fs[2], " +0000]") {
				t.Errorf("%s:%d time %q", f, i+1, fs[2])
			}
			if want := strings.Split(f, "/")[1]; fs[1] != want {
				t.Errorf("%s:%d bucket %q in the log of %q", f, i+1, fs[1], want)
			}
			if len(fs[5]) != 16 {
				t.Errorf("%s:%d request id %q", f, i+1, fs[5])
			}
			if fs[8] != "-" && fs[8] != `"-"` && !strings.HasSuffix(fs[8], ` HTTP/1.1"`) {
				t.Errorf("%s:%d request URI %q", f, i+1, fs[8])
			}
			if fs[9] != "-" {
				if _, err := strconv.Atoi(fs[9]); err != nil {
					t.Errorf("%s:%d status %q", f, i+1, fs[9])
				}
			}
			switch fs[19] {
			case "SigV4", "SigV2", "-":
			default:
				t.Errorf("%s:%d signature version %q", f, i+1, fs[19])
			}
			switch fs[23] {
			case "TLSv1.2", "TLSv1.3", "-":
			default:
				t.Errorf("%s:%d TLS version %q", f, i+1, fs[23])
			}
			if status, err := strconv.Atoi(fs[9]); err == nil && status >= 400 {
				k := gen.ErrorKey{Bucket: fs[1], Status: status, ErrorCode: fs[10]}
				if errs[k] == nil {
					errs[k] = map[string]bool{}
				}
				errs[k][fs[5]] = true
			}
			if (fs[6] == "REST.DELETE.OBJECT" || fs[6] == "BATCH.DELETE.OBJECT") && fs[9] == "204" {
				deleted[fs[1]+"/"+fs[7]] = true
				deleteLines++
			}
			if fs[11] != "-" && fs[3] != "-" {
				n, err := strconv.ParseInt(fs[11], 10, 64)
				if err != nil {
					t.Errorf("%s:%d bytes sent %q", f, i+1, fs[11])
				}
				bytesByIP[fs[3]] += n
			}
		}
	}
	if lines != tr.Files.AccessLogLines {
		t.Errorf("files hold %d lines, Truth.Files.AccessLogLines = %d", lines, tr.Files.AccessLogLines)
	}
	if good != tr.Rows.AccessLogs {
		t.Errorf("files hold %d well-formed lines, Truth.Rows.AccessLogs = %d", good, tr.Rows.AccessLogs)
	}
	if size != tr.Files.AccessLogBytes || len(objects) != tr.Files.AccessLogObjects {
		t.Errorf("files: %d objects, %d bytes; Truth.Files says %d, %d", len(objects), size, tr.Files.AccessLogObjects, tr.Files.AccessLogBytes)
	}
	if len(tr.Malformed) != 3 || tr.Rows.Rejects != 3 {
		t.Errorf("Truth has %d malformed lines, %d rejects; want 3", len(tr.Malformed), tr.Rows.Rejects)
	}
	for ip, want := range tr.AccessLogBytesByIP {
		if bytesByIP[ip] != want {
			t.Errorf("bytes sent to %s: files %d, Truth %d", ip, bytesByIP[ip], want)
		}
	}
	logged := map[string]bool{}
	for _, b := range tr.Buckets {
		logged[b.Name] = b.AccessLogs
	}
	for k, n := range tr.Errors {
		if logged[k.Bucket] && int64(len(errs[k])) != n {
			t.Errorf("errors %+v: %d request ids in the files, Truth %d", k, len(errs[k]), n)
		}
	}
	var wantDeleted int
	for _, d := range tr.Deletions {
		if logged[d.Bucket] {
			wantDeleted++
			if !deleted[d.Bucket+"/"+strings.ReplaceAll(url.QueryEscape(d.Key), "%2F", "/")] {
				t.Errorf("Truth deletion %+v has no 204 delete line", d)
			}
		}
	}
	if deleteLines != wantDeleted {
		t.Errorf("%d successful delete lines in the files, Truth %d deletions", deleteLines, wantDeleted)
	}
	if len(bytesByIP) != len(tr.AccessLogBytesByIP) {
		t.Errorf("files have %d IPs, Truth.AccessLogBytesByIP %d", len(bytesByIP), len(tr.AccessLogBytesByIP))
	}
}

// TestCloudTrailRecords checks the CloudTrail files against Truth: record
// counts, data events per bucket and role, and the requests both logs share.
func TestCloudTrailRecords(t *testing.T) {
	dir, tr := shared(t)
	recs := readCloudTrail(t, dir)
	if int64(len(recs)) != tr.Rows.CloudTrail {
		t.Errorf("files hold %d records, Truth.Rows.CloudTrail = %d", len(recs), tr.Rows.CloudTrail)
	}
	got := map[gen.CloudTrailKey]int64{}
	ctIDs := map[string]bool{}
	for _, r := range recs {
		if r.EventSource == "s3.amazonaws.com" {
			ctIDs[r.RequestID] = true
		}
		if r.EventCategory != "Data" {
			continue
		}
		b, _ := r.RequestParameters["bucketName"].(string)
		got[gen.CloudTrailKey{EventSource: r.EventSource, EventName: r.EventName, Bucket: b, SessionIssuer: r.UserIdentity.SessionContext.SessionIssuer.UserName}]++
	}
	if len(got) != len(tr.CloudTrailS3Data) {
		t.Errorf("files have %d (source, name, bucket, issuer) groups, Truth %d", len(got), len(tr.CloudTrailS3Data))
	}
	for k, n := range tr.CloudTrailS3Data {
		if got[k] != n {
			t.Errorf("%+v: files %d, Truth %d", k, got[k], n)
		}
	}
	// Requests in both logs carry the same request id.
	alIDs := map[string]bool{}
	for _, f := range files(t, dir, "s3-access") {
		for _, line := range strings.Split(string(readFile(t, dir, f)), "\n") {
			if fs := splitFields(line); len(fs) == 27 {
				alIDs[fs[5]] = true
			}
		}
	}
	var merged int64
	for id := range ctIDs {
		if alIDs[id] {
			merged++
		}
	}
	if merged != tr.MergedRequests {
		t.Errorf("%d request ids in both logs, Truth.MergedRequests = %d", merged, tr.MergedRequests)
	}
	if tr.MergedRequests == 0 || tr.MergedRequests == tr.Requests {
		t.Errorf("MergedRequests = %d of %d: want some but not all", tr.MergedRequests, tr.Requests)
	}
	digests := 0
	for _, f := range files(t, dir, "cloudtrail") {
		if strings.Contains(f, "/CloudTrail-Digest/") {
			digests++
			if !bytes.Contains(gunzip(t, readFile(t, dir, f)), []byte(`"digestPublicKeyFingerprint"`)) {
				t.Errorf("%s is not a digest", f)
			}
		}
	}
	if digests == 0 || digests != tr.Files.DigestObjects {
		t.Errorf("%d digest files, Truth says %d", digests, tr.Files.DigestObjects)
	}
}

// TestTruthIncidents checks that the injected incidents are in Truth with
// the documented actors.
func TestTruthIncidents(t *testing.T) {
	_, tr := shared(t)
	in := tr.Incidents
	var sum int64
	for _, c := range tr.Access {
		sum += c.Requests
	}
	if sum != tr.Requests-tr.Lifecycle {
		t.Errorf("Access sums to %d requests, want Requests-Lifecycle = %d", sum, tr.Requests-tr.Lifecycle)
	}
	if got := tr.TopIPs(1); len(got) != 1 || got[0].IP != in.ExfilIP {
		t.Errorf("top IP by bytes = %v, want %s", got, in.ExfilIP)
	}
	dels := tr.DeletionsOf(gen.BucketProd, in.DeletedKey)
	if len(dels) != 1 || dels[0].Principal != in.Deleter || dels[0].Operation != "REST.DELETE.OBJECT" {
		t.Errorf("deletions of %s = %+v, want one by %s", in.DeletedKey, dels, in.Deleter)
	}
	for _, k := range in.BatchDeleted {
		d := tr.DeletionsOf(gen.BucketProd, k)
		if len(d) != 1 || d[0].Principal != in.Deleter || d[0].Operation != "BATCH.DELETE.OBJECT" {
			t.Errorf("deletions of %s = %+v, want one batch deletion by %s", k, d, in.Deleter)
		}
	}
	if n := tr.AnonymousByObject[gen.ObjectKey{Bucket: gen.BucketProd, Key: in.PublicObject}]; n != 12 {
		t.Errorf("anonymous reads of %s = %d, want 12", in.PublicObject, n)
	}
	if len(tr.SigV2) != 1 || tr.SigV2[in.SigV2Principal] == 0 {
		t.Errorf("SigV2 requesters = %v, want only %s", tr.SigV2, in.SigV2Principal)
	}
	if tr.Errors[gen.ErrorKey{Bucket: gen.BucketBackups, Status: 403, ErrorCode: "AccessDenied"}] < 2 {
		t.Errorf("errors = %v, want the deleter's AccessDenied on %s", tr.Errors, gen.BucketBackups)
	}
	denied := tr.Access[gen.AccessKey{Bucket: gen.BucketBackups, Principal: in.Deleter, Action: "s3:GetObject"}]
	if denied.Requests != 2 || denied.Denied != 2 {
		t.Errorf("deleter's GetObject on backups = %+v, want 2 requests, 2 denied", denied)
	}
	if c := tr.Access[gen.AccessKey{Bucket: gen.BucketBackups, Principal: "arn:aws:iam::111122223333:role/backup-runner", Action: "s3:GetObjectVersion"}]; c.Requests == 0 {
		t.Errorf("no s3:GetObjectVersion requests (HEAD with versionId) by backup-runner")
	}
	keys := map[string]bool{}
	for _, s := range tr.Sensitive {
		keys[s.Key] = true
	}
	for _, k := range []string{".env", "config/id_rsa", "backup.sql", "credentials.csv", "exports/db/backup.sql", "secrets/credentials.csv"} {
		if !keys[k] {
			t.Errorf("Sensitive lacks %s", k)
		}
	}
	var nonTLS int64
	for _, n := range tr.NonTLS {
		nonTLS += n
	}
	if nonTLS == 0 || tr.AnonymousRequests == 0 || tr.Lifecycle == 0 || len(tr.Expirations) != int(tr.Lifecycle) {
		t.Errorf("nonTLS %d, anonymous %d, lifecycle %d (%d expirations): want all > 0 and equal lifecycle counts", nonTLS, tr.AnonymousRequests, tr.Lifecycle, len(tr.Expirations))
	}
	roles := map[string]bool{}
	for _, p := range tr.Principals {
		roles[p.ARN] = true
	}
	for _, want := range []string{"arn:aws:iam::111122223333:role/service-role/AWSGlueServiceRole-etl", "arn:aws:iam::111122223333:root", "config.amazonaws.com", "anonymous"} {
		if !roles[want] {
			t.Errorf("Principals lacks %s", want)
		}
	}
}

func TestNoIncidents(t *testing.T) {
	cfg := smallConfig(3)
	cfg.Days, cfg.NoIncidents = 1, true
	tr, err := gen.Generate(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Malformed) != 0 || len(tr.Sensitive) != 0 || len(tr.SigV2) == 0 {
		t.Errorf("NoIncidents: %d malformed, %d sensitive, %d SigV2 requesters; want 0, 0 and the ordinary legacy job", len(tr.Malformed), len(tr.Sensitive), len(tr.SigV2))
	}
}

func BenchmarkGenerate(b *testing.B) {
	cfg := smallConfig(1)
	cfg.Days = 1
	var size int64
	for i := 0; i < b.N; i++ {
		tr, err := gen.Generate(b.TempDir(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		size = tr.Files.AccessLogBytes + tr.Files.CloudTrailJSON
	}
	b.SetBytes(size)
}
