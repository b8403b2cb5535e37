package query_test

import (
	"testing"

	"github.com/s3sift/s3sift/event"
)

// TestCatalogueMatchesDescribe checks that every view and table has exactly
// the catalogue's columns and types, both with files in the lake and
// without any, so that the catalogue and the views cannot drift.
func TestCatalogueMatchesDescribe(t *testing.T) {
	full := t.TempDir()
	writeParquet(t, full, "s3_access_logs/date=2024-05-01/a.parquet", []event.AccessLog{
		accessLog("b", "2024-05-01T10:00:00Z", "arn:aws:iam::111122223333:user/alice", "R1", "REST.GET.OBJECT", "k", 200),
	})
	writeParquet(t, full, "cloudtrail/date=2024-05-01/region=us-east-1/a.parquet", []event.CloudTrail{{EventName: "GetObject", EventSource: "s3.amazonaws.com"}})
	writeParquet(t, full, "rejects/date=2024-05-01/a.parquet", []event.Reject{{Format: "s3access", Reason: "bad", Raw: "x"}})
	lakes := map[string]string{"empty": t.TempDir(), "full": full}
	for name, lake := range lakes {
		t.Run(name, func(t *testing.T) {
			db := openLake(t, lake)
			for _, tab := range event.Catalogue() {
				rows := queryRows(t, db, "DESCRIBE "+tab.Name)
				if len(rows) != len(tab.Columns) {
					t.Errorf("%s: DESCRIBE has %d columns, catalogue %d", tab.Name, len(rows), len(tab.Columns))
				}
				for i := 0; i < len(rows) && i < len(tab.Columns); i++ {
					got := [2]any{rows[i]["column_name"], rows[i]["column_type"]}
					want := [2]any{tab.Columns[i].Name, tab.Columns[i].Type}
					if got != want {
						t.Errorf("%s column %d: DESCRIBE %v, catalogue %v", tab.Name, i, got, want)
					}
				}
			}
		})
	}
}
