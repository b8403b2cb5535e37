// Package timeflag parses the time values users give on the command line:
// an RFC 3339 timestamp, a calendar date, or a span before now such as
// "7d". Commands use it for --since and --until.
package timeflag

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is returned (wrapped) for a value that is none of the accepted
// forms.
var ErrSyntax = errors.New("timeflag: not a time")

// Accepted describes the accepted forms, for flag help and error messages.
const Accepted = `RFC 3339 (2024-03-01T12:00:00Z), a date (2024-03-01, UTC midnight), or a span before now (90m, 36h, 7d, 2w)`

// units maps the suffix of a relative value to its length. Days and weeks
// are fixed 24-hour days: the logs are in UTC, so there is no DST to honour.
var units = map[byte]time.Duration{
	's': time.Second,
	'm': time.Minute,
	'h': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
}

// Parse returns the time s names. Relative values ("7d", "36h", "90m",
// "2w", "30s") are that long before now. A date ("2024-03-01") is UTC
// midnight. RFC 3339 values keep their instant and are returned in UTC.
func Parse(s string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return time.Time{}, fmt.Errorf("%w: empty value; want %s", ErrSyntax, Accepted)
	}
	if t, ok := parseRelative(v, now); ok {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.UTC(), nil
	}
	// A common near miss: a timestamp without a zone. UTC is what the logs
	// use, so take it as UTC rather than refuse it.
	if t, err := time.Parse("2006-01-02T15:04:05", v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q; want %s", ErrSyntax, s, Accepted)
}

// parseRelative parses "<n><unit>" with n a non-negative integer.
func parseRelative(v string, now time.Time) (time.Time, bool) {
	if len(v) < 2 {
		return time.Time{}, false
	}
	unit, ok := units[v[len(v)-1]]
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseUint(v[:len(v)-1], 10, 32)
	// Beyond ~290 years a Duration overflows; no log is that old.
	if err != nil || n > uint64(math.MaxInt64/int64(unit)) {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(n) * unit).UTC(), true
}

// Value is a flag.Value holding an optional time. The zero Value is unset.
// Relative values are resolved against Now when set, or time.Now.
type Value struct {
	// Now returns the reference time for relative values; nil means time.Now.
	Now  func() time.Time
	t    time.Time
	text string
}

// Set parses s (flag.Value).
func (v *Value) Set(s string) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t, err := Parse(s, now())
	if err != nil {
		return err
	}
	v.t, v.text = t, s
	return nil
}

// String returns the value as given (flag.Value).
func (v *Value) String() string {
	if v == nil {
		return ""
	}
	return v.text
}

// Time returns the time, or the zero time when the flag was not set.
func (v *Value) Time() time.Time {
	if v == nil {
		return time.Time{}
	}
	return v.t
}

// IsSet reports whether the flag was given.
func (v *Value) IsSet() bool { return v != nil && v.text != "" }
