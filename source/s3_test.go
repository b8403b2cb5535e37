package source_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3sift/s3sift/internal/s3test"
	"github.com/s3sift/s3sift/source"
)

// hermetic keeps the developer's AWS configuration out of a test.
func hermetic(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{
		{"AWS_CONFIG_FILE", empty}, {"AWS_SHARED_CREDENTIALS_FILE", empty},
		{"AWS_PROFILE", ""}, {"AWS_DEFAULT_PROFILE", ""}, {"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", ""},
		{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"AWS_SESSION_TOKEN", ""},
		{"AWS_ENDPOINT_URL", ""}, {"AWS_ENDPOINT_URL_S3", ""}, {"AWS_EC2_METADATA_DISABLED", "true"},
	} {
		t.Setenv(kv[0], kv[1])
	}
}

// fixture is a server (behind a counting, fault-injecting proxy) holding
// one bucket of generated logs.
type fixture struct {
	srv    *s3test.Server
	proxy  *s3test.Proxy
	bucket string
	gen    *genBucket
	etags  map[string]string
	logs   bytes.Buffer // everything the sources logged
}

func newFixture(t *testing.T, g *genBucket) *fixture {
	t.Helper()
	hermetic(t)
	f := &fixture{srv: s3test.Start(t), bucket: "logs", gen: g, etags: map[string]string{}}
	f.proxy = s3test.NewProxy(t, f.srv)
	f.srv.CreateBucket(t, f.bucket)
	objs := map[string][]byte{}
	for _, o := range g.objs {
		objs[o.key] = o.body(t)
	}
	f.srv.Seed(t, f.bucket, objs)
	return f
}

// source returns an S3 source for prefix through the proxy.
func (f *fixture) source(t *testing.T, prefix string, sel source.Selection) *source.S3 {
	t.Helper()
	s, err := source.NewS3(context.Background(), source.S3Config{
		Bucket: f.bucket, Prefix: prefix, Selection: sel,
		Conn: source.S3Conn{
			EndpointURL: f.proxy.URL, Region: f.srv.Region, Credentials: f.srv.Credentials(),
			MaxAttempts: 4, MaxBackoff: 20 * time.Millisecond,
		},
		Logger: slog.New(slog.NewTextHandler(&f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return s
}

// list returns the objects a source lists.
func list(t *testing.T, s source.Source) []source.Object {
	t.Helper()
	var objs []source.Object
	if err := s.List(context.Background(), func(o source.Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return objs
}

func readAll(t *testing.T, s source.Source, o source.Object) ([]byte, error) {
	t.Helper()
	rc, err := s.Open(context.Background(), o)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestS3ListAndOpenLayouts(t *testing.T) {
	g := fixtureBucket()
	f := newFixture(t, g)
	bodies := map[string][]byte{}
	for _, o := range g.objs {
		bodies[o.key] = o.body(t)
	}
	for _, prefix := range []string{"", "org/", "simple/", "part/111122223333/"} {
		for _, c := range selectionCases() {
			s := f.source(t, prefix, c.sel)
			var objs []source.Object
			err := s.List(context.Background(), func(o source.Object) error {
				objs = append(objs, o)
				return nil
			})
			if errors.Is(err, source.ErrOutsideSelection) && len(g.want(prefix, c.sel)) == 0 {
				continue
			}
			if err != nil {
				t.Fatalf("%q %s: List: %v", prefix, c.name, err)
			}
			var got []string
			for _, o := range objs {
				if o.Skip != "" {
					t.Errorf("%q %s: %s listed as skipped (%s); its folder should not be listed", prefix, c.name, o.ID, o.Skip)
					continue
				}
				got = append(got, strings.TrimPrefix(o.ID, "s3://logs/"))
			}
			want := g.want(prefix, c.sel)
			if !slices.Equal(got, want) {
				t.Errorf("%q %s: listed %d objects, want %d\n%s", prefix, c.name, len(got), len(want), diffKeys(got, want))
			}
		}
	}
	// Every object reads back as stored, with its ETag as the version.
	f.proxy.ResetStats()
	s := f.source(t, "", source.Selection{Since: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)})
	objs := list(t, s)
	for _, o := range objs {
		key := strings.TrimPrefix(o.ID, "s3://logs/")
		if o.Version == "" || o.Size != int64(len(bodies[key])) || o.ModTime.IsZero() {
			t.Errorf("%s: version %q size %d (want %d) modtime %v", o.ID, o.Version, o.Size, len(bodies[key]), o.ModTime)
		}
		b, err := readAll(t, s, o)
		if err != nil {
			t.Errorf("read %s: %v", o.ID, err)
			continue
		}
		if !bytes.Equal(b, bodies[key]) {
			t.Errorf("read %s: got %d bytes, want %d", o.ID, len(b), len(bodies[key]))
		}
	}
	if st := f.proxy.Stats(); st.GetTotal() != len(objs) {
		t.Errorf("%d GET requests for %d objects, want one each", st.GetTotal(), len(objs))
	}
}

// TestS3PruningCounted ingests one day out of 90 and counts, at a proxy in
// front of the server, what was listed and downloaded.
func TestS3PruningCounted(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	g := &genBucket{}
	g.accessSimple("simple/", start, 90, time.Hour)
	g.accessPartitioned("part/", []string{"111122223333"}, []string{"us-east-1"}, "src", start, 90, 4*time.Hour)
	g.cloudTrail("", "", []string{"111122223333"}, []string{"eu-west-1"}, start, 90, 6*time.Hour)
	f := newFixture(t, g)
	day := time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC)
	sel := source.Selection{Since: day, Until: day.Add(24*time.Hour - time.Second)}
	for _, prefix := range []string{"simple/", "part/", "AWSLogs/"} {
		f.proxy.ResetStats()
		s := f.source(t, prefix, sel)
		want := g.want(prefix, sel)
		fetched := 0
		for _, o := range list(t, s) {
			if _, err := readAll(t, s, o); err != nil {
				t.Fatalf("read %s: %v", o.ID, err)
			}
			fetched++
		}
		total := 0
		for _, o := range g.objs {
			if strings.HasPrefix(o.key, prefix) {
				total++
			}
		}
		st := f.proxy.Stats()
		t.Logf("%s: %d list calls, %d keys listed of %d, %d fetched", prefix, st.ListCalls, st.ListedKeys, total, st.GetTotal())
		if fetched != len(want) || st.GetTotal() != len(want) {
			t.Errorf("%s: fetched %d objects in %d GETs, want %d", prefix, fetched, st.GetTotal(), len(want))
		}
		if st.ListedKeys > total/4 {
			t.Errorf("%s: listed %d keys of %d to read one day; want at most a quarter", prefix, st.ListedKeys, total)
		}
		if int64(st.ListCalls) != s.Stats().ListCalls {
			t.Errorf("%s: proxy saw %d list calls, source counted %d", prefix, st.ListCalls, s.Stats().ListCalls)
		}
	}
}
