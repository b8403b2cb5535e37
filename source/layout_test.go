package source_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3sift/s3sift/format"
	"github.com/s3sift/s3sift/source"
)

func TestParseKey(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		key  string
		want source.KeyInfo
	}{
		{"AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0105Z_abcDEF123.json.gz",
			source.KeyInfo{Kind: format.CloudTrail, Time: ts("2024-03-01T01:05:00Z"), Account: "111122223333", Region: "us-east-1"}},
		{"trails/AWSLogs/o-aa1bb2cc3d/111122223333/CloudTrail/eu-west-1/2024/03/01/111122223333_CloudTrail_eu-west-1_20240301T2355Z_x.json.gz",
			source.KeyInfo{Kind: format.CloudTrail, Time: ts("2024-03-01T23:55:00Z"), Account: "111122223333", Region: "eu-west-1"}},
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240301T010500Z.json.gz",
			source.KeyInfo{Skip: source.SkipDigest}},
		{"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/03/01/x.json.gz",
			source.KeyInfo{Skip: source.SkipInsight, Account: "111122223333"}},
		{"AWSLogs/111122223333/Config/us-east-1/2024/3/1/ConfigSnapshot/x.json.gz",
			source.KeyInfo{Skip: "Config files are not S3 access logs or CloudTrail", Account: "111122223333"}},
		{"logs/2024-03-01-12-30-05-0A1B2C3D4E5F6789",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z")}},
		{"2024-03-01-12-30-05-0A1B2C3D4E5F6789",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z")}},
		{"logs/111122223333/us-west-2/my-bucket/2024/03/01/2024-03-01-12-30-05-0A1B2C3D4E5F6789",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z"), Account: "111122223333", Region: "us-west-2"}},
		{"copied/111122223333_CloudTrail_us-east-1_20240301T0105Z_abc.json.gz",
			source.KeyInfo{Kind: format.CloudTrail, Time: ts("2024-03-01T01:05:00Z"), Account: "111122223333", Region: "us-east-1"}},
		{"logs-2024-03-01-12-30-05-0A1B2C3D4E5F6789",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z")}},
		{"logs/bucket-a2024-03-01-12-30-05-0A1B2C3D4E5F6789",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z")}},
		{"logs/2024-03-01-12-30-05-0A1B-2C3D",
			source.KeyInfo{Kind: format.AccessLog, Time: ts("2024-03-01T12:30:05Z")}},
		{"logs/", source.KeyInfo{Skip: source.SkipFolder}},
		{"logs/2024-13-01-12-30-05-X", source.KeyInfo{}},
		{"logs/2024-03-01-12-30-05", source.KeyInfo{}},
		{"notes/readme.txt", source.KeyInfo{}},
		{"AWSLogs/notanaccount/CloudTrail/x.json", source.KeyInfo{}},
	}
	for _, tt := range tests {
		got := source.ParseKey(tt.key)
		if got.Kind != tt.want.Kind || !got.Time.Equal(tt.want.Time) || got.Account != tt.want.Account ||
			got.Region != tt.want.Region || got.Skip != tt.want.Skip {
			t.Errorf("ParseKey(%q)\n got %+v\nwant %+v", tt.key, got, tt.want)
		}
	}
}

// fixtureBucket is one bucket holding every layout: a CloudTrail trail, an
// organization trail, simple and date-partitioned access logs.
func fixtureBucket() *genBucket {
	g := &genBucket{}
	start := time.Date(2024, 2, 27, 0, 0, 0, 0, time.UTC)
	g.cloudTrail("", "", []string{"111122223333", "444455556666"}, []string{"us-east-1", "eu-west-1", "ap-south-1"}, start, 5, 2*time.Hour)
	g.cloudTrail("org/", "o-abcde12345", []string{"777788889999"}, []string{"us-east-1"}, start, 5, 3*time.Hour)
	g.accessSimple("simple/", start.AddDate(-1, 0, 0), 400, 11*time.Hour)
	g.accessSimple("flat-", start, 5, 7*time.Hour)
	g.accessPartitioned("part/", []string{"111122223333", "444455556666"}, []string{"us-east-1", "us-west-2"}, "src-bucket", start, 5, 4*time.Hour)
	g.add(genObj{key: "simple/README.txt", other: true})
	return g
}

// selectionCases are the selections every walk test runs, under several
// prefixes.
func selectionCases() []struct {
	name string
	sel  source.Selection
} {
	day := func(d int) time.Time { return time.Date(2024, 2, 27+d, 0, 0, 0, 0, time.UTC) }
	return []struct {
		name string
		sel  source.Selection
	}{
		{"all", source.Selection{}},
		{"one day", source.Selection{Since: day(2), Until: day(3).Add(-time.Second)}},
		{"one day no slack", source.Selection{Since: day(2), Until: day(3).Add(-time.Second), DeliverySlack: -1}},
		{"since only", source.Selection{Since: day(3).Add(7 * time.Hour)}},
		{"until only", source.Selection{Until: day(1), DeliverySlack: time.Hour}},
		{"region", source.Selection{Regions: []string{"eu-west-1", "us-west-2"}}},
		{"account and day", source.Selection{Accounts: []string{"444455556666"}, Since: day(1), Until: day(2)}},
		{"shard 1/3", source.Selection{Shard: 1, Shards: 3}},
		{"shard 0/2 one day", source.Selection{Shard: 0, Shards: 2, Since: day(4), Until: day(5)}},
		{"years ago", source.Selection{Since: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2023, 6, 2, 0, 0, 0, 0, time.UTC)}},
	}
}

var walkPrefixes = []string{"", "flat-", "AWSLogs/", "AWSLogs/444455556666/", "AWSLogs/444455556666/CloudTrail/eu-west-1/2024/02/", "org/", "org/AWSLogs/o-abcde12345/", "simple/", "simple/2024-02-2", "part/", "part/111122223333/us-east-1/"}

// walkKeys runs WalkLayout and returns the keys it yields without a Skip
// reason, and the skipped ones.
func walkKeys(t *testing.T, l source.Lister, prefix string, sel source.Selection) (keys, skipped []string) {
	t.Helper()
	err := source.WalkLayout(context.Background(), l, prefix, sel, nil, func(o source.ListedObject, info source.KeyInfo) error {
		if info.Skip != "" {
			skipped = append(skipped, o.Key)
		} else {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WalkLayout(%q): %v", prefix, err)
	}
	return keys, skipped
}

func TestWalkLayoutOracle(t *testing.T) {
	g := fixtureBucket()
	for _, prefix := range walkPrefixes {
		for _, c := range selectionCases() {
			m := newMemBucket(g)
			want := g.want(prefix, c.sel)
			err := source.WalkLayout(context.Background(), m, prefix, c.sel, nil, func(source.ListedObject, source.KeyInfo) error { return nil })
			if errors.Is(err, source.ErrOutsideSelection) {
				// The prefix names a folder the filters exclude.
				if len(want) > 0 {
					t.Errorf("prefix %q, %s: %v, want %d keys", prefix, c.name, err, len(want))
				}
				continue
			}
			got, skipped := walkKeys(t, m, prefix, c.sel)
			if !slices.Equal(got, want) {
				t.Errorf("prefix %q, %s: got %d keys, want %d\n%s", prefix, c.name, len(got), len(want), diffKeys(got, want))
			}
			// Digests, Insights and Config folders are never listed.
			if len(skipped) > 0 {
				t.Errorf("prefix %q, %s: %d keys passed on as skipped, want none listed: %q", prefix, c.name, len(skipped), skipped[0])
			}
		}
	}
}

func TestWalkLayoutNeverListsDigests(t *testing.T) {
	g := fixtureBucket()
	m := newMemBucket(g)
	var seen []string
	var mu sync.Mutex
	rec := listerFunc(func(ctx context.Context, req source.ListRequest) (source.ListPage, error) {
		p, err := m.ListPage(ctx, req)
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, req.Prefix)
		for _, o := range p.Objects {
			seen = append(seen, o.Key)
		}
		return p, err
	})
	walkKeys(t, rec, "", source.Selection{})
	for _, k := range seen {
		for _, bad := range []string{"CloudTrail-Digest/", "CloudTrail-Insight/", "/Config/"} {
			if strings.Contains(k, bad) {
				t.Errorf("listed %q, which is inside a %s folder", k, bad)
			}
		}
	}
}

// TestWalkLayoutPrunes checks that one day out of a long bucket costs a
// small part of a whole listing, for both access-log key formats and for
// CloudTrail.
func TestWalkLayoutPrunes(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	day := time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC)
	sel := source.Selection{Since: day, Until: day.Add(24*time.Hour - time.Second)}
	tests := []struct {
		name   string
		fill   func(g *genBucket)
		prefix string
	}{
		{"simple", func(g *genBucket) { g.accessSimple("logs/", start, 90, 15*time.Minute) }, "logs/"},
		{"simple, no slash", func(g *genBucket) { g.accessSimple("logs-", start, 90, 15*time.Minute) }, "logs-"},
		{"simple, two years", func(g *genBucket) { g.accessSimple("logs/", start.AddDate(-1, 0, 0), 455, time.Hour) }, "logs/"},
		{"partitioned", func(g *genBucket) {
			g.accessPartitioned("logs/", []string{"111122223333"}, []string{"us-east-1"}, "b", start, 90, 15*time.Minute)
		}, "logs/"},
		{"cloudtrail", func(g *genBucket) {
			g.cloudTrail("", "", []string{"111122223333"}, []string{"us-east-1", "eu-west-1"}, start, 90, 10*time.Minute)
		}, ""},
	}
	for _, tt := range tests {
		g := &genBucket{}
		tt.fill(g)
		m := newMemBucket(g)
		got, _ := walkKeys(t, m, tt.prefix, sel)
		want := g.want(tt.prefix, sel)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d keys, want %d\n%s", tt.name, len(got), len(want), diffKeys(got, want))
		}
		// One day plus 2×6h of slack is 1/60 of 90 days; allow for folder
		// levels, probe pages and a page's overshoot past the window.
		if limit := len(want) + 1200; m.listedKeys > limit || m.listedKeys > len(g.objs)/5 {
			t.Errorf("%s: listed %d keys of %d to select %d; want at most %d", tt.name, m.listedKeys, len(g.objs), len(want), limit)
		}
		t.Logf("%s: %d calls listed %d of %d keys to select %d", tt.name, m.calls, m.listedKeys, len(g.objs), len(want))
		if m.calls > 20 {
			t.Errorf("%s: %d list calls, want at most 20", tt.name, m.calls)
		}
	}
}

func TestSelectionValidate(t *testing.T) {
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		sel     source.Selection
		wantErr bool
	}{
		{source.Selection{}, false},
		{source.Selection{Shard: 2, Shards: 3}, false},
		{source.Selection{Shard: 3, Shards: 3}, true},
		{source.Selection{Shard: -1, Shards: 3}, true},
		{source.Selection{Since: now, Until: now.Add(-time.Hour)}, true},
		{source.Selection{Since: now, Until: now}, false},
	}
	for _, tt := range tests {
		if err := tt.sel.Validate(); (err != nil) != tt.wantErr {
			t.Errorf("Validate(%+v) = %v, wantErr %v", tt.sel, err, tt.wantErr)
		}
	}
}

func TestShardsPartition(t *testing.T) {
	g := fixtureBucket()
	all, _ := walkKeys(t, newMemBucket(g), "", source.Selection{})
	const n = 4
	seen := map[string]int{}
	for i := range n {
		keys, _ := walkKeys(t, newMemBucket(g), "", source.Selection{Shard: i, Shards: n})
		if len(keys) == 0 || len(keys) > len(all)/2 {
			t.Errorf("shard %d/%d has %d of %d keys; want a fair share", i, n, len(keys), len(all))
		}
		for _, k := range keys {
			seen[k]++
		}
	}
	for _, k := range all {
		if seen[k] != 1 {
			t.Errorf("key %s is in %d shards, want 1", k, seen[k])
		}
	}
	if len(seen) != len(all) {
		t.Errorf("shards hold %d keys, want %d", len(seen), len(all))
	}
}

type listerFunc func(context.Context, source.ListRequest) (source.ListPage, error)

func (f listerFunc) ListPage(ctx context.Context, req source.ListRequest) (source.ListPage, error) {
	return f(ctx, req)
}

// diffKeys shows the first few keys missing and extra.
func diffKeys(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, k := range want {
		if !slices.Contains(got, k) && n < 5 {
			b.WriteString("  missing " + k + "\n")
			n++
		}
	}
	n = 0
	for _, k := range got {
		if !slices.Contains(want, k) && n < 5 {
			b.WriteString("  extra   " + k + "\n")
			n++
		}
	}
	return b.String()
}

// TestWalkLayoutListsAhead checks that sibling folders are listed
// concurrently, within bounds, and that key order survives.
func TestWalkLayoutListsAhead(t *testing.T) {
	g := &genBucket{}
	g.cloudTrail("", "", []string{"111122223333", "444455556666"}, []string{"us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"}, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 40, 6*time.Hour)
	m := newMemBucket(g)
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	slow := listerFunc(func(ctx context.Context, req source.ListRequest) (source.ListPage, error) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		// Give sibling requests the time to overlap.
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return m.ListPage(ctx, req)
	})
	sel := source.Selection{Since: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 2, 5, 0, 0, 0, 0, time.UTC)}
	got, _ := walkKeys(t, slow, "", sel)
	if want := g.want("", sel); !slices.Equal(got, want) {
		t.Fatalf("got %d keys, want %d in key order\n%s", len(got), len(want), diffKeys(got, want))
	}
	if !slices.IsSorted(got) {
		t.Errorf("keys not in order")
	}
	// Eight ahead per folder level, at most five levels deep.
	if maxInFlight < 2 || maxInFlight > 8*5 {
		t.Errorf("at most %d list calls in flight, want between 2 and 40", maxInFlight)
	}
}

func FuzzParseKey(f *testing.F) {
	for _, k := range []string{
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0105Z_abc.json.gz",
		"AWSLogs/o-aa1bb2cc3d/111122223333/CloudTrail-Digest/x",
		"logs-2024-03-01-12-30-05-0A1B2C3D4E5F6789",
		"p/111122223333/us-west-2/b/2024/03/01/2024-03-01-12-30-05-X",
		"AWSLogs/", "/", "", "2024-99-99-99-99-99-Z",
	} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		info := source.ParseKey(key)
		if info.Kind != format.Unknown && info.Skip != "" {
			t.Errorf("ParseKey(%q) = kind %v and skip %q; want one or the other", key, info.Kind, info.Skip)
		}
		if info.Kind == format.AccessLog && info.Time.IsZero() {
			t.Errorf("ParseKey(%q): access log without a time", key)
		}
	})
}

// TestWalkLayoutJumpsRandom mixes access logs named by time with folders
// and files whose names sort among them (account ids, "2024…" names) in
// random buckets, and checks that the jumps over keys outside the window
// never skip anything else.
func TestWalkLayoutJumpsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 4 * 365 * 24 * time.Hour
	randTime := func() time.Time { return base.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second) }
	for round := range 200 {
		g := &genBucket{}
		for range 1 + rng.IntN(300) {
			switch rng.IntN(6) {
			case 0, 1, 2:
				g.accessSimple("logs/", randTime(), 1, 48*time.Hour)
			case 3:
				g.add(genObj{key: fmt.Sprintf("logs/%d%011d/x", 1+rng.IntN(9), rng.Int64N(1e11)), other: true})
			case 4:
				y := 2021 + rng.IntN(6)
				g.add(genObj{key: fmt.Sprintf("logs/%d%s", y, []string{"0/x", "-notes.txt", "_x", "9/y", ""}[rng.IntN(5)]), other: true})
			case 5:
				g.add(genObj{key: fmt.Sprintf("logs/%c%d", 'A'+rng.IntN(40), rng.IntN(100)), other: true})
			}
		}
		seen := map[string]bool{}
		g.objs = slices.DeleteFunc(g.objs, func(o genObj) bool {
			dup := seen[o.key]
			seen[o.key] = true
			return dup
		})
		var sel source.Selection
		sel.DeliverySlack = -1
		if rng.IntN(4) > 0 {
			sel.Since = randTime()
		}
		if rng.IntN(4) > 0 {
			sel.Until = randTime()
		}
		if !sel.Since.IsZero() && sel.Until.Before(sel.Since) {
			sel.Since, sel.Until = sel.Until, sel.Since
		}
		got, _ := walkKeys(t, newMemBucket(g), "logs/", sel)
		want := g.want("logs/", sel)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d, since %v until %v: got %d keys, want %d\n%s", round, sel.Since, sel.Until, len(got), len(want), diffKeys(got, want))
		}
	}
}
