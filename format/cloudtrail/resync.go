package cloudtrail

import (
	"bytes"

	"github.com/s3sift/s3sift/event"
)

// After a malformed record the decoder cannot trust the JSON structure
// (an unclosed string or brace swallows what follows), so it looks for
// where the next record begins by its shape instead.

// rawCut returns the raw text of a rejected value, b[i:end], cut one byte
// past event.MaxRejectRaw so that the reject notes the truncation.
func (d *decoder) rawCut(i, end int) string {
	if end-i > event.MaxRejectRaw+1 {
		end = i + event.MaxRejectRaw + 1
	}
	return d.s[i:end]
}

// resyncLine finds the next line that starts with '{' or '[' after the
// value at i and returns its index and the text skipped. This is how a
// one-record-per-line file recovers; a pretty-printed record starts its
// inner lines with spaces, so the next record is found there too.
func (d *decoder) resyncLine(i int) (int, string) {
	raw, rawDone := "", false
	j := i + 1
	for {
		if k := bytes.IndexByte(d.b[j:], '\n'); k >= 0 {
			nl := j + k
			if nl+1 < len(d.b) {
				if c := d.b[nl+1]; c == '{' || c == '[' {
					if !rawDone {
						raw = d.rawCut(i, nl)
					}
					return nl + 1, raw
				}
				j = nl + 1
				continue
			}
			if !rawDone {
				raw, rawDone = d.rawCut(i, nl), true
			}
			if d.eof {
				return len(d.b), raw
			}
			d.fill(nl)
			j = 0
			continue
		}
		if !rawDone {
			raw, rawDone = d.rawCut(i, len(d.b)), true
		}
		if d.eof {
			return len(d.b), raw
		}
		d.fill(len(d.b))
		j = 0
	}
}

// resyncArray finds the next record in an array after the element at i:
// a '{' followed by a member name only a record has at its top level.
func (d *decoder) resyncArray(i int) (int, string) {
	raw, rawDone := "", false
	j := i + 1
	for {
		k := bytes.IndexByte(d.b[j:], '{')
		if k < 0 {
			if !rawDone {
				raw, rawDone = d.rawCut(i, len(d.b)), true
			}
			if d.eof {
				return len(d.b), raw
			}
			d.fill(len(d.b))
			j = 0
			continue
		}
		c := j + k
		ok, short := d.recordStartAt(c)
		if short && !d.eof {
			if !rawDone {
				raw, rawDone = d.rawCut(i, c), true
			}
			d.fill(c)
			j = 0
			continue
		}
		if ok {
			if !rawDone {
				raw = d.rawCut(i, c)
			}
			return c, raw
		}
		j = c + 1
	}
}

// recordStartAt reports whether the '{' at i begins an object whose first
// member is a record's; short means the data ends before that is known.
func (d *decoder) recordStartAt(i int) (ok, short bool) {
	b := d.b
	p := d.ws(i + 1)
	if p >= len(b) {
		return false, true
	}
	if b[p] != '"' {
		return false, false
	}
	q := bytes.IndexByte(b[p+1:min(len(b), p+40)], '"')
	if q < 0 {
		return false, len(b) < p+40
	}
	key := b[p+1 : p+1+q]
	p = d.ws(p + 2 + q)
	if p >= len(b) {
		return false, true
	}
	if b[p] != ':' {
		return false, false
	}
	switch string(key) {
	case "eventVersion", "eventTime", "eventSource", "eventName", "eventID", "eventType",
		"eventCategory", "awsRegion", "sourceIPAddress", "userIdentity", "additionalEventData",
		"requestParameters", "responseElements", "recipientAccountId", "managementEvent",
		"sharedEventID", "tlsDetails", "apiVersion", "vpcEndpointId", "serviceEventDetails",
		"insightDetails":
		return true, false
	}
	return false, false
}
