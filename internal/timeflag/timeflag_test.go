package timeflag_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/internal/timeflag"
)

var now = time.Date(2024, 3, 10, 12, 30, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-01", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-03-01T12:00:00Z", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"2024-03-01T12:00:00+02:00", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-03-01T12:00:00.5Z", time.Date(2024, 3, 1, 12, 0, 0, 5e8, time.UTC)},
		{"2024-03-01T12:00:00", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"36h", now.Add(-36 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"2w", now.Add(-14 * 24 * time.Hour)},
		{"30s", now.Add(-30 * time.Second)},
		{"0d", now},
		{" 7d ", now.Add(-7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := timeflag.Parse(tt.in, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, want %v (UTC)", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "yesterday", "7", "d", "-7d", "7y", "7dd", "2024-13-01", "2024-03-01 12:00", "1.5h", "99999999999d", "1000000w"} {
		_, err := timeflag.Parse(in, now)
		if err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
			continue
		}
		if !errors.Is(err, timeflag.ErrSyntax) {
			t.Errorf("Parse(%q) error %v is not ErrSyntax", in, err)
		}
		if in != "" && !strings.Contains(err.Error(), in) {
			t.Errorf("Parse(%q) error %q does not name the value", in, err)
		}
	}
}

func TestValueFlag(t *testing.T) {
	tests := []struct {
		args    []string
		wantSet bool
		want    time.Time
		wantErr bool
	}{
		{nil, false, time.Time{}, false},
		{[]string{"--since", "7d"}, true, now.Add(-7 * 24 * time.Hour), false},
		{[]string{"--since=2024-03-01"}, true, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{[]string{"--since", "soon"}, false, time.Time{}, true},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		v := &timeflag.Value{Now: func() time.Time { return now }}
		fs.Var(v, "since", "start")
		err := fs.Parse(tt.args)
		if (err != nil) != tt.wantErr {
			t.Errorf("%v: err = %v, wantErr %v", tt.args, err, tt.wantErr)
			continue
		}
		if got := v.IsSet(); got != tt.wantSet {
			t.Errorf("%v: IsSet = %v, want %v", tt.args, got, tt.wantSet)
		}
		if got := v.Time(); !got.Equal(tt.want) {
			t.Errorf("%v: Time = %v, want %v", tt.args, got, tt.want)
		}
	}
}
