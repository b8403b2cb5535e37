package s3access_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// fields is one access-log line as its 17 to 27+ fields, written as they
// appear in the log (quoted fields with their quotes).
type fields []string

func (f fields) String() string { return strings.Join(f, " ") }

// with returns a copy with field n (1-based) set to v.
func (f fields) with(n int, v string) fields {
	g := append(fields(nil), f...)
	g[n-1] = v
	return g
}

// upTo returns a copy with only the first n fields.
func (f fields) upTo(n int) fields { return append(fields(nil), f[:n]...) }

// plus returns a copy with more fields appended.
func (f fields) plus(v ...string) fields { return append(append(fields(nil), f...), v...) }

const (
	testOwner  = "4f1a9c0e7b2d3a5f6e8c9b0a1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6"
	testHostID = "kQ8w2ZrT5vN1xY7bC3dF9gH0jL4mP6sR8tU2vW4yA6cE8gI0kM2oQ4sU6wY8aC0eG2iK4mO6qS8u="
)

// baseLine is a 27-field GET with every documented field present.
func baseLine() fields {
	return fields{
		testOwner, "logs-demo", "[14/Mar/2024:09:26:53 +0000]", "203.0.113.7",
		"arn:aws:iam::111122223333:user/alice", "5KQ2JD8F0T1A9B3C", "REST.GET.OBJECT",
		"reports/2024/q1.csv", `"GET /logs-demo/reports/2024/q1.csv HTTP/1.1"`, "200", "-",
		"5120", "5120", "23", "11", `"https://console.example.com/"`,
		`"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12"`, "-", testHostID,
		"SigV4", "TLS_AES_128_GCM_SHA256", "AuthHeader", "logs-demo.s3.eu-west-1.amazonaws.com",
		"TLSv1.3", "arn:aws:s3:eu-west-1:111122223333:accesspoint/reports-ap", "Yes", "eu-west-1",
	}
}

// sampleLines builds n realistic, varied lines: every format generation,
// operations with and without keys, %-encoded keys, errors, anonymous and
// service requesters, long browser user agents, referers and lifecycle
// records. The same seed gives the same lines.
func sampleLines(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 42))
	ops := []struct{ op, method string }{
		{"REST.GET.OBJECT", "GET"}, {"REST.PUT.OBJECT", "PUT"}, {"REST.HEAD.OBJECT", "HEAD"},
		{"REST.GET.BUCKET", "GET"}, {"REST.DELETE.OBJECT", "DELETE"}, {"REST.POST.UPLOAD", "POST"},
		{"REST.COPY.OBJECT_GET", "PUT"}, {"REST.GET.ACL", "GET"}, {"WEBSITE.GET.OBJECT", "GET"},
		{"S3.EXPIRE.OBJECT", ""}, {"BATCH.DELETE.OBJECT", ""}, {"REST.GET.LOCATION", "GET"},
	}
	requesters := []string{
		"arn:aws:iam::111122223333:user/alice",
		"arn:aws:sts::111122223333:assumed-role/etl-loader/i-0a1b2c3d4e5f67890",
		"arn:aws:sts::444455556666:assumed-role/AWSServiceRoleForTrustedAdvisor/TrustedAdvisor_444455556666_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9",
		"-", "svc:delivery.logs.amazonaws.com", "AmazonS3", testOwner,
	}
	agents := []string{
		`"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp"`,
		`"aws-sdk-java/1.12.261 Linux/5.10.220-209.869.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/25.372-b07 java/1.8.0_372 vendor/Amazon.com_Inc. cfg/retry-mode/standard"`,
		`"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"`,
		`"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51"`,
		`"S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.1030"`, `"-"`, "-", `"curl/8.5.0"`,
	}
	referers := []string{`"-"`, `"-"`, `"-"`, "-", `"https://console.aws.amazon.com/s3/buckets/logs-demo?region=eu-west-1&tab=objects"`, `"https://www.example.com/gallery/2024/index.html"`}
	keys := []string{"reports/2024/q1.csv", "images/2024/03/IMG_%d.JPG", "data/year%%3D2024/month%%3D03/part-%05d.snappy.parquet",
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/14/111122223333_CloudTrail_eu-west-1_20240314T0925Z_%d.json.gz",
		"uploads/My%%20Document%%20%d.pdf", "caf%%C3%%A9/men%%C3%%BC-%d.txt", "index.html", "-"}
	errs := []struct {
		status, code string
	}{{"200", "-"}, {"200", "-"}, {"200", "-"}, {"206", "-"}, {"204", "-"}, {"304", "-"}, {"403", "AccessDenied"}, {"404", "NoSuchKey"}, {"503", "SlowDown"}, {"-", "-"}}
	ciphers := []string{"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256", "-"}
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		op := ops[r.IntN(len(ops))]
		key := keys[r.IntN(len(keys))]
		if strings.Contains(key, "%d") || strings.Contains(key, "%05d") {
			key = fmt.Sprintf(key, r.IntN(100000))
		} else {
			key = strings.ReplaceAll(key, "%%", "%")
		}
		uri := "-"
		if op.method != "" {
			path := "/logs-demo"
			if key != "-" {
				path += "/" + key
			}
			if r.IntN(4) == 0 {
				path += "?versionId=3HL4kqtJvjVBH40Nrjfkd&x-id=GetObject"
			}
			uri = `"` + op.method + " " + path + ` HTTP/1.1"`
			if r.IntN(20) == 0 {
				uri = `"-"`
			}
		}
		e := errs[r.IntN(len(errs))]
		num := func(max int) string {
			if r.IntN(6) == 0 {
				return "-"
			}
			return fmt.Sprint(r.IntN(max))
		}
		tm := fmt.Sprintf("[%02d/%s/20%02d:%02d:%02d:%02d +0000]", 1+r.IntN(28), months[r.IntN(12)], 12+r.IntN(13), r.IntN(24), r.IntN(60), r.IntN(60))
		ip := fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		if r.IntN(10) == 0 {
			ip = "2001:db8:85a3::8a2e:370:7334"
		}
		f := fields{
			testOwner, "logs-demo", tm, ip, requesters[r.IntN(len(requesters))],
			fmt.Sprintf("%016X", r.Uint64()), op.op, key, uri, e.status, e.code,
			num(10_000_000), num(1 << 40), num(5000), num(500), referers[r.IntN(len(referers))],
			agents[r.IntN(len(agents))],
		}
		// The format generations, weighted towards today's.
		tail := fields{"-", testHostID, "SigV4", ciphers[r.IntN(len(ciphers))], "AuthHeader",
			"logs-demo.s3.eu-west-1.amazonaws.com", "TLSv1.2", "-", "-", "eu-west-1"}
		if r.IntN(3) == 0 {
			tail[0] = "3HL4kqtJvjVBH40Nrjfkd.Xz0y"
		}
		if r.IntN(5) == 0 {
			tail[7] = "arn:aws:s3:eu-west-1:111122223333:accesspoint/reports-ap"
			tail[8] = "Yes"
		}
		switch k := r.IntN(20); {
		case k == 0:
			tail = tail[:0] // 2012: ends at the user agent
		case k == 1:
			tail = tail[:1]
		case k < 5:
			tail = tail[:7]
		case k < 9:
			tail = tail[:9]
		}
		out = append(out, f.plus(tail...).String())
	}
	return out
}
