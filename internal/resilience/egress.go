package resilience

import (
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// egress follows each private subnet's default route to its NAT gateway
// and that gateway's subnet to its zone: a surviving zone whose route goes
// through the lost zone's gateway loses its way out.
func (a *analysis) egress() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	zonesWith, zonesLeft := 0, 0
	for _, reg := range a.g.regions() {
		// zone of a private subnet → zones of the NAT gateways its route uses.
		via := map[string][]string{}
		for _, rt := range a.g.inRegion(tRoute, reg.Name) {
			if rt.Str("destinationCidrBlock") != "0.0.0.0/0" {
				continue
			}
			for _, nat := range a.g.refsOfType(rt, "natGatewayId", tNAT) {
				natZones := a.g.subnetZones(nat, "subnetId")
				for _, table := range a.g.Targets(rt, "routeTableId") {
					for _, z := range a.associatedZones(table) {
						via[z] = append(via[z], natZones...)
					}
				}
			}
		}
		if len(via) == 0 {
			continue
		}
		var cut, fine []string
		for _, z := range preview.SortedKeys(via) {
			zonesWith++
			if a.zoneLost(reg.Name, z) {
				continue
			}
			if slices.ContainsFunc(via[z], func(n string) bool { return a.zoneLost(reg.Name, n) }) {
				cut = append(cut, sprintf("%s (through the NAT gateway in %s)", z, strings.Join(slices.Compact(via[z]), ", ")))
				continue
			}
			zonesLeft++
			fine = append(fine, z)
		}
		head := sprintf("%s: %d NAT gateways for the private subnets of %s", reg.Name, len(a.g.inRegion(tNAT, reg.Name)), strings.Join(preview.SortedKeys(via), ", "))
		switch {
		case a.regionLost(reg.Name):
			v.add(Degraded, "%s: the region is lost", head)
		case len(cut) > 0:
			v.add(Degraded, "%s: %s lose egress until the route points at a surviving gateway", head, strings.Join(cut, ", "))
		case len(fine) < len(via):
			v.add(Degraded, "%s: each zone has its own gateway; %s keep egress", head, strings.Join(fine, ", "))
		default:
			v.add(Unaffected, "%s", head)
		}
	}
	v.Capacity = sprintf("%d of %d zones", zonesLeft, zonesWith)
	if len(v.Details) == 0 {
		v.add(Unaffected, "no NAT gateway route is registered")
	} else if zonesLeft == 0 {
		v.add(Stops, "no private subnet keeps its way out")
	}
	return v
}

// associatedZones are the zones of the subnets associated with a route table.
func (a *analysis) associatedZones(table *preview.Resource) []string {
	set := map[string]bool{}
	for _, as := range a.g.OfType(tRouteAssoc) {
		if slices.Contains(as.PropertyDependencies["routeTableId"], table.URN) {
			for _, z := range a.g.subnetZones(as, "subnetId") {
				set[z] = true
			}
		}
	}
	return preview.SortedKeys(set)
}
