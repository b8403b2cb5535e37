package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/gen"
	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/lake"
	"github.com/s3sift/s3sift/source"
)

// childEnv, when set to "LAKE\nINPUT", makes the test binary an ingest
// process that TestKill9 kills.
const childEnv = "S3SIFT_INGEST_TEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		lakeDir, input, _ := strings.Cut(spec, "\n")
		src, err := source.NewLocal([]string{input})
		if err == nil {
			// A small memory bound makes many small commits: many
			// points at which the kill can land.
			_, err = ingest.Run(context.Background(), ingest.Config{Lake: lakeDir, Sources: []source.Source{src}, Workers: 2, Memory: 512 << 10})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func manifestRecords(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// TestKill9 kills ingest processes with SIGKILL in the middle of their
// work, then ingests again: every row must be in the lake exactly once and
// nothing but complete, committed files may be under the table folders.
func TestKill9(t *testing.T) {
	in, truth := generate(t, gen.Config{Days: 1, RequestsPerDay: 12000, AccessLogInterval: 15 * time.Minute, CloudTrailInterval: 15 * time.Minute})
	dir := t.TempDir()
	manifest := filepath.Join(dir, lake.InternalDir, "manifest.jsonl")
	for _, after := range []int{2, 10, 25} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir+"\n"+in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		base := manifestRecords(manifest)
		var err error
	wait:
		for manifestRecords(manifest) < base+after {
			select {
			case err = <-exited:
				t.Fatalf("the ingest to kill ended first (%v, %s): the input is too small for this test", err, stderr.String())
			case <-time.After(time.Millisecond):
				continue wait
			}
		}
		cmd.Process.Kill()
		err = <-exited
		var xe *exec.ExitError
		if !errors.As(err, &xe) || xe.Success() {
			t.Fatalf("child after kill: %v, want killed", err)
		}
		t.Logf("killed after %d commits", manifestRecords(manifest)-base)
	}
	checkLakeFiles(t, dir) // recovery (by this Open) leaves only committed files

	sum := run(t, dir, ingest.Config{}, localSource(t, in))
	if sum.Unchanged == 0 || sum.Objects == 0 {
		t.Errorf("run after kills: %d objects read, %d unchanged; want both non-zero (the killed runs committed part)", sum.Objects, sum.Unchanged)
	}
	for table, want := range map[string]int64{event.TableAccessLogs: truth.Rows.AccessLogs, event.TableCloudTrail: truth.Rows.CloudTrail} {
		if got, distinct := count(t, dir, table, ""), distinctRows(t, dir, table); got != want || distinct != want {
			t.Errorf("%s after kills and rerun: %d rows, %d distinct, want %d", table, got, distinct, want)
		}
	}
	checkLakeFiles(t, dir)
}
