package exec_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3sift/s3sift/insights/exec"
)

// TestQueriesRun runs queries that combine commands in ways the scripts do
// not, and checks that DuckDB accepts the SQL and the row count is right.
func TestQueriesRun(t *testing.T) {
	var files []section
	for _, name := range []string{"trail.json", "access.log"} {
		data, err := os.ReadFile(filepath.Join("testdata", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, section{name, string(data)})
	}
	db := buildLake(t, files)
	tests := []struct {
		table string
		src   string
		rows  int
	}{
		{"", `stats count(*) as n by eventName | filter n > 1 | sort n desc`, 2},
		{"", `stats count(*) as n by eventName | fields eventName, n * 10 as tens | sort tens desc | limit 1`, 1},
		{"", `stats count(*) as n by eventName | display n`, 6},
		{"", `stats count(*) as n by eventName | limit 2 | stats sum(n) as total`, 1},
		{"", `stats count(*) as n by bin(1h) as hour | stats avg(n) as mean, max(n) as peak`, 1},
		{"", `stats count(*) as n by eventName | parse eventName /(?<verb>[A-Z][a-z]+)/ | stats sum(n) by verb`, 6},
		{"", `stats count(*) as n by eventName | dedup n`, 3},
		{"", `parse userAgent "*/*" as tool, v | filter tool == "curl" | stats count(*) as n, earliest(eventName) as first by tool`, 1},
		{"", `fields eventName as e | limit 5 | filter e like "Object" | sort e | dedup e`, 2},
		{"", `fields tolower(eventName) as e | stats count(*) by e`, 6},
		{"", `filter ispresent(errorCode) or isempty(requestParameters.key) | fields eventName`, 4},
		{"", `fields @timestamp, @message, @log | sort @timestamp desc | limit 3`, 3},
		{"", `stats count(*) as n, sum(additionalEventData.bytesTransferredOut) / count(*) as per by requestParameters.bucketName | sort per desc`, 4},
		{"", `filter @timestamp >= fromMillis(1709290800000) and @timestamp < 1709294400000 | stats count(*)`, 1},
		{"", `filter datefloor(@timestamp, 1h) == dateceil(@timestamp, 1h) | fields eventName`, 2},
		{"", `filter eventName in [] | fields eventName`, 0},
		{"", `filter eventName not in [] | fields eventName`, 11},
		{"", `stats latest(@timestamp) as last, sortsFirst(@timestamp) as first by userIdentity.type`, 3},
		{"", `stats count(*) by resources.0.type, readOnly, managementEvent`, 5},
		{"", `filter readOnly and not managementEvent | stats count(*)`, 1},
		{"", `fields userIdentity.sessionContext, tlsDetails, resources, requestParameters | limit 2`, 2},
		{"s3_access_logs", `stats sum(object_size) as size, pct(total_time_ms, 90) as p90 by bucket, bin(30m)`, 5},
		{"s3_access_logs", `filter isValidIpV6(remote_ip) or key like /\.csv$/ | fields @message, @log`, 4},
		{"s3_access_logs", `parse request_uri "* * *" as method, path, proto | stats count(*) by method`, 4},
		{"s3_requests", `stats count(*) as n by principal_arn, action | sort n desc | limit 3`, 3},
		{"s3_requests", `filter in_access_log and in_cloudtrail | fields @message | limit 1`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			res, err := exec.Run(context.Background(), db, tt.src, exec.Options{Table: tt.table})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != tt.rows {
				t.Errorf("%d rows, want %d: %v", len(res.Rows), tt.rows, res.Rows)
			}
		})
	}
}
