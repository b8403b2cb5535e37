package cloudtrail

// requestParameters decodes the requestParameters member at i into
// RequestParameters, as free does, and while passing over an object's
// top-level members copies bucketName and key into RequestBucket and
// RequestKey, so that queries on them need not parse the JSON. A copy is
// made only of a non-empty string named once: for anything else (absent,
// null, another type, an empty string, a repeated name) the field stays
// empty and readers fall back to the JSON, which stays the truth.
func (d *decoder) requestParameters(i int) (int, error) {
	b := d.b
	if b[i] != '{' {
		return d.free(i, &d.rec.RequestParameters)
	}
	// One pass over the object: the same scan skipValue makes, with the
	// top level spelled out here so that its keys can be seen.
	var flags uint8
	var bucket, key string
	var nBucket, nKey int
	start := i
	j := d.ws(i + 1)
	if j != i+1 {
		flags |= fSpace
	}
	if j >= len(b) {
		return j, d.end(j, "a value or '}'")
	}
	if b[j] == '}' {
		d.rec.RequestParameters = d.rawValue(start, j+1, flags)
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
		vend, vf, err := d.skipValue(v)
		flags |= vf
		if err != nil {
			return vend, err
		}
		switch string(name) {
		case "bucketName":
			nBucket++
			bucket = d.copyString(v, vend, vf)
		case "key":
			nKey++
			key = d.copyString(v, vend, vf)
		}
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
	d.rec.RequestParameters = d.rawValue(start, j+1, flags)
	if nBucket == 1 {
		d.rec.RequestBucket = bucket
	}
	if nKey == 1 {
		d.rec.RequestKey = key
	}
	return j + 1, nil
}

// copyString returns the value b[i:end], which a scan reported flags for,
// when it is a non-empty string, else "".
func (d *decoder) copyString(i, end int, flags uint8) string {
	if d.b[i] != '"' || end == i+2 {
		return ""
	}
	return d.stringValue(i, end, flags)
}
