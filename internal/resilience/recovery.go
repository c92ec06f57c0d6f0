package resilience

import (
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
)

// Recovery is the estimated time until users work again: the critical
// path of what must be rebuilt or restored, against the declared RTO.
type Recovery struct {
	// Path is the critical path; Steps are all steps, most of them run
	// beside it.
	Path       []Step        `json:"path"`
	Steps      []Step        `json:"steps"`
	Total      time.Duration `json:"-"`
	Minutes    float64       `json:"minutes"`
	RTO        string        `json:"rto"`
	RTOMinutes float64       `json:"rtoMinutes"`
	Met        bool          `json:"met"`
}

func (a *analysis) recovery() Recovery {
	d := a.zoneDAG()
	if a.f.Kind == LoseRegion {
		d = a.regionDAG()
	}
	path, total := d.longest()
	steps := d.steps()
	for _, list := range [][]Step{path, steps} {
		for i := range list {
			list[i].Minutes = list[i].Time.Minutes()
		}
	}
	r := Recovery{Path: path, Steps: steps, Total: total, Minutes: total.Minutes(), Met: true}
	if cfg := a.g.Res.Config; cfg != nil {
		rto := cfg.Resilience.RTO.Duration(a.f.Target())
		r.RTO = cfg.Resilience.RTO.Of(a.f.Target())
		r.RTOMinutes = rto.Minutes()
		r.Met = total <= rto
	}
	return r
}

// typed is the step of rebuilding a resource of its type.
func typed(what, t string) *Step {
	return &Step{What: what, Type: t, Time: sizing.RebuildTime(t), Source: rebuildSource(t)}
}

func rebuildSource(t string) string {
	if r, ok := sizing.RebuildTimes[t]; ok {
		return r.Source
	}
	return "sizing.RebuildDefault: any other resource, seconds to a minute"
}

// remoteComponents are multi-language components whose children the mock
// monitor never sees (their provider builds them), each with the resource
// that dominates its creation: pulumi-eks's Cluster creates the EKS control
// plane (aws:eks/cluster:Cluster, pulumi-eks nodejs/eks/cluster.ts).
var remoteComponents = map[string]string{"eks:index:Cluster": sizing.StepEKSControlPlane}

// regionDAG rebuilds what the lost region held, in the backup region (the
// failover stack configuration), in the order the engine creates it: every
// custom resource of the region, and those elsewhere that reference one
// (DNS records of the access URL), each after what it depends on; a
// component is done when its children are. A surviving global database
// secondary is promoted instead of restoring the cluster.
func (a *analysis) regionDAG() *dag {
	d := newDAG()
	rebuilt := map[string]bool{}
	for _, r := range a.g.All {
		if _, remote := remoteComponents[r.Type]; !remote && (!r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:")) {
			continue
		}
		switch reg := a.g.Region(r); {
		case reg == a.f.Name:
			rebuilt[r.URN] = true
		case reg == "":
			rebuilt[r.URN] = slices.ContainsFunc(a.g.deps(r), func(x *preview.Resource) bool { return a.g.Region(x) == a.f.Name })
		}
	}
	promote := a.hasSecondary()
	for _, r := range a.g.All {
		n := d.node(r.URN)
		for _, dep := range a.g.deps(r) {
			n.deps = append(n.deps, dep.URN)
		}
		if !r.Custom {
			for _, c := range a.g.Children[r.URN] {
				n.deps = append(n.deps, c.URN)
			}
		}
		if !rebuilt[r.URN] {
			continue
		}
		switch main, remote := remoteComponents[r.Type]; {
		case remote:
			n.step = typed(r.Name, main)
		case promote && r.Type == tDBCluster:
			n.step = &Step{What: r.Name + " (global database secondary promoted)", Time: sizing.GlobalDatabasePromotion,
				Source: "sizing.GlobalDatabasePromotion: AWS documents recovery of a global database in under a minute"}
		case promote && r.Type == tDBInstance:
			// The promoted secondary brings its own instances.
		default:
			n.step = typed(r.Name, r.Type)
		}
	}
	return d
}

// zoneDAG is what a lost zone needs: node groups launch replacement nodes
// in their surviving zones; Aurora promotes a reader (or needs a new
// instance); a NAT gateway that served surviving zones is replaced and
// their routes pointed at it; pods with nowhere left are scheduled again;
// the lost zone's home volumes are restored from backup onto the new
// nodes. These run side by side; each waits only for what it needs.
func (a *analysis) zoneDAG() *dag {
	d := newDAG()
	region := a.lostRegion
	groupKey := map[string]bool{}
	for _, ng := range a.g.inRegion(tNodeGroup, region) {
		zones := a.g.subnetZones(ng, "subnetIds")
		if !a.touches(region, zones) {
			continue
		}
		what := ng.Name + ": replacement nodes in " + strings.Join(a.left(region, zones), ", ")
		if len(a.left(region, zones)) == 0 {
			what = ng.Name + ": rebuilt on subnets of surviving zones"
		}
		d.node(ng.URN).step = typed(what, tNodeGroup)
		groupKey[ng.URN] = true
	}
	for _, dc := range a.clusters() {
		if dc.Secondary || dc.Region != region || len(dc.Instances) == 0 {
			continue
		}
		var alive []*preview.Resource
		for _, in := range dc.Instances {
			if !a.instanceLost(region, in) {
				alive = append(alive, in)
			}
		}
		w := dc.Instances[0]
		switch {
		case len(alive) == 0:
			d.node(w.URN).step = typed(w.Name+": a new instance in a surviving zone", tDBInstance)
		case a.instanceLost(region, w):
			d.node(w.URN).step = &Step{What: dc.Cluster.Name + ": failover to " + alive[0].Name, Time: sizing.AuroraFailover,
				Source: "sizing.AuroraFailover: AWS documents failover typically within 30 seconds, DNS follows"}
		}
	}
	a.natSteps(d, region)
	for _, dep := range append(a.serverDeployments(false), a.serverDeployments(true)...) {
		if dep.Region != region || a.worstLost(dep) < dep.Replicas {
			continue
		}
		n := d.node("pods:" + dep.Release.URN)
		n.step = &Step{What: dep.Release.Name + ": pods scheduled again in a surviving zone", Type: tRelease,
			Time: sizing.RebuildTime(tRelease), Source: rebuildSource(tRelease)}
		for _, ng := range dep.NodeGroups {
			if groupKey[ng.URN] {
				n.deps = append(n.deps, ng.URN)
			}
		}
	}
	if a.running(region) > 0 && a.homeBackup(region).Backed {
		n := d.node("home-volumes:" + region)
		n.step = typed("home volumes of "+a.f.Name+" restored from their latest recovery points", sizing.StepVolumeFromBackup)
		for _, ng := range a.g.nodeGroups(region, workloads.TierWorkspace.NodeSelector()) {
			if groupKey[ng.URN] {
				n.deps = append(n.deps, ng.URN)
			}
		}
	}
	return d
}

// natSteps replaces a lost NAT gateway that surviving zones route through,
// then re-points those routes.
func (a *analysis) natSteps(d *dag, region string) {
	for _, rt := range a.g.inRegion(tRoute, region) {
		for _, nat := range a.g.refsOfType(rt, "natGatewayId", tNAT) {
			if !slices.ContainsFunc(a.g.subnetZones(nat, "subnetId"), func(z string) bool { return a.zoneLost(region, z) }) {
				continue
			}
			served := false
			for _, table := range a.g.Targets(rt, "routeTableId") {
				served = served || len(a.left(region, a.associatedZones(table))) > 0
			}
			if !served {
				continue
			}
			d.node(nat.URN).step = typed(nat.Name+": a NAT gateway in a surviving zone", tNAT)
			n := d.node(rt.URN)
			n.step = typed(rt.Name+": default route to it", tRoute)
			n.deps = append(n.deps, nat.URN)
		}
	}
}
