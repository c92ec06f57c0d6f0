package resilience

import (
	"strings"

	"github.com/platformeng/coder-platform/components/coder"
)

// provisioners judges the provisioner releases of every region. Their
// pods keep no state and have no hard spread: those of the lost zone are
// scheduled again on their node group in a surviving zone (builds running
// there fail and are retried by users).
func (a *analysis) provisioners() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	total, kept := 0, 0
	regionsLeft := map[string]bool{}
	for _, rel := range a.g.OfType(tRelease) {
		if rel.Str("chart") != coder.ProvisionerChart {
			continue
		}
		d := a.releaseDeployment(rel)
		total += d.Replicas
		scale := a.scaler(d)
		left := a.left(d.Region, d.Zones)
		head := sprintf("provisioners %s (%s): %d replicas%s on node group %s in %s", rel.Name, d.Region, d.Replicas, scale,
			names(d.NodeGroups), strings.Join(d.Zones, ", "))
		switch {
		case a.regionLost(d.Region) || len(left) == 0:
			v.add(Degraded, "%s: all lost, this region's builds stop", head)
		case len(left) < len(d.Zones):
			kept += d.Replicas
			regionsLeft[d.Region] = true
			v.add(Degraded, "%s: builds running in %s fail; its replicas are scheduled again in %s", head, a.f.Name, strings.Join(left, ", "))
		default:
			kept += d.Replicas
			regionsLeft[d.Region] = true
			v.add(Unaffected, "%s", head)
		}
	}
	v.Capacity = sprintf("%d of %d replicas", kept, total)
	if total == 0 {
		v.add(Unaffected, "no provisioner release is registered")
	} else if kept == 0 {
		v.add(Stops, "no provisioner is left")
	}
	return v
}

// scaler describes the autoscaler (a KEDA ScaledObject in the same region
// whose scaleTargetRef names the release's deployment), "" when none.
func (a *analysis) scaler(d *deployment) string {
	name := d.Release.Str("values.nameOverride")
	if name == "" {
		name = d.Release.Str("name")
	}
	for _, so := range a.g.inRegion(tScaledObject, d.Region) {
		if so.Str("spec.scaleTargetRef.name") != name {
			continue
		}
		lo, _ := so.Num("spec.minReplicaCount")
		hi, _ := so.Num("spec.maxReplicaCount")
		return sprintf(" (autoscaled %d–%d by %s)", int(lo), int(hi), so.Name)
	}
	return ""
}
