package cloudtrail_test

import (
	"bytes"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/s3sift/s3sift/event"
	"github.com/s3sift/s3sift/format/cloudtrail"
)

// BenchmarkDecode decodes a generated 16 MB Records file (S3 data events
// and management events as CloudTrail writes them).
func BenchmarkDecode(b *testing.B) {
	data := genRecords(1, 16<<20)
	emit := func(*event.CloudTrail) error { return nil }
	reject := func(rj *event.Reject) error {
		b.Fatalf("reject: %s", rj.Reason)
		return nil
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	n := 0
	for b.Loop() {
		st, err := cloudtrail.Decode(bytes.NewReader(data), "bench", emit, reject)
		if err != nil || st.Records == 0 {
			b.Fatalf("Decode: %+v, %v", st, err)
		}
		n++
	}
	// On a shared machine wall time overstates the cost; CPU time spent by
	// the process (decoder and garbage collector) is what one core gives.
	if cpu := cpuTime(b) - cpu0; cpu > 0 {
		b.ReportMetric(float64(n*len(data))/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkBaselineGoccy decodes the same file with goccy/go-json into a
// typed struct (free-form members as raw JSON, the whole file in memory,
// its fastest use): the reference to compare
// BenchmarkDecode with, measured in the same run on the same machine.
func BenchmarkBaselineGoccy(b *testing.B) {
	data := genRecords(1, 16<<20)
	type identity struct {
		Type, PrincipalID, ARN, AccountID, AccessKeyID, UserName, InvokedBy string
		SessionContext                                                      struct {
			Attributes    struct{ CreationDate, MFAAuthenticated string }
			SessionIssuer struct{ Type, PrincipalID, ARN, AccountID, UserName string }
		}
	}
	type record struct {
		EventVersion, EventSource, EventName, AWSRegion, SourceIPAddress, UserAgent string
		ErrorCode, ErrorMessage, RequestID, EventID, EventType, RecipientAccountID  string
		VPCEndpointID, VPCEndpointAccountID, EventCategory, SharedEventID           string
		SessionCredentialFromConsole                                                string
		EventTime                                                                   time.Time
		UserIdentity                                                                identity
		RequestParameters, ResponseElements, AdditionalEventData                    gojson.RawMessage
		ReadOnly, ManagementEvent                                                   *bool
		Resources                                                                   []struct{ ARN, AccountID, Type string }
		TLSDetails                                                                  struct{ TLSVersion, CipherSuite, ClientProvidedHostHeader string }
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	n := 0
	for b.Loop() {
		var file struct{ Records []record }
		if err := gojson.Unmarshal(data, &file); err != nil || len(file.Records) == 0 {
			b.Fatalf("decode: %v", err)
		}
		n++
	}
	if cpu := cpuTime(b) - cpu0; cpu > 0 {
		b.ReportMetric(float64(n*len(data))/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
