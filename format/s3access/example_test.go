package s3access_test

import (
	"fmt"
	"strings"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/s3access"
)

func ExampleDecode() {
	log := `79a5 logs-demo [10/Feb/2012:16:42:07 -0500] 192.0.2.3 - 3E57427F3EXAMPLE WEBSITE.GET.OBJECT my%20page.html "GET /my%20page.html HTTP/1.1" 200 - 368 368 10 9 "-" "curl/7.15.1"
79a5 logs-demo [06/Fob/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT - "GET / HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4"
`
	stats, err := s3access.Decode(strings.NewReader(log), "example.log",
		func(r *event.AccessLog) error {
			fmt.Printf("line %d: %s %s %q status %d, %d fields, referer NULL: %v\n",
				r.SourceLine, r.Time.Format("2006-01-02T15:04:05Z07:00"), r.Operation, r.Key, *r.HTTPStatus, r.FieldCount, r.Referer == "")
			return nil
		},
		func(r *event.Reject) error {
			fmt.Printf("line %d rejected: %s\n", r.SourceLine, r.Reason)
			return nil
		})
	fmt.Println(stats.Records, "records,", stats.Rejects, "rejects, error:", err)
	// Output:
	// line 1: 2012-02-10T21:42:07Z WEBSITE.GET.OBJECT "my page.html" status 200, 17 fields, referer NULL: true
	// line 2 rejected: field 3 (time): bad month "Fob"
	// 1 records, 1 rejects, error: <nil>
}
