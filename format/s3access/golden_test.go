package s3access_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.jsonl from the parser's output")

// TestGolden decodes every testdata/<case>.log and compares the rows and
// rejects, in line order, with testdata/<case>.golden.jsonl.
func TestGolden(t *testing.T) {
	logs, err := filepath.Glob("testdata/*.log")
	if err != nil || len(logs) == 0 {
		t.Fatalf("no testdata/*.log cases (err %v)", err)
	}
	for _, path := range logs {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d := decodeAll(t, bytes.NewReader(data), "testdata/"+name+".log")
			if got, want := len(d.recs)+len(d.rejs), nonBlankLines(data); got != want {
				t.Errorf("records+rejects = %d, want %d (non-blank lines)", got, want)
			}
			type out struct {
				line int64
				text string
			}
			var rows []out
			for _, r := range d.recs {
				rows = append(rows, out{r.SourceLine, goldenRow(t, r)})
			}
			for _, r := range d.rejs {
				rows = append(rows, out{r.SourceLine, goldenReject(t, r)})
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].line < rows[j].line })
			var got strings.Builder
			for _, r := range rows {
				got.WriteString(r.text)
				got.WriteByte('\n')
			}

			golden := strings.TrimSuffix(path, ".log") + ".golden.jsonl"
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			gotLines := strings.Split(got.String(), "\n")
			wantLines := strings.Split(string(want), "\n")
			for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
				var g, w string
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if g != w {
					t.Fatalf("%s line %d:\n got %s\nwant %s\n(if the change is intended, run go test -update)", golden, i+1, g, w)
				}
			}
		})
	}
}
