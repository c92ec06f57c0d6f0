package resilience

import (
	"strings"

	"github.com/platformeng/coder-platform/components/workloads"
)

// workspaces judges each region's workspace nodes (the node groups of the
// workspace tier's nodeSelector) and the running workspaces of the lost
// zone: an EBS home volume lives in one zone, so those workspaces are out
// until the zone returns, or until their volume is restored elsewhere
// from a backup.
func (a *analysis) workspaces() TierVerdict {
	v := TierVerdict{Status: Unaffected}
	running, keep := 0, 0
	for _, reg := range a.g.regions() {
		ngs := a.g.nodeGroups(reg.Name, workloads.TierWorkspace.NodeSelector())
		if len(ngs) == 0 {
			continue
		}
		zones := a.g.groupZones(ngs)
		left := a.left(reg.Name, zones)
		n := a.running(reg.Name)
		running += n
		lost := n
		if len(zones) > 0 {
			// Spread evenly over the node groups' zones: the lost share,
			// rounded up.
			lost = (n*(len(zones)-len(left)) + len(zones) - 1) / len(zones)
		}
		keep += n - lost
		maxNodes := 0
		for _, ng := range ngs {
			m, _ := ng.Num("scalingConfig.maxSize")
			maxNodes += int(m)
		}
		head := sprintf("%s: %d running workspaces at peak on node groups %s (up to %d nodes) in %s",
			reg.Name, n, names(ngs), maxNodes, strings.Join(zones, ", "))
		home := a.homeBackup(reg.Name).fate(a.regionLost(reg.Name))
		switch {
		case len(left) == len(zones):
			v.add(Unaffected, "%s", head)
		case len(left) == 0:
			v.add(Degraded, "%s: all %d lose their node and home volume; %s", head, n, home)
		default:
			v.add(Degraded, "%s: %d lose their node and home volume until %s returns; %s; the node groups keep up to %d nodes in %s",
				head, lost, a.f.Name, home, maxNodes, strings.Join(left, ", "))
		}
	}
	v.Capacity = sprintf("%d of %d running", keep, running)
	switch {
	case len(v.Details) == 0:
		v.add(Unaffected, "no workspace node group is registered")
	case running > 0 && keep == 0:
		v.add(Stops, "no running workspace is left")
	}
	return v
}

// running is a region's running workspaces at peak, from the capacity plan.
func (a *analysis) running(region string) int {
	cfg := a.g.Res.Config
	if cfg == nil || cfg.Capacity() == nil {
		return 0
	}
	if rp := cfg.Capacity().Region(region); rp != nil {
		return rp.Running
	}
	return 0
}
