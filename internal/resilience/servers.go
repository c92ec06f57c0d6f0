package resilience

import (
	"maps"
	"strings"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
)

// zoneKey is the well-known node label of a node's zone, the topology key
// of a spread across zones
// (https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone).
const zoneKey = "topology.kubernetes.io/zone"

// deployment is a Helm release's pods: how many, on which node groups'
// zones, how they spread and what budget protects them.
type deployment struct {
	Release    *preview.Resource
	Region     string
	Replicas   int
	NodeGroups []*preview.Resource
	Zones      []string
	// Spread is the zone constraint of topologySpreadConstraints, nil
	// when there is none.
	Spread *spread
	// PDB is the PodDisruptionBudget over the pods, nil when none.
	PDB *preview.Resource
}

type spread struct {
	MaxSkew           int
	WhenUnsatisfiable string
}

// guaranteed reports whether the spread is a hard constraint: only
// DoNotSchedule (the default) keeps the scheduler from putting replicas
// together; ScheduleAnyway is a preference.
func (s *spread) guaranteed() bool {
	return s != nil && s.WhenUnsatisfiable != "ScheduleAnyway"
}

// releaseDeployment reads a Coder chart release's values.coder (replicaCount,
// nodeSelector, topologySpreadConstraints).
func (a *analysis) releaseDeployment(rel *preview.Resource) *deployment {
	d := &deployment{Release: rel, Region: a.g.Region(rel), Replicas: 1}
	if n, ok := rel.Num("values.coder.replicaCount"); ok {
		d.Replicas = int(n)
	}
	sel, _ := plain(rel, "values.coder.nodeSelector").(map[string]any)
	d.NodeGroups = a.g.nodeGroups(d.Region, sel)
	d.Zones = a.g.groupZones(d.NodeGroups)
	tscs, _ := plain(rel, "values.coder.topologySpreadConstraints").([]any)
	for _, c := range tscs {
		m, _ := c.(map[string]any)
		if m["topologyKey"] != zoneKey {
			continue
		}
		s := &spread{MaxSkew: 1, WhenUnsatisfiable: "DoNotSchedule"}
		if n, ok := m["maxSkew"].(float64); ok {
			s.MaxSkew = int(n)
		}
		if w, ok := m["whenUnsatisfiable"].(string); ok {
			s.WhenUnsatisfiable = w
		}
		d.Spread = s
	}
	// The budget next to the release that selects Coder's pods.
	for _, pdb := range a.g.Children[rel.Parent] {
		if pdb.Type != tPDB {
			continue
		}
		sel, _ := plain(pdb, "spec.selector.matchLabels").(map[string]any)
		if len(sel) > 0 && maps.EqualFunc(sel, workloads.CoderdPodLabels, func(x any, y string) bool { return x == y }) {
			d.PDB = pdb
		}
	}
	return d
}

// worstLost is how many replicas the failure can take at worst. With a
// hard zone spread of maxSkew m over Z zones, a zone holds at most
// (R+(Z-1)m)/Z of R replicas; without one, the scheduler's default
// spreading is only a preference (ScheduleAnyway, maxSkew 5 per zone:
// https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#internal-default-constraints),
// so every replica may share the lost zone.
func (a *analysis) worstLost(d *deployment) int {
	if a.regionLost(d.Region) || len(a.left(d.Region, d.Zones)) == 0 {
		return d.Replicas
	}
	if !a.touches(d.Region, d.Zones) {
		return 0
	}
	if !d.Spread.guaranteed() {
		return d.Replicas
	}
	z := len(d.Zones)
	return min(d.Replicas, (d.Replicas+(z-1)*d.Spread.MaxSkew)/z)
}

// judge is a deployment's verdict, capacity and the facts behind them.
func (a *analysis) judge(what string, d *deployment) (Status, string, []string) {
	lost := a.worstLost(d)
	alive := d.Replicas - lost
	capacity := sprintf("%d of %d replicas", alive, d.Replicas)
	place := sprintf("%s %s: %d replicas on node group %s in %s", what, d.Release.Name, d.Replicas, names(d.NodeGroups), strings.Join(d.Zones, ", "))
	var spreadText string
	switch {
	case d.Spread == nil:
		spreadText = "no topology spread over " + zoneKey
	default:
		spreadText = sprintf("topology spread over %s, maxSkew %d, whenUnsatisfiable %s", zoneKey, d.Spread.MaxSkew, d.Spread.WhenUnsatisfiable)
	}
	facts := []string{place + "; " + spreadText}
	if pdb := d.PDB; pdb != nil && alive > 0 {
		if n, ok := pdb.Num("spec.minAvailable"); ok {
			holds := "holds"
			if alive < int(n) {
				holds = "is not met: evictions of its pods (node drains, node group upgrades) are refused until the lost replicas return"
			}
			facts = append(facts, sprintf("PodDisruptionBudget %s minAvailable %d %s (%d left)", pdb.Name, int(n), holds, alive))
		}
	} else if pdb == nil {
		facts = append(facts, "no PodDisruptionBudget over its pods")
	}
	switch {
	case lost == 0:
		return Unaffected, capacity, facts
	case alive == 0 && a.regionLost(d.Region):
		return Stops, capacity, append(facts, sprintf("every replica is in %s", d.Region))
	case alive == 0:
		why := "nothing keeps the replicas apart, so all may be in " + a.f.Name
		if d.Spread != nil && !d.Spread.guaranteed() {
			why = "ScheduleAnyway is a preference, so all may be in " + a.f.Name
		}
		if len(a.left(d.Region, d.Zones)) == 0 {
			why = "every node group zone is lost"
		}
		return Stops, capacity, append(facts, why+"; it stops until its pods are scheduled again")
	}
	facts = append(facts, sprintf("at worst %d in %s; %d keep serving", lost, a.f.Name, alive))
	if d.Spread.guaranteed() {
		facts = append(facts, "replacements are held to maxSkew against the lost zone while its nodes stay registered, so they may stay Pending until it returns")
	}
	return Degraded, capacity, facts
}

// serverDeployments are the releases of the Coder chart: coderd, or the
// workspace proxies (values.coder.workspaceProxy).
func (a *analysis) serverDeployments(proxy bool) []*deployment {
	var out []*deployment
	for _, rel := range a.g.OfType(tRelease) {
		if rel.Str("chart") != coder.CoderChart {
			continue
		}
		if isProxy, _ := rel.Bool("values.coder.workspaceProxy"); isProxy == proxy {
			out = append(out, a.releaseDeployment(rel))
		}
	}
	return out
}

// coderd judges the coderd replicas, and stops with the database.
func (a *analysis) coderd(db TierVerdict) TierVerdict {
	v := TierVerdict{Status: Unaffected}
	for _, d := range a.serverDeployments(false) {
		s, capacity, facts := a.judge("coderd", d)
		v.Capacity = capacity
		v.add(s, "%s", strings.Join(facts, "; "))
	}
	if len(v.Details) == 0 {
		v.add(Stops, "no coderd release (chart %s) is registered", coder.CoderChart)
	}
	switch db.Status {
	case Stops:
		v.add(Stops, "coderd needs its database, which stops")
	case Degraded:
		if a.writerLost() {
			v.add(Degraded, "writes pause while Aurora fails over")
		}
	}
	return v
}
