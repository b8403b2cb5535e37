package cli_test

import (
	"encoding/json"
	"testing"
)

// typesSQL returns one row of every kind of value the renderer handles.
const typesSQL = `SELECT 42 AS n, 'a "quoted", text' AS s, NULL::VARCHAR AS z,
	TIMESTAMP '2024-05-01 10:00:00.25' AS ts, DATE '2024-05-01' AS d,
	{'x': 1, 'y': 'b'} AS st, [1, 2] AS l, '{"k": [true, null]}'::JSON AS j,
	1.50::DECIMAL(10, 2) AS dec, 0.5::DOUBLE AS f, false AS b, 'line1
line2' AS multi`

func TestOutputFormats(t *testing.T) {
	lake := sqlLake(t)
	for _, format := range []string{"table", "csv", "json", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runSQLCLI(t, "", "sql", "--lake", lake, "--format", format, typesSQL)
			if code != 0 {
				t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
			}
			checkGolden(t, "types-"+format, stdout)
		})
	}
}

// TestOutputJSONShape checks the JSON contract beyond the golden text: an
// array of objects keyed by column name, NULL as null, timestamps RFC 3339
// UTC, nested values as JSON.
func TestOutputJSONShape(t *testing.T) {
	lake := sqlLake(t)
	code, stdout, stderr := runSQLCLI(t, "", "sql", "--lake", lake, "--format", "json", typesSQL)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not a JSON array of objects: %v\n%s", err, stdout)
	}
	if len(got) != 1 {
		t.Fatalf("%d objects, want 1", len(got))
	}
	row := got[0]
	checks := map[string]any{
		"n": 42.0, "z": nil, "ts": "2024-05-01T10:00:00.25Z", "d": "2024-05-01", "dec": 1.5, "b": false,
	}
	for k, want := range checks {
		if row[k] != want {
			t.Errorf("%s = %#v, want %#v", k, row[k], want)
		}
	}
	if st, ok := row["st"].(map[string]any); !ok || st["y"] != "b" {
		t.Errorf("st = %#v, want a nested object", row["st"])
	}
	if l, ok := row["l"].([]any); !ok || len(l) != 2 {
		t.Errorf("l = %#v, want a nested list", row["l"])
	}
	if j, ok := row["j"].(map[string]any); !ok || j["k"] == nil {
		t.Errorf("j = %#v, want the JSON value nested", row["j"])
	}
}
