package source_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/source"
)

func writeFiles(tb testing.TB, root string, files ...string) {
	tb.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+f), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func listIDs(tb testing.TB, src source.Source) []string {
	tb.Helper()
	var ids []string
	err := src.List(context.Background(), func(o source.Object) error {
		ids = append(ids, o.ID)
		return nil
	})
	if err != nil {
		tb.Fatalf("List: %v", err)
	}
	return ids
}

func TestLocalList(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root,
		"b/2.log.gz", "b/1.log", "a.json", "c/d/e.log",
		".hidden", ".git/config", "b/.1.log.swp", "b/notes~", "b/#x#", "Thumbs.db", "lake/x.parquet")
	if err := os.Symlink(filepath.Join(root, "a.json"), filepath.Join(root, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "c"), filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	rel := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(root, filepath.FromSlash(n)))
		}
		return out
	}
	tests := []struct {
		name    string
		paths   []string
		exclude []string
		want    []string
	}{
		{"folder", rel("."), nil, rel("a.json", "b/1.log", "b/2.log.gz", "c/d/e.log", "lake/x.parquet", "link.json")},
		{"exclude lake", rel("."), rel("lake"), rel("a.json", "b/1.log", "b/2.log.gz", "c/d/e.log", "link.json")},
		{"file then folder, no duplicates", rel("c/d/e.log", "c", "b/1.log"), nil, rel("c/d/e.log", "b/1.log")},
		{"hidden file named explicitly", rel(".hidden"), nil, rel(".hidden")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := source.NewLocal(tt.paths, tt.exclude...)
			if err != nil {
				t.Fatal(err)
			}
			if got := listIDs(t, src); !slices.Equal(got, tt.want) {
				t.Errorf("List = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLocalMissingPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := source.NewLocal([]string{missing})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("NewLocal(%s) error = %v, want fs.ErrNotExist naming the path", missing, err)
	}
}

func TestLocalVersionAndOpen(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, "x.log")
	src, err := source.NewLocal([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	var objs []source.Object
	src.List(context.Background(), func(o source.Object) error { objs = append(objs, o); return nil })
	if len(objs) != 1 {
		t.Fatalf("listed %d objects, want 1", len(objs))
	}
	o := objs[0]
	if o.Size != int64(len("content of x.log")) || o.Version == "" {
		t.Errorf("object = %+v, want size %d and a version", o, len("content of x.log"))
	}
	rc, err := src.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "content of x.log" {
		t.Errorf("read %q, want %q", b, "content of x.log")
	}

	// Touching the file changes its version: the listed one can no longer
	// be opened, a new listing gives a new version.
	later := o.ModTime.Add(time.Second)
	if err := os.Chtimes(o.ID, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Open(context.Background(), o); !errors.Is(err, source.ErrFileChanged) {
		t.Errorf("Open after touch: error = %v, want ErrFileChanged", err)
	}
	var again source.Object
	src.List(context.Background(), func(o source.Object) error { again = o; return nil })
	if again.Version == o.Version {
		t.Errorf("version after touch = %q, same as before", again.Version)
	}
}
