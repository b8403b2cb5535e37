package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/s3sift/s3sift/gen"
)

const generateUsage = `[--seed N] [--days N] [--scale small|medium|large | --requests N] [--only s3access|cloudtrail] [--truth FILE] OUTDIR

Writes a deterministic synthetic data set into OUTDIR: S3 server access logs
(OUTDIR/s3-access/<bucket>/…) and CloudTrail (OUTDIR/cloudtrail/AWSLogs/…,
gzipped, with digest files), with injected incidents (an unusual deleter,
anonymous reads of a public object, a Signature Version 2 requester, one IP
downloading far more than anyone, probes for secret files, 4xx errors and a
few malformed lines). The same seed and flags give the same bytes.

scales: small  2 days, 2000 requests a day (a few MB, well under a second)
        medium 3 days, 80000 requests a day (about 140 MB of access logs)
        large  7 days, 240000 requests a day (about 1 GB of access logs,
               2.8 GB of CloudTrail JSON)`

// runGenerate is 's3sift generate'.
func runGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "generate", generateUsage)
	seed := fs.Int64("seed", 1, "random seed")
	days := fs.Int("days", 0, "days of traffic (default: the scale's)")
	scale := fs.String("scale", "small", "preset size: small, medium or large")
	requests := fs.Int("requests", 0, "ordinary S3 requests per day (overrides the scale's)")
	only := fs.String("only", "", "write only one format: s3access or cloudtrail")
	truth := fs.String("truth", "", "also write the known answers (Truth) as JSON to this file")
	start := fs.String("start", "", "first day, YYYY-MM-DD (default 2024-11-04)")
	workers := fs.Int("workers", 0, "hours generated in parallel (default: number of CPUs)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one OUTDIR, got %d arguments", len(pos))
	}
	cfg, err := gen.ForScale(gen.Scale(*scale), *seed)
	if err != nil {
		return usagef("--scale must be small, medium or large, got %q", *scale)
	}
	switch {
	case *days < 0:
		return usagef("--days must be positive, got %d", *days)
	case *requests < 0:
		return usagef("--requests must be positive, got %d", *requests)
	case *workers < 0:
		return usagef("--workers must be positive, got %d", *workers)
	case *only != "" && *only != "s3access" && *only != "cloudtrail":
		return usagef("--only must be s3access or cloudtrail, got %q", *only)
	}
	if *days > 0 {
		cfg.Days = *days
	}
	if *requests > 0 {
		cfg.RequestsPerDay = *requests
	}
	if *start != "" {
		t, err := time.Parse("2006-01-02", *start)
		if err != nil {
			return usagef("--start must be YYYY-MM-DD, got %q", *start)
		}
		cfg.Start = t
	}
	cfg.Only, cfg.Workers = *only, *workers
	if err := ctx.Err(); err != nil {
		return err
	}
	began := time.Now()
	t, err := gen.Generate(pos[0], cfg)
	if err != nil {
		return err
	}
	took := time.Since(began)
	if *truth != "" {
		if err := writeTruth(*truth, t); err != nil {
			return err
		}
	}
	printGenerateSummary(e.stdout, pos[0], t, took)
	return nil
}

func writeTruth(path string, t *gen.Truth) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generate: write truth: %w", err)
	}
	if err := t.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate: write truth: %w", err)
	}
	return nil
}

func printGenerateSummary(w io.Writer, dir string, t *gen.Truth, took time.Duration) {
	f := t.Files
	fmt.Fprintf(w, "wrote %s (seed %d, %s to %s) in %.1fs\n", dir, t.Seed,
		t.Start.Format("2006-01-02"), t.End.Add(-time.Second).Format("2006-01-02"), took.Seconds())
	if f.AccessLogObjects > 0 {
		fmt.Fprintf(w, "  access logs: %d objects, %d lines, %.1f MB (%d malformed lines)\n",
			f.AccessLogObjects, f.AccessLogLines, mb(f.AccessLogBytes), len(t.Malformed))
	}
	if f.CloudTrailObjects > 0 {
		fmt.Fprintf(w, "  cloudtrail:  %d files, %d records (%d S3 data events), %.1f MB JSON, %.1f MB gzipped; %d digest files\n",
			f.CloudTrailObjects, f.CloudTrailRecords, f.CloudTrailDataRecs, mb(f.CloudTrailJSON), mb(f.CloudTrailGzBytes), f.DigestObjects)
	}
	fmt.Fprintf(w, "  requests:    %d (%d in both logs, %d lifecycle expirations)\n", t.Requests, t.MergedRequests, t.Lifecycle)
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
