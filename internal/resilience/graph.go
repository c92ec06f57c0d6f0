package resilience

import (
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/components/tokens"
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

// graph indexes a preview's registrations: by URN, by parent, by region,
// and the references inputs make (the property dependencies the SDK
// records, which name the resource an input came from).
type graph struct {
	res      *preview.Result
	all      []*preview.Resource // by URN: registration order is not stable
	byURN    map[string]*preview.Resource
	children map[string][]*preview.Resource
}

func newGraph(res *preview.Result) *graph {
	g := &graph{res: res, byURN: map[string]*preview.Resource{}, children: map[string][]*preview.Resource{}}
	g.all = append(g.all, res.Resources...)
	sort.Slice(g.all, func(i, j int) bool { return g.all[i].URN < g.all[j].URN })
	for _, r := range g.all {
		g.byURN[r.URN] = r
		g.children[r.Parent] = append(g.children[r.Parent], r)
	}
	return g
}

func (g *graph) ofType(t string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range g.all {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}

// inRegion returns the resources of type t registered in region.
func (g *graph) inRegion(t, region string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range g.ofType(t) {
		if g.region(r) == region {
			out = append(out, r)
		}
	}
	return out
}

// refs resolves the resources input prop of r references.
func (g *graph) refs(r *preview.Resource, prop string) []*preview.Resource {
	var out []*preview.Resource
	for _, u := range r.PropertyDependencies[prop] {
		if t := g.byURN[u]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// refsOfType is refs filtered to one type.
func (g *graph) refsOfType(r *preview.Resource, prop, t string) []*preview.Resource {
	var out []*preview.Resource
	for _, x := range g.refs(r, prop) {
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
		if t := g.byURN[u]; t != nil && !seen[u] && u != r.URN {
			seen[u] = true
			out = append(out, t)
		}
	}
	for _, u := range r.Dependencies {
		add(u)
	}
	for _, k := range sortedKeys(r.PropertyDependencies) {
		for _, u := range r.PropertyDependencies[k] {
			add(u)
		}
	}
	if p := g.byURN[r.Parent]; p != nil && p.Custom {
		add(p.URN)
	}
	return out
}

// region names the region component above r, "" for stack-wide ones.
func (g *graph) region(r *preview.Resource) string {
	for c := r; c != nil; c = g.byURN[c.Parent] {
		if c.Type == tokens.Region {
			return c.Name
		}
	}
	return ""
}

// regionInfo is one region of the stack with its role.
type regionInfo struct {
	Name string
	Role workloads.Role
}

// regions lists the region components, in the config's order when known.
func (g *graph) regions() []regionInfo {
	byName := map[string]*preview.Resource{}
	for _, r := range g.ofType(tokens.Region) {
		byName[r.Name] = r
	}
	var out []regionInfo
	add := func(name string) {
		if r := byName[name]; r != nil {
			out = append(out, regionInfo{Name: name, Role: workloads.Role(r.Str("role"))})
			delete(byName, name)
		}
	}
	if g.res.Config != nil {
		for _, reg := range g.res.Config.Regions {
			add(reg.Name)
		}
	}
	for _, name := range sortedKeys(byName) {
		add(name)
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
	for _, s := range g.ofType(tSubnet) {
		if z := s.Str("availabilityZone"); z != "" {
			set[z] = true
		}
	}
	return sortedKeys(set)
}

// regionZones are one region's zones.
func (g *graph) regionZones(region string) []string {
	set := map[string]bool{}
	for _, s := range g.inRegion(tSubnet, region) {
		if z := s.Str("availabilityZone"); z != "" {
			set[z] = true
		}
	}
	return sortedKeys(set)
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
	return sortedKeys(set)
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
	return sortedKeys(set)
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
