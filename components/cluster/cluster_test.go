package cluster_test

import (
	"encoding/base64"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/workloads"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	clusterName = "coder-test-us-east-1"
	ebsKeyArn   = "arn:aws:kms:us-east-1:123456789012:key/ebs"

	tNodeGroup = "aws:eks/nodeGroup:NodeGroup"
	tLaunch    = "aws:ec2/launchTemplate:LaunchTemplate"
	tSchedule  = "aws:autoscaling/schedule:Schedule"
	tRelease   = "kubernetes:helm.sh/v3:Release"
	tEKS       = "eks:index:Cluster"
)

// group is a small node group of a tier.
func group(name string, tier workloads.Tier, capacity cluster.CapacityType, lo, hi int) cluster.NodeGroupSpec {
	k := cluster.StandardKubelet(29)
	if tier == workloads.TierWorkspace {
		k = cluster.WorkspaceKubelet(29, 20)
	}
	return cluster.NodeGroupSpec{Name: name, Tier: tier, InstanceTypes: []string{"m6i.large"}, CapacityType: capacity,
		Min: lo, Max: hi, Desired: lo, DiskGiB: 50, Kubelet: k}
}

func clusterArgs(groups ...cluster.NodeGroupSpec) *cluster.ClusterArgs {
	ids := func(prefix string) pulumi.StringArrayOutput {
		return pulumi.ToStringArray([]string{prefix + "-a", prefix + "-b"}).ToStringArrayOutput()
	}
	sg := func(id string) pulumi.StringOutput { return pulumi.String(id).ToStringOutput() }
	key := func(p string) pulumi.StringOutput {
		return pulumi.String("arn:aws:kms:us-east-1:123456789012:key/" + p).ToStringOutput()
	}
	return &cluster.ClusterArgs{
		Name: clusterName, Region: "us-east-1", AccountID: pulumi.String("123456789012"),
		VolumeTags:        map[string]string{"stack": "test"},
		KubernetesVersion: "1.31",
		Network: cluster.NetworkRefs{
			VpcID: pulumi.String("vpc-1").ToStringOutput(), VpcCIDR: "10.20.0.0/16",
			ControlSubnetCIDRs: []string{"10.20.0.0/26", "10.20.0.64/26"},
			SubnetIDs: map[workloads.Tier]pulumi.StringArrayOutput{
				workloads.TierControl: ids("subnet-control"), workloads.TierProvisioner: ids("subnet-prov"),
				workloads.TierWorkspace: ids("subnet-ws"),
			},
			NodesSecurityGroupID: sg("sg-nodes"),
			TierSecurityGroupIDs: map[workloads.Tier]pulumi.StringOutput{
				workloads.TierControl: sg("sg-control"), workloads.TierProvisioner: sg("sg-prov"), workloads.TierWorkspace: sg("sg-ws"),
			},
		},
		AdminRoleArns:          []string{"arn:aws:iam::123456789012:role/admin"},
		Keys:                   cluster.KeyRefs{Secrets: key("eks"), EBS: pulumi.String(ebsKeyArn).ToStringOutput(), Logs: key("logs")},
		LogRetentionDays:       30,
		AutoscalerChartVersion: "9.43.2",
		NodeGroups:             groups,
		Isolation: cluster.IsolationSpec{
			Egress: []cluster.EgressRule{{CIDR: "0.0.0.0/0", Ports: []int{443}}},
			Quota:  cluster.Quota{Pods: 20, RequestsCPU: "20000m", RequestsMemory: "40960Mi", PVCs: 20, Storage: "400Gi"},
			Limits: cluster.ContainerLimits{DefaultRequestCPU: "500m", DefaultRequestMemory: "1Gi", DefaultLimitCPU: "2",
				DefaultLimitMemory: "4Gi", MaxCPU: "4", MaxMemory: "8Gi", MaxVolume: "50Gi"},
		},
	}
}

func registerCluster(t *testing.T, args *cluster.ClusterArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		args.AWSProvider = prov
		_, err = cluster.NewCluster(ctx, clusterName, args, pulumi.Provider(prov))
		return err
	})
}

func TestNodeGroupCapacityTypes(t *testing.T) {
	t.Parallel()
	control := group("coder-control", workloads.TierControl, cluster.OnDemand, 2, 2)
	prov := group("coder-prov", workloads.TierProvisioner, cluster.OnDemand, 1, 3)
	cases := []struct {
		name string
		ws   []cluster.NodeGroupSpec
		// want maps each EKS node group name to its capacity type.
		want       map[string]string
		priorities map[string]any
	}{
		{
			name: "on-demand workspace group only",
			ws:   []cluster.NodeGroupSpec{group("coder-ws", workloads.TierWorkspace, cluster.OnDemand, 1, 4)},
			want: map[string]string{"coder-control": "ON_DEMAND", "coder-prov": "ON_DEMAND", "coder-ws": "ON_DEMAND"},
			priorities: map[string]any{
				"10": []any{".*coder-control.*", ".*coder-prov.*", ".*coder-ws.*"},
			},
		},
		{
			name: "spot pool with an on-demand fallback",
			ws: []cluster.NodeGroupSpec{
				group("coder-ws-spot", workloads.TierWorkspace, cluster.Spot, 1, 4),
				group("coder-ws-ondemand", workloads.TierWorkspace, cluster.OnDemand, 0, 4),
			},
			want: map[string]string{"coder-control": "ON_DEMAND", "coder-prov": "ON_DEMAND", "coder-ws-spot": "SPOT", "coder-ws-ondemand": "ON_DEMAND"},
			priorities: map[string]any{
				"10": []any{".*coder-control.*", ".*coder-prov.*", ".*coder-ws-ondemand.*"},
				"50": []any{".*coder-ws-spot.*"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := registerCluster(t, clusterArgs(append([]cluster.NodeGroupSpec{control, prov}, tc.ws...)...))

			ngs := rs.OfType(tNodeGroup)
			got := map[string]string{}
			for _, ng := range ngs {
				got[ct.String(t, ng, "nodeGroupName")] = ct.String(t, ng, "capacityType")
			}
			assert.Equal(t, tc.want, got)

			// The component's own inputs say the same, for the policy pack.
			comp := rs.OfType("coder:cluster:Cluster")
			require.Len(t, comp, 1)
			for _, g := range ct.Input(t, comp[0], "nodeGroups").([]any) {
				m := g.(map[string]any)
				assert.Equal(t, tc.want[m["name"].(string)], m["capacityType"], m["name"])
			}

			// The autoscaler's priority expander prefers spot, when there is any.
			var priorities any
			for _, r := range rs.OfType(tRelease) {
				if ct.String(t, r, "name") == "cluster-autoscaler" {
					priorities = ct.Input(t, r, "values.expanderPriorities")
				}
			}
			assert.Equal(t, tc.priorities, priorities)
		})
	}
}

func TestNodeGroupShape(t *testing.T) {
	t.Parallel()
	ws := group("coder-ws", workloads.TierWorkspace, cluster.OnDemand, 1, 4)
	ws.ARM, ws.InstanceTypes = true, []string{"m7g.large"}
	ws.Schedule = []cluster.ScheduledAction{
		{Name: "morning", Recurrence: "0 7 * * MON-FRI", TimeZone: "Europe/London", MinSize: 3, MaxSize: 4, Desired: 3},
		{Name: "event-scale-up", StartTime: "2030-01-01T08:00:00Z", MinSize: 4, MaxSize: 4, Desired: 4},
	}
	rs := registerCluster(t, clusterArgs(group("coder-control", workloads.TierControl, cluster.OnDemand, 2, 2), ws))

	control := rs.Named(tNodeGroup, clusterName+"-coder-control")
	ng := rs.Named(tNodeGroup, clusterName+"-coder-ws")
	require.NotNil(t, control)
	require.NotNil(t, ng)
	assert.Equal(t, "AL2023_ARM_64_STANDARD", ct.String(t, ng, "amiType"))
	assert.Equal(t, "AL2023_x86_64_STANDARD", ct.String(t, control, "amiType"))
	assert.Equal(t, []any{"m7g.large"}, ct.Input(t, ng, "instanceTypes"))
	assert.Equal(t, []any{"subnet-ws-a", "subnet-ws-b"}, ct.Input(t, ng, "subnetIds"))
	assert.Equal(t, map[string]any{"minSize": 1.0, "maxSize": 4.0, "desiredSize": 1.0}, ct.Input(t, ng, "scalingConfig"))
	assert.Equal(t, "true", ct.String(t, ng, "labels.coder-ws"))
	assert.Equal(t, []any{map[string]any{"key": "coder-ws", "value": "true", "effect": "NO_SCHEDULE"}}, ct.Input(t, ng, "taints"))
	assert.Contains(t, ng.Dependencies, control.URN, "system add-ons run on coder-control: it comes up first")

	lt := rs.Named(tLaunch, clusterName+"-coder-ws")
	require.NotNil(t, lt)
	assert.Equal(t, "required", ct.String(t, lt, "metadataOptions.httpTokens"))
	assert.Equal(t, ebsKeyArn, ct.String(t, lt, "blockDeviceMappings[0].ebs.kmsKeyId"))
	assert.Equal(t, "true", ct.String(t, lt, "blockDeviceMappings[0].ebs.encrypted"))
	assert.Equal(t, 250.0, ct.Input(t, lt, "blockDeviceMappings[0].ebs.throughput"), "workspace disks are faster")
	assert.Equal(t, []any{"sg-nodes", "sg-ws"}, ct.Input(t, lt, "vpcSecurityGroupIds"))
	ud, err := base64.StdEncoding.DecodeString(ct.String(t, lt, "userData"))
	require.NoError(t, err)
	assert.Contains(t, string(ud), "serializeImagePulls: false")

	scheds := rs.OfType(tSchedule)
	require.Len(t, scheds, 2)
	daily := rs.Named(tSchedule, clusterName+"-coder-ws-morning")
	require.NotNil(t, daily)
	assert.Equal(t, "0 7 * * MON-FRI", ct.String(t, daily, "recurrence"))
	assert.Equal(t, "coder-ws-morning", ct.String(t, daily, "scheduledActionName"))
	assert.Contains(t, ct.String(t, daily, "autoscalingGroupName"), "eks-coder-ws-")
	assert.False(t, daily.RetainOnDelete)
	event := rs.Named(tSchedule, clusterName+"-coder-ws-event-scale-up")
	require.NotNil(t, event)
	assert.Equal(t, "2030-01-01T08:00:00Z", ct.String(t, event, "startTime"))
	assert.False(t, ct.Has(event, "recurrence"))
	assert.True(t, event.RetainOnDelete, "a one-time action is forgotten, not deleted")
}

func TestClusterEndpointAccess(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		public bool
		cidrs  []string
	}{
		{name: "private only", public: false, cidrs: []string{"198.51.100.0/24"}},
		{name: "public from a CIDR", public: true, cidrs: []string{"198.51.100.0/24"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := clusterArgs(group("coder-control", workloads.TierControl, cluster.OnDemand, 2, 2))
			args.EndpointPublicAccess, args.PublicAccessCIDRs = tc.public, tc.cidrs
			rs := registerCluster(t, args)
			eks := rs.OfType(tEKS)
			require.Len(t, eks, 1)
			assert.Equal(t, tc.public, ct.Input(t, eks[0], "endpointPublicAccess"))
			assert.Equal(t, true, ct.Input(t, eks[0], "endpointPrivateAccess"))
			if tc.public {
				assert.Equal(t, []any{"198.51.100.0/24"}, ct.Input(t, eks[0], "publicAccessCidrs"))
			} else {
				assert.False(t, ct.Has(eks[0], "publicAccessCidrs"), "pulumi-eks rejects any publicAccessCidrs on a private endpoint")
			}
			assert.Equal(t, "arn:aws:iam::123456789012:role/admin", ct.String(t, eks[0], "accessEntries.admin-0.principalArn"))
		})
	}
}

// The controllers pull the references the stack resolved, through their
// charts' image.repository and image.tag (a tag@digest renders a digest
// reference); without them the charts keep their default images.
func TestControllerImages(t *testing.T) {
	t.Parallel()
	const (
		host   = "123456789012.dkr.ecr.us-east-2.amazonaws.com"
		digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	args := clusterArgs(group("coder-control", workloads.TierControl, cluster.OnDemand, 2, 2))
	args.Images = cluster.Images{
		LBController: host + "/ecr-public/eks/aws-load-balancer-controller:v2.16.0@" + digest,
		Autoscaler:   host + "/k8s/autoscaling/cluster-autoscaler:v1.33.0@" + digest,
	}
	want := map[string]map[string]any{
		"aws-load-balancer-controller": {"repository": host + "/ecr-public/eks/aws-load-balancer-controller", "tag": "v2.16.0@" + digest},
		"cluster-autoscaler":           {"repository": host + "/k8s/autoscaling/cluster-autoscaler", "tag": "v1.33.0@" + digest},
	}
	got := map[string]any{}
	for _, r := range registerCluster(t, args).OfType(tRelease) {
		got[ct.String(t, r, "name")] = ct.Input(t, r, "values.image")
	}
	for name, img := range want {
		assert.Equal(t, img, got[name], name)
	}

	for _, r := range registerCluster(t, clusterArgs(group("coder-control", workloads.TierControl, cluster.OnDemand, 2, 2))).OfType(tRelease) {
		assert.False(t, ct.Has(r, "values.image"), ct.String(t, r, "name"))
	}
}
