package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/sizing"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validDNSName reports whether name is a fully qualified DNS name of at
// least two labels (RFC 1123, lower case, no trailing dot).
func validDNSName(name string) bool {
	if len(name) == 0 || len(name) > 253 || strings.HasSuffix(name, ".") {
		return false
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return false
		}
	}
	// The top-level label is never all digits.
	_, err := strconv.Atoi(labels[len(labels)-1])
	return err != nil
}

// parseHTTPSURL checks an access URL: https, a host, no path or query.
func parseHTTPSURL(raw string) (*url.URL, string) {
	if raw == "" {
		return nil, "an https URL such as https://coder.example.com is required"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, "must be an absolute URL such as https://coder.example.com"
	}
	if u.Scheme != "https" {
		return nil, "must use https (Coder serves sessions and DERP over TLS only)"
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, "must be a bare origin: https://host with no path, query or credentials"
	}
	if u.Port() != "" {
		return nil, "must not name a port; the load balancer listens on 443"
	}
	if !validDNSName(u.Hostname()) {
		return nil, "host must be a valid DNS name"
	}
	return u, ""
}

// withinDomain reports whether host is domain or a subdomain of it.
func withinDomain(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// parseVpcCIDR parses an IPv4 VPC CIDR: private, /16 to /28 (AWS limits).
func parseVpcCIDR(raw string) (netip.Prefix, string) {
	p, err := netip.ParsePrefix(raw)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, "must be an IPv4 CIDR such as 10.40.0.0/16"
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Sprintf("has host bits set; did you mean %s?", p.Masked())
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return netip.Prefix{}, "must be between /16 and /28 (AWS VPC limits)"
	}
	for _, r := range rfc1918 {
		if r.Contains(p.Addr()) && r.Bits() <= p.Bits() {
			return p, ""
		}
	}
	return netip.Prefix{}, "must be inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"
}

var (
	semverTag   = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	addonVer    = regexp.MustCompile(`^v\d+\.\d+\.\d+-eksbuild\.\d+$`)
	roleArn     = regexp.MustCompile(`^arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	tgwID       = regexp.MustCompile(`^tgw-[0-9a-f]{8,17}$`)
	logRetained = map[int]bool{1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true,
		120: true, 150: true, 180: true, 365: true, 400: true, 545: true, 731: true, 1096: true,
		1827: true, 2192: true, 2557: true, 2922: true, 3288: true, 3653: true}
)

// logRetentionAllowed lists CloudWatch Logs' permitted retention values.
const logRetentionAllowed = "one of CloudWatch's retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"

// quantity is one Kubernetes quantity setting: its key, value and the
// example its message gives.
type quantity struct{ key, value, example string }

// quantities parses a CPU and a memory setting into per-pod resources and
// reports each that does not parse.
func quantities(p *problems, cpu, mem quantity) (sizing.Resources, bool) {
	mc, cok := sizing.ParseCPU(cpu.value)
	if !cok {
		p.add(cpu.key, cpu.value, "must be a Kubernetes CPU quantity %s", cpu.example)
	}
	mib, mok := sizing.ParseMemory(mem.value)
	if !mok {
		p.add(mem.key, mem.value, "must be a Kubernetes memory quantity %s", mem.example)
	}
	return sizing.Resources{MilliCPU: mc, MiB: mib}, cok && mok
}

// resources parses a validated CPU and memory setting.
func resources(cpu, mem string) sizing.Resources {
	mc, _ := sizing.ParseCPU(cpu)
	mib, _ := sizing.ParseMemory(mem)
	return sizing.Resources{MilliCPU: mc, MiB: mib}
}
