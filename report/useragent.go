package report

import (
	"strings"
)

// uaRule says that a user agent containing any of its markers (compared in
// lower case) belongs to family. Rules are tried in order: tools that embed
// an SDK (aws-cli embeds botocore, Terraform embeds aws-sdk-go) come before
// the SDK, and the console before the SDK it runs on.
type uaRule struct {
	family  string
	markers []string
}

var uaRules = []uaRule{
	{"console", []string{"s3console", "aws console", "signin.amazonaws.com", "console.amazonaws.com", "aws-console"}},
	{"terraform", []string{"terraform/", "terraform-provider-aws", "hashicorp"}},
	{"aws-cli", []string{"aws-cli/"}},
	{"boto3/botocore", []string{"boto3/", "botocore/"}},
	{"aws-sdk-java", []string{"aws-sdk-java", "aws-java-sdk"}},
	{"aws-sdk-go", []string{"aws-sdk-go"}},
	{"aws-sdk-js", []string{"aws-sdk-js", "aws-sdk-nodejs"}},
	{"aws-sdk-dotnet", []string{"aws-sdk-dotnet", "aws-sdk-net"}},
	{"aws-sdk-php", []string{"aws-sdk-php"}},
	{"aws-sdk-ruby", []string{"aws-sdk-ruby"}},
	{"aws-sdk-rust", []string{"aws-sdk-rust"}},
	{"aws-sdk-cpp", []string{"aws-sdk-cpp"}},
	{"aws-internal", []string{"aws-internal", "aws internal", "amazons3", "s3.amazonaws.com"}},
	{"curl", []string{"curl/"}},
	{"python-requests", []string{"python-requests/"}},
	{"browser", []string{"mozilla/", "opera/"}},
}

// UserAgentFamily classifies a user agent; the SQL of the user-agents
// report applies the same rules.
func UserAgentFamily(ua string) string {
	l := strings.ToLower(ua)
	for _, r := range uaRules {
		for _, m := range r.markers {
			if strings.Contains(l, m) {
				return r.family
			}
		}
	}
	return "other"
}

// userAgentFamilySQL is UserAgentFamily as a SQL expression over col.
func userAgentFamilySQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, r := range uaRules {
		b.WriteString("\n    WHEN ")
		for i, m := range r.markers {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("contains(lower(" + col + "), " + quote(m) + ")")
		}
		b.WriteString(" THEN " + quote(r.family))
	}
	b.WriteString("\n    ELSE 'other' END")
	return b.String()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
