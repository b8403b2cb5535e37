package gen

import (
	"strconv"
	"time"
)

// mgmtEvent is a CloudTrail management event of a service other than S3:
// the background of every trail.
type mgmtEvent struct {
	t        time.Time
	region   string
	p        *principal
	session  string
	source   string
	name     string
	ip, ua   string
	readOnly bool
	params   string // raw JSON object or null
	response string // raw JSON object or null
	res      string // raw JSON resources array, or ""
	eventTyp string // AwsApiCall or AwsConsoleSignIn
	reqID    string
	eventID  string
	svc      *principal // AWS service calling on the principal's behalf (AssumeRole)
}

// mgmtEvents adds n background management events in [start, start+1h).
func (g *hourGen) mgmtEvents(n int) {
	r, w := g.r, g.w
	app, etl, sso, backup, ci := w.pr["app-backend"], w.pr["etl-glue-job"], w.pr["sso-admin"], w.pr["backup-runner"], w.pr["ci-deploy"]
	for i := 0; i < n; i++ {
		e := &mgmtEvent{t: g.start.Add(time.Duration(r.IntN(3600)) * time.Second), region: RegionUSEast1, eventTyp: "AwsApiCall",
			reqID: newUUID(r), eventID: newUUID(r), readOnly: true, params: "null", response: "null"}
		switch k := r.IntN(10); {
		case k < 3:
			e.p, e.session, e.source, e.name = app, app.Sessions[r.IntN(len(app.Sessions))], "kms.amazonaws.com", "Decrypt"
			e.ip, e.ua = app.ips[r.IntN(len(app.ips))], uaBoto3
			e.params = `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::` + BucketProd + `"}}`
			e.res = `[{"accountId":"` + Account + `","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:` + Account + `:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}]`
		case k < 5:
			// The role's credentials, delivered by EC2 or Glue.
			role := app
			svc := &principal{Kind: KindAWSService, Service: "ec2.amazonaws.com"}
			if r.IntN(2) == 0 {
				role, svc = etl, &principal{Kind: KindAWSService, Service: "glue.amazonaws.com"}
			}
			sess := role.Sessions[r.IntN(len(role.Sessions))]
			e.p, e.svc, e.source, e.name = svc, svc, "sts.amazonaws.com", "AssumeRole"
			e.ip, e.ua = svc.Service, svc.Service
			e.params = `{"roleArn":"` + role.ARN() + `","roleSessionName":"` + sess + `","durationSeconds":3600}`
			e.response = `{"credentials":{"accessKeyId":"` + role.key + `","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE","expiration":"` +
				e.t.Add(time.Hour).Format("Jan 2, 2006, 3:04:05 PM") + `"},"assumedRoleUser":{"assumedRoleId":"` + role.id + ":" + sess +
				`","arn":"arn:aws:sts::` + Account + `:assumed-role/` + role.RoleName + "/" + sess + `"}}`
			e.res = `[{"accountId":"` + Account + `","type":"AWS::IAM::Role","ARN":"` + role.ARN() + `"}]`
		case k < 6:
			e.p, e.session, e.source, e.name = backup, backup.Sessions[0], "kms.amazonaws.com", "GenerateDataKey"
			e.region, e.ip, e.ua = RegionEUWest1, backup.ips[0], uaGo
			e.params = `{"keySpec":"AES_256","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::` + BucketBackups + `"}}`
			e.res = `[{"accountId":"` + Account + `","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:` + Account + `:key/6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"}]`
		case k < 7:
			e.p, e.session, e.source, e.name = sso, sso.Sessions[r.IntN(len(sso.Sessions))], "ec2.amazonaws.com", "DescribeInstances"
			e.ip, e.ua = sso.ips[0], uaChrome
			e.params = `{"instancesSet":{},"filterSet":{}}`
		case k < 8:
			e.p, e.source, e.name = ci, "iam.amazonaws.com", "GetRole"
			e.ip, e.ua = ci.ips[r.IntN(len(ci.ips))], uaTerraform
			e.params = `{"roleName":"app-backend"}`
		case k < 9:
			e.p, e.session, e.source, e.name = etl, etl.Sessions[0], "logs.amazonaws.com", "CreateLogStream"
			e.ip, e.ua, e.readOnly = etl.ips[0], uaJava, false
			e.params = `{"logGroupName":"/aws-glue/jobs/output","logStreamName":"jr_` + newUUID(r)[:8] + `"}`
		default:
			e.p, e.source, e.name = ci, "sts.amazonaws.com", "GetCallerIdentity"
			e.ip, e.ua = ci.ips[r.IntN(len(ci.ips))], uaCLI
		}
		g.addMgmt(e)
	}
}

// consoleLogin is the root user's sign-in on the incident day.
func (g *hourGen) consoleLogin(t time.Time) {
	root := g.w.pr["root"]
	e := &mgmtEvent{t: t, region: RegionUSEast1, p: root, source: "signin.amazonaws.com", name: "ConsoleLogin",
		ip: root.ips[0], ua: uaChrome, eventTyp: "AwsConsoleSignIn", params: "null",
		response: `{"ConsoleLogin":"Success"}`, eventID: newUUID(g.r)}
	g.addMgmt(e)
}

// appendMgmtRecord appends a management event's CloudTrail record.
func appendMgmtRecord(b []byte, e *mgmtEvent) []byte {
	b = append(b, `{"eventVersion":"1.10","userIdentity":`...)
	b = appendUserIdentity(b, e.p, e.session, e.t)
	b = append(b, `,"eventTime":`...)
	b = appendCTTime(b, e.t)
	b = appendKV(b, "eventSource", e.source)
	b = appendKV(b, "eventName", e.name)
	b = appendKV(b, "awsRegion", e.region)
	b = appendKV(b, "sourceIPAddress", e.ip)
	b = appendKV(b, "userAgent", e.ua)
	b = appendKRaw(b, "requestParameters", e.params)
	b = appendKRaw(b, "responseElements", e.response)
	if e.eventTyp == "AwsConsoleSignIn" {
		b = append(b, `,"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes"}`...)
	} else {
		b = appendKV(b, "requestID", e.reqID)
	}
	b = appendKV(b, "eventID", e.eventID)
	if e.eventTyp != "AwsConsoleSignIn" {
		b = append(b, `,"readOnly":`...)
		b = strconv.AppendBool(b, e.readOnly)
	}
	if e.res != "" {
		b = appendKRaw(b, "resources", e.res)
	}
	b = appendKV(b, "eventType", e.eventTyp)
	b = append(b, `,"managementEvent":true,"recipientAccountId":"`+Account+`"`...)
	if e.svc != nil {
		b = appendKV(b, "sharedEventID", e.eventID)
	}
	b = append(b, `,"eventCategory":"Management"`...)
	if e.p.Kind != KindAWSService && e.eventTyp == "AwsApiCall" {
		b = append(b, `,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"`...)
		host := e.source
		if e.source != "iam.amazonaws.com" {
			host = e.source[:len(e.source)-len(".amazonaws.com")] + "." + e.region + ".amazonaws.com"
		}
		b = append(b, host...)
		b = append(b, `"}`...)
	}
	return append(b, '}')
}
