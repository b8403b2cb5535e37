package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/internal/cli"
)

// ingestCorpus is the shared access-log samples, from this package's folder.
var ingestCorpus = filepath.Join("..", "..", "..", "shared", "corpus", "s3access")

type ingestJSON struct {
	Objects   int64            `json:"objects"`
	Unchanged int64            `json:"unchanged"`
	Skipped   map[string]int64 `json:"skipped"`
	Failed    []struct {
		Object, Error string
	} `json:"failed"`
	Rows      map[string]int64 `json:"rows"`
	Rejects   int64            `json:"rejects"`
	BytesRead int64            `json:"bytes_read"`
	MBps      *float64         `json:"mb_per_second"`
}

func runIngestCLI(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"ingest"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestIngestCommandUsage(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	missing := filepath.Join(t.TempDir(), "no-such-logs")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStderr string
	}{
		{"no paths", []string{"--lake", lake}, 2, "no PATH or s3:// URL to ingest"},
		{"unknown flag", []string{"--lake", lake, "--bogus", ingestCorpus}, 2, "flag provided but not defined: -bogus"},
		{"bad workers", []string{"--lake", lake, "--workers", "many", ingestCorpus}, 2, `invalid value "many" for flag -workers`},
		{"negative workers", []string{"--lake", lake, "--workers", "-1", ingestCorpus}, 2, "--workers must be positive"},
		{"bad format", []string{"--lake", lake, "--format", "xml", ingestCorpus}, 2, `--format must be text or json, got "xml"`},
		{"bad progress", []string{"--lake", lake, "--progress", "sometimes", ingestCorpus}, 2, `--progress must be auto, never or always, got "sometimes"`},
		{"missing path", []string{"--lake", lake, missing}, 1, missing + ": no such file or folder"},
		{"help", []string{"--help"}, 0, "usage: s3sift ingest --lake DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runIngestCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("ingest %q: exit %d, stderr:\n%s\nwant exit %d and stderr containing %q", tt.args, code, stderr, tt.code, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("ingest %q: stdout %q, want nothing", tt.args, stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(lake, "_s3sift")); err == nil {
		t.Errorf("a failed invocation created the lake %s", lake)
	}
}

func TestIngestCommand(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	// Flags may follow the paths; json output with a progress line.
	code, stdout, stderr := runIngestCLI(t, ingestCorpus, "--lake", lake, "--format", "json", "--progress", "always")
	if code != 0 {
		t.Fatalf("ingest exit %d, stderr:\n%s", code, stderr)
	}
	var first ingestJSON
	if err := json.Unmarshal([]byte(stdout), &first); err != nil {
		t.Fatalf("ingest --format json printed invalid JSON (%v):\n%s", err, stdout)
	}
	files := 0
	filepath.WalkDir(ingestCorpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return err
	})
	var skipped int64
	for reason, n := range first.Skipped {
		if !strings.HasPrefix(reason, "not a log: ") {
			t.Errorf("skip reason %q, want \"not a log: …\"", reason)
		}
		skipped += n
	}
	if first.Objects != int64(files) || first.Rows["s3_access_logs"] == 0 || skipped == 0 || first.Rejects != 0 || len(first.Failed) != 0 || first.BytesRead == 0 || first.MBps == nil {
		t.Errorf("first ingest summary = %+v, want %d objects, access log rows, skipped docs, no rejects or failures", first, files)
	}
	if !strings.Contains(stderr, "ingest: ") || !strings.Contains(stderr, "objects") {
		t.Errorf("--progress always: stderr %q, want a progress line", stderr)
	}

	// Again, as text and without progress: nothing new.
	code, stdout, stderr = runIngestCLI(t, "--lake", lake, "--progress", "never", ingestCorpus)
	if code != 0 || stderr != "" {
		t.Fatalf("second ingest exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
	for _, want := range []string{"ingested 0 object(s)", "already in the lake: " + itoa(first.Objects) + " unchanged", "rows: s3_access_logs 0 cloudtrail 0 rejects 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("second ingest output:\n%s\nwant it to contain %q", stdout, want)
		}
	}
}

func TestIngestCommandCompact(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	logs := t.TempDir()
	if _, err := gen.Generate(logs, gen.Config{Seed: 3, Days: 1, RequestsPerDay: 3000}); err != nil {
		t.Fatal(err)
	}
	// A tiny row memory writes a file per few hundred rows: compacting
	// merges them.
	code, stdout, stderr := runIngestCLI(t, "--lake", lake, "--memory-mb", "1", "--compact", "--format", "json", logs)
	if code != 0 {
		t.Fatalf("ingest --compact exit %d, stderr:\n%s", code, stderr)
	}
	var sum struct {
		Rows      map[string]int64 `json:"rows"`
		Compacted struct {
			FilesIn  int `json:"files_in"`
			FilesOut int `json:"files_out"`
		} `json:"compacted"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("invalid JSON (%v):\n%s", err, stdout)
	}
	if sum.Compacted.FilesIn == 0 || sum.Compacted.FilesOut >= sum.Compacted.FilesIn {
		t.Errorf("compacted = %+v, want small files merged into fewer", sum.Compacted)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestIngestCommandRequestsFail checks the step after the logs are in:
// when s3_requests cannot be updated, the summary is still printed, the
// error says the logs are in and what to do, the exit is 1, and the next
// ingest finishes the job.
func TestIngestCommandRequestsFail(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	// A file where s3_requests' working folder goes.
	if err := os.MkdirAll(filepath.Join(lake, "_s3sift"), 0o755); err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(lake, "_s3sift", "derive")
	if err := os.WriteFile(blocker, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIngestCLI(t, "--lake", lake, "--progress", "never", ingestCorpus)
	if code != 1 || !strings.Contains(stdout, "rows: s3_access_logs ") || !strings.Contains(stderr, "the logs are in the lake") {
		t.Fatalf("ingest with s3_requests blocked: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 1, the summary, and an error saying the logs are in", code, stdout, stderr)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runIngestCLI(t, "--lake", lake, "--progress", "never", ingestCorpus)
	if code != 0 || !strings.Contains(stdout, "ingested 0 object(s)") || !strings.Contains(stdout, "s3_requests: ") {
		t.Fatalf("second ingest: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0, nothing new, s3_requests updated", code, stdout, stderr)
	}
}
