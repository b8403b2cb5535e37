package event

// Reject is input that could not be parsed: kept, counted and queryable in
// the rejects table, never silently dropped.
type Reject struct {
	Format string `parquet:"format,dict"` // "s3access" or "cloudtrail"
	Reason string `parquet:"reason"`
	Raw    string `parquet:"raw"` // the raw text, truncated to MaxRejectRaw bytes
	Provenance
}

// MaxRejectRaw bounds the raw text kept for one reject, so a 2 MB garbage
// line does not bloat the lake; the reason says when it was truncated.
const MaxRejectRaw = 64 << 10
