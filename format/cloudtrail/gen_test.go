package cloudtrail_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// genRecords writes a {"Records":[…]} file of about size bytes in the shape
// CloudTrail writes them (member order, one line): mostly S3 data events by
// assumed roles, and management events with larger responses.
func genRecords(seed uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	t0 := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	for n := 0; b.Len() < size; n++ {
		if n > 0 {
			b.WriteByte(',')
		}
		t := t0.Add(time.Duration(n) * 137 * time.Millisecond)
		if rng.IntN(10) < 8 {
			writeDataEvent(&b, rng, t)
		} else {
			writeManagementEvent(&b, rng, t)
		}
	}
	b.WriteString("]}")
	return b.Bytes()
}

var (
	s3Ops     = []string{"GetObject", "GetObject", "GetObject", "PutObject", "HeadObject", "DeleteObject", "ListObjects", "CopyObject"}
	buckets   = []string{"prod-data-lake", "app-assets-eu", "backup-archive-2026", "logs.example.com"}
	roles     = []string{"etl-runner", "web-frontend", "AWSServiceRoleForBackup", "analyst"}
	agents    = []string{"[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2]", "[Boto3/1.34.140 md/Botocore#1.34.140 ua/2.0 os/linux#6.1.97 md/arch#x86_64 lang/python#3.12.4 cfg/retry-mode#legacy Botocore/1.34.140]", "[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#x86_64 lang/python#3.12.6 exec-env/\"quoted\"]", "AWS Internal"}
	mgmtNames = []string{"AssumeRole", "DescribeInstances", "ConsoleLogin", "CreateBucket", "PutBucketPolicy", "GetCallerIdentity"}
)

func uuid(rng *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
}

func writeIdentity(b *bytes.Buffer, rng *rand.Rand, t time.Time) {
	role := roles[rng.IntN(len(roles))]
	fmt.Fprintf(b, `"userIdentity":{"type":"AssumedRole","principalId":"AROA3EXAMPLE%04d:session-%d","arn":"arn:aws:sts::123456789012:assumed-role/%s/session-%d","accountId":"123456789012","accessKeyId":"ASIA3EXAMPLE%08d","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA3EXAMPLE%04d","arn":"arn:aws:iam::123456789012:role/%s","accountId":"123456789012","userName":"%s"},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}}`,
		rng.IntN(10000), rng.IntN(100), role, rng.IntN(100), rng.IntN(1e8), rng.IntN(10000), role, role, t.Add(-time.Hour).Format(time.RFC3339))
}

func writeDataEvent(b *bytes.Buffer, rng *rand.Rand, t time.Time) {
	op := s3Ops[rng.IntN(len(s3Ops))]
	bucket := buckets[rng.IntN(len(buckets))]
	key := fmt.Sprintf("year=2026/month=03/part-%05d-%s.snappy.parquet", rng.IntN(100000), uuid(rng)[:8])
	ua := strconv.Quote(agents[rng.IntN(len(agents))])
	b.WriteString(`{"eventVersion":"1.10",`)
	writeIdentity(b, rng, t)
	fmt.Fprintf(b, `,"eventTime":"%s","eventSource":"s3.amazonaws.com","eventName":"%s","awsRegion":"eu-west-1","sourceIPAddress":"10.%d.%d.%d","userAgent":"%s",`,
		t.Format(time.RFC3339), op, rng.IntN(256), rng.IntN(256), rng.IntN(256), ua[1:len(ua)-1])
	if op == "ListObjects" {
		fmt.Fprintf(b, `"requestParameters":{"list-type":"2","bucketName":"%s","encoding-type":"url","prefix":"year=2026/","Host":"%s.s3.eu-west-1.amazonaws.com"},`, bucket, bucket)
	} else {
		fmt.Fprintf(b, `"requestParameters":{"bucketName":"%s","Host":"%s.s3.eu-west-1.amazonaws.com","key":"%s"},`, bucket, bucket, key)
	}
	if op == "PutObject" {
		fmt.Fprintf(b, `"responseElements":{"x-amz-server-side-encryption":"aws:kms","x-amz-version-id":"%s"},`, uuid(rng)[:32])
	} else {
		b.WriteString(`"responseElements":null,`)
	}
	fmt.Fprintf(b, `"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":%d,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"%s","bytesTransferredOut":%d},`,
		rng.IntN(1000), uuid(rng)+uuid(rng), rng.IntN(1<<24))
	fmt.Fprintf(b, `"requestID":"%X","eventID":"%s","readOnly":%t,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::%s/%s"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::%s"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012",`,
		rng.Uint64(), uuid(rng), op == "GetObject" || op == "HeadObject" || op == "ListObjects", bucket, key, bucket)
	if rng.IntN(4) == 0 {
		fmt.Fprintf(b, `"vpcEndpointId":"vpce-%x","vpcEndpointAccountId":"123456789012",`, rng.Uint32())
	}
	fmt.Fprintf(b, `"eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.s3.eu-west-1.amazonaws.com"}}`, bucket)
}

func writeManagementEvent(b *bytes.Buffer, rng *rand.Rand, t time.Time) {
	name := mgmtNames[rng.IntN(len(mgmtNames))]
	b.WriteString(`{"eventVersion":"1.09",`)
	if name == "ConsoleLogin" {
		b.WriteString(`"userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::123456789012:user/anaya","accountId":"123456789012","userName":"anaya"}`)
	} else {
		writeIdentity(b, rng, t)
	}
	src := map[string]string{"AssumeRole": "sts", "DescribeInstances": "ec2", "ConsoleLogin": "signin", "CreateBucket": "s3", "PutBucketPolicy": "s3", "GetCallerIdentity": "sts"}[name]
	fmt.Fprintf(b, `,"eventTime":"%s","eventSource":"%s.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.%d","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",`,
		t.Format(time.RFC3339), src, name, rng.IntN(256))
	if rng.IntN(8) == 0 {
		b.WriteString(`"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::123456789012:assumed-role/analyst/s is not authorized to perform this operation because no identity-based policy allows the \"ec2:DescribeInstances\" action",`)
	}
	switch name {
	case "DescribeInstances":
		b.WriteString(`"requestParameters":{"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}},"responseElements":{"requestId":"` + uuid(rng) + `","reservationSet":{"items":[`)
		for k := range 1 + rng.IntN(6) {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, `{"reservationId":"r-%x","ownerId":"123456789012","groupSet":{},"instancesSet":{"items":[{"instanceId":"i-%x","imageId":"ami-%x","instanceState":{"code":16,"name":"running"},"privateDnsName":"ip-10-0-%d-%d.ec2.internal","keyName":"ops","amiLaunchIndex":0,"productCodes":{},"instanceType":"m6i.large","launchTime":%d,"placement":{"availabilityZone":"us-east-1a","tenancy":"default"},"monitoring":{"state":"disabled"},"subnetId":"subnet-%x","vpcId":"vpc-%x","privateIpAddress":"10.0.%d.%d","sourceDestCheck":true,"tagSet":{"items":[{"key":"Name","value":"worker-%d"}]}}]}}`,
				rng.Uint32(), rng.Uint64(), rng.Uint32(), rng.IntN(256), rng.IntN(256), t.Unix()*1000, rng.Uint32(), rng.Uint32(), rng.IntN(256), rng.IntN(256), k)
		}
		b.WriteString(`]}},`)
	case "ConsoleLogin":
		b.WriteString(`"requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes"},`)
	case "AssumeRole":
		fmt.Fprintf(b, `"requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/etl-runner","roleSessionName":"session-%d","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIA3EXAMPLE%08d","sessionToken":"%s","expiration":"Mar 14, 2026, 1:00:00 PM"},"assumedRoleUser":{"assumedRoleId":"AROA3EXAMPLE:session","arn":"arn:aws:sts::123456789012:assumed-role/etl-runner/session"}},`,
			rng.IntN(100), rng.IntN(1e8), uuid(rng)+uuid(rng)+uuid(rng))
	default:
		fmt.Fprintf(b, `"requestParameters":{"bucketName":"%s","Host":"s3.amazonaws.com"},"responseElements":null,`, buckets[rng.IntN(len(buckets))])
	}
	fmt.Fprintf(b, `"requestID":"%s","eventID":"%s","readOnly":%t,"eventType":"%s","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"%s.amazonaws.com"}`,
		uuid(rng), uuid(rng), name == "DescribeInstances" || name == "GetCallerIdentity", map[bool]string{true: "AwsConsoleSignIn", false: "AwsApiCall"}[name == "ConsoleLogin"], src)
	if name == "ConsoleLogin" {
		b.WriteString(`,"sessionCredentialFromConsole":"true"`)
	}
	b.WriteByte('}')
}
