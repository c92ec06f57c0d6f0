package config

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/templates"
)

// OverrideShape names the one workspace shape of workload.workspaceCpu and
// workload.workspaceMemory.
const OverrideShape = "workload.workspaceCpu/workspaceMemory"

// MaxWorkload bounds workload.users and workload.workspaces: the plan packs
// each pod, so an absurd count would exhaust memory before any problem is
// reported (a /16 VPC per region addresses 65,536 pods anyway).
const MaxWorkload = 100000

func validateWorkload(s *Plan, p *problems) {
	w := &s.Workload
	if w.Users < 1 {
		p.add("workload.users", w.Users, "must be at least 1")
	} else if w.Users > MaxWorkload {
		p.add("workload.users", w.Users, "must be at most %d; a larger fleet is several stacks", MaxWorkload)
	}
	if w.Workspaces < 1 {
		p.add("workload.workspaces", w.Workspaces, "must be at least 1")
	} else if w.Workspaces > MaxWorkload {
		p.add("workload.workspaces", w.Workspaces, "must be at most %d; a larger fleet is several stacks", MaxWorkload)
	}
	fraction(p, "workload.runningFraction", *w.RunningFraction)
	fraction(p, "workload.buildConcurrency", *w.BuildConcurrency)
	if h := *w.Headroom; h < 0 || h > 1 {
		p.add("workload.headroom", h, "must be a fraction in [0, 1] of spare capacity above the planned running workspaces")
	}
	sum := 0.0
	for i, m := range w.Mix {
		if m.Share <= 0 || m.Share > 1 {
			p.add(fmt.Sprintf("workload.mix[%d].share", i), m.Share, "must be a fraction in (0, 1]")
		}
		sum += m.Share
	}
	if len(w.Mix) > 0 && math.Abs(sum-1) > 0.001 {
		p.add("workload.mix", fmt.Sprintf("shares summing to %.3f", sum), "the shares of the sizes must sum to 1")
	}
	if override := w.WorkspaceCPU != "" || w.WorkspaceMemory != ""; override {
		if len(w.Mix) > 0 {
			p.add("workload.workspaceCpu", w.WorkspaceCPU, "must be empty when workload.mix is set: declare either the mix of template sizes or one per-workspace request")
		}
		req, ok := quantities(p, quantity{"workload.workspaceCpu", w.WorkspaceCPU, "such as 500m or 2"},
			quantity{"workload.workspaceMemory", w.WorkspaceMemory, "with a binary suffix such as 2Gi or 512Mi"})
		if w.HomeDiskGiB < 1 || w.HomeDiskGiB > 16384 {
			p.add("workload.homeDiskGiB", w.HomeDiskGiB, "must be 1–16384 GiB, the home volume of each workspace")
		}
		if ok {
			s.shapes = []sizing.Shape{{Name: OverrideShape, Share: 1, DiskGiB: w.HomeDiskGiB, Containers: []sizing.ContainerShape{{
				Name: "workspace", Requests: req, Limits: sizing.Resources{MilliCPU: 2 * req.MilliCPU, MiB: 2 * req.MiB}}}}}
		}
	}
}

// workloadShapes reads every offered size of the delivered templates from
// their bases and gives each its share of the mix; it runs after the
// templates are composed.
func workloadShapes(s *Plan, p *problems) {
	w := &s.Workload
	var offered []sizing.Shape
	for _, t := range s.composed {
		fps, err := t.Footprints()
		if err != nil {
			p.add("templates.compositions", t.Name, "must render a workspace whose resources can be read: %v", err)
			continue
		}
		for _, f := range fps {
			sh := sizing.Shape{Name: f.Name(), DiskGiB: f.DiskGiB, InstanceType: f.InstanceType}
			if f.Platform == templates.PlatformKubernetes {
				for _, c := range f.Containers {
					sh.Containers = append(sh.Containers, sizing.ContainerShape{Name: c.Name, Requests: c.Requests, Limits: c.Limits})
				}
			}
			offered = append(offered, sh)
		}
	}
	var names []string
	for _, o := range offered {
		names = append(names, o.Name)
	}
	for i, m := range w.Mix {
		at := slices.IndexFunc(offered, func(o sizing.Shape) bool { return o.Name == m.Template+"/"+m.Size })
		if at < 0 {
			p.add(fmt.Sprintf("workload.mix[%d]", i), m.Template+"/"+m.Size, "must be a size of a delivered template: %s", strings.Join(names, ", "))
			continue
		}
		offered[at].Share += m.Share
	}
	switch {
	case len(s.shapes) == 1:
		// The override plans the load; the offered sizes must still start.
		for _, o := range offered {
			o.Share = 0
			s.shapes = append(s.shapes, o)
		}
	case len(w.Mix) > 0:
		s.shapes = offered
	case len(offered) > 0:
		p.add("workload.mix", nil, "list the share of workspaces at each size users launch (template and size from %s), or set workload.workspaceCpu and workspaceMemory", strings.Join(names, ", "))
	default:
		p.add("workload.workspaceCpu", nil, "set workload.workspaceCpu, workspaceMemory and homeDiskGiB: no template is delivered, so no size can be read")
	}
}

// PlanInput is the stack's declared workload and capacity for users users;
// workspaces scale at the declared ratio.
func (s *Plan) PlanInput(users int) sizing.PlanInput {
	w := s.Workload
	ng := s.Cluster.NodeGroups
	in := sizing.PlanInput{
		Users: users, Workspaces: int(math.Ceil(float64(users) * float64(w.Workspaces) / float64(max(w.Users, 1)))),
		RunningFraction: *w.RunningFraction, BuildConcurrency: *w.BuildConcurrency, MorningLoadFraction: *s.Scaling.MorningLoadFraction,
		Headroom: *w.Headroom, Shapes: s.shapes,
		Control:     sizing.Group{Type: ng.Control.Primary(), Min: ng.Control.Min(), Max: ng.Control.Max()},
		Provisioner: sizing.Group{Type: ng.Provisioner.Primary(), Min: ng.Provisioner.Min(), Max: ng.Provisioner.Max()},
		Workspace:   sizing.Group{Type: ng.Workspace.Primary(), Min: ng.Workspace.Min(), Max: ng.Workspace.Max()},
		PoolMaxOpen: s.Coder.PgConnMaxOpen, MinACU: s.Database.MinACU, MaxACU: s.Database.MaxACU,
	}
	if users == w.Users {
		in.Workspaces = w.Workspaces
	}
	if c := s.Coder.Coderd; c != nil {
		in.Coderd = &sizing.Deployment{Replicas: c.Replicas, Resources: c.Resources()}
	}
	if g := s.Coder.AIGateway; g.Enabled {
		in.AIGateway = &sizing.Deployment{Replicas: g.Replicas, Resources: g.Resources()}
	}
	pc := s.Coder.Provisioners
	in.Provisioners = sizing.ProvisionerInput{Replicas: pc.Replicas, Min: pc.MinReplicas, Max: pc.MaxReplicas, Autoscaling: pc.AutoscalingEnabled()}
	for _, o := range pc.Organizations {
		in.Provisioners.Pools = append(in.Provisioners.Pools, sizing.Pool{Name: o.Name, Replicas: o.Replicas})
	}
	for _, r := range s.Regions {
		rs := sizing.RegionShare{Name: r.Name, ControlPlane: r.Role.RunsCoderd(), Share: deref(r.Share)}
		if px := s.Coder.Proxy; px != nil && r.Role.RunsProxy() {
			rs.Proxy = &sizing.Deployment{Replicas: px.Replicas, Resources: px.Resources()}
		}
		in.Regions = append(in.Regions, rs)
	}
	if users != w.Users && s.capacity != nil {
		pinDeployed(&in, s.capacity)
	}
	return in
}

// pinDeployed holds what the stack deploys for its declared users, where it
// follows the guidance rather than a setting, so that a plan for other
// users compares its needs with what is running, not with itself.
func pinDeployed(in *sizing.PlanInput, deployed *sizing.Plan) {
	in.Coderd = &deployed.Coderd
	if in.AIGateway != nil {
		in.AIGateway.Replicas = deployed.AIGateway.Replicas
	}
	for i := range in.Regions {
		rp := deployed.Region(in.Regions[i].Name)
		if rp == nil {
			continue
		}
		if !in.Regions[i].ControlPlane {
			in.Regions[i].Proxy = &rp.Server
		}
		if pools := rp.Provisioners.Pools; len(pools) > 0 && in.Provisioners.Replicas == nil && in.Provisioners.Max == 0 {
			// One first pool size for every region: the control plane's.
			if in.Regions[i].ControlPlane {
				in.Provisioners.Max, in.Provisioners.Min = pools[0].Max, pools[0].Min
			}
		}
	}
}

// PlanFor is the capacity plan of the stack's declarations for users users.
func (s *Plan) PlanFor(users int) *sizing.Plan { return sizing.PlanCapacity(s.PlanInput(users)) }

// planCapacity derives the stack's plan once; every offered size must start
// on one workspace node, and the database floor must hold the connections.
func planCapacity(s *Plan, p *problems) {
	s.capacity = s.PlanFor(s.Workload.Users)
	for _, m := range s.capacity.Misfits {
		if m.Shape == OverrideShape {
			p.add("workload.workspaceCpu", s.Workload.WorkspaceCPU, "cannot start on one workspace node: the workspace %s", m.Reason)
			continue
		}
		template, size, _ := strings.Cut(m.Shape, "/")
		p.add("cluster.nodeGroups.workspace.instanceTypes", s.Cluster.NodeGroups.Workspace.Primary().Name,
			"cannot start size %s of template %s: it %s; use a workspace instance type that holds it", size, template, m.Reason)
	}
	validateACU(s, p)
	for _, r := range s.Regions {
		rp := s.capacity.Region(r.Name)
		reg := s.regions[r.Name]
		reg.Users, reg.Workspaces = rp.Users, rp.Workspaces
		s.regions[r.Name] = reg
	}
}
