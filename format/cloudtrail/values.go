package cloudtrail

import (
	"strconv"
	"time"

	"github.com/s3sift/s3sift/format"
)

// Paths of the fixed-shape objects, the prefixes of Extra keys.
const (
	pTop = iota
	pUI
	pSC
	pAttr
	pIssuer
	pTLS
	pRes // resources.<index>
)

var prefixes = [...]string{
	pTop:    "",
	pUI:     "userIdentity.",
	pSC:     "userIdentity.sessionContext.",
	pAttr:   "userIdentity.sessionContext.attributes.",
	pIssuer: "userIdentity.sessionContext.sessionIssuer.",
	pTLS:    "tlsDetails.",
}

// prefix returns the Extra key prefix of path p, ending in a dot.
func (d *decoder) prefix(p int) string {
	if p == pRes {
		return "resources." + strconv.Itoa(d.resIndex) + "."
	}
	return prefixes[p]
}

// addExtra keeps a member in Extra under the path prefix p + key (the key
// as written in the input, still escaped).
func (d *decoder) addExtra(p int, key, value []byte, flags uint8) {
	if len(d.extra) == 0 {
		d.extra = append(d.extra, '{')
	} else {
		d.extra = append(d.extra, ',')
	}
	d.extra = append(d.extra, '"')
	d.extra = append(d.extra, d.prefix(p)...)
	d.extra = appendRaw(d.extra, key, fHigh)
	d.extra = append(d.extra, '"', ':')
	d.extra = appendRaw(d.extra, value, flags)
}

// addExtraKey keeps a value in Extra under the full path key, which ends in
// a dot that is dropped.
func (d *decoder) addExtraKey(key string, value []byte, flags uint8) {
	d.addExtra(pTop, []byte(key[:len(key)-1]), value, flags)
}

// unknown keeps the member at i, whatever its value, in Extra.
func (d *decoder) unknown(i, p int, key []byte) (int, error) {
	end, flags, err := d.skipValue(i)
	if err != nil {
		return end, err
	}
	d.addExtra(p, key, d.b[i:end], flags)
	return end, nil
}

// str decodes a string member into dst. Values that are not strings are
// kept in Extra and, when a string says the same (a number or a boolean),
// also converted into dst. An empty string is kept in Extra, since dst
// cannot tell it from an absent member.
func (d *decoder) str(i int, dst *string, p int, key []byte) (int, error) {
	if d.b[i] == '"' {
		end, flags, err := d.scanString(i)
		if err != nil {
			return end, err
		}
		if end == i+2 {
			d.addExtra(p, key, d.b[i:end], 0)
			return end, nil
		}
		*dst = d.stringValue(i, end, flags)
		return end, nil
	}
	var end int
	var err error
	switch c := d.b[i]; c {
	case 'n':
		return d.scanLiteral(i, "null")
	case 't':
		end, err = d.scanLiteral(i, "true")
	case 'f':
		end, err = d.scanLiteral(i, "false")
	case '{', '[':
		return d.unknown(i, p, key)
	default:
		end, err = d.scanNumber(i)
	}
	if err != nil {
		return end, err
	}
	*dst = d.s[i:end]
	d.addExtra(p, key, d.b[i:end], 0)
	return end, nil
}

// free decodes a free-form member into dst as its JSON text; null is "".
func (d *decoder) free(i int, dst *string) (int, error) {
	if d.b[i] == 'n' {
		return d.scanLiteral(i, "null")
	}
	end, flags, err := d.skipValue(i)
	if err != nil {
		return end, err
	}
	*dst = d.rawValue(i, end, flags)
	return end, nil
}

// obj decodes a fixed-shape object member with f. A present but empty
// object, and a value that is not an object, are kept in Extra.
func (d *decoder) obj(i, p int, key []byte, f func(key, raw []byte, i int) (int, error), isZero func() bool) (int, error) {
	switch d.b[i] {
	case '{':
		n := len(d.extra)
		end, err := d.members(i, f)
		if err == nil && len(d.extra) == n && isZero() {
			d.addExtra(p, key, []byte("{}"), 0)
		}
		return end, err
	case 'n':
		return d.scanLiteral(i, "null")
	}
	return d.unknown(i, p, key)
}

// boolean decodes a boolean member. The strings "true" and "false" are
// converted and also kept in Extra; other values are kept in Extra only.
func (d *decoder) boolean(i int, dst **bool, p int, key []byte) (int, error) {
	var v bool
	var end int
	var err error
	switch d.b[i] {
	case 't':
		v = true
		end, err = d.scanLiteral(i, "true")
	case 'f':
		end, err = d.scanLiteral(i, "false")
	case 'n':
		return d.scanLiteral(i, "null")
	case '"':
		var flags uint8
		end, flags, err = d.scanString(i)
		if err != nil {
			return end, err
		}
		switch d.stringValue(i, end, flags) {
		case "true":
			*dst = d.newBool(true)
		case "false":
			*dst = d.newBool(false)
		}
		d.addExtra(p, key, d.b[i:end], flags)
		return end, nil
	default:
		return d.unknown(i, p, key)
	}
	if err != nil {
		return end, err
	}
	*dst = d.newBool(v)
	return end, nil
}

// newBool hands out a *bool from a batch, sparing an allocation a record.
func (d *decoder) newBool(v bool) *bool {
	if len(d.bools) == 0 {
		d.bools = make([]bool, 1024)
	}
	p := &d.bools[0]
	d.bools = d.bools[1:]
	*p = v
	return p
}

// timeValue decodes eventTime. A time written in any form other than the
// one RFC3339Nano formatting of the UTC time gives back (an offset, a
// fraction of zeros, no time at all) is also kept in Extra as written.
func (d *decoder) timeValue(i int, key []byte) (int, error) {
	if d.b[i] != '"' {
		if d.b[i] == 'n' {
			return d.scanLiteral(i, "null")
		}
		return d.unknown(i, pTop, key)
	}
	end, flags, err := d.scanString(i)
	if err != nil {
		return end, err
	}
	v := d.stringValue(i, end, flags)
	t, canonical := parseTime(v)
	d.rec.EventTime = t
	if !canonical {
		d.addExtra(pTop, key, d.b[i:end], flags)
	}
	return end, nil
}

// parseTime parses an RFC 3339 time into UTC. canonical reports whether v
// is exactly what formatting the result with time.RFC3339Nano gives; when
// v does not parse, the time is zero and canonical false.
func parseTime(v string) (t time.Time, canonical bool) {
	// The form CloudTrail writes, 2006-01-02T15:04:05Z, without time.Parse.
	if len(v) == 20 && v[4] == '-' && v[7] == '-' && v[10] == 'T' && v[13] == ':' && v[16] == ':' && v[19] == 'Z' {
		year, ok1 := digits(v[0:4])
		month, ok2 := digits(v[5:7])
		day, ok3 := digits(v[8:10])
		hour, ok4 := digits(v[11:13])
		minute, ok5 := digits(v[14:16])
		sec, ok6 := digits(v[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && month >= 1 && month <= 12 && day >= 1 &&
			day <= format.DaysIn(month, year) && hour < 24 && minute < 60 && sec < 60 {
			return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	return t, t.Format(time.RFC3339Nano) == v
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
