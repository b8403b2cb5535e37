package cloudtrail

// The free-form objects whose top-level members the decoder reads.
const (
	objRequestParameters = iota
	objAdditionalEventData
)

// requestParameters decodes the requestParameters member at i into
// RequestParameters, as free does, and while passing over an object's
// top-level members copies bucketName and key into RequestBucket and
// RequestKey, so that queries on them need not parse the JSON. A copy is
// made only of a non-empty string named once: for anything else (absent,
// null, another type, an empty string, a repeated name) the field stays
// empty and readers fall back to the JSON, which stays the truth. It also
// collects the members s3_requests reads (see event.S3Members).
func (d *decoder) requestParameters(i int) (int, error) {
	d.bucket, d.key, d.nBucket, d.nKey = "", "", 0, 0
	end, err := d.freeObject(i, &d.rec.RequestParameters, objRequestParameters)
	if err == nil {
		if d.nBucket == 1 {
			d.rec.RequestBucket = d.bucket
		}
		if d.nKey == 1 {
			d.rec.RequestKey = d.key
		}
	}
	return end, err
}

// freeObject decodes the free-form member at i into dst, as free does,
// and when it is an object passes its top-level members to objectMember.
func (d *decoder) freeObject(i int, dst *string, which int) (int, error) {
	b := d.b
	if b[i] != '{' {
		return d.free(i, dst)
	}
	// One pass over the object: the same scan skipValue makes, with the
	// top level spelled out here so that its keys can be seen.
	var flags uint8
	start := i
	j := d.ws(i + 1)
	if j != i+1 {
		flags |= fSpace
	}
	if j >= len(b) {
		return j, d.end(j, "a value or '}'")
	}
	if b[j] == '}' {
		*dst = d.rawValue(start, j+1, flags)
		return j + 1, nil
	}
	for {
		// A key is expected at (whitespace before) j.
		k := d.ws(j)
		if k != j {
			flags |= fSpace
		}
		if k >= len(b) {
			return k, d.end(k, "an object key")
		}
		if b[k] != '"' {
			return k, d.errAt(k, "expected '\"' to begin an object key, found %s", quoteByte(b[k]))
		}
		kend, kf, err := d.scanString(k)
		flags |= kf
		if err != nil {
			return kend, err
		}
		name := b[k+1 : kend-1]
		if kf&fEscape != 0 {
			name = []byte(d.unescape(name))
		}
		c := d.ws(kend)
		if c != kend {
			flags |= fSpace
		}
		if c >= len(b) {
			return c, d.end(c, "':' after object key")
		}
		if b[c] != ':' {
			return c, d.errAt(c, "expected ':' after object key, found %s", quoteByte(b[c]))
		}
		v := d.ws(c + 1)
		if v != c+1 {
			flags |= fSpace
		}
		// Strings and numbers, the usual values, are scanned here:
		// skipValue's set-up costs more than the scan of a short one.
		var vend int
		var vf uint8
		switch {
		case v < len(b) && b[v] == '"':
			vend, vf, err = d.scanString(v)
		case v < len(b) && (b[v] == '-' || '0' <= b[v] && b[v] <= '9'):
			vend, err = d.scanNumber(v)
		default:
			vend, vf, err = d.skipValue(v)
		}
		flags |= vf
		if err != nil {
			return vend, err
		}
		d.objectMember(which, name, v, vend, vf)
		// The member ended at vend: ',' or the object's end.
		j = d.ws(vend)
		if j != vend {
			flags |= fSpace
		}
		if j >= len(b) {
			return j, d.end(j, "',' or '}'")
		}
		if b[j] == '}' {
			break
		}
		if b[j] != ',' {
			return j, d.errAt(j, "expected ',' or %q, found %s", '}', quoteByte(b[j]))
		}
		j++
	}
	*dst = d.rawValue(start, j+1, flags)
	return j + 1, nil
}

// objectMember takes what the decoder keeps of the member name, whose
// value b[v:vend] a scan reported flags for, of a which object.
func (d *decoder) objectMember(which int, name []byte, v, vend int, flags uint8) {
	var p *string
	if which == objRequestParameters {
		switch string(name) {
		case "bucketName":
			d.nBucket++
			d.bucket = d.copyString(v, vend, flags)
			return
		case "key":
			d.nKey++
			d.key = d.copyString(v, vend, flags)
			return
		}
		p = d.s3m.RequestParameter(name)
	} else {
		p = d.s3m.AdditionalEventData(name)
	}
	if p != nil {
		*p = d.rawValue(v, vend, flags)
	}
}

// copyString returns the value b[i:end], which a scan reported flags for,
// when it is a non-empty string, else "".
func (d *decoder) copyString(i, end int, flags uint8) string {
	if d.b[i] != '"' || end == i+2 {
		return ""
	}
	return d.stringValue(i, end, flags)
}
