package gen

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hx = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hx[c>>4], hx[c&15])
		}
		i++
	}
	return append(b, '"')
}

// appendKV appends ,"k":"v" (or "k":"v" when first).
func appendKV(b []byte, k, v string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendJSONString(b, k)
	b = append(b, ':')
	return appendJSONString(b, v)
}

func appendKRaw(b []byte, k, raw string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendJSONString(b, k)
	b = append(b, ':')
	return append(b, raw...)
}

func appendKInt(b []byte, k string, v int64) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendJSONString(b, k)
	b = append(b, ':')
	return strconv.AppendInt(b, v, 10)
}

func appendCTTime(b []byte, t time.Time) []byte {
	return t.AppendFormat(b, `"2006-01-02T15:04:05Z"`)
}

// appendUserIdentity appends the userIdentity object of p using session.
func appendUserIdentity(b []byte, p *principal, session string, t time.Time) []byte {
	b = append(b, '{')
	switch p.Kind {
	case KindAssumedRole:
		b = appendKV(b, "type", "AssumedRole")
		b = appendKV(b, "principalId", p.id+":"+session)
		b = appendKV(b, "arn", "arn:aws:sts::"+p.Account+":assumed-role/"+p.RoleName+"/"+session)
		b = appendKV(b, "accountId", p.Account)
		b = appendKV(b, "accessKeyId", p.key)
		b = append(b, `,"sessionContext":{"sessionIssuer":{`...)
		b = appendKV(b, "type", "Role")
		b = appendKV(b, "principalId", p.id)
		b = appendKV(b, "arn", p.ARN())
		b = appendKV(b, "accountId", p.Account)
		b = appendKV(b, "userName", p.RoleName)
		b = append(b, `},"attributes":{"creationDate":`...)
		b = appendCTTime(b, t.Truncate(time.Hour))
		b = append(b, `,"mfaAuthenticated":"false"}`...)
		if p.ec2 {
			b = append(b, `,"ec2RoleDelivery":"2.0"`...)
		}
		b = append(b, '}')
	case KindIAMUser:
		b = appendKV(b, "type", "IAMUser")
		b = appendKV(b, "principalId", p.id)
		b = appendKV(b, "arn", p.ARN())
		b = appendKV(b, "accountId", p.Account)
		b = appendKV(b, "accessKeyId", p.key)
		b = appendKV(b, "userName", p.UserName)
	case KindRoot:
		b = appendKV(b, "type", "Root")
		b = appendKV(b, "principalId", p.Account)
		b = appendKV(b, "arn", p.ARN())
		b = appendKV(b, "accountId", p.Account)
		b = appendKV(b, "accessKeyId", p.key)
		b = append(b, `,"sessionContext":{"attributes":{"creationDate":`...)
		b = appendCTTime(b, t.Add(-20*time.Minute))
		b = append(b, `,"mfaAuthenticated":"true"}}`...)
	case KindAWSService:
		b = appendKV(b, "type", "AWSService")
		b = appendKV(b, "invokedBy", p.Service)
	case KindAnonymous:
		b = appendKV(b, "type", "AWSAccount")
		b = appendKV(b, "principalId", "")
		b = appendKV(b, "accountId", "ANONYMOUS_PRINCIPAL")
	}
	return append(b, '}')
}

// appendS3Record appends the CloudTrail record of an S3 request.
func appendS3Record(b []byte, q *request) []byte {
	p := q.p
	b = append(b, `{"eventVersion":"1.10","userIdentity":`...)
	b = appendUserIdentity(b, p, q.session, q.t)
	b = append(b, `,"eventTime":`...)
	b = appendCTTime(b, q.t)
	b = append(b, `,"eventSource":"s3.amazonaws.com","eventName":`...)
	b = appendJSONString(b, q.op.Event)
	b = appendKV(b, "awsRegion", q.b.Region)
	if p.Kind == KindAWSService {
		b = appendKV(b, "sourceIPAddress", p.Service)
		b = appendKV(b, "userAgent", p.Service)
	} else {
		b = appendKV(b, "sourceIPAddress", q.ip)
		b = appendKV(b, "userAgent", "["+q.ua+"]")
	}
	if q.errCode != "" {
		b = appendKV(b, "errorCode", q.errCode)
		b = appendKV(b, "errorMessage", q.errMsg)
	}
	b = append(b, `,"requestParameters":{`...)
	b = appendKV(b, "bucketName", q.b.Name)
	b = appendKV(b, "Host", q.host)
	switch q.op {
	case opListObjects:
		b = appendKV(b, "prefix", q.prefix)
		b = appendKV(b, "delimiter", "/")
	case opListObjectsV2:
		b = appendKV(b, "list-type", "2")
		b = appendKV(b, "prefix", q.prefix)
		b = appendKV(b, "encoding-type", "url")
	case opDeleteObjects:
		b = appendKV(b, "delete", "")
	case opCreateMPU:
		b = appendKV(b, "uploads", "")
	case opUploadPart:
		b = appendKV(b, "partNumber", strconv.Itoa(q.partNum))
		b = appendKV(b, "uploadId", q.uploadID)
	case opCompleteMPU:
		b = appendKV(b, "uploadId", q.uploadID)
	}
	if q.op.Mgmt {
		b = appendKV(b, q.op.Query[1:], "")
	}
	if q.k != nil {
		b = appendKV(b, "key", q.k.key)
	}
	if q.versionID != "" {
		b = appendKV(b, "versionId", q.versionID)
	}
	b = append(b, '}')
	switch {
	case q.errCode != "":
		b = append(b, `,"responseElements":null`...)
	case q.op == opPutObject || q.op == opCompleteMPU || q.op == opUploadPart:
		b = append(b, `,"responseElements":{"x-amz-server-side-encryption":"AES256"}`...)
	case q.op == opCreateMPU:
		b = append(b, `,"responseElements":{"x-amz-server-side-encryption":"AES256","bucket":`...)
		b = appendJSONString(b, q.b.Name)
		b = appendKV(b, "key", q.k.key)
		b = appendKV(b, "uploadId", q.uploadID)
		b = append(b, '}')
	default:
		b = append(b, `,"responseElements":null`...)
	}
	b = append(b, `,"additionalEventData":{`...)
	if q.sigV != "" {
		b = appendKV(b, "SignatureVersion", q.sigV)
	}
	if q.cipher != "" {
		b = appendKV(b, "CipherSuite", q.cipher)
	}
	b = appendKInt(b, "bytesTransferredIn", q.bytesIn)
	if q.auth != "" {
		b = appendKV(b, "AuthenticationMethod", q.auth)
	}
	b = appendKV(b, "x-amz-id-2", q.hostID)
	b = appendKInt(b, "bytesTransferredOut", q.bytesSent)
	b = append(b, '}')
	b = appendKV(b, "requestID", q.reqID)
	b = appendKV(b, "eventID", q.eventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, q.op.ReadOnly)
	b = append(b, `,"resources":[`...)
	if q.k != nil {
		b = append(b, `{"type":"AWS::S3::Object","ARN":`...)
		b = appendJSONString(b, "arn:aws:s3:::"+q.b.Name+"/"+q.k.key)
		b = append(b, `},`...)
	}
	if q.ap != "" {
		b = append(b, `{"accountId":"`+Account+`","type":"AWS::S3::AccessPoint","ARN":`...)
		b = appendJSONString(b, "arn:aws:s3:"+q.b.Region+":"+Account+":accesspoint/"+q.ap)
		b = append(b, `},`...)
	}
	b = append(b, `{"accountId":"`+Account+`","type":"AWS::S3::Bucket","ARN":`...)
	b = appendJSONString(b, "arn:aws:s3:::"+q.b.Name)
	b = append(b, `}],"eventType":"AwsApiCall","managementEvent":`...)
	b = strconv.AppendBool(b, q.op.Mgmt)
	b = append(b, `,"recipientAccountId":"`+Account+`"`...)
	if p.vpce != "" && len(q.ip) > 3 && q.ip[:3] == "10." {
		b = appendKV(b, "vpcEndpointId", p.vpce)
		b = appendKV(b, "vpcEndpointAccountId", Account)
	}
	if q.op.Mgmt {
		b = append(b, `,"eventCategory":"Management"`...)
	} else {
		b = append(b, `,"eventCategory":"Data"`...)
	}
	if q.tls != "" {
		b = append(b, `,"tlsDetails":{`...)
		b = appendKV(b, "tlsVersion", q.tls)
		b = appendKV(b, "cipherSuite", q.cipher)
		b = appendKV(b, "clientProvidedHostHeader", q.host)
		b = append(b, '}')
	}
	return append(b, '}')
}
