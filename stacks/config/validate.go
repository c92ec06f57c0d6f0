package config

import (
	"fmt"
	"strings"
)

// validate checks every key and derives the values later stages use. Each
// check adds a Problem instead of returning, so one run reports everything.
func validate(s *Plan, p *problems) {
	if s.Profile != ProfileEnterprise && s.Profile != ProfileWorkshop {
		p.add("profile", string(s.Profile), "must be %q or %q", ProfileEnterprise, ProfileWorkshop)
	}
	s.Tags.validate(p)
	if s.Preflight != PreflightBlock && s.Preflight != PreflightWarn {
		p.add("preflight", string(s.Preflight), "must be %q (a quota shortfall stops `pulumi up`) or %q (it is reported and the update goes on)", PreflightBlock, PreflightWarn)
	}
	validateDNS(&s.Stack, p)
	validateDNSProvider(&s.Stack, p)
	validateWorkload(s, p)
	validateCoder(&s.Stack, p)
	validateBuildRetries(&s.Stack, p)
	validateNetwork(&s.Stack, p)
	validateCluster(s, p)
	validateScaling(s, p)
	validateDatabase(s, p)
	validateEdge(&s.Stack, p)
	validateObservability(&s.Stack, p)
	validateCost(&s.Stack, p)
	validateImages(&s.Stack, p)
	validateSecurity(&s.Stack, p)
	validateResilience(s, p)
	validateTemplates(s, p)
	validateImageRepository(&s.Stack, p)
	workloadShapes(s, p)
	validateRegions(s, p)
	validateNames(&s.Stack, p)
	validateProxyTokens(s, p)
	validateIdentity(s, p)
	validateScaletest(s, p) // after the templates and token lifetimes it checks against
}

func validateDNS(s *Stack, p *problems) {
	if s.DNS.Provider != "route53" && s.DNS.Provider != "cloudflare" {
		p.add("dns.provider", s.DNS.Provider, "must be \"route53\" or \"cloudflare\" (one DNS provider per stack)")
	}
	if !validDNSName(s.DNS.BaseDomain) {
		p.add("dns.baseDomain", s.DNS.BaseDomain, "must be a valid DNS name such as example.com (lower-case labels, no trailing dot)")
	}
}

func validateCoder(s *Stack, p *problems) {
	if !semverTag.MatchString(s.Coder.Version) {
		p.add("coder.version", s.Coder.Version, "must be a Coder release tag such as v2.28.3; one version is used by coderd, proxies and provisioners")
	}
	checkAccessURL(s, "coder.accessUrl", s.Coder.AccessURL, p)
	validateCoderSettings(s, p)
}

// checkAccessURL validates an access URL and that it sits under the base domain.
func checkAccessURL(s *Stack, key, raw string, p *problems) {
	u, why := parseHTTPSURL(raw)
	if why != "" {
		p.add(key, raw, "%s", why)
		return
	}
	if validDNSName(s.DNS.BaseDomain) && !withinDomain(u.Hostname(), s.DNS.BaseDomain) {
		p.add(key, raw, "host must be within dns.baseDomain %q so its records and certificate can be managed", s.DNS.BaseDomain)
	}
}

func fraction(p *problems, key string, v float64) {
	if v <= 0 || v > 1 {
		p.add(key, v, "must be a fraction in (0, 1]")
	}
}

func validateNetwork(s *Stack, p *problems) {
	n := s.Network
	if !logRetained[n.FlowLogRetentionDays] {
		p.add("network.flowLogRetentionDays", n.FlowLogRetentionDays, "must be %s", logRetentionAllowed)
	}
	for i, r := range n.Egress.AllowedCIDRs {
		key := fmt.Sprintf("network.egress.allowedCidrs[%d]", i)
		allow, err := parsePrefix(r.CIDR)
		if err != nil {
			p.add(key+".cidr", r.CIDR, "must be an IPv4 CIDR such as 203.0.113.0/24")
		}
		for j, reg := range s.Regions {
			vpc, err2 := parsePrefix(reg.VpcCIDR)
			// A CIDR strictly wider than the VPC is allowed with the VPC cut
			// out of it (the workspace NetworkPolicy's except); one inside or
			// equal to the VPC would open its pods and nodes.
			if err == nil && err2 == nil && allow.Overlaps(vpc) && !(allow.Bits() < vpc.Bits()) {
				p.add(key+".cidr", r.CIDR, "overlaps regions[%d].vpcCidr %s without covering it; workspaces reach the VPC only through the platform's own rules", j, reg.VpcCIDR)
			}
		}
		if len(r.Ports) == 0 {
			p.add(key+".ports", r.Ports, "list at least one TCP port")
		}
		for j, port := range r.Ports {
			if port < 1 || port > 65535 {
				p.add(fmt.Sprintf("%s.ports[%d]", key, j), port, "must be a TCP port 1–65535")
			}
		}
	}
	for i, d := range n.Egress.AllowedDomains {
		if !validDNSName(strings.TrimPrefix(d, "*.")) {
			p.add(fmt.Sprintf("network.egress.allowedDomains[%d]", i), d, "must be a DNS name, optionally with a leading *.")
		}
	}
}

// validate requires the tags every resource carries.
func (t Tags) validate(p *problems) {
	if strings.TrimSpace(t.Owner) == "" {
		p.add("tags.owner", t.Owner, "a team or person that owns the stack is required (default tag \"owner\")")
	}
	if strings.TrimSpace(t.CostCenter) == "" {
		p.add("tags.costCenter", t.CostCenter, "a cost center is required (default tag \"cost-center\")")
	}
}
