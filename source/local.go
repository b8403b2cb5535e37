package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrFileChanged is returned by Local.Open for a file whose size or
// modification time differ from when it was listed.
var ErrFileChanged = errors.New("file changed since it was listed")

// Local offers files on the local disk: the files named, and every file
// under the folders named, recursively, in lexical order. Hidden files and
// folders (names starting with "."), editor and OS leftovers (foo~, #foo#,
// .swp, Thumbs.db) and anything not a regular file are left out, except
// a hidden file named explicitly.
type Local struct {
	paths   []string // absolute, as given
	exclude []string // absolute folders never entered
}

var _ Source = (*Local)(nil)

// NewLocal returns a source over paths (files or folders). Each path must
// exist; the error names the first that does not. Folders in exclude (the
// lake, say) are never entered.
func NewLocal(paths []string, exclude ...string) (*Local, error) {
	l := &Local{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("source: resolving %s: %w", p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("source: %s: no such file or folder: %w", p, fs.ErrNotExist)
			}
			return nil, fmt.Errorf("source: %s: %w", p, err)
		}
		l.paths = append(l.paths, abs)
	}
	for _, p := range exclude {
		if abs, err := filepath.Abs(p); err == nil {
			l.exclude = append(l.exclude, abs)
		}
	}
	return l, nil
}

// List calls fn for each file, in the order of the paths given and
// lexically within folders, each file once.
func (l *Local) List(ctx context.Context, fn func(Object) error) error {
	seen := map[string]bool{}
	emit := func(path string, fi fs.FileInfo) error {
		if seen[path] {
			return nil
		}
		seen[path] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(fileObject(path, fi))
	}
	for _, root := range l.paths {
		fi, err := os.Stat(root)
		if err != nil {
			return fmt.Errorf("source: %s: %w", root, err)
		}
		if !fi.IsDir() {
			if fi.Mode().IsRegular() {
				if err := emit(root, fi); err != nil {
					return err
				}
			}
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("source: listing %s: %w", path, err)
			}
			if path != root && junk(d.Name()) || d.IsDir() && l.excluded(path) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			// Stat follows symbolic links: a link to a file is read, a
			// link to a folder is not walked (no cycles).
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
			return emit(path, fi)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Open opens a listed file. It fails with ErrFileChanged if the file is no
// longer the version listed, so the manifest never pairs a version with
// other content.
func (l *Local) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	f, err := os.Open(o.ID)
	if err != nil {
		return nil, fmt.Errorf("source: opening %s: %w", o.ID, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("source: opening %s: %w", o.ID, err)
	}
	if v := fileVersion(fi); o.Version != "" && v != o.Version {
		f.Close()
		return nil, fmt.Errorf("source: %s: %w (rerun to read the new version)", o.ID, ErrFileChanged)
	}
	return f, nil
}

func (l *Local) excluded(path string) bool {
	return slices.ContainsFunc(l.exclude, func(ex string) bool { return path == ex })
}

func fileObject(path string, fi fs.FileInfo) Object {
	return Object{ID: path, Size: fi.Size(), Version: fileVersion(fi), ModTime: fi.ModTime()}
}

// fileVersion is a file's size and modification time (nanoseconds), which
// change whenever its content does (short of deliberate tampering).
func fileVersion(fi fs.FileInfo) string {
	return strconv.FormatInt(fi.Size(), 10) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
}

// junk reports whether a file or folder name is hidden or an editor or OS
// leftover rather than data.
func junk(name string) bool {
	switch {
	case strings.HasPrefix(name, "."), // .git, .DS_Store, .foo.swp, ._AppleDouble
		strings.HasSuffix(name, "~"),                                 // emacs, vim backups
		strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"), // emacs autosave
		strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swo"),
		strings.HasSuffix(name, ".tmp"), strings.HasSuffix(name, ".part"), // downloads in progress
		name == "Thumbs.db", name == "desktop.ini", name == "__MACOSX":
		return true
	}
	return false
}
