package cloudtrail_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.jsonl from the decoder's output")

// TestGolden decodes every testdata/<case>.json and compares what it
// emits, rejects and reports with testdata/<case>.golden.jsonl.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := goldenLines(t, decode(t, f, name+".json"))
			path := filepath.Join("testdata", name+".golden.jsonl")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update and review the diff)\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// goldenLines renders a decode result as JSON Lines: one line per record
// (non-zero fields only) or reject, then the stats.
func goldenLines(tb testing.TB, res result) []byte {
	tb.Helper()
	var b bytes.Buffer
	line := func(kind string, v any) {
		data, err := json.Marshal(map[string]any{kind: v})
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	for i := range res.records {
		line("record", nonZero(reflect.ValueOf(res.records[i])))
	}
	for _, rj := range res.rejects {
		line("reject", rj)
	}
	errText := ""
	if res.err != nil {
		errText = res.err.Error()
	}
	line("stats", map[string]any{"records": res.stats.Records, "rejects": res.stats.Rejects, "skipped": res.stats.Skipped, "error": errText})
	return b.Bytes()
}

// nonZero turns a struct into a map of its non-zero fields (embedded
// structs flattened), recursively, so golden files stay readable.
func nonZero(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return nonZero(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, nonZero(v.Index(i)))
		}
		return out
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.Format(time.RFC3339Nano) + " " + t.Location().String()
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			fv := v.Field(i)
			if fv.IsZero() {
				continue
			}
			x := nonZero(fv)
			if f.Anonymous {
				for k, e := range x.(map[string]any) {
					out[k] = e
				}
				continue
			}
			out[f.Name] = x
		}
		return out
	}
	return v.Interface()
}
