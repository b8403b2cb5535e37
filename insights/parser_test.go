package insights_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/insights"
)

func TestPositions(t *testing.T) {
	src := "fields a\n| filter requestParameters.bucketName == \"b\"\n  and x like /y/"
	q, err := insights.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ pos, end string }
	var got []span
	var texts []string
	insights.Inspect(q, func(n insights.Node) bool {
		if n == nil {
			return false
		}
		switch n.(type) {
		case *insights.FieldRef, *insights.StringLit, *insights.RegexLit, *insights.FilterCmd:
			got = append(got, span{n.Pos().String(), n.End().String()})
			texts = append(texts, src[n.Pos().Offset:n.End().Offset])
		}
		return true
	})
	want := []span{{"1:8", "1:9"}, {"2:3", "3:17"}, {"2:10", "2:38"}, {"2:42", "2:45"}, {"3:7", "3:8"}, {"3:14", "3:17"}}
	wantTexts := []string{"a", "filter requestParameters.bucketName == \"b\"\n  and x like /y/", "requestParameters.bucketName", `"b"`, "x", "/y/"}
	if len(got) != len(want) {
		t.Fatalf("got %d nodes %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("node %d (%q): span %v, want %v", i, texts[i], got[i], want[i])
		}
		if texts[i] != wantTexts[i] {
			t.Errorf("node %d: text %q, want %q", i, texts[i], wantTexts[i])
		}
	}
}

// countVisitor counts Visit calls and the nil calls that close a node.
type countVisitor struct{ open, close int }

func (v *countVisitor) Visit(n insights.Node) insights.Visitor {
	if n == nil {
		v.close++
	} else {
		v.open++
	}
	return v
}

func TestWalkVisitsEveryNode(t *testing.T) {
	q, err := insights.Parse("stats count(*) as n, sum(x) by bin(1h) | sort n desc | parse a \"*-*\" as b, c | dedup b | unmask(a)")
	if err != nil {
		t.Fatal(err)
	}
	v := &countVisitor{}
	insights.Walk(v, q)
	// Query, 5 commands, 3 stats projections, alias n, count(*), sum(x),
	// x, bin(1h), 1h, sort key, n, parse src a, pattern, b, c, dedup b,
	// unmask a.
	if v.open != 23 || v.close != v.open {
		t.Errorf("Walk opened %d nodes and closed %d; want 23 each", v.open, v.close)
	}
	var calls []string
	insights.Inspect(q, func(n insights.Node) bool {
		if c, ok := n.(*insights.CallExpr); ok {
			calls = append(calls, c.Name)
			return false // skip the arguments
		}
		return true
	})
	if strings.Join(calls, ",") != "count,sum,bin" {
		t.Errorf("calls in order = %v", calls)
	}
}

func TestErrorsAreCollected(t *testing.T) {
	src := "fields a ==\n| frob x\n| filter b like 3\n| stats count(*)"
	q, err := insights.Parse(src)
	var el insights.ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("err = %T %v, want an ErrorList", err, err)
	}
	if len(el) != 3 {
		t.Fatalf("got %d errors, want 3: %v", len(el), el)
	}
	for i, want := range []string{"2:1", "2:3", "3:17"} {
		if got := el[i].Pos.String(); got != want {
			t.Errorf("error %d at %s, want %s (%s)", i, got, want, el[i].Msg)
		}
	}
	if !errors.Is(err, insights.ErrSyntax) {
		t.Error("errors.Is(err, ErrSyntax) = false")
	}
	if errors.Is(err, insights.ErrUnsupported) {
		t.Error("errors.Is(err, ErrUnsupported) = true")
	}
	// The command that parsed is kept.
	if len(q.Commands) != 1 {
		t.Errorf("kept %d commands, want the stats", len(q.Commands))
	}
	if !strings.Contains(err.Error(), "(and 2 more errors)") {
		t.Errorf("Error() = %q", err.Error())
	}
	var empty insights.ErrorList
	if empty.Err() != nil {
		t.Error("empty ErrorList.Err() != nil")
	}
}

func TestAnnotate(t *testing.T) {
	src := "fields a\n| filter\teventName === \"x\""
	_, err := insights.Parse(src)
	var el insights.ErrorList
	if !errors.As(err, &el) {
		t.Fatal(err)
	}
	got := insights.Annotate(src, el[0])
	want := "  2 | | filter\teventName === \"x\"\n    | " + strings.Repeat(" ", 8) + "\t" + strings.Repeat(" ", 12) + "^\n"
	if got != want {
		t.Errorf("Annotate:\n%s\nwant:\n%s", got, want)
	}
	// A span is underlined in full.
	_, err = insights.Parse("fields frobnicate(x)")
	errors.As(err, &el)
	if got := insights.Annotate("fields frobnicate(x)", el[0]); !strings.HasSuffix(got, "       ^^^^^^^^^^\n") {
		t.Errorf("Annotate span:\n%s", got)
	}
}

func TestParseExpr(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a == 1 or b", "a == 1 or b"},
		{"not (a)", "not (a)"},
		{"x not in [1, \"two\"]", "x not in [1, \"two\"]"},
		{"`odd name` like /a\\/b/", "`odd name` like /a\\/b/"},
		{"'it''s'", `"it"`}, // two adjacent strings are not one
	}
	for _, tt := range tests {
		x, err := insights.ParseExpr(tt.src)
		if tt.src == "'it''s'" {
			if err == nil {
				t.Errorf("ParseExpr(%q) succeeded", tt.src)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.src, err)
			continue
		}
		if got := insights.FormatExpr(x); got != tt.want {
			t.Errorf("FormatExpr(ParseExpr(%q)) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestFormatName(t *testing.T) {
	for name, want := range map[string]string{
		"eventName":             "eventName",
		"@timestamp":            "@timestamp",
		"a.b.0.c":               "a.b.0.c",
		"x-amz-acl":             "`x-amz-acl`",
		"desc":                  "`desc`",
		"with`tick":             "`with``tick`",
		"requestParameters.x y": "`requestParameters.x y`",
	} {
		if got := insights.FormatName(name); got != want {
			t.Errorf("FormatName(%q) = %q, want %q", name, got, want)
		}
		q, err := insights.Parse("fields " + insights.FormatName(name))
		if err != nil {
			t.Errorf("%q does not parse back: %v", name, err)
			continue
		}
		if f := q.Commands[0].(*insights.FieldsCmd).Items[0].Expr.(*insights.FieldRef); f.Name != name {
			t.Errorf("%q parses back as %q", name, f.Name)
		}
	}
}

// FuzzParse checks that no input makes the parser panic, and that what
// parses prints to a query that parses to the same text again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"fields @timestamp, @message | sort @timestamp desc | limit 20",
		"filter eventName like /Get(Object)?/ and not errorCode in [\"A\", 'B']",
		"stats count(*) as n, pct(x, 95) by bin(5m), `odd-name` | sort n desc",
		"parse @message \"user=*, ip=*\" as u, ip | dedup u | limit 3",
		"parse @message /(?<a>\\d+)/ | display a",
		"fields -2 ^ 3 ^ 2 * (1 + x) % 4 as y # comment",
		"unmask(@message) | filter isIpInSubnet(ip, \"10.0.0.0/8\")",
		"filter a =~ /x\\/y/ or b != 1.5e3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := insights.Parse(src)
		if err != nil {
			var el insights.ErrorList
			if !errors.As(err, &el) || len(el) == 0 {
				t.Fatalf("Parse error %T is not a non-empty ErrorList", err)
			}
			for _, e := range el {
				if !e.Pos.IsValid() || e.Pos.Offset > len(src) {
					t.Fatalf("error position %v outside the query (len %d)", e.Pos, len(src))
				}
				insights.Annotate(src, e)
			}
			return
		}
		out := insights.Format(q)
		q2, err := insights.Parse(out)
		if err != nil {
			t.Fatalf("Format output %q does not parse: %v (from %q)", out, err, src)
		}
		if again := insights.Format(q2); again != out {
			t.Fatalf("round trip differs:\n%q\n%q", out, again)
		}
	})
}
