package resilience

import (
	"strings"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
)

// Resource types the analysis reads.
const (
	tSubnet          = "aws:ec2/subnet:Subnet"
	tNAT             = "aws:ec2/natGateway:NatGateway"
	tRoute           = "aws:ec2/route:Route"
	tRouteAssoc      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tNodeGroup       = "aws:eks/nodeGroup:NodeGroup"
	tLB              = "aws:lb/loadBalancer:LoadBalancer"
	tDBCluster       = "aws:rds/cluster:Cluster"
	tDBInstance      = "aws:rds/clusterInstance:ClusterInstance"
	tRelease         = "kubernetes:helm.sh/v3:Release"
	tPDB             = "kubernetes:policy/v1:PodDisruptionBudget"
	tScaledObject    = "kubernetes:keda.sh/v1alpha1:ScaledObject"
	tStorageClass    = "kubernetes:storage.k8s.io/v1:StorageClass"
	tBackupSelection = "aws:backup/selection:Selection"
	tBackupPlan      = "aws:backup/plan:Plan"
)

// graph is the preview's index (preview.Index) with the questions the
// analysis asks of it: zones, node groups, what a resource waits for.
type graph struct {
	*preview.Index
}

func newGraph(res *preview.Result) *graph { return &graph{preview.NewIndex(res)} }

// inRegion returns the resources of type t registered in region.
func (g *graph) inRegion(t, region string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range g.OfType(t) {
		if g.Region(r) == region {
			out = append(out, r)
		}
	}
	return out
}

// refsOfType is refs filtered to one type.
func (g *graph) refsOfType(r *preview.Resource, prop, t string) []*preview.Resource {
	var out []*preview.Resource
	for _, x := range g.Targets(r, prop) {
		if x.Type == t {
			out = append(out, x)
		}
	}
	return out
}

// deps are what r waits for: its declared dependencies, the resources its
// inputs came from, and a custom parent.
func (g *graph) deps(r *preview.Resource) []*preview.Resource {
	seen := map[string]bool{}
	var out []*preview.Resource
	add := func(u string) {
		if t := g.ByURN[u]; t != nil && !seen[u] && u != r.URN {
			seen[u] = true
			out = append(out, t)
		}
	}
	for _, u := range r.Dependencies {
		add(u)
	}
	for _, k := range preview.SortedKeys(r.PropertyDependencies) {
		for _, u := range r.PropertyDependencies[k] {
			add(u)
		}
	}
	if p := g.ByURN[r.Parent]; p != nil && p.Custom {
		add(p.URN)
	}
	return out
}

// regionInfo is one region of the stack with its role.
type regionInfo struct {
	Name string
	Role workloads.Role
}

// regions lists the region components, in the config's order when known.
func (g *graph) regions() []regionInfo {
	var out []regionInfo
	for _, r := range g.Regions() {
		out = append(out, regionInfo{Name: r.Name, Role: workloads.Role(r.Role)})
	}
	return out
}

// role is a region's role ("" when unknown).
func (g *graph) role(region string) workloads.Role {
	for _, r := range g.regions() {
		if r.Name == region {
			return r.Role
		}
	}
	return ""
}

// zones are the availability zones the stack's subnets are in, sorted.
func (g *graph) zones() []string {
	set := map[string]bool{}
	for _, s := range g.OfType(tSubnet) {
		if z := s.Str("availabilityZone"); z != "" {
			set[z] = true
		}
	}
	return preview.SortedKeys(set)
}

// subnetZones are the zones of the subnets input prop of r references.
func (g *graph) subnetZones(r *preview.Resource, props ...string) []string {
	set := map[string]bool{}
	for _, p := range props {
		for _, s := range g.refsOfType(r, p, tSubnet) {
			if z := s.Str("availabilityZone"); z != "" {
				set[z] = true
			}
		}
	}
	return preview.SortedKeys(set)
}

// nodeGroups are the region's node groups whose labels carry every label
// of selector (all of them for an empty selector): where pods with that
// nodeSelector can run.
func (g *graph) nodeGroups(region string, selector map[string]any) []*preview.Resource {
	var out []*preview.Resource
	for _, ng := range g.inRegion(tNodeGroup, region) {
		labels, _ := plain(ng, "labels").(map[string]any)
		ok := true
		for k, v := range selector {
			if labels[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, ng)
		}
	}
	return out
}

// groupZones are the zones of node groups' subnets.
func (g *graph) groupZones(ngs []*preview.Resource) []string {
	set := map[string]bool{}
	for _, ng := range ngs {
		for _, z := range g.subnetZones(ng, "subnetIds") {
			set[z] = true
		}
	}
	return preview.SortedKeys(set)
}

// plain is the input at path as plain Go values (maps, lists, strings,
// float64), nil when absent.
func plain(r *preview.Resource, path string) any {
	v, ok := r.Input(path)
	if !ok {
		return nil
	}
	return preview.PlainValue(v)
}

// names lists resources' logical names.
func names(rs []*preview.Resource) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}
