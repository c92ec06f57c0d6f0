package sizing

import (
	"fmt"
	"sort"
	"strings"
)

// The rows of the plan: each figure the stack deploys, what the workload
// needs against what is declared, and the config key to change on a gap.

func (p *Plan) add(scope, item, need, declared, gap, basis string) {
	p.Rows = append(p.Rows, Row{Scope: scope, Item: item, Need: need, Declared: declared, Gap: gap, Basis: basis})
}

func (p *Plan) stackRows(in PlanInput) {
	run := Workload{Workspaces: in.Workspaces, RunningFraction: in.RunningFraction}.RunningWorkspaces()
	p.add("stack", "workspaces", fmt.Sprintf("%d running at peak", run), fmt.Sprintf("%d", in.Workspaces), "",
		fmt.Sprintf("workload.workspaces %d × workload.runningFraction %.2f; mix %s", in.Workspaces, in.RunningFraction, mixString(in.Shapes)))
	p.add("stack", "coderd", deployment(p.CoderdGuide), deployment(p.Coderd), deploymentGap(p.CoderdGuide, p.Coderd, "coder.coderd"), p.CoderdGuide.Basis)
	db := p.Database
	gap := ""
	if in.MaxACU != nil && *in.MaxACU < db.MaxACU {
		gap = fmt.Sprintf("raise database.maxAcu to %.0f", db.MaxACU)
	}
	if in.MinACU != nil && *in.MinACU < db.MinACU {
		gap = joinGap(gap, fmt.Sprintf("raise database.minAcu to %.1f", db.MinACU))
	}
	declared := fmt.Sprintf("%.1f–%.0f", db.MinACU, db.MaxACU)
	if in.MinACU != nil && in.MaxACU != nil {
		declared = fmt.Sprintf("%.1f–%.0f", *in.MinACU, *in.MaxACU)
	}
	p.add("stack", "database ACU", fmt.Sprintf("%.1f–%.0f", db.MinACU, db.MaxACU), declared, gap, db.Basis+"; "+db.ConnectionBasis)
	for _, m := range p.Misfits {
		p.add("stack", "size "+m.Shape, "fits one workspace node", "does not", "use a larger type in cluster.nodeGroups.workspace.instanceTypes", m.Reason)
	}
}

func (p *Plan) regionRows(in PlanInput, rp RegionPlan) {
	s := rp.Name
	server := "coderd"
	if !rp.ControlPlane {
		server = "workspace proxy"
		p.add(s, server, deployment(rp.ServerGuide), deployment(rp.Server), deploymentGap(rp.ServerGuide, rp.Server, "coder.proxy"), rp.ServerGuide.Basis)
	}
	if rp.AIGateway.Replicas > 0 {
		guide := AIGateway(in.Users)
		gap := ""
		if rp.AIGateway.Replicas < guide.Replicas {
			gap = fmt.Sprintf("raise coder.aiGateway.replicas to %d", guide.Replicas)
		}
		p.add(s, "AI gateway", deployment(guide), deployment(rp.AIGateway), gap, guide.Basis)
	}
	p.add(s, "concurrent builds", fmt.Sprint(rp.Builds), "", "",
		fmt.Sprintf("%d users × workload.buildConcurrency %.2f", rp.Users, in.BuildConcurrency))
	pp := rp.Provisioners
	for i, pl := range pp.Pools {
		need, gap := pl.Max, ""
		if i == 0 {
			need = pp.Guide.Replicas
			if pl.Max < need {
				gap = fmt.Sprintf("raise coder.provisioners.maxReplicas (or replicas) to %d", need)
			}
		}
		decl := fmt.Sprintf("%d fixed", pl.Replicas)
		if pl.Autoscaled {
			decl = fmt.Sprintf("%d–%d (KEDA)", pl.Min, pl.Max)
		}
		basis := pl.Basis
		if i == 0 {
			basis = pp.Guide.Basis
		}
		p.add(s, "provisioners "+pl.Name, fmt.Sprintf("%d × %s", need, pp.Resources), decl, gap, basis)
	}
	p.add(s, "provisioner nodes", nodesOf(pp.Nodes, pp.PerNode, in.Provisioner.Type), groupOf(in.Provisioner),
		nodeGap(pp.Nodes, pp.PerNode, in.Provisioner, "cluster.nodeGroups.provisioner"),
		fmt.Sprintf("every pool at its maximum, %d × %s, at %d per %s", pp.MaxTotal(), pp.Resources, pp.PerNode, in.Provisioner.Type.Name))
	ctl := rp.ControlNodes
	ctlGap := nodeGap(ctl, 1, in.Control, "cluster.nodeGroups.control")
	if ctl == 0 {
		typ := smallestFitting(in.Control.Type.Family.Name, largest(rp.controlPods()))
		ctlGap = fmt.Sprintf("use %s or larger in cluster.nodeGroups.control.instanceTypes", typ)
	}
	srv, ai := atLeast(rp.Server, rp.ServerGuide), atLeast(rp.AIGateway, rp.aiGuide)
	what := fmt.Sprintf("%d %s × %s", srv.Replicas, server, srv.Resources)
	if ai.Replicas > 0 {
		what += fmt.Sprintf(" + %d AI gateway × %s", ai.Replicas, ai.Resources)
	}
	if rp.ControlPlane {
		what += fmt.Sprintf(" + Grafana %s", GrafanaRequests)
	}
	p.add(s, "control nodes", nodesOf(ctl, 1, in.Control.Type), groupOf(in.Control), ctlGap,
		fmt.Sprintf("first-fit packing of %s + %s of add-ons onto %s", what, AddonOverhead, in.Control.Type.Name))
	wp := rp.Workspace
	running := 0
	for _, c := range rp.Shapes {
		if c.Shape.OnNodes() {
			running += c.Running
		}
	}
	if running > 0 {
		p.add(s, "workspace pods", fmt.Sprintf("%d running, %d planned", running, rp.Quota.Pods), "", "", shapeCounts(rp.Shapes, true))
		p.add(s, "workspace nodes (peak)", nodesOf(wp.PeakNodes, 1, in.Workspace.Type), groupOf(in.Workspace),
			nodeGap(wp.PeakNodes, 1, in.Workspace, "cluster.nodeGroups.workspace"), wp.PeakBasis)
		p.add(s, "workspace nodes (scale-up)", nodesOf(wp.MorningNodes, 1, in.Workspace.Type),
			fmt.Sprintf("scheduled %d", clamp(wp.MorningNodes, in.Workspace)), "", wp.MorningBasis)
		q := rp.Quota
		p.add(s, "coder-ws quota", fmt.Sprintf("%d pods, %s requested, %d PVCs, %d GiB", q.Pods, q.Requests, q.PVCs, q.StorageGiB),
			"derived", "", q.Basis)
		l := rp.Limits
		p.add(s, "coder-ws LimitRange", fmt.Sprintf("max %s per container, %d GiB per volume", l.MaxContainer, l.MaxVolumeGiB), "derived", "",
			fmt.Sprintf("the largest container and home volume of the offered sizes; default %s request, %s limit", l.DefaultRequest, l.DefaultLimit))
	}
	if len(rp.EC2) > 0 {
		types := make([]string, 0, len(rp.EC2))
		for t := range rp.EC2 {
			types = append(types, t)
		}
		sort.Strings(types)
		var parts []string
		for _, t := range types {
			parts = append(parts, fmt.Sprintf("%d × %s", rp.EC2[t], t))
		}
		p.add(s, "EC2 workspaces", strings.Join(parts, ", "), "", "", shapeCounts(rp.Shapes, false))
	}
}

// clamp is the node count a scheduled action sets: within the group's bounds.
func clamp(n int, g Group) int { return min(max(n, g.Min), g.Max) }

func mixString(shapes []Shape) string {
	var parts []string
	for _, s := range shapes {
		if s.Share > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", s.Name, s.Share*100))
		}
	}
	return strings.Join(parts, ", ")
}

func shapeCounts(cs []ShapeCount, pods bool) string {
	var parts []string
	for _, c := range cs {
		if c.Shape.OnNodes() != pods {
			continue
		}
		if pods {
			parts = append(parts, fmt.Sprintf("%s: %d running (+headroom %d) × %s requested", c.Shape.Name, c.Running, c.Planned, c.Shape.Requests()))
		} else {
			parts = append(parts, fmt.Sprintf("%s: %d running on %s", c.Shape.Name, c.Running, c.Shape.InstanceType))
		}
	}
	return strings.Join(parts, "; ")
}

func deployment(d Deployment) string { return fmt.Sprintf("%d × %s", d.Replicas, d.Resources) }

func deploymentGap(rec, decl Deployment, key string) string {
	var gaps []string
	if decl.Replicas < rec.Replicas {
		gaps = append(gaps, fmt.Sprintf("%d replicas", rec.Replicas))
	}
	if decl.Resources.MilliCPU < rec.Resources.MilliCPU || decl.Resources.MiB < rec.Resources.MiB {
		gaps = append(gaps, rec.Resources.String()+" each")
	}
	if len(gaps) == 0 {
		return ""
	}
	return fmt.Sprintf("set %s to %s", key, joinGap(gaps...))
}

func nodesOf(n, perNode int, it InstanceType) string {
	if perNode == 0 || n == 0 {
		return "does not fit on " + it.Name
	}
	return fmt.Sprintf("%d × %s", n, it.Name)
}

func groupOf(g Group) string { return fmt.Sprintf("%d–%d × %s", g.Min, g.Max, g.Type.Name) }

func nodeGap(need, perNode int, g Group, key string) string {
	switch {
	case perNode == 0 || need == 0:
		return fmt.Sprintf("use a larger type in %s.instanceTypes", key)
	case need > g.Max:
		return fmt.Sprintf("raise %s.maxSize to %d", key, need)
	}
	return ""
}

func joinGap(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func largest(pods []Resources) Resources {
	var out Resources
	for _, p := range pods {
		out.MilliCPU, out.MiB = max(out.MilliCPU, p.MilliCPU), max(out.MiB, p.MiB)
	}
	return out
}

// smallestFitting is the smallest size of family whose node fits one pod
// of req.
func smallestFitting(family string, req Resources) string {
	for _, size := range []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"} {
		it, err := ParseInstanceType(family + "." + size)
		if err != nil {
			continue
		}
		if it.PodsPerNode(req) >= 1 {
			return it.Name
		}
	}
	return family + ".16xlarge"
}
