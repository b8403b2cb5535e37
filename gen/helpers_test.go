package gen_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3sift/s3sift/gen"
)

// smallConfig is the test data set: two days, a few thousand requests.
func smallConfig(seed int64) gen.Config {
	return gen.Config{Seed: seed, Days: 2, RequestsPerDay: 1500, AccessLogInterval: 30 * time.Minute, CloudTrailInterval: 30 * time.Minute}
}

var (
	sharedOnce  sync.Once
	sharedDir   string
	sharedTruth *gen.Truth
	sharedErr   error
)

// shared generates the small data set once for all read-only tests.
func shared(tb testing.TB) (string, *gen.Truth) {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "gen-test-")
		if sharedErr != nil {
			return
		}
		sharedTruth, sharedErr = gen.Generate(sharedDir, smallConfig(42))
	})
	if sharedErr != nil {
		tb.Fatalf("Generate: %v", sharedErr)
	}
	return sharedDir, sharedTruth
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// files returns dir's files (relative, slash-separated) under sub, sorted.
func files(tb testing.TB, dir, sub string) []string {
	tb.Helper()
	var out []string
	root := filepath.Join(dir, sub)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", root, err)
	}
	sort.Strings(out)
	return out
}

func readFile(tb testing.TB, dir, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func gunzip(tb testing.TB, b []byte) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	return out
}

// splitFields splits an access-log line into its fields the way the format
// defines them: space-separated, with "quoted" and [bracketed] fields kept
// whole. It is deliberately independent of format/s3access.
func splitFields(line string) []string {
	var out []string
	for i := 0; i < len(line); {
		if line[i] == ' ' {
			i++
			continue
		}
		var end int
		switch line[i] {
		case '"':
			end = strings.IndexByte(line[i+1:], '"') + i + 2
		case '[':
			end = strings.IndexByte(line[i+1:], ']') + i + 2
		default:
			end = strings.IndexByte(line[i:], ' ')
			if end < 0 {
				end = len(line)
			} else {
				end += i
			}
		}
		if end <= i || end > len(line) {
			end = len(line)
		}
		out = append(out, line[i:end])
		i = end
	}
	return out
}

// ctRecord is what the tests read back from CloudTrail records.
type ctRecord struct {
	EventSource   string `json:"eventSource"`
	EventName     string `json:"eventName"`
	EventCategory string `json:"eventCategory"`
	RequestID     string `json:"requestID"`
	ErrorCode     string `json:"errorCode"`
	UserIdentity  struct {
		Type           string `json:"type"`
		SessionContext struct {
			SessionIssuer struct {
				UserName string `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	RequestParameters map[string]any `json:"requestParameters"`
	AdditionalData    map[string]any `json:"additionalEventData"`
}

// readCloudTrail decodes every record of the CloudTrail log files.
func readCloudTrail(tb testing.TB, dir string) []ctRecord {
	tb.Helper()
	var out []ctRecord
	for _, f := range files(tb, dir, "cloudtrail") {
		if strings.Contains(f, "CloudTrail-Digest") {
			continue
		}
		var doc struct{ Records []ctRecord }
		if err := json.Unmarshal(gunzip(tb, readFile(tb, dir, f)), &doc); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, doc.Records...)
	}
	return out
}
