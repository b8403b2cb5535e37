package cloudtrail

import (
	"github.com/s3sift/s3sift/event"
)

// object decodes the record object whose '{' is at i into d.rec and returns
// the index after it. Whether it really is a record is decided afterwards
// by isRecord.
func (d *decoder) object(i int) (int, error) {
	d.rec = event.CloudTrail{}
	d.s3m = event.S3Members{}
	d.strong = false
	d.envelopes = d.envelopes[:0]
	d.extra = d.extra[:0]
	return d.members(i, d.recordMember)
}

// isRecord reports whether the object just decoded from b[i:end] is a
// CloudTrail record, or an envelope around one (an EventBridge event, say),
// in which case d.rec now holds the record inside it.
func (d *decoder) isRecord(i, end int) bool {
	if d.strong {
		d.finishRecord()
		return true
	}
	envs := append([][2]int(nil), d.envelopes...)
	for _, env := range envs {
		d.rec = event.CloudTrail{}
		d.s3m = event.S3Members{}
		d.extra = d.extra[:0]
		d.inEnvelope = true
		_, err := d.members(env[0], d.recordMember)
		d.inEnvelope = false
		if err == nil && d.strong {
			d.finishRecord()
			return true
		}
	}
	return false
}

// finishRecord completes d.rec once all its members are read: Extra, and
// the s3_requests columns derived from the others.
func (d *decoder) finishRecord() {
	if len(d.extra) > 0 {
		d.rec.Extra = string(append(d.extra, '}'))
	}
	d.derive.DeriveWith(&d.rec, &d.s3m)
}

// strongKeys are the members that make an object a CloudTrail record.
const strongKeys = "eventVersion, eventTime, eventName, eventSource, eventID"

func (d *decoder) notRecordReason() string {
	return "not a CloudTrail log: its first object is not a CloudTrail record (it has none of " + strongKeys + ")"
}

// skipMarker returns why an object with member key is not a log, or "".
func skipMarker(key []byte) string {
	switch string(key) {
	case "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
		"digestPublicKeyFingerprint", "digestSignatureAlgorithm", "previousDigestSignature":
		return "CloudTrail digest file"
	case "configurationItems", "configSnapshotId":
		return "not a CloudTrail log: AWS Config snapshot or history file"
	}
	return ""
}

// members decodes the members of the object whose '{' is at i, calling f
// with each member's key (unescaped), its raw key text and the index of its
// value; f returns the index after the value.
func (d *decoder) members(i int, f func(key, raw []byte, i int) (int, error)) (int, error) {
	b := d.b
	i = d.ws(i + 1)
	if i >= len(b) {
		return i, d.end(i, "an object key or '}'")
	}
	if b[i] == '}' {
		return i + 1, nil
	}
	for {
		if b[i] != '"' {
			return i, d.errAt(i, "expected '\"' to begin an object key, found %s", quoteByte(b[i]))
		}
		end, flags, err := d.scanString(i)
		if err != nil {
			return end, err
		}
		raw := b[i+1 : end-1]
		key := raw
		if flags&fEscape != 0 {
			key = []byte(d.unescape(raw))
		}
		j := end
		if j < len(b) && b[j] == ':' {
			j++
		} else {
			j = d.ws(j)
			if j >= len(b) {
				return j, d.end(j, "':' after object key")
			}
			if b[j] != ':' {
				return j, d.errAt(j, "expected ':' after object key, found %s", quoteByte(b[j]))
			}
			j++
		}
		j = d.ws(j)
		if j >= len(b) {
			return j, d.end(j, "a value")
		}
		i, err = f(key, raw, j)
		if err != nil {
			return i, err
		}
		if i < len(b) && b[i] == ',' {
			i++
		} else {
			i = d.ws(i)
			if i >= len(b) {
				return i, d.end(i, "',' or '}'")
			}
			if b[i] == '}' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return i, d.errAt(i, "expected ',' or '}' after object member, found %s", quoteByte(b[i]))
			}
			i++
		}
		i = d.ws(i)
		if i >= len(b) {
			return i, d.end(i, "an object key")
		}
	}
}

// recordMember decodes one member of a record.
func (d *decoder) recordMember(key, raw []byte, i int) (int, error) {
	r := &d.rec
	switch string(key) {
	case "eventVersion":
		d.strong = true
		return d.str(i, &r.EventVersion, pTop, raw)
	case "userIdentity":
		return d.obj(i, pTop, raw, d.userIdentityMember, func() bool { return r.UserIdentity == event.UserIdentity{} })
	case "eventTime":
		d.strong = true
		return d.timeValue(i, raw)
	case "eventSource":
		d.strong = true
		return d.str(i, &r.EventSource, pTop, raw)
	case "eventName":
		d.strong = true
		return d.str(i, &r.EventName, pTop, raw)
	case "awsRegion":
		return d.str(i, &r.AWSRegion, pTop, raw)
	case "sourceIPAddress":
		return d.str(i, &r.SourceIPAddress, pTop, raw)
	case "userAgent":
		return d.str(i, &r.UserAgent, pTop, raw)
	case "errorCode":
		return d.str(i, &r.ErrorCode, pTop, raw)
	case "errorMessage":
		return d.str(i, &r.ErrorMessage, pTop, raw)
	case "requestParameters":
		return d.requestParameters(i)
	case "responseElements":
		return d.free(i, &r.ResponseElements)
	case "additionalEventData":
		if r.EventSource != "" && r.EventSource != event.S3EventSource {
			return d.free(i, &r.AdditionalEventData) // nothing to collect
		}
		return d.freeObject(i, &r.AdditionalEventData, objAdditionalEventData)
	case "requestID":
		return d.str(i, &r.RequestID, pTop, raw)
	case "eventID":
		d.strong = true
		return d.str(i, &r.EventID, pTop, raw)
	case "readOnly":
		return d.boolean(i, &r.ReadOnly, pTop, raw)
	case "resources":
		return d.resourceList(i, raw)
	case "eventType":
		return d.str(i, &r.EventType, pTop, raw)
	case "apiVersion":
		return d.str(i, &r.APIVersion, pTop, raw)
	case "managementEvent":
		return d.boolean(i, &r.ManagementEvent, pTop, raw)
	case "recipientAccountId":
		return d.str(i, &r.RecipientAccountID, pTop, raw)
	case "serviceEventDetails":
		return d.free(i, &r.ServiceEventDetails)
	case "sharedEventID":
		return d.str(i, &r.SharedEventID, pTop, raw)
	case "vpcEndpointId":
		return d.str(i, &r.VPCEndpointID, pTop, raw)
	case "vpcEndpointAccountId":
		return d.str(i, &r.VPCEndpointAccountID, pTop, raw)
	case "eventCategory":
		return d.str(i, &r.EventCategory, pTop, raw)
	case "addendum":
		return d.free(i, &r.Addendum)
	case "sessionCredentialFromConsole":
		return d.str(i, &r.SessionCredentialFromConsole, pTop, raw)
	case "edgeDeviceDetails":
		return d.free(i, &r.EdgeDeviceDetails)
	case "tlsDetails":
		return d.obj(i, pTop, raw, d.tlsMember, func() bool { return r.TLSDetails == event.TLSDetails{} })
	case "insightDetails":
		return d.free(i, &r.InsightDetails)
	}
	return d.unknownTop(key, raw, i)
}

// unknownTop keeps an unknown top-level member in Extra, after checking
// whether it makes the object something other than a record.
func (d *decoder) unknownTop(key, raw []byte, i int) (int, error) {
	if d.topLevel && !d.strong {
		if string(key) == "Records" && d.b[i] == '[' {
			return i + 1, errRecordsArray
		}
		if !d.known {
			if reason := skipMarker(key); reason != "" {
				d.skipReason = reason
				return i, errSkipObject
			}
		}
	}
	if d.b[i] == '{' && !d.inEnvelope {
		end, flags, err := d.skipValue(i)
		if err != nil {
			return end, err
		}
		d.envelopes = append(d.envelopes, [2]int{i, end})
		d.addExtra(pTop, raw, d.b[i:end], flags)
		return end, nil
	}
	return d.unknown(i, pTop, raw)
}

func (d *decoder) userIdentityMember(key, raw []byte, i int) (int, error) {
	u := &d.rec.UserIdentity
	switch string(key) {
	case "type":
		return d.str(i, &u.Type, pUI, raw)
	case "principalId":
		return d.str(i, &u.PrincipalID, pUI, raw)
	case "arn":
		return d.str(i, &u.ARN, pUI, raw)
	case "accountId":
		return d.str(i, &u.AccountID, pUI, raw)
	case "accessKeyId":
		return d.str(i, &u.AccessKeyID, pUI, raw)
	case "userName":
		return d.str(i, &u.UserName, pUI, raw)
	case "sessionContext":
		return d.obj(i, pUI, raw, d.sessionContextMember, func() bool { return u.SessionContext == event.SessionContext{} })
	case "invokedBy":
		return d.str(i, &u.InvokedBy, pUI, raw)
	case "identityProvider":
		return d.str(i, &u.IdentityProvider, pUI, raw)
	case "credentialId":
		return d.str(i, &u.CredentialID, pUI, raw)
	case "onBehalfOf":
		return d.free(i, &u.OnBehalfOf)
	case "inScopeOf":
		return d.free(i, &u.InScopeOf)
	}
	return d.unknown(i, pUI, raw)
}

func (d *decoder) sessionContextMember(key, raw []byte, i int) (int, error) {
	c := &d.rec.UserIdentity.SessionContext
	switch string(key) {
	case "attributes":
		return d.obj(i, pSC, raw, d.attributesMember, func() bool { return c.Attributes == event.SessionAttributes{} })
	case "sessionIssuer":
		return d.obj(i, pSC, raw, d.issuerMember, func() bool { return c.SessionIssuer == event.SessionIssuer{} })
	case "webIdFederationData":
		return d.free(i, &c.WebIDFederationData)
	case "sourceIdentity":
		return d.str(i, &c.SourceIdentity, pSC, raw)
	case "ec2RoleDelivery":
		return d.str(i, &c.EC2RoleDelivery, pSC, raw)
	case "assumedRoot":
		return d.str(i, &c.AssumedRoot, pSC, raw)
	}
	return d.unknown(i, pSC, raw)
}

func (d *decoder) attributesMember(key, raw []byte, i int) (int, error) {
	a := &d.rec.UserIdentity.SessionContext.Attributes
	switch string(key) {
	case "creationDate":
		return d.str(i, &a.CreationDate, pAttr, raw)
	case "mfaAuthenticated":
		return d.str(i, &a.MFAAuthenticated, pAttr, raw)
	}
	return d.unknown(i, pAttr, raw)
}

func (d *decoder) issuerMember(key, raw []byte, i int) (int, error) {
	s := &d.rec.UserIdentity.SessionContext.SessionIssuer
	switch string(key) {
	case "type":
		return d.str(i, &s.Type, pIssuer, raw)
	case "principalId":
		return d.str(i, &s.PrincipalID, pIssuer, raw)
	case "arn":
		return d.str(i, &s.ARN, pIssuer, raw)
	case "accountId":
		return d.str(i, &s.AccountID, pIssuer, raw)
	case "userName":
		return d.str(i, &s.UserName, pIssuer, raw)
	}
	return d.unknown(i, pIssuer, raw)
}

func (d *decoder) tlsMember(key, raw []byte, i int) (int, error) {
	t := &d.rec.TLSDetails
	switch string(key) {
	case "tlsVersion":
		return d.str(i, &t.TLSVersion, pTLS, raw)
	case "cipherSuite":
		return d.str(i, &t.CipherSuite, pTLS, raw)
	case "clientProvidedHostHeader":
		return d.str(i, &t.ClientProvidedHostHeader, pTLS, raw)
	}
	return d.unknown(i, pTLS, raw)
}

func (d *decoder) resourceMember(key, raw []byte, i int) (int, error) {
	r := d.curRes
	switch string(key) {
	case "ARN":
		return d.str(i, &r.ARN, pRes, raw)
	case "accountId":
		return d.str(i, &r.AccountID, pRes, raw)
	case "type":
		return d.str(i, &r.Type, pRes, raw)
	}
	return d.unknown(i, pRes, raw)
}

// emptyResources marks a record whose resources list was present but empty.
var emptyResources = []event.Resource{}

// resourceList decodes the resources member at i.
func (d *decoder) resourceList(i int, raw []byte) (int, error) {
	b := d.b
	switch b[i] {
	case '[':
	case 'n':
		return d.scanLiteral(i, "null")
	default:
		return d.unknown(i, pTop, raw)
	}
	j := d.ws(i + 1)
	if j >= len(b) {
		return j, d.end(j, "a value or ']'")
	}
	if b[j] == ']' {
		d.rec.Resources = emptyResources
		return j + 1, nil
	}
	res := d.resources[:0]
	for n := 0; ; n++ {
		res = append(res, event.Resource{})
		d.resIndex = n
		var err error
		if b[j] == '{' {
			d.curRes = &res[n]
			j, err = d.members(j, d.resourceMember)
		} else {
			var flags uint8
			start := j
			j, flags, err = d.skipValue(j)
			if err == nil {
				d.addExtraKey(d.prefix(pRes), d.b[start:j], flags)
			}
		}
		if err != nil {
			d.resources = res[:0]
			return j, err
		}
		j = d.ws(j)
		if j >= len(b) {
			d.resources = res[:0]
			return j, d.end(j, "',' or ']'")
		}
		if b[j] == ']' {
			j++
			break
		}
		if b[j] != ',' {
			d.resources = res[:0]
			return j, d.errAt(j, "expected ',' or ']' in resources, found %s", quoteByte(b[j]))
		}
		j = d.ws(j + 1)
		if j >= len(b) {
			d.resources = res[:0]
			return j, d.end(j, "a value")
		}
	}
	if len(d.slab) < len(res) {
		d.slab = make([]event.Resource, max(1024, len(res)))
	}
	out := d.slab[:len(res):len(res)]
	copy(out, res)
	d.slab = d.slab[len(res):]
	d.rec.Resources = out
	d.resources = res[:0]
	return j, nil
}
