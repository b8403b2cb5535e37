package event_test

import (
	"testing"

	"github.com/s3sift/s3sift/event"
)

func TestCatalogue(t *testing.T) {
	want := []string{event.TableAccessLogs, event.TableCloudTrail, event.TableRejects, event.TableRequests, event.TableOperations}
	cat := event.Catalogue()
	if len(cat) != len(want) {
		t.Fatalf("Catalogue() has %d tables, want %d", len(cat), len(want))
	}
	for i, tab := range cat {
		if tab.Name != want[i] {
			t.Errorf("table %d = %s, want %s", i, tab.Name, want[i])
		}
		if tab.Doc == "" {
			t.Errorf("table %s has no doc", tab.Name)
		}
		seen := map[string]bool{}
		for _, c := range tab.Columns {
			if c.Doc == "" {
				t.Errorf("%s.%s has no doc", tab.Name, c.Name)
			}
			if c.Type == "" {
				t.Errorf("%s.%s has no type", tab.Name, c.Name)
			}
			if seen[c.Name] {
				t.Errorf("%s.%s listed twice", tab.Name, c.Name)
			}
			seen[c.Name] = true
		}
	}
}

func TestCatalogueTypes(t *testing.T) {
	tests := []struct{ table, column, typ string }{
		{event.TableAccessLogs, "time", "TIMESTAMP"},
		{event.TableAccessLogs, "http_status", "INTEGER"},
		{event.TableAccessLogs, "bytes_sent", "BIGINT"},
		{event.TableAccessLogs, "extra_fields", "VARCHAR[]"},
		{event.TableAccessLogs, "date", "DATE"},
		{event.TableCloudTrail, "request_parameters", "JSON"},
		{event.TableCloudTrail, "read_only", "BOOLEAN"},
		{event.TableCloudTrail, "tls_details", "STRUCT(tls_version VARCHAR, cipher_suite VARCHAR, client_provided_host_header VARCHAR)"},
		{event.TableCloudTrail, "resources", `STRUCT(arn VARCHAR, account_id VARCHAR, "type" VARCHAR)[]`},
		{event.TableCloudTrail, "region", "VARCHAR"},
		{event.TableRequests, "principal_arn", "VARCHAR"},
	}
	for _, tc := range tests {
		tab, ok := event.LookupTable(tc.table)
		if !ok {
			t.Fatalf("LookupTable(%s): not found", tc.table)
		}
		c, ok := tab.Column(tc.column)
		if !ok {
			t.Errorf("%s.%s: not found", tc.table, tc.column)
			continue
		}
		if c.Type != tc.typ {
			t.Errorf("%s.%s type = %s, want %s", tc.table, tc.column, c.Type, tc.typ)
		}
	}
}
