package stacks

import (
	"fmt"
	"math"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// AddonOverhead is what the cluster add-ons request on coder-control
// nodes, from their charts' default requests: CoreDNS ×2 (100m/70Mi),
// the load balancer controller ×2, the cluster autoscaler and the EBS CSI
// controller ×2 (800m / 1536Mi together), plus KEDA's operator, metrics
// server and webhook (100m/100Mi each). External Secrets requests nothing.
var AddonOverhead = sizing.Resources{MilliCPU: 1100, MiB: 1836}

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
	// AIGateway runs beside coderd when enabled (zero replicas otherwise).
	AIGateway sizing.Deployment
	// ControlNodes is how many coder-control nodes hold all of the above
	// plus the add-ons (0: a pod fits on no node of the configured type).
	ControlNodes int

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
		rc.AIGateway = aiGatewaySize(cfg)
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

	rc.ControlNodes = sizing.Pack(ng.Control.Primary(), controlPods(rc))
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

// controlPods is every pod that runs on coder-control; the add-ons count
// as one pod, as they are small and spread over the nodes.
func controlPods(rc RegionCapacity) []sizing.Resources {
	return append(sizing.Replicate(rc.Coderd, rc.AIGateway), AddonOverhead)
}

// aiGatewaySize is the configured AI gateway, its replicas defaulting to the
// workshop table for the stack's users; zero when disabled.
func aiGatewaySize(cfg *config.Stack) sizing.Deployment {
	g := cfg.Coder.AIGateway
	if !g.Enabled {
		return sizing.Deployment{}
	}
	guide := sizing.AIGateway(cfg.Workload.Users)
	d := sizing.Deployment{Replicas: g.Replicas, Resources: g.Resources, Basis: "configured in coder.aiGateway.replicas"}
	if d.Replicas == 0 {
		d.Replicas, d.Basis = guide.Replicas, guide.Basis
	}
	return d
}

// controlFindings checks that coder-control can run coderd (or the proxy)
// as Coder sizes it for the declared users, the AI gateway and the add-ons.
func controlFindings(cfg *config.Stack, r *config.Region, rc RegionCapacity) []Diagnostic {
	g := cfg.Cluster.NodeGroups.Control
	if rc.ControlNodes >= 1 && rc.ControlNodes <= g.Max() {
		return nil
	}
	it := g.Primary()
	a := it.Allocatable()
	what := fmt.Sprintf("coderd: %d replicas × %s (%s)", rc.Coderd.Replicas, rc.Coderd.Resources, rc.Coderd.Basis)
	if r.Role == config.RoleProxy {
		what = fmt.Sprintf("the workspace proxy: %d replicas × %s (%s)", rc.Coderd.Replicas, rc.Coderd.Resources, rc.Coderd.Basis)
	}
	if rc.AIGateway.Replicas > 0 {
		what += fmt.Sprintf(" and the AI gateway: %d replicas × %s", rc.AIGateway.Replicas, rc.AIGateway.Resources)
	}
	typ, nodes := it.Name, rc.ControlNodes
	if nodes == 0 {
		typ, nodes = fittingControl(it.Family.Name, rc)
	}
	return []Diagnostic{{Severity: Warning, Subject: r.Name + " coder-control", Message: fmt.Sprintf(
		"%d × %s (%.2f vCPU / %.1f GiB allocatable each) cannot run %s plus %s of add-ons; use at least %d × %s in cluster.nodeGroups.control",
		g.Max(), it.Name, float64(a.MilliCPU)/1000, float64(a.MiB)/1024, what, AddonOverhead, nodes, typ)}}
}

// fittingControl is the smallest size of family on which every control pod
// fits, and how many nodes of it they need.
func fittingControl(family string, rc RegionCapacity) (string, int) {
	name := smallestFitting(family, largest(controlPods(rc)))
	it, err := sizing.ParseInstanceType(name)
	if err != nil {
		return name, 0
	}
	return name, sizing.Pack(it, controlPods(rc))
}

func largest(pods []sizing.Resources) sizing.Resources {
	var out sizing.Resources
	for _, p := range pods {
		out.MilliCPU, out.MiB = max(out.MilliCPU, p.MilliCPU), max(out.MiB, p.MiB)
	}
	return out
}

// smallestFitting is the smallest size of family whose node fits one pod
// of req.
func smallestFitting(family string, req sizing.Resources) string {
	for _, size := range []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"} {
		it, err := sizing.ParseInstanceType(family + "." + size)
		if err != nil {
			continue
		}
		if it.PodsPerNode(req) >= 1 {
			return it.Name
		}
	}
	return family + ".16xlarge"
}
