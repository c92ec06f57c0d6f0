package sizing

import (
	"fmt"
	"math"
	"slices"
)

// Workload is the declared demand of a stack.
type Workload struct {
	// Users is the number of users the deployment serves (concurrent users
	// for a workshop).
	Users int
	// Workspaces is the number of workspaces that exist.
	Workspaces int
	// RunningFraction is the share of workspaces running at peak. Coder's
	// validated architectures assume 60 % (1,800 of 3,000) [VA].
	RunningFraction float64
	// BuildConcurrency is concurrent builds per user at peak: 6 % in the
	// validated architectures (180 of 3,000) [VA]; workshops burst far higher.
	BuildConcurrency float64
	// WorkspaceRequest is the request of one workspace pod.
	WorkspaceRequest Resources
}

// RunningWorkspaces is the peak number of running workspaces.
func (w Workload) RunningWorkspaces() int {
	return int(math.Ceil(float64(w.Workspaces) * w.RunningFraction))
}

// ConcurrentBuilds is concurrent builds = users × build concurrency.
func (w Workload) ConcurrentBuilds() int {
	return int(math.Ceil(float64(w.Users) * w.BuildConcurrency))
}

// Deployment is a recommended replica count and per-pod resources.
type Deployment struct {
	Replicas  int
	Resources Resources
	Basis     string
}

// vaTier is one row of Coder's current validated-architecture table [VA].
// The table's provisioner column (60, 120, 180, 600: one per concurrent
// build) is not kept: Provisioners derives it from BuildConcurrency.
type vaTier struct {
	users            int
	coderdReplicas   int
	coderd           Resources
	dbVCPU, dbMemGiB int
}

var vaTiers = []vaTier{
	{users: 1000, coderdReplicas: 3, coderd: Resources{2000, 8 * 1024}, dbVCPU: 8, dbMemGiB: 30},
	{users: 2000, coderdReplicas: 3, coderd: Resources{4000, 12 * 1024}, dbVCPU: 16, dbMemGiB: 60},
	{users: 3000, coderdReplicas: 4, coderd: Resources{4000, 12 * 1024}, dbVCPU: 32, dbMemGiB: 120},
	{users: 10000, coderdReplicas: 10, coderd: Resources{4000, 12 * 1024}, dbVCPU: 64, dbMemGiB: 240},
}

// tierFor returns the smallest validated tier that covers users (rounding
// up is the conservative reading), or false below 1,000 users.
func tierFor(users int) (vaTier, bool) {
	if users < vaTiers[0].users {
		return vaTier{}, false
	}
	for _, t := range vaTiers {
		if users <= t.users {
			return t, true
		}
	}
	last := vaTiers[len(vaTiers)-1]
	last.coderdReplicas = ceilDiv(users, 1000)
	last.users = users
	return last, true
}

// Coderd recommends coderd replicas and resources for the user count.
func Coderd(users int) Deployment {
	if t, ok := tierFor(users); ok {
		return Deployment{Replicas: t.coderdReplicas, Resources: t.coderd,
			Basis: fmt.Sprintf("Coder validated architecture for %d users: %d × %s (requests = limits)", t.users, t.coderdReplicas, t.coderd)}
	}
	// Below 1,000 users: 1 vCPU / 2 GB per 250 users, at least 1 vCPU / 2 GB
	// per replica [ST]; two replicas keep coderd up through a node or AZ loss.
	const replicas = 2
	cpu := max(1, ceilDiv(users, 250*replicas))
	r := Resources{MilliCPU: cpu * 1000, MiB: cpu * 2 * 1024}
	return Deployment{Replicas: replicas, Resources: r,
		Basis: fmt.Sprintf("scale-testing formula 1 vCPU/2 GB per 250 users (min 1/2 per replica) for %d users, 2 replicas for HA", users)}
}

// Proxy recommends workspace-proxy replicas for the users one region serves;
// Coder sizes proxies like coderd [VA, ST].
func Proxy(regionUsers int) Deployment {
	d := Coderd(regionUsers)
	d.Basis = "sized like coderd for the region's users: " + d.Basis
	return d
}

// ProvisionerResources is Coder's 1 vCPU / 1 GiB per provisioner [VA].
var ProvisionerResources = Resources{MilliCPU: 1000, MiB: 1024}

// workshopProvisioners is the ai.coder.com capacity table [WS]:
// <10 users → 6, 10–15 → 8, 15–20 → 10, 20–30 → 12–15.
func workshopProvisioners(users int) (int, bool) {
	switch {
	case users < 10:
		return 6, true
	case users < 15:
		return 8, true
	case users < 20:
		return 10, true
	case users <= 30:
		return 12 + ceilDiv((users-20)*3, 10), true
	}
	return 0, false
}

// Provisioners recommends external provisioner replicas: one per concurrent
// build ("1 provisioner = 1 Terraform operation" [WS]), never fewer than the
// workshop table for small deployments.
func Provisioners(w Workload) Deployment {
	builds := w.ConcurrentBuilds()
	n := max(builds, 1)
	basis := fmt.Sprintf("concurrent builds = %d users × %.2f = %d; one provisioner per build", w.Users, w.BuildConcurrency, builds)
	if floor, ok := workshopProvisioners(w.Users); ok && floor > n {
		n = floor
		basis += fmt.Sprintf("; raised to %d by the workshop capacity table", floor)
	}
	return Deployment{Replicas: n, Resources: ProvisionerResources, Basis: basis}
}

// AIGateway recommends LiteLLM replicas from the workshop table [WS]:
// <10 users → 4, 10–20 → 4–6, 20–30 → 6–8, 2 vCPU / 4 GiB limits each.
func AIGateway(users int) Deployment {
	var n int
	switch {
	case users < 10:
		n = 4
	case users < 20:
		n = 4 + ceilDiv((users-10)*2, 10)
	case users <= 30:
		n = 6 + ceilDiv((users-20)*2, 10)
	default:
		n = ceilDiv(users, 4)
	}
	return Deployment{Replicas: n, Resources: Resources{MilliCPU: 2000, MiB: 4096},
		Basis: fmt.Sprintf("workshop LiteLLM table for %d users", users)}
}

// NodeCount is a recommended node count for one node group.
type NodeCount struct {
	Nodes       int
	PodsPerNode int
	Basis       string
}

// Nodes is how many nodes of it hold pods pods of request req.
func Nodes(it InstanceType, pods int, req Resources) NodeCount {
	per := it.PodsPerNode(req)
	if per == 0 {
		return NodeCount{PodsPerNode: 0, Basis: fmt.Sprintf("%s cannot fit one pod of %s", it.Name, req)}
	}
	n := ceilDiv(pods, per)
	return NodeCount{Nodes: n, PodsPerNode: per,
		Basis: fmt.Sprintf("ceil(%d pods / %d per %s) = %d", pods, per, it.Name, n)}
}

// Pack is how many nodes of it hold the given pods, placed first-fit
// decreasing (largest CPU first), the usual near-optimal bin-packing
// heuristic; 0 when one pod cannot fit on an empty node. Schedulers place
// pods one by one, so this is a lower bound a real cluster approaches.
func Pack(it InstanceType, pods []Resources) int {
	a := it.Allocatable()
	sorted := slices.Clone(pods)
	slices.SortStableFunc(sorted, func(x, y Resources) int {
		if x.MilliCPU != y.MilliCPU {
			return y.MilliCPU - x.MilliCPU
		}
		return y.MiB - x.MiB
	})
	type node struct{ cpu, mib, pods int }
	var nodes []node
	for _, p := range sorted {
		if p.MilliCPU > a.MilliCPU || p.MiB > a.MiB {
			return 0
		}
		placed := false
		for i := range nodes {
			n := &nodes[i]
			if n.cpu >= p.MilliCPU && n.mib >= p.MiB && n.pods >= 1 {
				n.cpu, n.mib, n.pods = n.cpu-p.MilliCPU, n.mib-p.MiB, n.pods-1
				placed = true
				break
			}
		}
		if !placed {
			nodes = append(nodes, node{a.MilliCPU - p.MilliCPU, a.MiB - p.MiB, a.Pods - 1})
		}
	}
	return len(nodes)
}

// Replicate lists the pods of deployments, to pack them together.
func Replicate(ds ...Deployment) []Resources {
	var out []Resources
	for _, d := range ds {
		for range d.Replicas {
			out = append(out, d.Resources)
		}
	}
	return out
}
