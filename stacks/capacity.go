package stacks

import (
	"fmt"
	"math"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// AddonOverhead is what the cluster add-ons request on coder-control
// nodes: CoreDNS ×2, the load balancer controller ×2, the cluster
// autoscaler and the EBS CSI controller ×2, from their charts' requests.
var AddonOverhead = sizing.Resources{MilliCPU: 800, MiB: 1536}

// RegionCapacity is the capacity arithmetic of one region, from the
// declared workload and Coder's guidance, against the configured groups.
type RegionCapacity struct {
	Region            string
	Users             int
	Workspaces        int
	RunningWorkspaces int
	ConcurrentBuilds  int
	// Coderd is coderd (control plane) or the workspace proxy (proxies).
	Coderd       sizing.Deployment
	Provisioners sizing.Deployment

	WorkspacePodsPerNode   int
	PeakWorkspaceNodes     int
	MorningWorkspaceNodes  int
	ProvisionerPodsPerNode int
	ProvisionerNodes       int

	Findings []Diagnostic
}

// Capacity computes a region's capacity and the findings where the config
// conflicts with the guidance for the declared workload.
func Capacity(cfg *config.Stack, r *config.Region) RegionCapacity {
	ng := cfg.Cluster.NodeGroups
	w := sizing.Workload{Users: r.Users, Workspaces: r.Workspaces, RunningFraction: *cfg.Workload.RunningFraction,
		BuildConcurrency: *cfg.Workload.BuildConcurrency, WorkspaceRequest: cfg.Workload.Request}
	rc := RegionCapacity{Region: r.Name, Users: r.Users, Workspaces: r.Workspaces,
		RunningWorkspaces: w.RunningWorkspaces(), ConcurrentBuilds: w.ConcurrentBuilds(), Provisioners: sizing.Provisioners(w)}
	if r.Role == config.RoleControlPlane {
		// coderd serves the API and dashboard for every user of the stack;
		// proxies only relay their region's app and terminal traffic.
		rc.Coderd = sizing.Coderd(cfg.Workload.Users)
	} else {
		rc.Coderd = sizing.Proxy(r.Users)
	}

	wsType := ng.Workspace.Primary()
	ws := sizing.Nodes(wsType, rc.RunningWorkspaces, cfg.Workload.Request)
	rc.WorkspacePodsPerNode = ws.PodsPerNode
	rc.PeakWorkspaceNodes = ws.Nodes
	morning := int(math.Ceil(float64(rc.RunningWorkspaces) * *cfg.Scaling.MorningLoadFraction))
	rc.MorningWorkspaceNodes = sizing.Nodes(wsType, morning, cfg.Workload.Request).Nodes

	provType := ng.Provisioner.Primary()
	prov := sizing.Nodes(provType, rc.Provisioners.Replicas, rc.Provisioners.Resources)
	rc.ProvisionerPodsPerNode = prov.PodsPerNode
	rc.ProvisionerNodes = prov.Nodes

	rc.Findings = append(rc.Findings, controlFindings(cfg, r, rc)...)
	subject := r.Name + " coder-prov"
	if fit := ng.Provisioner.Max() * prov.PodsPerNode; fit < rc.Provisioners.Replicas {
		rc.Findings = append(rc.Findings, Diagnostic{Severity: Warning, Subject: subject, Message: fmt.Sprintf(
			"%d × %s hold %d provisioners at %s each, but %s needs %d; raise cluster.nodeGroups.provisioner.maxSize to %d",
			ng.Provisioner.Max(), provType.Name, fit, rc.Provisioners.Resources, rc.Provisioners.Basis, rc.Provisioners.Replicas, prov.Nodes)})
	}
	subject = r.Name + " coder-ws"
	if fit := ng.Workspace.Max() * ws.PodsPerNode; fit < rc.RunningWorkspaces {
		rc.Findings = append(rc.Findings, Diagnostic{Severity: Warning, Subject: subject, Message: fmt.Sprintf(
			"%d × %s hold %d workspaces at %s, but the peak is %d running (%d × %.0f%%); raise cluster.nodeGroups.workspace.maxSize to %d",
			ng.Workspace.Max(), wsType.Name, fit, cfg.Workload.Request, rc.RunningWorkspaces, r.Workspaces, *cfg.Workload.RunningFraction*100, ws.Nodes)})
	}
	if morningNodes := min(rc.MorningWorkspaceNodes, ng.Workspace.Max()); morningNodes > 0 {
		rc.Findings = append(rc.Findings, Diagnostic{Severity: Info, Subject: subject, Message: fmt.Sprintf(
			"the scale-up pre-provisions %d nodes: %d morning workspaces (%d running × %.0f%%) / %d per %s",
			morningNodes, morning, rc.RunningWorkspaces, *cfg.Scaling.MorningLoadFraction*100, ws.PodsPerNode, wsType.Name)})
	}
	return rc
}

// controlFindings checks that coder-control can run coderd as Coder sizes
// it for the declared users, plus the cluster add-ons.
func controlFindings(cfg *config.Stack, r *config.Region, rc RegionCapacity) []Diagnostic {
	g := cfg.Cluster.NodeGroups.Control
	it := g.Primary()
	per := it.PodsPerNode(rc.Coderd.Resources)
	a := it.Allocatable()
	need := sizing.Resources{
		MilliCPU: rc.Coderd.Replicas*rc.Coderd.Resources.MilliCPU + AddonOverhead.MilliCPU,
		MiB:      rc.Coderd.Replicas*rc.Coderd.Resources.MiB + AddonOverhead.MiB,
	}
	haveCPU, haveMiB := g.Max()*a.MilliCPU, g.Max()*a.MiB
	if per >= 1 && per*g.Max() >= rc.Coderd.Replicas && haveCPU >= need.MilliCPU && haveMiB >= need.MiB {
		return nil
	}
	what := "coderd"
	if r.Role == config.RoleProxy {
		what = "the workspace proxy"
	}
	suggest := smallestFitting(it.Family.Name, rc.Coderd.Resources)
	return []Diagnostic{{Severity: Warning, Subject: r.Name + " coder-control", Message: fmt.Sprintf(
		"%d × %s (%.2f vCPU / %.1f GiB allocatable each) cannot run %s: %d replicas × %s (%s) plus %s of add-ons; use at least %d × %s in cluster.nodeGroups.control",
		g.Max(), it.Name, float64(a.MilliCPU)/1000, float64(a.MiB)/1024, what, rc.Coderd.Replicas, rc.Coderd.Resources,
		rc.Coderd.Basis, AddonOverhead, rc.Coderd.Replicas, suggest)}}
}

// smallestFitting is the smallest size of family whose node fits one pod of
// req with room for its share of the add-ons.
func smallestFitting(family string, req sizing.Resources) string {
	for _, size := range []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"} {
		it, err := sizing.ParseInstanceType(family + "." + size)
		if err != nil {
			continue
		}
		if it.PodsPerNode(sizing.Resources{MilliCPU: req.MilliCPU + AddonOverhead.MilliCPU/2, MiB: req.MiB + AddonOverhead.MiB/2}) >= 1 {
			return it.Name
		}
	}
	return family + ".16xlarge"
}
