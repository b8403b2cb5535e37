package s3access

import (
	"time"

	"github.com/s3sift/s3sift/format"
)

// timeLen is the length of "[06/Feb/2019:00:00:38 +0000]".
const timeLen = 28

// parseTime parses the bracketed time at the start of s, e.g.
// "[06/Feb/2019:00:00:38 +0000]", and returns it in UTC. The layout is
// fixed-width, so it is read by position rather than with time.Parse, which
// costs more than the rest of the line.
func parseTime(s string) (time.Time, *ParseError) {
	if len(s) < timeLen || s[0] != '[' || s[timeLen-1] != ']' {
		return time.Time{}, fieldErr(3, "want [dd/Mon/yyyy:HH:MM:SS +hhmm], got %s", excerpt(timeToken(s)))
	}
	v := s[1 : timeLen-1] // 06/Feb/2019:00:00:38 +0000
	if v[2] != '/' || v[6] != '/' || v[11] != ':' || v[14] != ':' || v[17] != ':' || v[20] != ' ' {
		return time.Time{}, fieldErr(3, "want [dd/Mon/yyyy:HH:MM:SS +hhmm], got %s", excerpt(s[:timeLen]))
	}
	day, ok1 := digits(v[0:2])
	month := monthOf(v[3:6])
	year, ok2 := digits(v[7:11])
	hour, ok3 := digits(v[12:14])
	min, ok4 := digits(v[15:17])
	sec, ok5 := digits(v[18:20])
	offH, ok6 := digits(v[22:24])
	offM, ok7 := digits(v[24:26])
	switch {
	case month == 0:
		return time.Time{}, fieldErr(3, "bad month %q", v[3:6])
	case !ok2 || year < 1:
		return time.Time{}, fieldErr(3, "bad year %q", v[7:11])
	case !ok1 || day < 1 || day > format.DaysIn(month, year):
		return time.Time{}, fieldErr(3, "bad day %q", v[0:2])
	case !ok3 || hour > 23:
		return time.Time{}, fieldErr(3, "bad hour %q", v[12:14])
	case !ok4 || min > 59:
		return time.Time{}, fieldErr(3, "bad minute %q", v[15:17])
	case !ok5 || sec > 60: // 60: a leap second, which time.Unix normalises
		return time.Time{}, fieldErr(3, "bad second %q", v[18:20])
	case (v[21] != '+' && v[21] != '-') || !ok6 || !ok7 || offH > 23 || offM > 59:
		return time.Time{}, fieldErr(3, "bad UTC offset %q", v[21:26])
	}
	offset := int64(offH*3600 + offM*60)
	if v[21] == '-' {
		offset = -offset
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+min*60+sec) - offset
	return time.Unix(unix, 0).UTC(), nil
}

// timeToken is the text up to the closing bracket or the next space, for
// error messages.
func timeToken(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ']' {
			return s[:i+1]
		}
		if s[i] == ' ' && i > 0 && s[0] != '[' {
			return s[:i]
		}
	}
	return s
}

// digits parses an all-digit string.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

// monthOf maps "Jan".."Dec" to 1..12 and anything else to 0.
func monthOf(s string) int {
	switch uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return 1
	case 'F'<<16 | 'e'<<8 | 'b':
		return 2
	case 'M'<<16 | 'a'<<8 | 'r':
		return 3
	case 'A'<<16 | 'p'<<8 | 'r':
		return 4
	case 'M'<<16 | 'a'<<8 | 'y':
		return 5
	case 'J'<<16 | 'u'<<8 | 'n':
		return 6
	case 'J'<<16 | 'u'<<8 | 'l':
		return 7
	case 'A'<<16 | 'u'<<8 | 'g':
		return 8
	case 'S'<<16 | 'e'<<8 | 'p':
		return 9
	case 'O'<<16 | 'c'<<8 | 't':
		return 10
	case 'N'<<16 | 'o'<<8 | 'v':
		return 11
	case 'D'<<16 | 'e'<<8 | 'c':
		return 12
	}
	return 0
}

// daysFromCivil counts days from 1970-01-01 to the given proleptic
// Gregorian date (year >= 1), by the well-known era/day-of-era arithmetic.
func daysFromCivil(year, month, day int) int64 {
	y := year
	if month <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (month + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
