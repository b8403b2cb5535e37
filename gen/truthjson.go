package gen

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// truthJSON is Truth with its maps turned into sorted lists, for JSON.
type truthJSON struct {
	Seed              int64           `json:"seed"`
	Start             time.Time       `json:"start"`
	End               time.Time       `json:"end"`
	Buckets           []BucketInfo    `json:"buckets"`
	Principals        []PrincipalInfo `json:"principals"`
	Incidents         Incidents       `json:"incidents"`
	Files             Files           `json:"files"`
	Rows              Rows            `json:"rows"`
	Requests          int64           `json:"requests"`
	MergedRequests    int64           `json:"merged_requests"`
	Lifecycle         int64           `json:"lifecycle"`
	AnonymousRequests int64           `json:"anonymous_requests"`
	Access            []accessRow     `json:"access"`
	Deletions         []Deletion      `json:"deletions"`
	Expirations       []Deletion      `json:"expirations"`
	TopIPs            []IPBytes       `json:"top_ips_by_bytes_sent"`
	SigV2             []countRow      `json:"sigv2_requesters"`
	AnonymousByObject []countRow      `json:"anonymous_by_object"`
	Errors            []countRow      `json:"errors"`
	NonTLS            []countRow      `json:"non_tls"`
	Sensitive         []Access        `json:"sensitive"`
	CloudTrailS3Data  []countRow      `json:"cloudtrail_s3_data_events"`
	Malformed         []LineRef       `json:"malformed"`
}

type accessRow struct {
	AccessKey
	Count
}

// countRow is one counted group; Key names its members in order.
type countRow struct {
	Key   []string `json:"key"`
	Count int64    `json:"count"`
}

func rowsOf[K comparable](m map[K]int64, key func(K) []string) []countRow {
	var out []countRow
	for k, n := range m {
		out = append(out, countRow{Key: key(k), Count: n})
	}
	slices.SortFunc(out, func(a, b countRow) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return slices.Compare(a.Key, b.Key)
	})
	return out
}

// WriteJSON writes Truth as indented JSON, maps as lists sorted by count
// (largest first).
func (t *Truth) WriteJSON(w io.Writer) error {
	j := truthJSON{
		Seed: t.Seed, Start: t.Start, End: t.End, Buckets: t.Buckets, Principals: t.Principals,
		Incidents: t.Incidents, Files: t.Files, Rows: t.Rows, Requests: t.Requests,
		MergedRequests: t.MergedRequests, Lifecycle: t.Lifecycle, AnonymousRequests: t.AnonymousRequests,
		Deletions: t.Deletions, Expirations: t.Expirations, TopIPs: t.TopIPs(20), Sensitive: t.Sensitive, Malformed: t.Malformed,
	}
	for k, c := range t.Access {
		j.Access = append(j.Access, accessRow{k, c})
	}
	slices.SortFunc(j.Access, func(a, b accessRow) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Action, b.Action))
	})
	j.SigV2 = rowsOf(t.SigV2, func(k string) []string { return []string{k} })
	j.AnonymousByObject = rowsOf(t.AnonymousByObject, func(k ObjectKey) []string { return []string{k.Bucket, k.Key} })
	j.Errors = rowsOf(t.Errors, func(k ErrorKey) []string { return []string{k.Bucket, fmt.Sprint(k.Status), k.ErrorCode} })
	j.NonTLS = rowsOf(t.NonTLS, func(k BucketPrincipal) []string { return []string{k.Bucket, k.Principal} })
	j.CloudTrailS3Data = rowsOf(t.CloudTrailS3Data, func(k CloudTrailKey) []string {
		return []string{k.EventSource, k.EventName, k.Bucket, k.SessionIssuer}
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("gen: write truth: %w", err)
	}
	return nil
}
