package resilience

import (
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// edge is the load balancer of the access URL, in the region that runs
// coderd; a proxy region's load balancer is judged with its proxy.
func (a *analysis) edge() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	for _, reg := range a.g.regions() {
		if !reg.Role.RunsCoderd() {
			continue
		}
		for _, lb := range a.g.inRegion(tLB, reg.Name) {
			s, capacity, detail := a.loadBalancer(reg.Name, lb)
			v.Capacity = capacity
			v.add(s, "%s", detail)
		}
	}
	if len(v.Details) == 0 {
		v.add(Unaffected, "no load balancer is registered in the coderd region")
	}
	return v
}

// loadBalancer judges one load balancer from the zones of its subnets
// (subnetMappings[].subnetId or subnets).
func (a *analysis) loadBalancer(region string, lb *preview.Resource) (Status, string, string) {
	zones := a.g.subnetZones(lb, "subnetMappings", "subnets")
	left := a.left(region, zones)
	capacity := sprintf("%d of %d zones", len(left), len(zones))
	where := sprintf("load balancer %s (%s) in %s", lb.Name, lb.Str("loadBalancerType"), strings.Join(zones, ", "))
	switch {
	case len(left) == 0:
		return Stops, capacity, where + ": every zone lost"
	case len(left) < len(zones):
		cross := "off"
		if on, _ := lb.Bool("enableCrossZoneLoadBalancing"); on {
			cross = "on"
		}
		return Degraded, capacity, sprintf("%s: keeps serving from %s (cross-zone %s); the lost zone's address drops out of its DNS name once its health checks fail",
			where, strings.Join(left, ", "), cross)
	}
	return Unaffected, capacity, where
}
