package gen

import (
	"fmt"
	"runtime"
	"time"
)

// Config says what to generate. The zero value of every field means its
// default (see Small); Generate fills the defaults in.
type Config struct {
	// Seed makes the output deterministic: the same Seed and Config give the
	// same bytes, whatever Workers is.
	Seed int64
	// Start is the first hour generated (truncated to the hour, UTC).
	// Default 2024-11-04T00:00:00Z.
	Start time.Time
	// Days is how many days of traffic to generate. Default 2.
	Days int
	// RequestsPerDay is the number of ordinary S3 requests per day, before
	// incidents, lifecycle expirations and non-S3 management events are
	// added. Default 2000.
	RequestsPerDay int
	// ExtraBuckets adds this many ordinary buckets (acme-data-01, …) to the
	// five fixed ones, spreading the same traffic over more buckets.
	ExtraBuckets int
	// AccessLogInterval is how much time one access-log object covers for
	// one bucket (S3 delivers one object per bucket every few minutes). It
	// must divide an hour. Default 1h (few files for tests); Large uses 5m.
	AccessLogInterval time.Duration
	// CloudTrailInterval is how much time one CloudTrail file covers for one
	// region. It must divide an hour. Default 1h; Large uses 5m.
	CloudTrailInterval time.Duration
	// GzipLevel is the compression level of CloudTrail files (1–9). Default 6.
	GzipLevel int
	// Workers is how many hours are generated in parallel. Default GOMAXPROCS.
	Workers int
	// Only limits the files written to one format: "s3access" or
	// "cloudtrail"; empty writes both. Truth's request counts are the same
	// either way; Files and Rows count only what was written.
	Only string
	// NoIncidents leaves the injected incidents (and malformed lines) out.
	NoIncidents bool
}

// Scale names a preset size.
type Scale string

// The preset sizes. Small is a few thousand requests generated well under
// a second; Medium is about 140 MB of access logs; Large is about 1 GB of
// access logs and 2.8 GB of CloudTrail JSON.
const (
	Small  Scale = "small"
	Medium Scale = "medium"
	Large  Scale = "large"
)

// ForScale returns the Config of a preset size with the given seed.
func ForScale(s Scale, seed int64) (Config, error) {
	c := Config{Seed: seed}
	switch s {
	case Small, "":
	case Medium:
		c.Days = 3
		c.RequestsPerDay = 80_000
		c.AccessLogInterval = 15 * time.Minute
		c.CloudTrailInterval = 15 * time.Minute
	case Large:
		c.Days = 7
		c.RequestsPerDay = 240_000
		c.ExtraBuckets = 3
		c.AccessLogInterval = 5 * time.Minute
		c.CloudTrailInterval = 5 * time.Minute
	default:
		return Config{}, fmt.Errorf("gen: unknown scale %q (want small, medium or large)", s)
	}
	return c.withDefaults(), nil
}

// DefaultStart is the first hour generated when Config.Start is zero.
var DefaultStart = time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Hour)
	if c.Days <= 0 {
		c.Days = 2
	}
	if c.RequestsPerDay <= 0 {
		c.RequestsPerDay = 2000
	}
	if c.AccessLogInterval <= 0 {
		c.AccessLogInterval = time.Hour
	}
	if c.CloudTrailInterval <= 0 {
		c.CloudTrailInterval = time.Hour
	}
	if c.GzipLevel == 0 {
		c.GzipLevel = 6
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

func (c Config) validate() error {
	for _, iv := range []struct {
		name string
		d    time.Duration
	}{{"AccessLogInterval", c.AccessLogInterval}, {"CloudTrailInterval", c.CloudTrailInterval}} {
		if iv.d < time.Minute || iv.d > time.Hour || time.Hour%iv.d != 0 || iv.d%time.Minute != 0 {
			return fmt.Errorf("gen: %s %v must be whole minutes dividing an hour (5m, 10m, 15m, 30m, 1h)", iv.name, iv.d)
		}
	}
	if c.Only != "" && c.Only != "s3access" && c.Only != "cloudtrail" {
		return fmt.Errorf("gen: Only %q: want s3access, cloudtrail or empty", c.Only)
	}
	if c.GzipLevel < 1 || c.GzipLevel > 9 {
		return fmt.Errorf("gen: GzipLevel %d out of range 1–9", c.GzipLevel)
	}
	if c.ExtraBuckets < 0 || c.ExtraBuckets > 99 {
		return fmt.Errorf("gen: ExtraBuckets %d out of range 0–99", c.ExtraBuckets)
	}
	if c.Days > 3660 {
		return fmt.Errorf("gen: Days %d is more than ten years", c.Days)
	}
	return nil
}
