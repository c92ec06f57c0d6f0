// Package cluster is the EKS cluster of one region: a private control plane
// with envelope encryption and full logging, three dedicated node groups
// with scheduled scaling, managed add-ons, controllers and the workload
// isolation of the Coder namespaces.
package cluster

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

// ControlPlaneLogTypes are all five EKS control-plane log types.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// ClusterArgs configures one region's cluster.
type ClusterArgs struct {
	// Name is the EKS cluster's physical name.
	Name   string
	Region string
	// AWSProvider is the region's AWS provider. pulumi-eks is a remote
	// component: the Go SDK sends it only the providers given explicitly,
	// not those inherited from the parent, so it is passed on by hand.
	AWSProvider pulumi.ProviderResource
	AccountID   pulumi.StringInput
	// VolumeTags are put on every EBS volume the CSI driver creates (the
	// provider's default tags do not reach them): cost allocation, and the
	// quota pre-flight's recognition of the stack's own volumes.
	VolumeTags        map[string]string
	KubernetesVersion string
	Network           NetworkRefs
	// EndpointPublicAccess keeps the public endpoint off unless set; then
	// only PublicAccessCIDRs may reach it. The private endpoint is always on.
	EndpointPublicAccess bool
	PublicAccessCIDRs    []string
	// AdminRoleArns are mapped to cluster admin through access entries.
	AdminRoleArns []string
	Keys          KeyRefs
	// LogRetentionDays is the retention of the control-plane log group.
	LogRetentionDays int
	Addons           AddonVersions
	// AutoscalerChartVersion is the cluster-autoscaler chart built for
	// KubernetesVersion (compat.Set).
	AutoscalerChartVersion string
	// PullThroughPrefixes are the region's ECR pull-through cache prefixes
	// (components/registry): nodes may import upstream images into them.
	PullThroughPrefixes []string
	// Images are the controllers' images in the region's registry, by
	// digest (stacks/registry.go); empty fields pull the charts' defaults.
	Images Images
	// NodeGroups are the managed node groups (coder-control, coder-prov and
	// the coder-ws spot and on-demand pools).
	NodeGroups []NodeGroupSpec
	Isolation  IsolationSpec
}

// NetworkRefs is what the cluster needs from the network component.
type NetworkRefs struct {
	VpcID   pulumi.StringOutput
	VpcCIDR string
	// ControlSubnetCIDRs host the interface endpoints workspaces may call.
	ControlSubnetCIDRs []string
	SubnetIDs          map[workloads.Tier]pulumi.StringArrayOutput
	// NodesSecurityGroupID is shared by every node; TierSecurityGroupIDs
	// give each tier its identity and egress.
	NodesSecurityGroupID pulumi.StringOutput
	TierSecurityGroupIDs map[workloads.Tier]pulumi.StringOutput
}

// KeyRefs are the customer-managed keys the cluster encrypts with.
type KeyRefs struct {
	Secrets pulumi.StringOutput // Kubernetes secrets envelope encryption
	EBS     pulumi.StringOutput // node volumes and the StorageClasses
	Logs    pulumi.StringOutput // control-plane log group
}

// AddonVersions pins the EKS managed add-ons; empty means the EKS default.
type AddonVersions struct {
	VpcCni, CoreDNS, KubeProxy, EbsCsi string
}

// Cluster is a region's EKS cluster.
type Cluster struct {
	pulumi.ResourceState

	ClusterName            pulumi.StringOutput `pulumi:"clusterName"`
	OidcProviderArn        pulumi.StringOutput `pulumi:"oidcProviderArn"`
	OidcIssuerURL          pulumi.StringOutput `pulumi:"oidcIssuerUrl"`
	ClusterSecurityGroupID pulumi.StringOutput `pulumi:"clusterSecurityGroupId"`
	Kubeconfig             pulumi.StringOutput `pulumi:"kubeconfig"`
	// NodeGroups maps a node group to its ASG name.
	AutoScalingGroups pulumi.StringMapOutput `pulumi:"autoScalingGroups"`
	// EphemeralStorage reports, per node group, the root volume and the
	// kubelet eviction thresholds that protect it (for the storage alarms).
	EphemeralStorage pulumi.MapOutput `pulumi:"ephemeralStorage"`
	// StorageClass is the default encrypted gp3 class; HomeStorageClass is
	// the Retain class for workspace homes.
	StorageClass     pulumi.StringOutput `pulumi:"storageClass"`
	HomeStorageClass pulumi.StringOutput `pulumi:"homeStorageClass"`

	// KubeProvider reaches the cluster; everything inside it uses it.
	KubeProvider *kubernetes.Provider
	// OIDC is the IRSA identity provider, for other components' pod roles.
	OIDC irsa.OIDC

	args       *ClusterArgs
	eks        *eks.Cluster
	nodeRoles  map[workloads.Tier]*iam.Role
	nodeGroups map[string]*awseks.NodeGroup
	controlNG  pulumi.Resource
	vpcCni     pulumi.Resource
	namespaces map[string]pulumi.Resource
}

// NewCluster builds the cluster, its node groups, add-ons and isolation.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{args: args, nodeRoles: map[workloads.Tier]*iam.Role{}, nodeGroups: map[string]*awseks.NodeGroup{}, namespaces: map[string]pulumi.Resource{}}
	if err := ctx.RegisterComponentResourceV2(tokens.Cluster, name, componentInputs(args), c, opts...); err != nil {
		return nil, err
	}
	steps := []func(*pulumi.Context, string) error{
		c.createControlPlane, c.createSecurityRules, c.createNodeRoles, c.createVpcCni, c.createNodeGroups,
		c.createAddons, c.createStorage, c.createNamespaces, c.createIsolation, c.createControllers,
	}
	for _, step := range steps {
		if err := step(ctx, name); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", name, err)
		}
	}
	asgs := pulumi.StringMap{}
	for ng, g := range c.nodeGroups {
		asgs[ng] = asgName(g)
	}
	c.AutoScalingGroups = asgs.ToStringMapOutput()
	c.EphemeralStorage = ephemeralStorage(args.NodeGroups).ToMapOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName": c.ClusterName, "oidcProviderArn": c.OidcProviderArn, "oidcIssuerUrl": c.OidcIssuerURL,
		"clusterSecurityGroupId": c.ClusterSecurityGroupID, "kubeconfig": c.Kubeconfig,
		"autoScalingGroups": c.AutoScalingGroups, "ephemeralStorage": c.EphemeralStorage,
		"storageClass": c.StorageClass, "homeStorageClass": c.HomeStorageClass,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// createControlPlane creates the cluster role, the encrypted log group and
// the EKS control plane (pulumi-eks, no default node group).
func (c *Cluster) createControlPlane(ctx *pulumi.Context, name string) error {
	a := c.args
	role, err := iam.NewRole(ctx, name+"-cluster", &iam.RoleArgs{
		Description:       pulumi.String("EKS control plane of " + a.Name),
		AssumeRolePolicy:  policydoc.AssumedByNoCondition("eks.amazonaws.com"),
		ManagedPolicyArns: pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}),
	}, pulumi.Parent(c))
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-cluster-kms", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.Document{{
			Sid:       "EnvelopeEncryptSecrets",
			Actions:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey", "kms:CreateGrant"},
			Resources: pulumi.StringArray{a.Keys.Secrets},
		}}.JSON(),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	// EKS writes control-plane logs to this exact name; creating it first
	// gives it the KMS key and retention instead of EKS's unencrypted default.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/eks/%s/cluster", a.Name),
		KmsKeyId:        a.Keys.Logs,
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, pulumi.Parent(c), pulumi.Protect(true))
	if err != nil {
		return err
	}
	entries := map[string]eks.AccessEntryArgs{}
	for i, arn := range a.AdminRoleArns {
		entries[fmt.Sprintf("admin-%d", i)] = eks.AccessEntryArgs{
			PrincipalArn: pulumi.String(arn),
			AccessPolicies: eks.AccessPolicyAssociationMap{"cluster-admin": eks.AccessPolicyAssociationArgs{
				PolicyArn:   pulumi.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
				AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
			}},
		}
	}
	authMode := eks.AuthenticationModeApi
	eksOpts := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{logs})}
	if a.AWSProvider != nil {
		eksOpts = append(eksOpts, pulumi.Providers(a.AWSProvider))
	}
	cl, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:                         pulumi.String(a.Name),
		Version:                      pulumi.String(a.KubernetesVersion),
		VpcId:                        a.Network.VpcID.ToStringPtrOutput(),
		PrivateSubnetIds:             a.Network.SubnetIDs[workloads.TierControl],
		NodeAssociatePublicIpAddress: pulumi.BoolRef(false),
		SkipDefaultNodeGroup:         pulumi.BoolRef(true),
		SkipDefaultSecurityGroups:    pulumi.BoolRef(true),
		ServiceRole:                  role,
		EncryptionConfigKeyArn:       a.Keys.Secrets.ToStringPtrOutput(),
		EnabledClusterLogTypes:       pulumi.ToStringArray(ControlPlaneLogTypes),
		EndpointPrivateAccess:        pulumi.Bool(true),
		EndpointPublicAccess:         pulumi.Bool(a.EndpointPublicAccess),
		PublicAccessCidrs:            publicAccessCidrs(a),
		CreateOidcProvider:           pulumi.Bool(true),
		AuthenticationMode:           &authMode,
		AccessEntries:                entries,
		// The add-ons below are EKS managed add-ons this component creates
		// with IRSA roles and configuration; pulumi-eks must not add its own.
		UseDefaultVpcCni:      pulumi.BoolRef(true),
		CorednsAddonOptions:   &eks.CoreDnsAddonOptionsArgs{Enabled: pulumi.BoolRef(false)},
		KubeProxyAddonOptions: &eks.KubeProxyAddonOptionsArgs{Enabled: pulumi.BoolRef(false)},
		Tags:                  pulumi.StringMap{"Name": pulumi.String(a.Name)},
	}, eksOpts...)
	if err != nil {
		return err
	}
	c.eks = cl
	c.ClusterName = pulumi.String(a.Name).ToStringOutput()
	c.OidcProviderArn = cl.OidcProviderArn
	c.OidcIssuerURL = cl.OidcProviderUrl
	c.ClusterSecurityGroupID = cl.ClusterSecurityGroupId
	c.Kubeconfig = pulumi.ToSecret(cl.KubeconfigJson).(pulumi.StringOutput)
	c.OIDC = irsa.OIDC{ProviderArn: cl.OidcProviderArn, IssuerURL: cl.OidcProviderUrl}
	prov, err := kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig:            c.Kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	}, pulumi.Parent(c))
	if err != nil {
		return err
	}
	c.KubeProvider = prov
	return nil
}

// publicAccessCidrs is nil (not sent) while the public endpoint is off:
// pulumi-eks v3.9.1 (nodejs/eks/cluster/cluster.ts) throws "publicAccessCidrs
// can only be set when endpointPublicAccess is true" for any non-null value,
// an empty list included, and pulumi.ToStringArray(nil) is an empty list.
func publicAccessCidrs(a *ClusterArgs) pulumi.StringArrayInput {
	if !a.EndpointPublicAccess {
		return nil
	}
	return pulumi.ToStringArray(a.PublicAccessCIDRs)
}

// k8s returns the options for a resource inside the cluster.
func (c *Cluster) k8s(deps ...pulumi.Resource) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(c.KubeProvider), pulumi.DependsOn(deps)}
}

// componentInputs records the settings policies judge on the component.
func componentInputs(a *ClusterArgs) pulumi.Map {
	groups := pulumi.Array{}
	names := make([]string, 0, len(a.NodeGroups))
	for _, g := range a.NodeGroups {
		names = append(names, g.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, g := range a.NodeGroups {
			if g.Name == n {
				groups = append(groups, pulumi.Map{
					"name": pulumi.String(g.Name), "tier": pulumi.String(string(g.Tier)),
					"capacityType": pulumi.String(string(g.CapacityType)), "instanceTypes": pulumi.ToStringArray(g.InstanceTypes),
					"minSize": pulumi.Int(g.Min), "maxSize": pulumi.Int(g.Max), "diskSizeGiB": pulumi.Int(g.DiskGiB),
				})
			}
		}
	}
	return pulumi.Map{
		"name": pulumi.String(a.Name), "region": pulumi.String(a.Region),
		"kubernetesVersion": pulumi.String(a.KubernetesVersion), "endpointPublicAccess": pulumi.Bool(a.EndpointPublicAccess),
		"publicAccessCidrs": pulumi.ToStringArray(a.PublicAccessCIDRs), "nodeGroups": groups,
		"ephemeralStorage": ephemeralStorage(a.NodeGroups),
	}
}
