package stacks

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/network"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// ClusterName is the EKS cluster name of a region.
func ClusterName(cfg *config.Plan, region string) string {
	return cfg.RegionPrefix(region)
}

func clusterArgs(cfg *config.Plan, r *config.Region, account pulumi.StringOutput, net *network.Vpc,
	keys *security.Keys, plan *sizing.RegionPlan) *cluster.ClusterArgs {
	c := cfg.Cluster
	netPlan := cfg.Region(r.Name).Network
	var controlCIDRs []string
	for _, s := range netPlan.SubnetsOf(sizing.TierControl) {
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
		AutoscalerChartVersion: cfg.Versions().AutoscalerChart,
		Addons: cluster.AddonVersions{VpcCni: c.Addons.VpcCni, CoreDNS: c.Addons.CoreDNS,
			KubeProxy: c.Addons.KubeProxy, EbsCsi: c.Addons.EbsCsi},
		Keys: cluster.KeyRefs{Secrets: keys.Arn(security.KeyEKS), EBS: keys.Arn(security.KeyEBS), Logs: keys.Arn(security.KeyLogs)},
		Network: cluster.NetworkRefs{
			VpcID:              net.VpcID,
			VpcCIDR:            netPlan.VpcCIDR.String(),
			ControlSubnetCIDRs: controlCIDRs,
			SubnetIDs: map[workloads.Tier]pulumi.StringArrayOutput{
				workloads.TierControl: net.ControlSubnetIDs, workloads.TierProvisioner: net.ProvisionerSubnetIDs,
				workloads.TierWorkspace: net.WorkspaceSubnetIDs,
			},
			NodesSecurityGroupID: net.NodesSecurityGroupID,
			TierSecurityGroupIDs: map[workloads.Tier]pulumi.StringOutput{
				workloads.TierControl: net.ControlSecurityGroupID, workloads.TierProvisioner: net.ProvisionerSecurityGroupID,
				workloads.TierWorkspace: net.WorkspaceSecurityGroupID,
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

// clusterImageList are the images of the controllers every region's
// cluster runs (components/cluster, their charts' defaults).
func clusterImageList(cfg *config.Plan) []Image {
	return []Image{
		{Ref: cluster.LBControllerImage, Use: "the AWS Load Balancer Controller"},
		{Ref: autoscalerImage(cfg), Use: "the cluster autoscaler"},
	}
}

// autoscalerImage is the autoscaler chart's default image: its tag is
// v<appVersion> of the chart compat pins for the Kubernetes minor.
func autoscalerImage(cfg *config.Plan) string {
	return cluster.AutoscalerImageRepo + ":v" + cfg.Versions().AutoscalerApp
}

// clusterImages are the region's references of the controllers' images.
func clusterImages(s *scope) (cluster.Images, error) {
	refs, err := s.p.images.in(s.r)
	if err != nil {
		return cluster.Images{}, err
	}
	return cluster.Images{LBController: refs[cluster.LBControllerImage], Autoscaler: refs[autoscalerImage(s.cfg)]}, nil
}

// nodeGroups turns the config's three groups into managed node groups; the
// workspace group becomes a spot pool with an on-demand fallback pool. Each
// group is named after its tier (and pool); the scheduled scale-up goes to
// the provisioner group and the workspace group that takes the load first.
func nodeGroups(cfg *config.Plan, plan *sizing.RegionPlan) []cluster.NodeGroupSpec {
	ng := cfg.Cluster.NodeGroups
	spec := func(tier workloads.Tier, pool string, g config.NodeGroup, capacity cluster.CapacityType, k cluster.Kubelet) cluster.NodeGroupSpec {
		name := string(tier)
		if pool != "" {
			name += "-" + pool
		}
		return cluster.NodeGroupSpec{Name: name, Tier: tier, InstanceTypes: g.InstanceTypes, ARM: g.Primary().Family.Arch == sizing.ArchARM,
			CapacityType: capacity, Min: g.Min(), Max: g.Max(), Desired: g.Min(), DiskGiB: g.DiskSizeGiB, Kubelet: k}
	}
	control := spec(workloads.TierControl, "", ng.Control, cluster.OnDemand, cluster.StandardKubelet(ng.Control.Primary().MaxPods()))
	// Static: run at the maximum; only the autoscaler's scale-up is allowed,
	// and coderd's safe-to-evict annotation keeps it from scaling down.
	control.Desired = ng.Control.Max()

	// The scale-up brings each group to the plan's count, within its bounds.
	prov := spec(workloads.TierProvisioner, "", ng.Provisioner, cluster.OnDemand, cluster.StandardKubelet(ng.Provisioner.Primary().MaxPods()))
	provUp := min(max(plan.Provisioners.Nodes, ng.Provisioner.Min()), ng.Provisioner.Max())
	prov.Schedule = schedule(cfg, provUp, prov.Min, prov.Max)

	wsKubelet := cluster.WorkspaceKubelet(ng.Workspace.Primary().MaxPods(), cfg.Cluster.ImagePullQPS)
	wsUp := min(max(plan.Workspace.MorningNodes, ng.Workspace.Min()), ng.Workspace.Max())
	if !ng.Workspace.IsSpot() {
		ws := spec(workloads.TierWorkspace, "", ng.Workspace, cluster.OnDemand, wsKubelet)
		ws.Schedule = schedule(cfg, wsUp, ws.Min, ws.Max)
		return []cluster.NodeGroupSpec{control, prov, ws}
	}
	spot := spec(workloads.TierWorkspace, "spot", ng.Workspace, cluster.Spot, wsKubelet)
	spot.Schedule = schedule(cfg, wsUp, spot.Min, spot.Max)
	fallback := spec(workloads.TierWorkspace, "ondemand", ng.Workspace, cluster.OnDemand, wsKubelet)
	fallback.Min, fallback.Desired = 0, 0
	return []cluster.NodeGroupSpec{control, prov, spot, fallback}
}

// schedule is the pair of scheduled actions of a group: scale up to `up`
// nodes so they are in service before the business day (or the event), then
// lower the floor back to `floor` and let the autoscaler drain idle nodes.
func schedule(cfg *config.Plan, up, floor, maxSize int) []cluster.ScheduledAction {
	if ev := cfg.Event(); ev != nil {
		// Only the actions still ahead (config.EventPlan.Upcoming): a passed one
		// has run and been deleted by Auto Scaling, and re-creating it with
		// a start time in the past would fail.
		var out []cluster.ScheduledAction
		for _, a := range ev.Upcoming {
			act := cluster.ScheduledAction{Name: a.Name, StartTime: a.StartTime.Format(time.RFC3339), MinSize: floor, MaxSize: maxSize, Desired: cluster.Unchanged}
			if a.Name == sizing.EventScaleUp {
				act.MinSize, act.Desired = up, up
			}
			out = append(out, act)
		}
		return out
	}
	u, d := sizing.DailyActions(*cfg.Daily())
	return []cluster.ScheduledAction{
		{Name: u.Name, Recurrence: u.Recurrence, TimeZone: u.TimeZone, MinSize: up, MaxSize: maxSize, Desired: up},
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
// registered because its time has come (config.EventPlan.Passed).
func reportPassedEvent(cfg *config.Plan, d *diagnostics) {
	e := cfg.Event()
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
func NodeGroupSpecs(cfg *config.Plan, region string) []cluster.NodeGroupSpec {
	return nodeGroups(cfg, cfg.Capacity().Region(region))
}
