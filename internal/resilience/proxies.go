package resilience

import "strings"

// proxies judges the workspace proxies of the other regions, each with its
// region's load balancer. A user whose proxy is unhealthy is sent to the
// primary (coder/coder v2.30.0 site/src/contexts/ProxyContext.tsx,
// getPreferredProxy: "If no proxy is selected, or the selected proxy is
// unhealthy default to the primary proxy"), so a lost proxy costs latency,
// not access.
func (a *analysis) proxies() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	ds := a.serverDeployments(true)
	kept := 0
	for _, d := range ds {
		s, capacity, facts := a.judge("proxy", d)
		for _, lb := range a.g.inRegion(tLB, d.Region) {
			ls, _, detail := a.loadBalancer(d.Region, lb)
			s = worse(s, ls)
			facts = append(facts, detail)
		}
		if s != Stops {
			kept++
		}
		text := strings.Join(facts, "; ")
		switch {
		case s == Stops:
			v.add(Degraded, "%s; %s: the proxy stops and its users fall back to the primary", text, capacity)
		default:
			v.add(s, "%s", text)
		}
	}
	v.Capacity = sprintf("%d of %d proxies", kept, len(ds))
	switch {
	case len(ds) == 0:
		v.Capacity = "none"
		v.add(Unaffected, "no workspace proxy is registered")
	case kept == 0:
		v.add(Stops, "no proxy is left; every user goes through the primary")
	}
	return v
}
