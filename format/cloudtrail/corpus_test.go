package cloudtrail_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const corpusDir = "../../../shared/corpus/cloudtrail"

// TestCorpus decodes every file of the shared corpus: the logs with no
// rejects and every record rebuilt exactly from the struct and Extra, the
// rest skipped with a reason.
func TestCorpus(t *testing.T) {
	var files []string
	err := filepath.WalkDir(corpusDir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walking the corpus: %v", err)
	}
	if len(files) < 40 {
		t.Fatalf("found %d corpus files, want at least 40", len(files))
	}
	total := 0
	for _, path := range files {
		name := strings.TrimPrefix(path, corpusDir+"/")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res := decode(t, f, path)
			if res.err != nil {
				t.Fatalf("Decode: %v", res.err)
			}
			if len(res.rejects) != 0 {
				t.Fatalf("got %d rejects, want 0; first: %s", len(res.rejects), res.rejects[0].Reason)
			}
			wantLog := strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".log") ||
				strings.Contains(name, "detonation-logs/")
			switch {
			case strings.Contains(name, "digest"):
				if res.stats.Skipped != "CloudTrail digest file" || len(res.records) != 0 {
					t.Fatalf("digest: got Skipped %q and %d records, want skipped as a digest", res.stats.Skipped, len(res.records))
				}
				return
			case !wantLog:
				if res.stats.Skipped == "" || len(res.records) != 0 {
					t.Fatalf("got Skipped %q and %d records, want the file skipped", res.stats.Skipped, len(res.records))
				}
				return
			}
			if res.stats.Skipped != "" {
				t.Fatalf("skipped: %s", res.stats.Skipped)
			}
			refs := splitRecords(t, data)
			if len(refs) != len(res.records) {
				t.Fatalf("got %d records, want %d", len(res.records), len(refs))
			}
			if res.stats.Records != int64(len(refs)) {
				t.Errorf("Stats.Records = %d, want %d", res.stats.Records, len(refs))
			}
			for i := range refs {
				rec := &res.records[i]
				if rec.SourceObject != path || rec.SourceLine < 1 {
					t.Errorf("record %d: provenance %q:%d", i, rec.SourceObject, rec.SourceLine)
				}
				if rec.EventTime.IsZero() || rec.EventName == "" {
					t.Errorf("record %d: no eventTime or eventName", i)
				}
				checkRoundTrip(t, name, unwrap(t, refs[i]), rec)
			}
			total += len(refs)
		})
	}
	if total < 350 {
		t.Errorf("decoded %d corpus records, want at least 350", total)
	}
}

// unwrap returns the record inside an envelope line (the awsdocs corpus
// keeps each record under "record").
func unwrap(tb testing.TB, raw []byte) []byte {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		tb.Fatal(err)
	}
	if _, ok := obj["eventVersion"]; ok {
		return raw
	}
	for _, k := range []string{"record", "detail"} {
		if v, ok := obj[k]; ok {
			return v
		}
	}
	return raw
}

// TestElasticConsoleLogin compares the decoded console-login records with
// the fields Elastic's pipeline extracts from them.
func TestElasticConsoleLogin(t *testing.T) {
	dir := corpusDir + "/elastic-integrations/"
	f, err := os.Open(dir + "test-console-login-json.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res := decode(t, f, "console-login")
	data, err := os.ReadFile(dir + "test-console-login-json.log-expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Expected []struct {
			Timestamp string `json:"@timestamp"`
			AWS       struct {
				CloudTrail struct {
					EventVersion string `json:"event_version"`
					ErrorMessage string `json:"error_message"`
					Flattened    struct {
						AdditionalEventData map[string]any `json:"additional_eventdata"`
						ResponseElements    map[string]any `json:"response_elements"`
					} `json:"flattened"`
					UserIdentity struct {
						ARN            string `json:"arn"`
						Type           string `json:"type"`
						AccessKeyID    string `json:"access_key_id"`
						SessionContext struct {
							MFAAuthenticated string `json:"mfa_authenticated"`
							SessionIssuer    struct {
								AccountID   string `json:"account_id"`
								ARN         string `json:"arn"`
								PrincipalID string `json:"principal_id"`
								Type        string `json:"type"`
							} `json:"session_issuer"`
						} `json:"session_context"`
					} `json:"user_identity"`
				} `json:"cloudtrail"`
			} `json:"aws"`
			Cloud struct {
				Account struct{ ID string } `json:"account"`
				Region  string              `json:"region"`
			} `json:"cloud"`
			Event struct {
				Action   string `json:"action"`
				ID       string `json:"id"`
				Provider string `json:"provider"`
			} `json:"event"`
			Source struct {
				Address string `json:"address"`
			} `json:"source"`
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			UserAgent struct {
				Original string `json:"original"`
			} `json:"user_agent"`
		} `json:"expected"`
	}
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatalf("expected output: %v", err)
	}
	if len(res.records) != len(expected.Expected) {
		t.Fatalf("got %d records, want %d", len(res.records), len(expected.Expected))
	}
	for i, want := range expected.Expected {
		got := &res.records[i]
		wantTime, err := time.Parse(time.RFC3339Nano, want.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		var gotAED, gotRE map[string]any
		if err := json.Unmarshal([]byte(got.AdditionalEventData), &gotAED); err != nil {
			t.Errorf("record %d additionalEventData: %v", i, err)
		}
		if err := json.Unmarshal([]byte(got.ResponseElements), &gotRE); err != nil {
			t.Errorf("record %d responseElements: %v", i, err)
		}
		ui, wui := got.UserIdentity, want.AWS.CloudTrail.UserIdentity
		checks := []struct {
			field     string
			got, want any
		}{
			{"eventTime", got.EventTime, wantTime},
			{"eventVersion", got.EventVersion, want.AWS.CloudTrail.EventVersion},
			{"errorMessage", got.ErrorMessage, want.AWS.CloudTrail.ErrorMessage},
			{"eventName", got.EventName, want.Event.Action},
			{"eventID", got.EventID, want.Event.ID},
			{"eventSource", got.EventSource, want.Event.Provider},
			{"awsRegion", got.AWSRegion, want.Cloud.Region},
			{"userIdentity.accountId", ui.AccountID, want.Cloud.Account.ID},
			{"sourceIPAddress", got.SourceIPAddress, want.Source.Address},
			{"userAgent", got.UserAgent, want.UserAgent.Original},
			{"userIdentity.principalId", ui.PrincipalID, want.User.ID},
			{"userIdentity.arn", ui.ARN, wui.ARN},
			{"userIdentity.type", ui.Type, wui.Type},
			{"userIdentity.accessKeyId", ui.AccessKeyID, wui.AccessKeyID},
			{"mfaAuthenticated", ui.SessionContext.Attributes.MFAAuthenticated, wui.SessionContext.MFAAuthenticated},
			{"sessionIssuer.arn", ui.SessionContext.SessionIssuer.ARN, wui.SessionContext.SessionIssuer.ARN},
			{"sessionIssuer.accountId", ui.SessionContext.SessionIssuer.AccountID, wui.SessionContext.SessionIssuer.AccountID},
			{"sessionIssuer.principalId", ui.SessionContext.SessionIssuer.PrincipalID, wui.SessionContext.SessionIssuer.PrincipalID},
			{"sessionIssuer.type", ui.SessionContext.SessionIssuer.Type, wui.SessionContext.SessionIssuer.Type},
			{"additionalEventData", gotAED, want.AWS.CloudTrail.Flattened.AdditionalEventData},
			{"responseElements", gotRE, want.AWS.CloudTrail.Flattened.ResponseElements},
		}
		for _, c := range checks {
			if !equal(c.got, c.want) {
				t.Errorf("record %d %s: got %v, want %v", i, c.field, c.got, c.want)
			}
		}
		if got.SourceLine != int64(i+1) {
			t.Errorf("record %d: SourceLine = %d, want %d", i, got.SourceLine, i+1)
		}
	}
}

func equal(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		return ta.Equal(b.(time.Time))
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
