package stacks

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/network"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// ClusterName is the EKS cluster name of a region.
func ClusterName(cfg *config.Stack, region string) string {
	return cfg.RegionPrefix(region)
}

func clusterArgs(cfg *config.Stack, r *config.Region, account pulumi.StringOutput, net *network.Vpc,
	keys *security.Keys, plan *sizing.RegionPlan) *cluster.ClusterArgs {
	c := cfg.Cluster
	var controlCIDRs []string
	for _, s := range r.Plan.SubnetsOf(sizing.TierControl) {
		controlCIDRs = append(controlCIDRs, s.CIDR.String())
	}
	var egress []cluster.EgressRule
	for _, e := range cfg.Network.Egress.AllowedCIDRs {
		egress = append(egress, cluster.EgressRule{CIDR: e.CIDR, Ports: e.Ports})
	}
	return &cluster.ClusterArgs{
		Name:                   ClusterName(cfg, r.Name),
		Region:                 r.Name,
		AccountID:              account,
		VolumeTags:             DefaultTags(cfg, r.Name),
		KubernetesVersion:      c.KubernetesVersion,
		EndpointPublicAccess:   c.EndpointPublicAccess,
		PublicAccessCIDRs:      c.PublicAccessCIDRs,
		AdminRoleArns:          c.AdminRoleArns,
		LogRetentionDays:       c.LogRetentionDays,
		AutoscalerChartVersion: c.Versions.AutoscalerChart,
		Addons: cluster.AddonVersions{VpcCni: c.Addons.VpcCni, CoreDNS: c.Addons.CoreDNS,
			KubeProxy: c.Addons.KubeProxy, EbsCsi: c.Addons.EbsCsi},
		Keys: cluster.KeyRefs{Secrets: keys.Arn(security.KeyEKS), EBS: keys.Arn(security.KeyEBS), Logs: keys.Arn(security.KeyLogs)},
		Network: cluster.NetworkRefs{
			VpcID:              net.VpcID,
			VpcCIDR:            r.Plan.VpcCIDR.String(),
			ControlSubnetCIDRs: controlCIDRs,
			SubnetIDs: map[cluster.Tier]pulumi.StringArrayOutput{
				cluster.TierControl: net.ControlSubnetIDs, cluster.TierProvisioner: net.ProvisionerSubnetIDs,
				cluster.TierWorkspace: net.WorkspaceSubnetIDs,
			},
			NodesSecurityGroupID: net.NodesSecurityGroupID,
			TierSecurityGroupIDs: map[cluster.Tier]pulumi.StringOutput{
				cluster.TierControl: net.ControlSecurityGroupID, cluster.TierProvisioner: net.ProvisionerSecurityGroupID,
				cluster.TierWorkspace: net.WorkspaceSecurityGroupID,
			},
		},
		NodeGroups: nodeGroups(cfg, plan),
		Isolation: cluster.IsolationSpec{
			Egress:            egress,
			DirectConnections: cfg.Network.Egress.DirectConnectionsEnabled(),
			Quota:             workspaceQuota(plan),
			Limits:            workspaceLimits(plan),
		},
	}
}

// nodeGroups turns the config's three groups into managed node groups; the
// workspace group becomes a spot pool with an on-demand fallback pool.
func nodeGroups(cfg *config.Stack, plan *sizing.RegionPlan) []cluster.NodeGroupSpec {
	ng := cfg.Cluster.NodeGroups
	spec := func(name string, tier cluster.Tier, g config.NodeGroup, capacity string, k cluster.Kubelet) cluster.NodeGroupSpec {
		return cluster.NodeGroupSpec{Name: name, Tier: tier, InstanceTypes: g.InstanceTypes, ARM: g.Primary().Family.Arch == sizing.ArchARM,
			CapacityType: capacity, Min: g.Min(), Max: g.Max(), Desired: g.Min(), DiskGiB: g.DiskSizeGiB, Kubelet: k}
	}
	control := spec("coder-control", cluster.TierControl, ng.Control, "ON_DEMAND", cluster.StandardKubelet(ng.Control.Primary().MaxPods()))
	// Static: run at the maximum; only the autoscaler's scale-up is allowed,
	// and coderd's safe-to-evict annotation keeps it from scaling down.
	control.Desired = ng.Control.Max()
	prov := spec("coder-prov", cluster.TierProvisioner, ng.Provisioner, "ON_DEMAND", cluster.StandardKubelet(ng.Provisioner.Primary().MaxPods()))
	wsKubelet := cluster.WorkspaceKubelet(ng.Workspace.Primary().MaxPods(), cfg.Cluster.ImagePullQPS)
	groups := []cluster.NodeGroupSpec{control, prov}
	if ng.Workspace.IsSpot() {
		spot := spec("coder-ws-spot", cluster.TierWorkspace, ng.Workspace, "SPOT", wsKubelet)
		fallback := spec("coder-ws-ondemand", cluster.TierWorkspace, ng.Workspace, "ON_DEMAND", wsKubelet)
		fallback.Min, fallback.Desired = 0, 0
		groups = append(groups, spot, fallback)
	} else {
		groups = append(groups, spec("coder-ws", cluster.TierWorkspace, ng.Workspace, "ON_DEMAND", wsKubelet))
	}
	// The scale-up brings each group to the plan's count, within its bounds.
	provUp := min(max(plan.Provisioners.Nodes, ng.Provisioner.Min()), ng.Provisioner.Max())
	wsUp := min(max(plan.Workspace.MorningNodes, ng.Workspace.Min()), ng.Workspace.Max())
	for i := range groups {
		g := &groups[i]
		switch g.Name {
		case "coder-prov":
			g.Schedule = schedule(cfg, provUp, g.Min, g.Max,
				fmt.Sprintf("%d provisioners / %d per node", plan.Provisioners.MaxTotal(), plan.Provisioners.PerNode))
		case "coder-ws-spot", "coder-ws":
			g.Schedule = schedule(cfg, wsUp, g.Min, g.Max, plan.Workspace.MorningBasis)
		}
	}
	return groups
}

// schedule is the pair of scheduled actions of a group: scale up to `up`
// nodes so they are in service before the business day (or the event), then
// lower the floor back to `floor` and let the autoscaler drain idle nodes.
func schedule(cfg *config.Stack, up, floor, maxSize int, basis string) []cluster.ScheduledAction {
	sc := cfg.Scaling
	if sc.Event != nil {
		// Only the actions still ahead (config.Event.Upcoming): a passed one
		// has run and been deleted by Auto Scaling, and re-creating it with
		// a start time in the past would fail.
		var out []cluster.ScheduledAction
		for _, a := range sc.Event.Upcoming {
			act := cluster.ScheduledAction{Name: a.Name, StartTime: a.StartTime.Format(time.RFC3339), MinSize: floor, MaxSize: maxSize, Desired: cluster.Unchanged}
			if a.Name == sizing.EventScaleUp {
				act.MinSize, act.Desired, act.Basis = up, up, basis
			}
			out = append(out, act)
		}
		return out
	}
	u, d := sizing.DailyActions(*sc.Daily)
	return []cluster.ScheduledAction{
		{Name: u.Name, Recurrence: u.Recurrence, TimeZone: u.TimeZone, MinSize: up, MaxSize: maxSize, Desired: up, Basis: basis},
		{Name: d.Name, Recurrence: d.Recurrence, TimeZone: d.TimeZone, MinSize: floor, MaxSize: maxSize, Desired: cluster.Unchanged},
	}
}

// workspaceQuota is the plan's coder-ws quota: the planned running pods
// and their requests, and every workspace's home volume.
func workspaceQuota(plan *sizing.RegionPlan) cluster.Quota {
	q := plan.Quota
	return cluster.Quota{
		Pods:           q.Pods,
		RequestsCPU:    fmt.Sprintf("%dm", q.Requests.MilliCPU),
		RequestsMemory: fmt.Sprintf("%dMi", q.Requests.MiB),
		PVCs:           q.PVCs,
		Storage:        fmt.Sprintf("%dGi", q.StorageGiB),
	}
}

// workspaceLimits is the plan's LimitRange, which admits every offered size.
func workspaceLimits(plan *sizing.RegionPlan) cluster.ContainerLimits {
	l := plan.Limits
	return cluster.ContainerLimits{
		DefaultRequestCPU: l.DefaultRequest.CPU(), DefaultRequestMemory: l.DefaultRequest.Memory(),
		DefaultLimitCPU: l.DefaultLimit.CPU(), DefaultLimitMemory: l.DefaultLimit.Memory(),
		MaxCPU: l.MaxContainer.CPU(), MaxMemory: l.MaxContainer.Memory(),
		MaxVolume: fmt.Sprintf("%dGi", l.MaxVolumeGiB),
	}
}

// reportPassedEvent names each workshop event action that is no longer
// registered because its time has come (config.Event.Passed).
func reportPassedEvent(cfg *config.Stack, d *diagnostics) {
	e := cfg.Scaling.Event
	if e == nil {
		return
	}
	for _, a := range e.Passed {
		d.add(Warning, "scaling.event", "%s was due at %s and is not registered: Auto Scaling deletes a one-time action "+
			"once it has run and rejects a start time in the past; set scaling.event to the next event",
			a.Name, a.StartTime.Format(time.RFC3339))
	}
}

// NodeGroupSpecs are a region's managed node groups as the stack declares
// them, scheduled actions included (the workshop readiness check compares
// them with the live Auto Scaling groups).
func NodeGroupSpecs(cfg *config.Stack, region string) []cluster.NodeGroupSpec {
	return nodeGroups(cfg, cfg.Plan.Region(region))
}
