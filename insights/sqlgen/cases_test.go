package sqlgen_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/sqlgen"
)

// testCase drives the parse, print round-trip and compile tests.
type testCase struct {
	name  string
	src   string
	canon string // canonical text, when it differs from src
	table string
	sql   []string // fragments the SQL must contain
	cols  []string // result columns, when checked
	// err, when set, is the error's kind, position and a fragment of its
	// message; stage says whether Parse or Compile reports it.
	err   error
	pos   string
	msg   string
	stage string // "parse" or "compile"
}

var cases = []testCase{
	// Commands.
	{name: "fields", src: "fields eventName, awsRegion", sql: []string{`AS "eventName"`, `AS "awsRegion"`}, cols: []string{"eventName", "awsRegion"}},
	{name: "fields alias", src: "fields eventName as op", cols: []string{"op"}},
	{name: "fields expression", src: "fields abs(f3 - f4)", cols: []string{"abs(f3 - f4)"}, sql: []string{"abs((TRY_CAST("}},
	{name: "default columns", src: "filter eventName == \"GetObject\"", cols: []string{"@timestamp", "@message"}, sql: []string{`ORDER BY "event_time" DESC`, "json_merge_patch"}},
	{name: "display", src: "fields a, b | display b", cols: []string{"b"}},
	{name: "display last wins", src: "display a | display b, c", cols: []string{"b", "c"}},
	{name: "fields union", src: "fields a | fields b, a", cols: []string{"a", "b"}},
	{name: "filter", src: "filter eventSource == \"s3.amazonaws.com\"", sql: []string{`WHERE ("event_source" = 's3.amazonaws.com')`}},
	{name: "filter single equals", src: "filter eventName = \"x\"", canon: "filter eventName == \"x\"", sql: []string{`("event_name" = 'x')`}},
	{name: "stats count", src: "stats count(*)", cols: []string{"count(*)"}, sql: []string{`count(*) AS "count(*)"`}},
	{name: "stats count empty", src: "stats count()", cols: []string{"count()"}},
	{name: "stats by", src: "stats count(*) as n by eventName, awsRegion", cols: []string{"eventName", "awsRegion", "n"}, sql: []string{"GROUP BY", "ORDER BY 1 NULLS LAST, 2 NULLS LAST"}},
	{name: "stats by alias", src: "stats count(*) by bin(1h) as t", cols: []string{"t", "count(*)"}},
	{name: "stats bin name", src: "stats count(*) by bin(5m)", cols: []string{"bin(5m)", "count(*)"}, sql: []string{"time_bucket(to_minutes(5), \"event_time\", TIMESTAMP '1970-01-01')"}},
	{name: "stats sequence", src: "stats count(*) as n by eventName | stats avg(n) as mean", cols: []string{"mean"}, sql: []string{`avg("_c`, `) AS "s3"`}},
	{name: "unaliased result by its text", src: "stats count(*) by bin(1h) | sort count(*) desc | filter bin(1h) > 0", sql: []string{`ORDER BY "_c`}, cols: []string{"bin(1h)", "count(*)"}},
	{name: "stats arithmetic of aggregates", src: "stats sum(x) / count(*) as mean", sql: []string{"(sum(TRY_CAST(", "/ count(*))"}},
	{name: "sort", src: "sort @timestamp desc", sql: []string{`ORDER BY "event_time" DESC NULLS LAST`}},
	{name: "sort default asc", src: "sort eventName", sql: []string{`ORDER BY regexp_full_match(coalesce("event_name"`, "NULLS LAST, TRY_CAST("}},
	{name: "sort asc explicit", src: "sort eventName asc, awsRegion desc"},
	{name: "sort text naturally", src: "sort requestParameters.size desc", sql: []string{`TRY_CAST(json_extract_string("request_parameters", '/size') AS DOUBLE) DESC`, "regexp_extract_all("}},
	{name: "limit", src: "limit 25", sql: []string{"LIMIT 25"}},
	{name: "default limit", src: "fields eventName", sql: []string{"LIMIT 10001"}},
	{name: "limit twice", src: "limit 20 | limit 5", sql: []string{"LIMIT 5"}},
	{name: "stats limit then sort", src: "stats count(*) as n by eventName | limit 3 | sort n desc", sql: []string{"ORDER BY 1 NULLS LAST LIMIT 3) AS", `ORDER BY "_c`}},
	{name: "limit then filter", src: "limit 5 | filter eventName == \"x\"", sql: []string{`ORDER BY "event_time" DESC NULLS LAST LIMIT 5) AS`, `WHERE ("event_name" = 'x')`}},
	{name: "parse glob", src: "parse @message \"user=*, ip=*\" as user, ip | fields user, ip", sql: []string{`'user=(.*?), ip=(.*)'`, "regexp_extract("}},
	{name: "parse regex", src: "parse @message /(?<user>\\w+)@(?<host>\\S+)/ | fields host", sql: []string{`(?P<user>\w+)@(?P<host>\S+)`, ", 2) END"}},
	{name: "parse default source", src: "parse \"a*b\" as x", canon: "parse @message \"a*b\" as x"},
	{name: "dedup", src: "sort @timestamp desc | dedup eventName", sql: []string{"QUALIFY row_number() OVER (PARTITION BY", "IS NULL"}},
	{name: "dedup then limit", src: "dedup eventName | limit 3", sql: []string{"LIMIT 3"}},
	{name: "unmask", src: "fields eventName | unmask(@message)"},
	{name: "unmask bare", src: "unmask | limit 1"},
	{name: "comments", src: "# a comment\nfields a # another\n| limit 1", canon: "fields a | limit 1"},
	// Operators.
	{name: "and or precedence", src: "filter a == 1 or b == 2 and c == 3", sql: []string{" OR ("}},
	{name: "not", src: "filter not a == 1", sql: []string{"(NOT coalesce("}},
	{name: "not equal", src: "filter eventName != \"GetObject\"", sql: []string{"IS DISTINCT FROM 'GetObject'"}},
	{name: "comparisons", src: "filter a < 1 and b <= 2 and c > 3 and d >= 4"},
	{name: "arithmetic", src: "fields 1 + 2 * 3 - 4 / 5 % 6 as x", sql: []string{"(1 + (2 * 3))"}},
	{name: "power right assoc", src: "fields 2 ^ 3 ^ 2 as x", sql: []string{"pow(2, pow(3, 2))"}},
	{name: "unary minus", src: "fields -x as y", sql: []string{"(-TRY_CAST("}},
	{name: "parens kept", src: "filter (a == 1 or b == 2) and c == 3"},
	{name: "like string", src: "filter userAgent like \"curl\"", sql: []string{`contains("user_agent", 'curl')`}},
	{name: "like regex", src: "filter eventName like /(?i)get/", sql: []string{"regexp_matches("}},
	{name: "not like", src: "filter eventName not like \"Get\"", sql: []string{"(NOT coalesce(contains("}},
	{name: "regex match", src: "filter eventName =~ /^Get/", sql: []string{"'^Get'"}},
	{name: "regex escaped slash", src: "filter k like /a\\/b/", sql: []string{"'a/b'"}},
	{name: "in", src: "filter eventName in [\"A\", \"B\"]", sql: []string{`("event_name" = 'A') OR ("event_name" = 'B')`}},
	{name: "not in", src: "filter eventName not in [\"A\"]", sql: []string{"(NOT coalesce("}},
	{name: "number vs json text", src: "filter additionalEventData.bytesTransferredOut > 1000", sql: []string{"TRY_CAST(json_extract_string(\"additional_event_data\", '/bytesTransferredOut') AS DOUBLE) > 1000"}},
	{name: "timestamp vs millis", src: "filter @timestamp > 1700000000000", sql: []string{`(epoch_ms("event_time") > 1700000000000)`}},
	{name: "boolean field", src: "filter readOnly", sql: []string{`WHERE "read_only"`}},
	// Fields as users name them.
	{name: "nested struct field", src: "fields userIdentity.sessionContext.sessionIssuer.userName", sql: []string{`"user_identity"."session_context"."session_issuer"."user_name"`}},
	{name: "irregular names", src: "fields sourceIPAddress, requestID, eventID, vpcEndpointId, recipientAccountId, awsRegion", sql: []string{`"source_ip_address"`, `"request_id"`, `"event_id"`, `"vpc_endpoint_id"`, `"recipient_account_id"`, `"aws_region"`}},
	{name: "tls details", src: "fields tlsDetails.tlsVersion", sql: []string{`"tls_details"."tls_version"`}},
	{name: "free-form member", src: "fields requestParameters.bucketName", sql: []string{`json_extract_string("request_parameters", '/bucketName')`}, cols: []string{"requestParameters.bucketName"}},
	{name: "json equality prefilter", src: "filter requestParameters.roleArn == \"b-1\" and requestParameters.n == \"5\"", sql: []string{`(contains("request_parameters", '"b-1"') AND json_extract_string("request_parameters", '/roleArn') = 'b-1')`, `(json_extract_string("request_parameters", '/n') = '5')`}},
	{name: "bucket name copy", src: "filter requestParameters.bucketName == \"b-1\"", sql: []string{`WHERE (coalesce("request_bucket_name", json_extract_string("request_parameters", '/bucketName')) = 'b-1')`}},
	{name: "object key copy", src: "stats count(*) by requestParameters.key", sql: []string{`GROUP BY coalesce("request_key", json_extract_string("request_parameters", '/key'))`}, cols: []string{"requestParameters.key", "count(*)"}},
	{name: "nested member has no copy", src: "fields requestParameters.bucketName.x, requestParameters.CreateBucketConfiguration.key", sql: []string{`json_extract_string("request_parameters", '/bucketName/x') AS`, `json_extract_string("request_parameters", '/CreateBucketConfiguration/key') AS`}},
	{name: "free-form deep", src: "fields additionalEventData.SignatureVersion, responseElements.credentials.accessKeyId", sql: []string{"'/SignatureVersion'", "'/credentials/accessKeyId'"}},
	{name: "backtick name", src: "fields `requestParameters.x-amz-acl`", sql: []string{"'/x-amz-acl'"}, cols: []string{"requestParameters.x-amz-acl"}},
	{name: "resources element", src: "fields resources.0.ARN", sql: []string{`"resources"[1]."arn"`}},
	{name: "unknown member in extra", src: "fields newTopLevel.child", sql: []string{`json_extract_string("extra", '/newTopLevel/child')`}},
	{name: "unknown member of a struct", src: "fields userIdentity.newField", sql: []string{`'/userIdentity.newField'`}},
	{name: "at log", src: "fields @log", sql: []string{`"source_object" AS "@log"`}},
	{name: "access log columns", table: "s3_access_logs", src: "filter http_status >= 400 | stats count(*) by bin(1h), bucket", sql: []string{`("http_status" >= 400)`, `time_bucket(to_hours(1), "time"`}},
	{name: "access log message", table: "s3_access_logs", src: "fields @message", sql: []string{"array_to_string(list_slice("}},
	{name: "requests columns", table: "s3_requests", src: "stats sum(bytes_sent) by principal_arn", sql: []string{`sum("bytes_sent")`}},
	// Functions.
	{name: "string functions", src: "fields concat(a, b) as c, toupper(a) as u, tolower(a) as l, strlen(a) as n, substr(a, 1, 2) as s, replace(a, \"x\", \"y\") as r", sql: []string{"upper(", "lower(", "length(", "+ 1, CAST(2 AS BIGINT)", "replace("}},
	{name: "trim functions", src: "fields trim(a) as t, ltrim(a, \"x\") as l, rtrim(a) as r", sql: []string{"regexp_replace(", "ltrim("}},
	{name: "predicates", src: "filter ispresent(a) and isempty(b) and not isblank(c) and strcontains(d, \"x\")", sql: []string{"IS NOT NULL", "regexp_full_match(", "CAST(contains("}},
	{name: "case-insensitive function names", src: "filter isPresent(a) and toUpper(b) == \"X\"", canon: "filter ispresent(a) and toupper(b) == \"X\""},
	{name: "number functions", src: "fields abs(x) as a, ceil(x) as c, floor(x) as f, greatest(x, 1) as g, least(x, 1) as l, log(x) as n, sqrt(x) as s", sql: []string{"ln(", "greatest(", "sqrt("}},
	{name: "date functions", src: "fields datefloor(@timestamp, 1d) as d, dateceil(@timestamp, 1w) as w, toMillis(@timestamp) as ms, fromMillis(ms2) as t", sql: []string{"to_days(1)", "to_weeks(1)", "epoch_ms("}},
	{name: "period units", src: "stats count(*) by bin(500ms), bin(30s), bin(2mo), bin(1q), bin(1y)", sql: []string{"to_milliseconds(500)", "to_months(2)", "to_months(3)", "to_years(1)"}},
	{name: "ip functions", src: "filter isValidIp(sourceIPAddress) and isIpInSubnet(sourceIPAddress, \"10.0.0.0/8\") and isIpv6InSubnet(sourceIPAddress, \"2001:db8::/33\")", sql: []string{"// 16777216 = 10", "starts_with("}},
	{name: "coalesce", src: "fields coalesce(a, b) as c"},
	{name: "aggregates", src: "stats avg(x), count(x), count_distinct(x), max(x), min(x), pct(x, 95), stddev(x), sum(x), earliest(x), latest(x), sortsFirst(x), sortsLast(x)", sql: []string{"quantile_disc(", "0.95", "stddev_samp(", "arg_min(", "arg_max(", "count(DISTINCT"}},
	// Errors.
	{name: "empty query", src: "", err: insights.ErrSyntax, pos: "1:1", msg: "empty query", stage: "parse"},
	{name: "unknown command", src: "fields a | frobnicate b", err: insights.ErrSyntax, pos: "1:12", msg: "unknown command", stage: "parse"},
	{name: "unsupported command", src: "fields a\n| pattern @message", err: insights.ErrUnsupported, pos: "2:3", msg: "pattern", stage: "parse"},
	{name: "bad operator", src: "filter a === b", err: insights.ErrSyntax, pos: "1:12", stage: "parse"},
	{name: "unterminated string", src: "filter a == \"x", err: insights.ErrSyntax, pos: "1:13", msg: "unterminated string", stage: "parse"},
	{name: "unterminated regex", src: "filter a like /x", err: insights.ErrSyntax, pos: "1:15", msg: "unterminated", stage: "parse"},
	{name: "bad period", src: "stats count(*) by bin(5x)", err: insights.ErrSyntax, pos: "1:23", msg: "time period", stage: "parse"},
	{name: "unknown function", src: "fields frob(a)", err: insights.ErrInvalid, pos: "1:8", msg: "unknown function", stage: "parse"},
	{name: "unsupported function", src: "fields jsonParse(a)", err: insights.ErrUnsupported, pos: "1:8", msg: "jsonParse", stage: "parse"},
	{name: "wrong arity", src: "fields substr(a)", err: insights.ErrInvalid, pos: "1:8", msg: "takes 2 to 3 arguments", stage: "parse"},
	{name: "star outside count", src: "stats sum(*)", err: insights.ErrInvalid, pos: "1:11", stage: "parse"},
	{name: "limit zero", src: "limit 0", err: insights.ErrSyntax, pos: "1:7", stage: "parse"},
	{name: "missing by list", src: "stats count(*) by", err: insights.ErrSyntax, pos: "1:18", stage: "parse"},
	{name: "equals tilde needs regex", src: "filter a =~ \"x\"", err: insights.ErrSyntax, pos: "1:13", stage: "parse"},
	{name: "aggregate outside stats", src: "filter count(*) > 1", err: insights.ErrInvalid, pos: "1:8", msg: "aggregate", stage: "compile"},
	{name: "stats without aggregate", src: "stats eventName", err: insights.ErrInvalid, pos: "1:7", msg: "must be inside an aggregate", stage: "compile"},
	{name: "nested aggregates", src: "stats sum(count(*))", err: insights.ErrInvalid, pos: "1:11", msg: "inside another aggregate", stage: "compile"},
	{name: "field after stats", src: "stats count(*) as n by eventName | filter awsRegion == \"x\"", err: insights.ErrInvalid, pos: "1:43", msg: "does not exist after stats", stage: "compile"},
	{name: "case near miss", src: "fields eventname", err: insights.ErrInvalid, pos: "1:8", msg: "did you mean \"eventName\"", stage: "compile"},
	{name: "leaf has no member", src: "fields eventName.x", err: insights.ErrInvalid, pos: "1:8", msg: "single value", stage: "compile"},
	{name: "command after dedup", src: "dedup a | filter b == 1", err: insights.ErrInvalid, pos: "1:11", msg: "only limit may follow dedup", stage: "compile"},
	{name: "bad regex", src: "filter a like /(?<!x)y/", err: insights.ErrInvalid, pos: "1:15", msg: "bad regular expression", stage: "compile"},
	{name: "glob names mismatch", src: "parse @message \"*-*\" as a", err: insights.ErrInvalid, pos: "1:1", msg: "2 *", stage: "compile"},
	{name: "bin needs period", src: "stats count(*) by bin(5)", err: insights.ErrInvalid, pos: "1:23", msg: "time period", stage: "compile"},
	{name: "pct range", src: "stats pct(x, 101)", err: insights.ErrInvalid, pos: "1:14", msg: "percentile", stage: "compile"},
	{name: "subnet literal", src: "filter isIpInSubnet(a, b)", err: insights.ErrUnsupported, pos: "1:24", msg: "CIDR", stage: "compile"},
	{name: "bad subnet", src: "filter isIpv4InSubnet(a, \"2001:db8::/32\")", err: insights.ErrInvalid, pos: "1:26", msg: "not an IPv4 subnet", stage: "compile"},
	{name: "string is not a condition", src: "filter eventName", err: insights.ErrInvalid, pos: "1:8", msg: "not a condition", stage: "compile"},
	{name: "unknown system field", src: "fields @ingestionTime", err: insights.ErrInvalid, pos: "1:8", msg: "not available", stage: "compile"},
	{name: "unknown column", table: "s3_access_logs", src: "fields httpStatus", err: insights.ErrInvalid, pos: "1:8", msg: "did you mean \"http_status\"", stage: "compile"},
	{name: "duplicate stats names", src: "stats count(*), count(*)", err: insights.ErrInvalid, pos: "1:17", msg: "two stats results", stage: "compile"},
}

func TestCases(t *testing.T) {
	if len(cases) < 60 {
		t.Fatalf("only %d cases; the table must hold at least 60", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc) })
	}
}

func runCase(t *testing.T, tc testCase) {
	q, err := insights.Parse(tc.src)
	if tc.stage == "parse" {
		checkErr(t, "Parse", err, tc)
		return
	}
	if err != nil {
		t.Fatalf("Parse(%q): %v", tc.src, err)
	}

	// Printing gives the canonical text, which parses to the same tree.
	got := insights.Format(q)
	want := tc.canon
	if want == "" {
		want = strings.Join(strings.Fields(strings.ReplaceAll(tc.src, "\n", " ")), " ")
	}
	if got != want {
		t.Errorf("Format:\ngot  %s\nwant %s", got, want)
	}
	q2, err := insights.Parse(got)
	if err != nil {
		t.Fatalf("Parse(Format(q)) = %v; printed %q", err, got)
	}
	if again := insights.Format(q2); again != got {
		t.Errorf("round trip changed the query:\nfirst  %s\nsecond %s", got, again)
	}

	plan, err := sqlgen.Compile(q, sqlgen.Config{Table: tc.table})
	if tc.stage == "compile" {
		checkErr(t, "Compile", err, tc)
		return
	}
	if err != nil {
		t.Fatalf("Compile(%q): %v", tc.src, err)
	}
	for _, frag := range tc.sql {
		if !strings.Contains(plan.SQL, frag) {
			t.Errorf("SQL lacks %q:\n%s", frag, plan.SQL)
		}
	}
	if tc.cols != nil && strings.Join(plan.Columns, "|") != strings.Join(tc.cols, "|") {
		t.Errorf("columns = %q, want %q", plan.Columns, tc.cols)
	}
	// The reprinted query compiles to the same SQL.
	plan2, err := sqlgen.Compile(q2, sqlgen.Config{Table: tc.table})
	if err != nil || plan2.SQL != plan.SQL {
		t.Errorf("the reprinted query compiles differently (err %v):\n%s\n%s", err, plan.SQL, plan2.SQL)
	}
}

func checkErr(t *testing.T, stage string, err error, tc testCase) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s(%q) succeeded; want %v at %s", stage, tc.src, tc.err, tc.pos)
	}
	if !errors.Is(err, tc.err) {
		t.Errorf("%s error %v is not %v", stage, err, tc.err)
	}
	var el insights.ErrorList
	if !errors.As(err, &el) || len(el) == 0 {
		t.Fatalf("%s error %T is not an insights.ErrorList", stage, err)
	}
	if got := el[0].Pos.String(); got != tc.pos {
		t.Errorf("%s error at %s, want %s (%v)", stage, got, tc.pos, err)
	}
	if !strings.Contains(el[0].Msg, tc.msg) {
		t.Errorf("%s error %q lacks %q", stage, el[0].Msg, tc.msg)
	}
}
