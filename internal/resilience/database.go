package resilience

import (
	"slices"
	"sort"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
)

// dbCluster is an Aurora cluster and its instances, the writer first.
type dbCluster struct {
	Cluster   *preview.Resource
	Region    string
	Instances []*preview.Resource
	// Secondary is a global database's cluster outside the coderd region:
	// a warm standby coderd does not use until it is promoted.
	Secondary bool
}

// clusters are the Aurora clusters with their instances (children, or
// instances whose clusterIdentifier comes from the cluster). The writer is
// the instance of the lowest promotionTier: the program creates it first,
// and Aurora makes the first instance the writer and promotes by tier.
func (a *analysis) clusters() []dbCluster {
	var out []dbCluster
	for _, c := range a.g.OfType(tDBCluster) {
		dc := dbCluster{Cluster: c, Region: a.g.Region(c)}
		_, global := c.Input("globalClusterIdentifier")
		dc.Secondary = global && !a.g.role(dc.Region).RunsCoderd()
		for _, in := range a.g.OfType(tDBInstance) {
			if in.Parent == c.URN || slices.Contains(in.PropertyDependencies["clusterIdentifier"], c.URN) {
				dc.Instances = append(dc.Instances, in)
			}
		}
		sort.SliceStable(dc.Instances, func(i, j int) bool { return tier(dc.Instances[i]) < tier(dc.Instances[j]) })
		out = append(out, dc)
	}
	return out
}

func tier(in *preview.Resource) float64 {
	if n, ok := in.Num("promotionTier"); ok {
		return n
	}
	return 1 // Aurora's default promotion tier
}

// instanceLost reports whether the failure takes an instance; one without
// an availabilityZone may be anywhere, so it is assumed in the lost zone.
func (a *analysis) instanceLost(region string, in *preview.Resource) bool {
	z := in.Str("availabilityZone")
	return a.regionLost(region) || a.f.Kind == LoseAZ && region == a.lostRegion && (z == "" || z == a.f.Name)
}

// hasSecondary reports whether a global database secondary survives.
func (a *analysis) hasSecondary() bool {
	for _, dc := range a.clusters() {
		if dc.Secondary && !a.regionLost(dc.Region) {
			return true
		}
	}
	return false
}

// writerLost reports whether any cluster's writer is lost.
func (a *analysis) writerLost() bool {
	for _, dc := range a.clusters() {
		if !dc.Secondary && len(dc.Instances) > 0 && a.instanceLost(dc.Region, dc.Instances[0]) {
			return true
		}
	}
	return false
}

// database judges Aurora: the storage spans three zones and survives a
// zone, so a zone costs only the instances in it; a reader in a surviving
// zone takes over from a lost writer.
func (a *analysis) database() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	for _, dc := range a.clusters() {
		var alive []*preview.Resource
		place := ""
		for i, in := range dc.Instances {
			role := "reader"
			if i == 0 {
				role = "writer"
			}
			z := in.Str("availabilityZone")
			if z == "" {
				z = "an unpinned zone"
			}
			place += sprintf("%s %s in %s; ", role, in.Name, z)
			if !a.instanceLost(dc.Region, in) {
				alive = append(alive, in)
			}
		}
		v.Capacity = sprintf("%d of %d instances", len(alive), len(dc.Instances))
		head := sprintf("Aurora %s (%s): %s", dc.Cluster.Name, dc.Region, place)
		switch {
		case dc.Secondary && len(alive) < len(dc.Instances):
			v.add(Degraded, "%sthe global database secondary (warm standby) is lost; the primary keeps serving", head)
		case dc.Secondary:
			v.add(Unaffected, "%sthe global database secondary (warm standby) survives", head)
		case a.regionLost(dc.Region) && a.hasSecondary():
			v.add(Stops, "%sthe region is lost: the global database secondary is promoted (about %s)", head, duration(sizing.GlobalDatabasePromotion))
		case a.regionLost(dc.Region):
			v.add(Stops, "%sthe region is lost: it comes back from the latest cross-region recovery point, or a global database secondary is promoted", head)
		case len(dc.Instances) == 0:
			v.add(Stops, "%sno instance is registered", head)
		case len(alive) == len(dc.Instances):
			v.add(Unaffected, "%sno instance in %s", head, a.f.Name)
		case len(alive) == 0:
			v.add(Stops, "%severy instance is in %s: the data survives (Aurora keeps six copies across three zones) but no instance serves it until a new one is created (about %s)",
				head, a.f.Name, duration(sizing.RebuildTime(sizing.StepAuroraInstance)))
		case a.instanceLost(dc.Region, dc.Instances[0]):
			v.add(Degraded, "%sthe writer is lost: Aurora promotes %s in %s, about %s of failed writes",
				head, alive[0].Name, alive[0].Str("availabilityZone"), duration(sizing.AuroraFailover))
		default:
			v.add(Degraded, "%sa reader is lost; the writer keeps serving", head)
		}
	}
	if len(v.Details) == 0 {
		v.add(Stops, "no Aurora cluster is registered")
	}
	return v
}
