package format_test

import (
	"testing"
	"time"

	"github.com/s3sift/s3sift/format"
)

func TestDaysIn(t *testing.T) {
	for _, year := range []int{1900, 1999, 2000, 2023, 2024, 2100} {
		for month := 1; month <= 12; month++ {
			// The day before the first of the next month is the last of this one.
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := format.DaysIn(month, year); got != want {
				t.Errorf("DaysIn(%d, %d) = %d, want %d", month, year, got, want)
			}
		}
	}
}
