package exec_test

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/insights"
	"github.com/s3sift/s3sift/insights/exec"
	"github.com/s3sift/s3sift/query"
)

var update = flag.Bool("update", false, "rewrite the sql and rows sections of testdata/*.txtar from the results")

// script is one testdata/*.txtar file: events, a query and what it must
// return.
//
// Sections: "query" (required), "options" (table:, since:, until:,
// maxrows: lines), "use" (names of files in testdata/events to ingest),
// any other file name ending in .json or .log (ingested as is), then the
// expectations: "sql" (the exact SQL, optional), "rows" (CSV with a header,
// in order) or "unordered-rows", or "error" (a substring of the error).
type script struct {
	comment  string
	sections []section
}

type section struct {
	name, body string
}

func (s *script) get(name string) (string, bool) {
	for _, sec := range s.sections {
		if sec.name == name {
			return sec.body, true
		}
	}
	return "", false
}

func (s *script) set(name, body string) {
	for i := range s.sections {
		if s.sections[i].name == name {
			s.sections[i].body = body
			return
		}
	}
	s.sections = append(s.sections, section{name, body})
}

// parseScript reads the txtar format: "-- name --" lines start sections.
func parseScript(data string) *script {
	s := &script{}
	cur := -1
	var b strings.Builder
	flush := func() {
		if cur >= 0 {
			s.sections[cur].body = b.String()
		} else {
			s.comment = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		t := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			s.sections = append(s.sections, section{name: strings.TrimSpace(t[3 : len(t)-3])})
			cur = len(s.sections) - 1
			continue
		}
		b.WriteString(line)
	}
	flush()
	return s
}

func (s *script) format() string {
	var b strings.Builder
	b.WriteString(s.comment)
	for _, sec := range s.sections {
		b.WriteString("-- " + sec.name + " --\n")
		b.WriteString(sec.body)
		if sec.body != "" && !strings.HasSuffix(sec.body, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.txtar scripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runScript(t, file)
		})
	}
}

func runScript(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := parseScript(string(data))
	src, ok := s.get("query")
	if !ok {
		t.Fatalf("%s: no query section", file)
	}
	opts := scriptOptions(t, s)
	db := scriptLake(t, s)

	p, err := exec.Prepare(src, opts)
	var res *exec.Result
	if err == nil {
		res, err = p.Run(context.Background(), db)
	}
	if want, ok := s.get("error"); ok {
		if *update && err != nil {
			s.set("error", err.Error()+"\n")
			if err := os.WriteFile(file, []byte(s.format()), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if strings.TrimSpace(want) == "" {
			t.Fatal("empty error section")
		}
		if err == nil {
			t.Fatalf("query succeeded; want an error containing %q", strings.TrimSpace(want))
		}
		if !strings.Contains(err.Error(), strings.TrimSpace(want)) {
			t.Fatalf("error = %v; want it to contain %q", err, strings.TrimSpace(want))
		}
		return
	}
	if err != nil {
		var el insights.ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			t.Fatalf("%v\n%s", err, insights.Annotate(src, el[0]))
		}
		t.Fatal(err)
	}
	got := renderRows(res)
	if *update {
		if _, ok := s.get("sql"); ok {
			s.set("sql", p.Plan.SQL+"\n")
		}
		name := "rows"
		if _, ok := s.get("unordered-rows"); ok {
			name = "unordered-rows"
		}
		s.set(name, got)
		if err := os.WriteFile(file, []byte(s.format()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want, ok := s.get("sql"); ok && strings.TrimSpace(want) != p.Plan.SQL {
		t.Errorf("SQL:\ngot  %s\nwant %s", p.Plan.SQL, strings.TrimSpace(want))
	}
	if want, ok := s.get("rows"); ok {
		if got != want {
			t.Errorf("rows:\ngot:\n%s\nwant:\n%s", got, want)
		}
	} else if want, ok := s.get("unordered-rows"); ok {
		if sortLines(got) != sortLines(want) {
			t.Errorf("rows (any order):\ngot:\n%s\nwant:\n%s", got, want)
		}
	} else {
		t.Fatalf("%s: no rows, unordered-rows or error section", file)
	}
	if want, ok := s.get("truncated"); ok {
		if w := strings.TrimSpace(want) == "true"; w != res.Truncated {
			t.Errorf("truncated = %v, want %v", res.Truncated, w)
		}
	}
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 1 {
		sort.Strings(lines[1:])
	}
	return strings.Join(lines, "\n")
}

func scriptOptions(t testing.TB, s *script) exec.Options {
	var o exec.Options
	body, _ := s.get("options")
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("options: %q is not key: value", line)
		}
		v = strings.TrimSpace(v)
		var err error
		switch k {
		case "table":
			o.Table = v
		case "since":
			o.Since, err = time.Parse(time.RFC3339, v)
		case "until":
			o.Until, err = time.Parse(time.RFC3339, v)
		case "maxrows":
			o.MaxRows, err = strconv.Atoi(v)
		default:
			t.Fatalf("options: unknown key %q", k)
		}
		if err != nil {
			t.Fatalf("options: %s: %v", k, err)
		}
	}
	return o
}

// lakes caches the lake of each set of events, since many scripts share
// them.
var lakes = map[string]*query.DB{}

// scriptLake ingests the script's events into a lake and opens it.
func scriptLake(t testing.TB, s *script) *query.DB {
	var files []section
	if use, ok := s.get("use"); ok {
		for _, name := range strings.Fields(use) {
			data, err := os.ReadFile(filepath.Join("testdata", "events", name))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, section{name, string(data)})
		}
	}
	for _, sec := range s.sections {
		if strings.HasSuffix(sec.name, ".json") || strings.HasSuffix(sec.name, ".log") {
			files = append(files, sec)
		}
	}
	var key strings.Builder
	for _, f := range files {
		fmt.Fprintf(&key, "%s\x00%s\x00", f.name, f.body)
	}
	if db, ok := lakes[key.String()]; ok {
		return db
	}
	db := buildLake(t, files)
	lakes[key.String()] = db
	return db
}

func buildLake(t testing.TB, files []section) *query.DB {
	// The lake outlives the test that builds it; TestMain removes it.
	root, err := os.MkdirTemp(tmpRoot, "lake-")
	if err != nil {
		t.Fatal(err)
	}
	var l testLake
	for _, f := range files {
		if err := l.add(f.name, []byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if l.rej > 0 {
		t.Fatalf("%d lines or records of the events did not parse", l.rej)
	}
	lakeDir := filepath.Join(root, "lake")
	if err := l.write(lakeDir); err != nil {
		t.Fatal(err)
	}
	return openLake(t, lakeDir, true)
}

var tmpRoot string

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	tmpRoot, err = os.MkdirTemp("", "s3sift-insights-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	for _, db := range lakes {
		db.Close()
	}
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// renderRows writes a result as CSV with a header: NULL for null,
// timestamps as 2006-01-02 15:04:05.000, numbers in their shortest form.
func renderRows(r *exec.Result) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(r.Columns)
	for _, row := range r.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = renderValue(v)
		}
		w.Write(rec)
	}
	w.Flush()
	return b.String()
}

func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
