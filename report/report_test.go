package report_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/report"
)

func TestUserAgentFamily(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/s3.cp", "aws-cli"},
		{"aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0 botocore/1.17.9", "aws-cli"},
		{"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.2", "boto3/botocore"},
		{"Botocore/1.29.0 Python/3.9.16 Linux/4.14.326", "boto3/botocore"},
		{"aws-sdk-java/1.12.500 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.7 java/17.0.7", "aws-sdk-java"},
		{"aws-sdk-java/2.20.43 Linux/5.10 Java_HotSpot_TM_64-Bit_Server_VM/17 Java/17 vendor/Oracle_Corporation io/sync http/Apache", "aws-sdk-java"},
		{"aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.1", "aws-sdk-go"},
		{"aws-sdk-go/1.44.300 (go1.20.5; linux; amd64)", "aws-sdk-go"},
		{"aws-sdk-js/3.525.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#20.11.1 api/s3#3.525.0", "aws-sdk-js"},
		{"aws-sdk-nodejs/2.1500.0 linux/v18.17.0 callback", "aws-sdk-js"},
		{"aws-sdk-dotnet-coreclr/3.7.300 aws-sdk-dotnet-core/3.7.300 .NET_Core/6.0 OS/Linux", "aws-sdk-dotnet"},
		{"aws-sdk-php/3.300.0 OS/Linux/5.10 lang/php/8.2", "aws-sdk-php"},
		{"aws-sdk-ruby3/3.190.0 ua/2.0 api/s3#1.140.0 os/linux md/x86_64 lang/ruby#3.2.2", "aws-sdk-ruby"},
		{"aws-sdk-rust/1.1.7 os/linux lang/rust/1.76.0", "aws-sdk-rust"},
		{"aws-sdk-cpp/1.11.200 Linux/5.10 x86_64 GCC/11.4.0", "aws-sdk-cpp"},
		{"[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10]", "console"},
		{"S3Console/0.4", "console"},
		{"signin.amazonaws.com", "console"},
		{"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2", "terraform"},
		{"aws-internal/3 aws-sdk-java/1.11.590 Linux/4.9.137", "aws-sdk-java"},
		{"AWS-Support-TrustedAdvisor, aws-internal/3 aws-sdk-java/1.11.590", "aws-sdk-java"},
		{"aws-internal/3", "aws-internal"},
		{"AmazonS3", "aws-internal"},
		{"s3.amazonaws.com", "aws-internal"},
		{"curl/8.5.0", "curl"},
		{"python-requests/2.31.0", "python-requests"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "browser"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15", "browser"},
		{"Wget/1.21.4", "other"},
		{"rclone/v1.65.2", "other"},
		{"", "other"},
	}
	for _, tt := range tests {
		if got := report.UserAgentFamily(tt.ua); got != tt.want {
			t.Errorf("UserAgentFamily(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestSQLChecksParams(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		report string
		p      report.Params
		want   error
	}{
		{"access-history", report.Params{}, report.ErrMissingParam},
		{"object", report.Params{Bucket: "b"}, report.ErrMissingParam},
		{"principal", report.Params{}, report.ErrMissingParam},
		{"errors", report.Params{Source: "both"}, report.ErrBadParam},
		{"errors", report.Params{Since: day, Until: day}, report.ErrBadParam},
		{"errors", report.Params{Limit: -1}, report.ErrBadParam},
		{"sensitive", report.Params{Patterns: []string{"(unclosed"}}, report.ErrBadParam},
		{"object", report.Params{Bucket: "b", Key: "k"}, nil},
	}
	for _, tt := range tests {
		r, err := report.Lookup(tt.report)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = r.SQL(tt.p)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s.SQL(%+v) error = %v, want %v", tt.report, tt.p, err, tt.want)
		}
	}
	if _, err := report.Lookup("nope"); !errors.Is(err, report.ErrUnknown) || !strings.Contains(err.Error(), "access-history") {
		t.Errorf("Lookup(nope) = %v, want ErrUnknown listing the reports", err)
	}
}

func TestPlaceholdersMatchArgs(t *testing.T) {
	p := report.Params{Bucket: "b", Key: "k", Principal: "arn:aws:sts::123456789012:assumed-role/R/s", IP: "1.2.3.4",
		Since: time.Unix(0, 0), Until: time.Now(), Source: report.SourceCloudTrail, Patterns: []string{`\.txt$`}}
	for _, r := range report.List() {
		q, args, err := r.SQL(p)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		if n := strings.Count(q, "?"); n != len(args) {
			t.Errorf("%s: %d placeholders, %d args\n%s", r.Name, n, len(args), q)
		}
	}
}
