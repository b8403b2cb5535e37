package athena_test

import (
	"strings"
	"testing"

	"github.com/s3sift/s3sift/athena"
)

func TestFixQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
		fixes          int
	}{
		{"clean query is untouched",
			"SELECT key FROM t WHERE key = 'a''b' -- \"x-y\"\n", "SELECT key FROM t WHERE key = 'a''b' -- \"x-y\"\n", 0},
		{"typographic open, straight close",
			"WHERE eventName = \u2018PutObject'", "WHERE eventName = 'PutObject'", 1},
		{"typographic both",
			"WHERE eventName = \u2018PutObject\u2019 AND x = 1", "WHERE eventName = 'PutObject' AND x = 1", 1},
		{"straight open, typographic close",
			"WHERE eventName = 'PutObject\u2019", "WHERE eventName = 'PutObject'", 1},
		{"double-quoted timestamps",
			`eventTime BETWEEN "2019-07-05T00:00:00Z" and "2019-07-06T00:00:00Z"`,
			`eventTime BETWEEN '2019-07-05T00:00:00Z' and '2019-07-06T00:00:00Z'`, 2},
		{"double-quoted identifier kept",
			`SELECT "eventName" FROM t`, `SELECT "eventName" FROM t`, 0},
		{"database without table",
			"SELECT Bucket FROM s3_access_logs_db\nWHERE x",
			"SELECT Bucket FROM s3_access_logs_db.mybucket_logs\nWHERE x", 1},
		{"database with table kept",
			"SELECT 1 FROM s3_access_logs_db.mybucket_logs", "SELECT 1 FROM s3_access_logs_db.mybucket_logs", 0},
		{"requester is null",
			"WHERE Requester IS NULL AND x", "WHERE (Requester IS NULL OR Requester = '-') AND x", 1},
		{"requester is not null",
			"WHERE requester is not null", "WHERE (requester IS NOT NULL AND requester <> '-')", 1},
		{"other column is null kept",
			"WHERE BytesSent IS NULL", "WHERE BytesSent IS NULL", 0},
		{"json member on string",
			"SELECT requestParameters.bucketName as b, requestParameters.key as object",
			"SELECT json_extract_scalar(requestParameters, '$.bucketName') as b, json_extract_scalar(requestParameters, '$.key') as object", 2},
		{"struct member kept",
			"SELECT userIdentity.arn", "SELECT userIdentity.arn", 0},
		{"quote in string literal not fixed",
			"WHERE x = 'it\u2019s' AND y = 'z'", "WHERE x = 'it\u2019s' AND y = 'z'", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fixes := athena.FixQuery(tt.in, athena.DefaultAccessLogTable)
			if got != tt.want {
				t.Errorf("FixQuery(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if len(fixes) != tt.fixes {
				t.Errorf("FixQuery(%q): %d fixes %v, want %d", tt.in, len(fixes), fixes, tt.fixes)
			}
		})
	}
}

func TestFixPositions(t *testing.T) {
	_, fixes := athena.FixQuery("SELECT 1\nFROM t WHERE a = \u2018x'", athena.DefaultAccessLogTable)
	if len(fixes) != 1 {
		t.Fatalf("got %d fixes, want 1", len(fixes))
	}
	if fixes[0].Line != 2 || fixes[0].Col != 18 {
		t.Errorf("fix at %d:%d, want 2:18", fixes[0].Line, fixes[0].Col)
	}
	if !strings.Contains(fixes[0].String(), "typographic") {
		t.Errorf("fix message %q does not say what changed", fixes[0])
	}
}

func TestTablesAdd(t *testing.T) {
	var tb athena.Tables
	for _, bad := range []string{"nokind", "cloudtrail=", "weird=db.t", "s3access=a.b.c", "s3access=x;drop", "cloudtrail=1abc"} {
		if err := tb.Add(bad); err == nil {
			t.Errorf("Add(%q) = nil, want an error", bad)
		}
	}
	if err := tb.Add("s3access=logs.my_bucket"); err != nil {
		t.Fatal(err)
	}
	stmts := strings.Join(athena.Statements(tb), "\n")
	if !strings.Contains(stmts, "CREATE SCHEMA IF NOT EXISTS logs") || !strings.Contains(stmts, "VIEW logs.my_bucket AS") {
		t.Errorf("statements do not create logs.my_bucket:\n%s", stmts)
	}
}

func TestRewriteDates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"parse_datetime(RequestDateTime,'dd/MMM/yyyy:HH:mm:ss Z')",
			"CAST(strptime(RequestDateTime, '%d/%b/%Y:%H:%M:%S %z') AS TIMESTAMPTZ)"},
		{"PARSE_DATETIME('2017-02-18:07:00:00','yyyy-MM-dd:HH:mm:ss')",
			"CAST(strptime('2017-02-18:07:00:00', '%Y-%m-%d:%H:%M:%S') AS TIMESTAMPTZ)"},
		{"parse_datetime(x, 'yyyy-MM-dd''T''HH:mm')",
			"CAST(strptime(x, '%Y-%m-%dT%H:%M') AS TIMESTAMPTZ)"},
		{"date_parse(d, '%Y-%m-%d %H:%i:%s')", "strptime(d, '%Y-%m-%d %H:%M:%S')"},
		{"parse_datetime(concat(a, b), 'yyyy')", "CAST(strptime(concat(a, b), '%Y') AS TIMESTAMPTZ)"},
	}
	for _, tt := range tests {
		got, _, err := athena.Rewrite(tt.in, athena.DefaultAccessLogTable)
		if err != nil || got != tt.want {
			t.Errorf("Rewrite(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"parse_datetime(x, fmt)", "parse_datetime(x)", "date_parse(x, 'a' || 'b')"} {
		if _, _, err := athena.Rewrite(bad, athena.DefaultAccessLogTable); err == nil {
			t.Errorf("Rewrite(%q) = nil error, want one naming the problem", bad)
		}
	}
}
