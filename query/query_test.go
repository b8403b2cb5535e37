package query_test

import (
	"context"
	"os"
	"path/filepath"
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

// TestPartitionPruning proves that a filter on the date partition never
// opens the files of other days: a corrupt file in another day's folder
// does not disturb the query, and does break a query that reads it.
func TestPartitionPruning(t *testing.T) {
	lake := t.TempDir()
	writeParquet(t, lake, "s3_access_logs/date=2024-05-01/a.parquet", []event.AccessLog{
		accessLog("b", "2024-05-01T10:00:00Z", "", "R1", "REST.GET.OBJECT", "k", 200),
		accessLog("b", "2024-05-01T11:00:00Z", "", "R2", "REST.GET.OBJECT", "k", 200),
	})
	writeParquet(t, lake, "cloudtrail/date=2024-05-01/region=us-east-1/a.parquet", []event.CloudTrail{
		ctS3("2024-05-01T10:00:00Z", "R1", "GetObject", "b", "k", event.UserIdentity{Type: "IAMUser", ARN: "arn:aws:iam::" + acct + ":user/u"}),
	})
	for _, rel := range []string{"s3_access_logs/date=2024-05-02/bad.parquet", "cloudtrail/date=2024-05-02/region=us-east-1/bad.parquet"} {
		path := filepath.Join(lake, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("not parquet"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := openLake(t, lake)
	for _, q := range []string{
		"SELECT count(*) AS n FROM s3_access_logs WHERE date = DATE '2024-05-01'",
		"SELECT count(*) AS n FROM cloudtrail WHERE date = '2024-05-01' AND region = 'us-east-1'",
	} {
		rows := queryRows(t, db, q)
		if len(rows) != 1 || rows[0]["n"].(int64) == 0 {
			t.Errorf("%s = %v, want the day's rows", q, rows)
		}
	}
	rows, err := db.Query(context.Background(), "SELECT count(*) FROM s3_access_logs")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Error("reading every day succeeded despite the corrupt file: the test proves nothing")
	}
}

// TestUnreadableJSON checks that a JSON document DuckDB refuses (a lone
// surrogate escape, written by some other tool) is NULL in the views
// rather than failing every query that reads the column.
func TestUnreadableJSON(t *testing.T) {
	lake := t.TempDir()
	rows := []event.CloudTrail{{EventVersion: "1.09", EventTime: at("2024-05-01T10:00:00Z"),
		EventSource: "s3.amazonaws.com", EventName: "GetObject", AWSRegion: "us-east-1", EventID: "e1", RequestID: "r1",
		RequestParameters: `{"bucketName":"b","key":"\ud800x"}`}}
	writeParquet(t, lake, "cloudtrail/date=2024-05-01/region=us-east-1/part-0.parquet", rows)
	db := openLake(t, lake)
	for q, want := range map[string]int64{
		"SELECT count(*) FROM cloudtrail WHERE request_parameters IS NULL": 1,
		"SELECT count(*) FROM s3_requests_live WHERE bucket = 'b'":         0,
		"SELECT count(*) FROM s3_requests":                                 1,
		"SELECT count(bucket) + count(key) FROM s3_requests":               0,
	} {
		if got := count(t, db, q); got != want {
			t.Errorf("%s: got %d, want %d", q, got, want)
		}
	}
}
