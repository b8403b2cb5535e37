package exec_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/s3sift/s3sift/insights/exec"
)

// TestIPFunctionsAgreeWithNetip checks the SQL of the IP functions against
// Go's net/netip on addresses in every textual form.
func TestIPFunctionsAgreeWithNetip(t *testing.T) {
	addrs := []string{
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "10.255.0.1", "11.0.0.1",
		"::", "::1", "1::", "2001:db8::1", "2001:DB8::1", "2001:db8:0:0:0:0:2:1", "2001:db8:7fff::1", "2001:db8:8000::1",
		"2001:db9::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":::", "1:2:3:4:5:6:7::",
		"::2:3:4:5:6:7:8", "1:2:3:4:5:6::7:8", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4", "fe80::", "x", "s3.amazonaws.com",
	}
	var log strings.Builder
	for i, a := range addrs {
		fmt.Fprintf(&log, "OWNER b [01/Mar/2024:10:00:%02d +0000] %s - R%d REST.GET.OBJECT k \"GET /k HTTP/1.1\" 200 - 1 1 1 1 \"-\" \"x\" - h - - - b.s3.amazonaws.com - - -\n", i%60, a, i)
	}
	db := buildLake(t, []section{{"ips.log", log.String()}})
	res, err := exec.Run(context.Background(), db, `fields remote_ip, isValidIp(remote_ip) as ip, isValidIpV4(remote_ip) as v4, isValidIpV6(remote_ip) as v6,
		isIpv4InSubnet(remote_ip, "10.0.0.0/8") as net10, isIpInSubnet(remote_ip, "1.2.3.0/30") as net1,
		isIpv6InSubnet(remote_ip, "2001:db8::/33") as db33, isIpInSubnet(remote_ip, "::/0") as all6, isIpInSubnet(remote_ip, "2001:db8::/32") as db32
		| limit 100`, exec.Options{Table: "s3_access_logs"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(addrs) {
		t.Fatalf("%d rows, want %d", len(res.Rows), len(addrs))
	}
	prefixes := map[string]netip.Prefix{
		"net10": netip.MustParsePrefix("10.0.0.0/8"),
		"net1":  netip.MustParsePrefix("1.2.3.0/30"),
		"db33":  netip.MustParsePrefix("2001:db8::/33"),
		"all6":  netip.MustParsePrefix("::/0"),
		"db32":  netip.MustParsePrefix("2001:db8::/32"),
	}
	for _, row := range res.Rows {
		s := row[0].(string)
		a, err := netip.ParseAddr(s)
		valid := err == nil && a.Zone() == ""
		want := map[string]bool{
			"ip": valid,
			"v4": valid && a.Is4(),
			"v6": valid && a.Is6(),
		}
		for name, p := range prefixes {
			// An IPv6 address written with an IPv4 tail is not matched
			// against IPv6 subnets (a documented limitation).
			want[name] = valid && p.Contains(a) && !(a.Is6() && strings.Contains(s, "."))
		}
		for i, col := range res.Columns[1:] {
			got, _ := row[i+1].(bool)
			if got != want[col] {
				t.Errorf("%s(%q) = %v, want %v", col, s, got, want[col])
			}
		}
	}
}
