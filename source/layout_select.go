package source

import (
	"fmt"
	"hash/fnv"
	"time"
)

// DefaultDeliverySlack is how late a log file may be written after the
// requests it records, and so how far outside --since/--until a file's
// key time may lie and still hold records inside the window. S3 delivers
// access logs on a best-effort basis, usually within a few hours.
const DefaultDeliverySlack = 6 * time.Hour

// Selection says which log objects a listing keeps. The zero Selection
// keeps everything.
type Selection struct {
	// Since and Until bound the time of the records wanted; zero means
	// unbounded. They are compared with the time in object keys, widened
	// by DeliverySlack on both sides.
	Since, Until time.Time
	// DeliverySlack widens the window; zero means DefaultDeliverySlack and
	// a negative value means none.
	DeliverySlack time.Duration
	// Regions and Accounts, when not empty, keep only CloudTrail folders
	// and date-partitioned access-log folders of these regions and
	// accounts.
	Regions, Accounts []string
	// Shard and Shards, when Shards > 1, keep only the objects whose key
	// hashes to Shard (0 ≤ Shard < Shards).
	Shard, Shards int
}

// Validate reports a selection that can match nothing by mistake.
func (s Selection) Validate() error {
	if s.Shards < 0 || s.Shards > 0 && (s.Shard < 0 || s.Shard >= s.Shards) {
		return fmt.Errorf("source: shard %d/%d: want 0 ≤ i < n", s.Shard, s.Shards)
	}
	if !s.Since.IsZero() && !s.Until.IsZero() && s.Until.Before(s.Since) {
		return fmt.Errorf("source: until %s is before since %s", s.Until.Format(time.RFC3339), s.Since.Format(time.RFC3339))
	}
	return nil
}

// window returns the key-time window [from, to]; zero ends are open.
func (s Selection) window() (from, to time.Time) {
	slack := s.DeliverySlack
	if slack == 0 {
		slack = DefaultDeliverySlack
	}
	slack = max(slack, 0)
	if !s.Since.IsZero() {
		from = s.Since.Add(-slack)
	}
	if !s.Until.IsZero() {
		to = s.Until.Add(slack)
	}
	return from, to
}

// InShard reports whether key belongs to the selection's shard. The hash is
// FNV-1a of the key, so every worker agrees without coordination.
func (s Selection) InShard(key string) bool {
	if s.Shards <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()%uint64(s.Shards) == uint64(s.Shard)
}
