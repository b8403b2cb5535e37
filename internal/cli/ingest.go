package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/s3sift/s3sift/ingest"
	"github.com/s3sift/s3sift/query"
	"github.com/s3sift/s3sift/source"
)

const ingestUsage = `--lake DIR [--workers N] [--progress auto|never|always] [--format text|json] [--compact] PATH|s3://bucket/prefix ...

Reads S3 server access logs and CloudTrail logs (plain or .gz, format told
from the content) from files, folders (recursively) and s3:// prefixes into
the lake. Objects already ingested are skipped; changed ones are read again.
Safe to interrupt and rerun.`

// runIngest is 's3sift ingest'.
func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ingest", ingestUsage)
	lakeDir := lakeFlag(e, fs)
	workers := fs.Int("workers", 0, "objects read at once (default: number of CPUs)")
	progress := fs.String("progress", "auto", "progress line on stderr: auto (when stderr is a terminal), never, always")
	outFormat := fs.String("format", "text", "summary format: text or json")
	memory := fs.Int("memory-mb", ingest.DefaultMemory>>20, "MB of parsed rows held in memory before they are written; merging the days both logs hold gives DuckDB 3× this, at least 384 MB")
	compact := fs.Bool("compact", false, "afterwards, merge the lake's small files into full ones (rewrites them once)")
	s3f := addS3Flags(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(paths) == 0:
		return usagef("no PATH or s3:// URL to ingest")
	case *workers < 0:
		return usagef("--workers must be positive, got %d", *workers)
	case *memory <= 0:
		return usagef("--memory-mb must be positive, got %d", *memory)
	case *outFormat != "text" && *outFormat != "json":
		return usagef("--format must be text or json, got %q", *outFormat)
	case *lakeDir == "":
		return usagef("--lake is empty")
	}
	var showProgress bool
	switch *progress {
	case "auto":
		showProgress = isTerminal(e.stderr)
	case "always":
		showProgress = true
	case "never":
	default:
		return usagef("--progress must be auto, never or always, got %q", *progress)
	}

	if *workers == 0 && slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "s3://") }) {
		// Downloads mostly wait on the network: read more at once than
		// the one-per-CPU that suits local files.
		*workers = s3Workers
	}
	var sources []source.Source
	for _, p := range paths {
		if strings.HasPrefix(p, "s3://") {
			src, err := newS3Source(ctx, e, s3f, p, *workers)
			if err != nil {
				return err
			}
			sources = append(sources, src)
			continue
		}
		src, err := source.NewLocal([]string{p}, *lakeDir)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}

	if e.getenv("GOMEMLIMIT") == "" {
		// Keep the heap of a big ingest well under 1 GB (768 MB with the
		// default --memory-mb): the row buffers are bounded separately,
		// this keeps garbage from piling up on top of them.
		debug.SetMemoryLimit(int64(*memory)<<20*4 + 256<<20)
	}
	cfg := ingest.Config{
		Lake:    *lakeDir,
		Sources: sources,
		Workers: *workers,
		Memory:  int64(*memory) << 20,
		Compact: *compact,
		Logger:  slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	var pl *progressLine
	if showProgress {
		pl = &progressLine{w: e.stderr}
		cfg.Progress = pl.update
	}
	sum, err := ingest.Run(ctx, cfg)
	if pl != nil {
		pl.end()
	}
	interrupted := err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	if err != nil && !interrupted {
		return err
	}
	var derived *query.DeriveSummary
	var derr error // s3_requests not updated: said after the summary
	if !interrupted {
		// Update s3_requests for the days this ingest touched, so queries
		// over it read the logs' own files or one stored table instead of
		// merging both logs each time. The row buffers are garbage now:
		// if DuckDB starts, give their memory back before it takes its own.
		d, err := query.Derive(ctx, query.DeriveConfig{Lake: *lakeDir, Logger: cfg.Logger, MemoryLimit: deriveMemory(*memory),
			BeforeEngine: debug.FreeOSMemory})
		switch {
		case errors.Is(err, query.ErrOutOfMemory):
			derr = fmt.Errorf("%w; the logs are in the lake: run the same ingest again with a larger --memory-mb (DuckDB gets 3× it, at least 384 MB)", err)
		case err != nil:
			derr = fmt.Errorf("storing s3_requests (the logs are in the lake; run the ingest again to retry): %w", err)
		default:
			derived = &d
		}
	}
	if *outFormat == "json" {
		if err := writeIngestJSON(e.stdout, sum, derived); err != nil {
			return err
		}
	} else {
		writeIngestText(e.stdout, sum)
		if derived != nil {
			fmt.Fprintf(e.stdout, "s3_requests: %d day(s) updated (%d read straight from one log, %d merged and stored), %d unchanged, %d rows, in %s\n",
				len(derived.Computed), derived.Direct, len(derived.Computed)-derived.Direct, derived.Unchanged, derived.Rows,
				derived.Elapsed.Round(time.Millisecond))
		}
	}
	if interrupted {
		return err
	}
	if derr != nil {
		return derr
	}
	if n := len(sum.Failed); n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d object(s) could not be read; rerun to try them again", n)}
	}
	return nil
}

// progressLine draws one self-overwriting status line.
type progressLine struct {
	w     io.Writer
	mu    sync.Mutex
	drawn bool
}

func (p *progressLine) update(pr ingest.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[K%s", formatProgress(pr))
	p.drawn = true
}

func (p *progressLine) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// formatProgress renders a progress snapshot: objects and bytes done out of
// the total, rate and time left.
func formatProgress(p ingest.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ingest: %d/%d objects, %s/%s", p.ObjectsDone, p.ObjectsTotal, humanBytes(p.BytesDone), humanBytes(p.BytesTotal))
	if p.Listing {
		b.WriteString(" (listing…)")
	}
	secs := p.Elapsed.Seconds()
	if secs > 0 {
		rate := float64(p.BytesDone) / secs
		fmt.Fprintf(&b, ", %s/s", humanBytes(int64(rate)))
		if !p.Listing && rate > 0 && p.BytesTotal > p.BytesDone {
			eta := time.Duration(float64(p.BytesTotal-p.BytesDone) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
		}
	}
	fmt.Fprintf(&b, ", %d rows", p.Rows)
	if p.Rejects > 0 {
		fmt.Fprintf(&b, ", %d rejects", p.Rejects)
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

func writeIngestText(w io.Writer, s ingest.Summary) {
	fmt.Fprintf(w, "ingested %d object(s) in %s: %s read, %s decoded, %.0f MB/s\n",
		s.Objects, s.Elapsed.Round(time.Millisecond), humanBytes(s.BytesRead), humanBytes(s.BytesDecoded), s.MBps())
	if s.Unchanged > 0 || s.Replaced > 0 {
		fmt.Fprintf(w, "already in the lake: %d unchanged; read again because changed: %d\n", s.Unchanged, s.Replaced)
	}
	fmt.Fprint(w, "rows:")
	for _, t := range []string{"s3_access_logs", "cloudtrail", "rejects"} {
		fmt.Fprintf(w, " %s %d", t, s.Rows[t])
	}
	fmt.Fprintf(w, " (lake +%s)\n", humanBytes(s.LakeBytes))
	if c := s.Compacted; c.FilesIn > 0 {
		fmt.Fprintf(w, "compacted: %d small files into %d in %d partitions\n", c.FilesIn, c.FilesOut, c.Partitions)
	}
	if s.Rejects > 0 {
		fmt.Fprintf(w, "rejects: %d (query them: s3sift sql \"SELECT * FROM rejects\")\n", s.Rejects)
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintln(w, "skipped:")
		for _, reason := range slices.Sorted(maps.Keys(s.Skipped)) {
			fmt.Fprintf(w, "  %d  %s\n", s.Skipped[reason], reason)
		}
	}
	if len(s.Failed) > 0 {
		fmt.Fprintln(w, "failed (not recorded; the next run tries them again):")
		for _, f := range s.Failed {
			fmt.Fprintf(w, "  %s: %v\n", f.ID, f.Err)
		}
	}
}

func writeIngestJSON(w io.Writer, s ingest.Summary, derived *query.DeriveSummary) error {
	type failure struct {
		Object string `json:"object"`
		Error  string `json:"error"`
	}
	out := struct {
		Objects      int64            `json:"objects"`
		Unchanged    int64            `json:"unchanged"`
		Replaced     int64            `json:"replaced"`
		Skipped      map[string]int64 `json:"skipped"`
		Failed       []failure        `json:"failed"`
		Rows         map[string]int64 `json:"rows"`
		Rejects      int64            `json:"rejects"`
		BytesRead    int64            `json:"bytes_read"`
		BytesDecoded int64            `json:"bytes_decoded"`
		LakeBytes    int64            `json:"lake_bytes"`
		Compacted    map[string]int   `json:"compacted"`
		Elapsed      float64          `json:"elapsed_seconds"`
		MBps         float64          `json:"mb_per_second"`
		Requests     *requestsJSON    `json:"s3_requests,omitempty"`
	}{s.Objects, s.Unchanged, s.Replaced, s.Skipped, []failure{}, s.Rows, s.Rejects,
		s.BytesRead, s.BytesDecoded, s.LakeBytes,
		map[string]int{"partitions": s.Compacted.Partitions, "files_in": s.Compacted.FilesIn, "files_out": s.Compacted.FilesOut},
		s.Elapsed.Seconds(), s.MBps(), nil}
	if derived != nil {
		out.Requests = &requestsJSON{len(derived.Computed), derived.Direct, len(derived.Computed) - derived.Direct,
			derived.Unchanged, derived.Rows, derived.Bytes, derived.Elapsed.Seconds()}
	}
	for _, f := range s.Failed {
		out.Failed = append(out.Failed, failure{f.ID, f.Err.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing summary: %w", err)
	}
	return nil
}

// requestsJSON is what storing s3_requests did, in the JSON summary.
type requestsJSON struct {
	Days      int     `json:"days_updated"`
	Direct    int     `json:"days_direct"`
	Merged    int     `json:"days_merged"`
	Unchanged int     `json:"days_unchanged"`
	Rows      int64   `json:"rows"`
	Bytes     int64   `json:"bytes_written"`
	Elapsed   float64 `json:"elapsed_seconds"`
}

// deriveMemory bounds DuckDB while it merges and stores s3_requests after
// an ingest, so the whole command stays under 1 GB: three times the row
// buffers of --memory-mb (freed by then), at least 384 MB. DuckDB spills
// to disk beyond it; at 256 MB a day of ~100k requests in both logs took
// twice as long and once ran out of memory.
func deriveMemory(memoryMB int) string {
	mb := 3 * memoryMB
	if mb < 384 {
		mb = 384
	}
	return fmt.Sprintf("%dMB", mb)
}
