package source

import (
	"strings"
	"time"

	"github.com/s3sift/s3sift/format"
)

// KeyInfo is what an object key says about the log it holds, read from
// the AWS delivery layouts:
//
//	CloudTrail:              [prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<unique>.json.gz
//	access logs, simple:     PREFIXYYYY-mm-DD-HH-MM-SS-UNIQUE
//	access logs, partitioned: PREFIX<account>/<region>/<bucket>/YYYY/MM/DD/YYYY-mm-DD-HH-MM-SS-UNIQUE
type KeyInfo struct {
	// Kind is the kind of log the key names, or format.Unknown when the
	// key follows no known layout (the content decides then).
	Kind format.Kind
	// Time is the time in the file name (the delivery time), or zero.
	Time time.Time
	// Account and Region come from the path, when the layout has them.
	Account, Region string
	// Skip, when non-empty, says why the object is not worth downloading.
	Skip string
}

// Skip reasons for objects that sit next to logs but are not logs s3sift
// reads.
const (
	SkipFolder    = "folder marker (empty key ending in /)"
	SkipDigest    = "CloudTrail digest file (integrity hashes, not events)"
	SkipInsight   = "CloudTrail Insights event (not an API call)"
	skipOtherLogs = " files are not S3 access logs or CloudTrail"
)

// ParseKey reads what the layout of key says about the object.
func ParseKey(key string) KeyInfo {
	if strings.HasSuffix(key, "/") {
		return KeyInfo{Skip: SkipFolder}
	}
	segs := strings.Split(key, "/")
	base := segs[len(segs)-1]
	if strings.Contains(base, "_CloudTrail-Digest_") {
		return KeyInfo{Skip: SkipDigest}
	}
	if info, ok := parseAWSLogsKey(segs); ok {
		return info
	}
	if _, t, ok := splitAccessLogName(base); ok {
		info := KeyInfo{Kind: format.AccessLog, Time: t}
		// PREFIX<account>/<region>/<bucket>/YYYY/MM/DD/<name>
		if n := len(segs); n >= 7 && isAccount(segs[n-7]) && isRegion(segs[n-6]) &&
			isDigits(segs[n-4], 4) && isDigits(segs[n-3], 2) && isDigits(segs[n-2], 2) {
			info.Account, info.Region = segs[n-7], segs[n-6]
		}
		return info
	}
	if t, acct, region, ok := parseCloudTrailName(base); ok {
		return KeyInfo{Kind: format.CloudTrail, Time: t, Account: acct, Region: region}
	}
	return KeyInfo{}
}

// parseAWSLogsKey reads keys below an AWSLogs/ folder: the service folder
// after the account decides what the object is.
func parseAWSLogsKey(segs []string) (KeyInfo, bool) {
	i := -1
	for j, s := range segs[:len(segs)-1] {
		if s == "AWSLogs" {
			i = j
			break
		}
	}
	if i < 0 || i+2 >= len(segs) {
		return KeyInfo{}, false
	}
	j := i + 1
	if isOrgID(segs[j]) {
		j++
	}
	if j+1 >= len(segs) || !isAccount(segs[j]) {
		return KeyInfo{}, false
	}
	acct, service := segs[j], segs[j+1]
	if j+2 >= len(segs) {
		return KeyInfo{}, false
	}
	base := segs[len(segs)-1]
	switch service {
	case "CloudTrail":
		info := KeyInfo{Kind: format.CloudTrail, Account: acct}
		if j+3 < len(segs) {
			info.Region = segs[j+2]
		}
		if t, _, _, ok := parseCloudTrailName(base); ok {
			info.Time = t
		}
		return info, true
	case "CloudTrail-Digest":
		return KeyInfo{Skip: SkipDigest, Account: acct}, true
	case "CloudTrail-Insight":
		return KeyInfo{Skip: SkipInsight, Account: acct}, true
	}
	return KeyInfo{Skip: service + skipOtherLogs, Account: acct}, true
}

// accessLogTimeLayout is the time at the start of an access log's name.
const accessLogTimeLayout = "2006-01-02-15-04-05"

// splitAccessLogName reads HEADYYYY-mm-DD-HH-MM-SS-UNIQUE, where HEAD is
// the end of a target prefix that does not end in a slash ("logs-") and
// UNIQUE has no dash.
func splitAccessLogName(name string) (head string, t time.Time, ok bool) {
	for i := 0; i+len(accessLogTimeLayout)+2 <= len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			continue
		}
		rest := name[i:]
		if t, ok := parseAccessLogName(rest); ok && !strings.Contains(rest[len(accessLogTimeLayout)+1:], "-") {
			return name[:i], t, true
		}
		if i == 0 {
			// The common case: the name is the time. A dash in UNIQUE
			// is unusual but not wrong there.
			if t, ok := parseAccessLogName(rest); ok {
				return "", t, true
			}
		}
	}
	return "", time.Time{}, false
}

// parseAccessLogName reads YYYY-mm-DD-HH-MM-SS-UNIQUE.
func parseAccessLogName(name string) (time.Time, bool) {
	const n = len(accessLogTimeLayout)
	if len(name) < n+2 || name[n] != '-' {
		return time.Time{}, false
	}
	for i := 0; i < n; i++ {
		c := name[i]
		if accessLogTimeLayout[i] == '-' {
			if c != '-' {
				return time.Time{}, false
			}
		} else if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(accessLogTimeLayout, name[:n])
	if err != nil || t.Year() < 1970 {
		return time.Time{}, false
	}
	return t, true
}

// parseCloudTrailName reads <account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<unique>.json.gz.
func parseCloudTrailName(name string) (t time.Time, acct, region string, ok bool) {
	parts := strings.SplitN(name, "_", 5)
	if len(parts) != 5 || parts[1] != "CloudTrail" || !isAccount(parts[0]) {
		return time.Time{}, "", "", false
	}
	t, err := time.Parse("20060102T1504Z", parts[3])
	if err != nil || t.Year() < 1970 {
		return time.Time{}, "", "", false
	}
	return t, parts[0], parts[2], true
}

// isAccount reports whether s is a 12-digit AWS account id.
func isAccount(s string) bool { return isDigits(s, 12) }

// isOrgID reports whether s looks like an AWS Organizations id (o-…).
func isOrgID(s string) bool {
	if len(s) < 12 || len(s) > 34 || !strings.HasPrefix(s, "o-") {
		return false
	}
	for _, c := range s[2:] {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// isRegion reports whether s looks like an AWS region name: lower-case
// words joined by dashes ending in a number (us-east-1, us-gov-west-1).
func isRegion(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 3 {
		return false
	}
	for i, w := range words {
		if w == "" {
			return false
		}
		last := i == len(words)-1
		for _, c := range w {
			if last && (c < '0' || c > '9') || !last && (c < 'a' || c > 'z') {
				return false
			}
		}
	}
	return true
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
