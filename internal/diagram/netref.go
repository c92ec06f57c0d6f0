package diagram

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Following references between network resources: a DNS name to the load
// balancer its record points at, an Elastic IP to the load balancer it is
// mapped to, a port to the listener on it.

var recordTypes = []string{"aws:route53/record:Record", "cloudflare:index/record:Record"}

// records are the DNS records that point at a load balancer.
func (ix *index) lbRecords() []*preview.Resource {
	var out []*preview.Resource
	for _, t := range recordTypes {
		for _, r := range ix.OfType(t) {
			if ix.recordLB(r) != nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// recordLB is the load balancer a record's alias or content references.
func (ix *index) recordLB(rec *preview.Resource) *preview.Resource {
	for _, prop := range []string{"aliases", "content", "records", "value"} {
		for _, t := range ix.Targets(rec, prop) {
			if t.Type == tLB {
				return t
			}
		}
	}
	return nil
}

// hostLB is the load balancer serving host, through the record named host.
func (ix *index) hostLB(host string) *preview.Resource {
	for _, rec := range ix.lbRecords() {
		if strings.TrimSuffix(rec.Str("name"), ".") == host {
			return ix.recordLB(rec)
		}
	}
	return nil
}

// eipLB is the load balancer an Elastic IP is mapped to, or nil.
func (ix *index) eipLB(eip *preview.Resource) *preview.Resource {
	for _, r := range ix.referrers[eip.URN] {
		if r.From.Type == tLB {
			return r.From
		}
	}
	return nil
}

// listenerOn is the load balancer's listener on port, or nil.
func (ix *index) listenerOn(lb *preview.Resource, port float64) *preview.Resource {
	for _, l := range ix.under(lb, tListener) {
		if p, ok := l.Num("port"); ok && p == port {
			return l
		}
	}
	return nil
}

// secure reports whether a listener terminates TLS.
func secure(l *preview.Resource) bool {
	p := l.Str("protocol")
	return p == "TLS" || p == "HTTPS"
}

// listenerPort is "TLS :443".
func listenerPort(l *preview.Resource) string {
	return l.Str("protocol") + portSuffix(l, "port")
}

// portSuffix is " :443" for a known port input, "" for an unknown one.
func portSuffix(r *preview.Resource, path string) string {
	if p, ok := r.Num(path); ok {
		return " :" + num(p)
	}
	return ""
}

// listenerLabel is "TLS :443\n<policy>\nALPN <policy>".
func listenerLabel(l *preview.Resource) string {
	parts := []string{listenerPort(l)}
	if p := l.Str("sslPolicy"); p != "" {
		parts = append(parts, p)
	}
	if a := l.Str("alpnPolicy"); a != "" {
		parts = append(parts, "ALPN "+a)
	}
	return strings.Join(parts, "\n")
}

// endpoint is where a URL leads: host, port and whether it is TLS.
type endpoint struct {
	Host string
	Port float64
	TLS  bool
}

func parseEndpoint(raw string) (endpoint, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return endpoint{}, false
	}
	e := endpoint{Host: u.Hostname(), TLS: u.Scheme == "https"}
	switch {
	case u.Port() != "":
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return endpoint{}, false
		}
		e.Port = float64(p)
	case e.TLS:
		e.Port = 443
	default:
		e.Port = 80
	}
	return e, true
}

// portRange prints a rule's ports: "tcp 443", "udp 1024–65535", "all".
func portRange(rule *preview.Resource) string {
	proto := rule.Str("ipProtocol")
	if proto == "-1" {
		return "all traffic"
	}
	from, okF := rule.Num("fromPort")
	to, okT := rule.Num("toPort")
	switch {
	case !okF || !okT:
		return proto
	case from == to:
		return proto + " " + num(from)
	default:
		return fmt.Sprintf("%s %s–%s", proto, num(from), num(to))
	}
}

// joinPorts merges "tcp 443", "udp 3478", "udp 19302" into
// "tcp 443 · udp 3478, 19302".
func joinPorts(ranges []string) string {
	byProto := map[string][]string{}
	for _, r := range uniqSorted(ranges) {
		proto, ports, _ := strings.Cut(r, " ")
		byProto[proto] = append(byProto[proto], ports)
	}
	var parts []string
	for _, proto := range preview.SortedKeys(byProto) {
		ports := byProto[proto]
		sort.SliceStable(ports, func(i, j int) bool { return leadingNum(ports[i]) < leadingNum(ports[j]) })
		parts = append(parts, strings.TrimSpace(proto+" "+strings.Join(ports, ", ")))
	}
	return strings.Join(parts, " · ")
}

func leadingNum(s string) int {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

const (
	tLB       = "aws:lb/loadBalancer:LoadBalancer"
	tListener = "aws:lb/listener:Listener"
)
