package sizing

import (
	"fmt"
	"math"
	"sort"
)

// The capacity plan: one function (PlanCapacity) turns the declared
// workload into every derived figure of a stack, and everything else reads
// it: config validation, the subnets, the node groups and their scheduled
// scaling, the coder-ws ResourceQuota and LimitRange, provisioner replicas
// and KEDA bounds, coderd and proxy replicas, the database, the capacity
// command and the preview's diagnostics.

// Shape is one workspace size as users launch it, from the template's base
// (compose.Footprint) or from the per-workspace override.
type Shape struct {
	// Name is "<template>/<size>".
	Name string
	// Share of the stack's workspaces launched at this size (0: offered but
	// not planned for; it must still fit).
	Share float64
	// Containers of the pod; none for a size that runs on its own EC2
	// instance.
	Containers []ContainerShape
	DiskGiB    int
	// InstanceType is the EC2 instance of a size that does not run on the
	// workspace nodes.
	InstanceType string
}

// ContainerShape is one container's requests and limits.
type ContainerShape struct {
	Name             string
	Requests, Limits Resources
}

// OnNodes reports whether the size runs as a pod on the workspace nodes.
func (s Shape) OnNodes() bool { return len(s.Containers) > 0 }

// Requests is the pod's total request (what the scheduler and the quota count).
func (s Shape) Requests() Resources {
	return s.sum(func(c ContainerShape) Resources { return c.Requests })
}

// Limits is the pod's total limit.
func (s Shape) Limits() Resources { return s.sum(func(c ContainerShape) Resources { return c.Limits }) }

func (s Shape) sum(f func(ContainerShape) Resources) Resources {
	var out Resources
	for _, c := range s.Containers {
		r := f(c)
		out.MilliCPU += r.MilliCPU
		out.MiB += r.MiB
	}
	return out
}

// Group is a node group as declared: the type the arithmetic sizes against
// (its smallest) and its bounds.
type Group struct {
	Type     InstanceType
	Min, Max int
}

// RegionShare is one region's part of the stack.
type RegionShare struct {
	Name         string
	ControlPlane bool
	Share        float64
	// Proxy overrides the proxy size Coder's guidance gives (proxies only).
	Proxy *Deployment
}

// Pool is one provisioner pool (organization) as declared.
type Pool struct {
	Name string
	// Replicas is the pool's fixed size, or its ceiling under autoscaling
	// (0: the default for its position).
	Replicas int
}

// ProvisionerInput is the declared provisioner settings.
type ProvisionerInput struct {
	// Replicas overrides the first pool's size from the arithmetic.
	Replicas    *int
	Min, Max    int
	Autoscaling bool
	Pools       []Pool
}

// PlanInput is the declared workload and everything declared against it.
type PlanInput struct {
	Users, Workspaces   int
	RunningFraction     float64
	BuildConcurrency    float64
	MorningLoadFraction float64
	// Headroom is the spare share the quota and the peak node count keep
	// above the planned running workspaces (rebuilds, uneven packing).
	Headroom     float64
	Shapes       []Shape
	Regions      []RegionShare
	Control      Group
	Provisioner  Group
	Workspace    Group
	Coderd       *Deployment // override of Coder's guidance
	AIGateway    *Deployment // nil when disabled; Replicas 0 takes the workshop table
	Provisioners ProvisionerInput
	PoolMaxOpen  int
	// MinACU and MaxACU are the declared database range (nil: the plan's).
	MinACU, MaxACU *float64
}

// Plan is every derived figure of a stack.
type Plan struct {
	Users, Workspaces int
	// Coderd is the deployed coderd (override or guidance); CoderdGuide is
	// Coder's guidance for the users.
	Coderd, CoderdGuide Deployment
	AIGateway           Deployment
	Database            DatabaseSizing
	Regions             []RegionPlan
	// Misfits are offered sizes no workspace node can start.
	Misfits []Misfit
	// Rows are the figures as the capacity command and the preview print
	// them: need against declared, with the arithmetic.
	Rows []Row
}

// Region returns a region's plan.
func (p *Plan) Region(name string) *RegionPlan {
	for i := range p.Regions {
		if p.Regions[i].Name == name {
			return &p.Regions[i]
		}
	}
	return nil
}

// Gaps are the rows whose declared value falls short.
func (p *Plan) Gaps() []Row {
	var out []Row
	for _, r := range p.Rows {
		if r.Gap != "" {
			out = append(out, r)
		}
	}
	return out
}

// Misfit is an offered size that cannot start.
type Misfit struct {
	Shape  string
	Reason string
}

// Row is one figure: what the workload needs against what is declared.
type Row struct {
	Scope, Item    string
	Need, Declared string
	// Gap is empty when the declared value covers the need; otherwise it
	// names the config key to change and the value.
	Gap   string
	Basis string
}

// ShapeCount is how many workspaces of one size a region plans for.
type ShapeCount struct {
	Shape Shape
	// Workspaces exist; Running run at peak; Planned is Running with the
	// headroom, what the quota admits and the nodes hold.
	Workspaces, Running, Planned int
}

// RegionPlan is one region's figures.
type RegionPlan struct {
	Name              string
	ControlPlane      bool
	Users, Workspaces int
	Running, Builds   int
	Shapes            []ShapeCount
	// Server is coderd in the control plane, the workspace proxy elsewhere,
	// as deployed; ServerGuide is Coder's guidance.
	Server, ServerGuide Deployment
	AIGateway           Deployment
	aiGuide             Deployment
	Provisioners        ProvisionerPlan
	ControlNodes        int
	Workspace           WorkspacePlan
	Quota               Quota
	Limits              LimitRange
	// EC2 counts the running EC2 workspaces by instance type.
	EC2 map[string]int
}

// ProvisionerPlan is a region's provisioner pools.
type ProvisionerPlan struct {
	Guide     Deployment
	Pools     []PoolPlan
	Resources Resources
	PerNode   int
	// Nodes hold every pool at its maximum.
	Nodes int
}

// PoolPlan is one pool's deployed replicas and autoscaling bounds.
type PoolPlan struct {
	Name               string
	Replicas, Min, Max int
	Autoscaled         bool
	Basis              string
}

// MaxTotal is every pool at its maximum.
func (p ProvisionerPlan) MaxTotal() int {
	n := 0
	for _, pl := range p.Pools {
		n += pl.Max
	}
	return n
}

// WorkspacePlan is the workspace node group's arithmetic.
type WorkspacePlan struct {
	// PodsPerNode is how many of the smallest planned pod fit one node
	// (what the subnet plan sizes addresses for).
	PodsPerNode  int
	PeakNodes    int
	MorningNodes int
	PeakBasis    string
	MorningBasis string
}

// Quota is the coder-ws ResourceQuota.
type Quota struct {
	Pods       int
	Requests   Resources
	PVCs       int
	StorageGiB int
	Basis      string
}

// LimitRange is the coder-ws LimitRange: the default a container without
// resources gets, and the largest container and volume any offered size
// asks for.
type LimitRange struct {
	DefaultRequest, DefaultLimit Resources
	MaxContainer                 Resources
	MaxVolumeGiB                 int
}

// AddonOverhead is what the cluster add-ons request on coder-control
// nodes, from their charts' default requests: CoreDNS ×2 (100m/70Mi),
// the load balancer controller ×2, the cluster autoscaler and the EBS CSI
// controller ×2 (800m / 1536Mi together), plus KEDA's operator, metrics
// server and webhook (100m/100Mi each). External Secrets requests nothing.
var AddonOverhead = Resources{MilliCPU: 1100, MiB: 1836}

// GrafanaRequests is what the stack's Grafana (components/observability)
// requests on the control plane's coder-control nodes; its dashboard
// sidecar requests nothing.
var GrafanaRequests = Resources{MilliCPU: 250, MiB: 512}

// PlanCapacity derives every figure from the declared workload.
func PlanCapacity(in PlanInput) *Plan {
	p := &Plan{Users: in.Users, Workspaces: in.Workspaces, CoderdGuide: Coderd(in.Users)}
	p.Coderd = p.CoderdGuide
	if in.Coderd != nil {
		p.Coderd = *in.Coderd
		if p.Coderd.Basis == "" {
			p.Coderd.Basis = "configured in coder.coderd (guidance: " + p.CoderdGuide.Basis + ")"
		}
	}
	if in.AIGateway != nil {
		guide := AIGateway(in.Users)
		p.AIGateway = Deployment{Replicas: in.AIGateway.Replicas, Resources: in.AIGateway.Resources, Basis: "configured in coder.aiGateway.replicas"}
		if p.AIGateway.Replicas == 0 {
			p.AIGateway.Replicas, p.AIGateway.Basis = guide.Replicas, guide.Basis
		}
	}
	// The database and the control nodes hold the larger of what is
	// deployed and what the guidance asks for, so a plan for more users
	// shows what raising coderd to the guidance would take.
	p.Database = Database(DatabaseInput{Users: in.Users, CoderdReplicas: atLeast(p.Coderd, p.CoderdGuide).Replicas, PoolMaxOpen: in.PoolMaxOpen, SurgeReplicas: 1})
	p.Misfits = misfits(in)
	p.stackRows(in)
	for _, r := range in.Regions {
		rp := planRegion(in, p, r)
		p.Regions = append(p.Regions, rp)
		p.regionRows(in, rp)
	}
	return p
}

// misfits are the offered pod sizes one node of the workspace group cannot
// start: the scheduler places a pod by its requests, and a memory limit
// beyond the node's allocatable memory is evicted before it is reached.
func misfits(in PlanInput) []Misfit {
	a := in.Workspace.Type.Allocatable()
	var out []Misfit
	for _, s := range in.Shapes {
		if !s.OnNodes() {
			continue
		}
		req, lim := s.Requests(), s.Limits()
		switch {
		case req.MilliCPU > a.MilliCPU || req.MiB > a.MiB:
			out = append(out, Misfit{s.Name, fmt.Sprintf("requests %s, more than one %s node has allocatable (%s)", req, in.Workspace.Type.Name, a)})
		case lim.MiB > a.MiB:
			out = append(out, Misfit{s.Name, fmt.Sprintf("has a memory limit of %s, more than one %s node has allocatable (%s)", lim.Memory(), in.Workspace.Type.Name, a)})
		case lim.MilliCPU > in.Workspace.Type.VCPU*1000:
			out = append(out, Misfit{s.Name, fmt.Sprintf("has a CPU limit of %s, more than one %s node has (%d vCPU)", lim.CPU(), in.Workspace.Type.Name, in.Workspace.Type.VCPU)})
		}
	}
	return out
}

func planRegion(in PlanInput, p *Plan, r RegionShare) RegionPlan {
	rp := RegionPlan{Name: r.Name, ControlPlane: r.ControlPlane,
		Users: ceilShare(in.Users, r.Share), Workspaces: ceilShare(in.Workspaces, r.Share), EC2: map[string]int{}}
	w := Workload{Users: rp.Users, Workspaces: rp.Workspaces, RunningFraction: in.RunningFraction, BuildConcurrency: in.BuildConcurrency}
	rp.Running, rp.Builds = w.RunningWorkspaces(), w.ConcurrentBuilds()
	if r.ControlPlane {
		rp.Server, rp.ServerGuide, rp.AIGateway = p.Coderd, p.CoderdGuide, p.AIGateway
		if rp.AIGateway.Replicas > 0 {
			// The workshop table, at the configured per-pod resources.
			rp.aiGuide = Deployment{Replicas: AIGateway(in.Users).Replicas, Resources: rp.AIGateway.Resources}
		}
	} else {
		rp.ServerGuide = Proxy(rp.Users)
		rp.Server = rp.ServerGuide
		if r.Proxy != nil {
			rp.Server = *r.Proxy
			if rp.Server.Basis == "" {
				rp.Server.Basis = "configured in coder.proxy (guidance: " + rp.ServerGuide.Basis + ")"
			}
		}
	}
	ws := apportion(rp.Workspaces, in.Shapes)
	run := apportion(rp.Running, in.Shapes)
	for i, s := range in.Shapes {
		if s.Share == 0 {
			continue
		}
		c := ShapeCount{Shape: s, Workspaces: ws[i], Running: run[i], Planned: withHeadroom(run[i], in.Headroom)}
		rp.Shapes = append(rp.Shapes, c)
		if !s.OnNodes() {
			rp.EC2[s.InstanceType] += c.Running
		}
	}
	rp.Provisioners = planProvisioners(in, w)
	rp.ControlNodes = Pack(in.Control.Type, rp.controlPods())
	rp.Workspace = planWorkspaceNodes(in, rp.Shapes)
	rp.Quota = planQuota(in, rp.Shapes)
	rp.Limits = planLimits(in)
	return rp
}

// controlPods is every pod that runs on coder-control, each deployment at
// the larger of its deployed size and the guidance; the add-ons count as
// one pod, as they are small and spread over the nodes.
func (rp RegionPlan) controlPods() []Resources {
	pods := append(Replicate(atLeast(rp.Server, rp.ServerGuide), atLeast(rp.AIGateway, rp.aiGuide)), AddonOverhead)
	if rp.ControlPlane {
		pods = append(pods, GrafanaRequests)
	}
	return pods
}

// atLeast is d grown to the guide's replicas and per-pod resources.
func atLeast(d, guide Deployment) Deployment {
	d.Replicas = max(d.Replicas, guide.Replicas)
	d.Resources.MilliCPU = max(d.Resources.MilliCPU, guide.Resources.MilliCPU)
	d.Resources.MiB = max(d.Resources.MiB, guide.Resources.MiB)
	return d
}

func planProvisioners(in PlanInput, w Workload) ProvisionerPlan {
	pi := in.Provisioners
	pp := ProvisionerPlan{Guide: Provisioners(w), Resources: ProvisionerResources}
	replicas, basis := pp.Guide.Replicas, pp.Guide.Basis
	if pi.Replicas != nil {
		replicas, basis = *pi.Replicas, "configured in coder.provisioners.replicas"
	}
	maxR := pi.Max
	if maxR == 0 {
		maxR = replicas
	}
	minR := pi.Min
	if minR == 0 {
		minR = max(1, (maxR+3)/4) // a quarter of the ceiling stays warm
	}
	minR = min(minR, maxR)
	for i, pool := range pi.Pools {
		pl := PoolPlan{Name: pool.Name, Replicas: minR, Min: minR, Max: maxR,
			Basis: fmt.Sprintf("coder.provisioners.minReplicas %d, up to maxReplicas %d", minR, maxR)}
		if i == 0 {
			pl.Replicas, pl.Basis = replicas, basis
		}
		if pool.Replicas > 0 {
			pl.Replicas, pl.Max = pool.Replicas, pool.Replicas
			pl.Min = min(pl.Min, pool.Replicas)
			pl.Basis = fmt.Sprintf("configured in coder.provisioners.organizations[%d].replicas", i)
		}
		pl.Autoscaled = pi.Autoscaling && pl.Min < pl.Max
		if !pl.Autoscaled {
			pl.Min = pl.Replicas
			pl.Max = pl.Replicas
		}
		pp.Pools = append(pp.Pools, pl)
	}
	pp.PerNode = in.Provisioner.Type.PodsPerNode(pp.Resources)
	pp.Nodes = ceilDiv(pp.MaxTotal(), pp.PerNode)
	return pp
}

func planWorkspaceNodes(in PlanInput, shapes []ShapeCount) WorkspacePlan {
	it := in.Workspace.Type
	var peak, morning []Resources
	smallest := Resources{}
	total, morningTotal := 0, 0
	for _, c := range shapes {
		if !c.Shape.OnNodes() {
			continue
		}
		req := c.Shape.Requests()
		m := int(math.Ceil(float64(c.Running) * in.MorningLoadFraction))
		for range c.Planned {
			peak = append(peak, req)
		}
		for range m {
			morning = append(morning, req)
		}
		total += c.Planned
		morningTotal += m
		if smallest.MilliCPU == 0 || req.MilliCPU*1024+req.MiB < smallest.MilliCPU*1024+smallest.MiB {
			smallest = req
		}
	}
	wp := WorkspacePlan{PodsPerNode: it.Allocatable().Pods}
	if smallest.MilliCPU > 0 {
		wp.PodsPerNode = it.PodsPerNode(smallest)
	}
	wp.PeakNodes, wp.MorningNodes = Pack(it, peak), Pack(it, morning)
	wp.PeakBasis = fmt.Sprintf("first-fit packing of %d pods (running at peak + %.0f%% headroom) by request onto %s (%s allocatable) = %d nodes",
		total, in.Headroom*100, it.Name, it.Allocatable(), wp.PeakNodes)
	wp.MorningBasis = fmt.Sprintf("%d pods (running × morning load %.0f%%) packed onto %s = %d nodes", morningTotal, in.MorningLoadFraction*100, it.Name, wp.MorningNodes)
	return wp
}

func planQuota(in PlanInput, shapes []ShapeCount) Quota {
	var q Quota
	for _, c := range shapes {
		if !c.Shape.OnNodes() {
			continue
		}
		req := c.Shape.Requests()
		q.Pods += c.Planned
		q.Requests.MilliCPU += c.Planned * req.MilliCPU
		q.Requests.MiB += c.Planned * req.MiB
		pvcs := withHeadroom(c.Workspaces, in.Headroom)
		q.PVCs += pvcs
		q.StorageGiB += pvcs * c.Shape.DiskGiB
	}
	q.Basis = fmt.Sprintf("pods and requests: the planned running pods of every size (+%.0f%%); PVCs and storage: every workspace's home (+%.0f%%), running or not",
		in.Headroom*100, in.Headroom*100)
	return q
}

// planLimits derives the LimitRange from the offered sizes, so that every
// one of them is admitted: the default is the smallest size's first
// container, the maximum the largest container and volume any size asks for.
func planLimits(in PlanInput) LimitRange {
	var l LimitRange
	first := true
	for _, s := range in.Shapes {
		if !s.OnNodes() {
			continue
		}
		c0 := s.Containers[0]
		if first || c0.Requests.MilliCPU*1024+c0.Requests.MiB < l.DefaultRequest.MilliCPU*1024+l.DefaultRequest.MiB {
			l.DefaultRequest, l.DefaultLimit = c0.Requests, c0.Limits
		}
		first = false
		for _, c := range s.Containers {
			l.MaxContainer.MilliCPU = max(l.MaxContainer.MilliCPU, c.Limits.MilliCPU, c.Requests.MilliCPU)
			l.MaxContainer.MiB = max(l.MaxContainer.MiB, c.Limits.MiB, c.Requests.MiB)
		}
		l.MaxVolumeGiB = max(l.MaxVolumeGiB, s.DiskGiB)
	}
	return l
}

// apportion splits n over the shapes by share, largest remainder first, so
// the counts add up to n exactly (shapes of share 0 get none).
func apportion(n int, shapes []Shape) []int {
	out := make([]int, len(shapes))
	total := 0.0
	for _, s := range shapes {
		total += s.Share
	}
	if total == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	given := 0
	for i, s := range shapes {
		exact := float64(n) * s.Share / total
		out[i] = int(math.Floor(exact))
		given += out[i]
		if s.Share > 0 {
			rems = append(rems, rem{i, exact - float64(out[i])})
		}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n && len(rems) > 0; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

func withHeadroom(n int, h float64) int {
	// Round before the ceiling: 0.1 is not exact in binary.
	return int(math.Ceil(math.Round(float64(n)*(1+h)*1e6) / 1e6))
}

func ceilShare(n int, share float64) int {
	return int(math.Ceil(math.Round(float64(n)*share*1e6) / 1e6))
}

func (a Allocatable) String() string {
	return fmt.Sprintf("%.2f vCPU / %.1f GiB, %d pods", float64(a.MilliCPU)/1000, float64(a.MiB)/1024, a.Pods)
}
