package cluster

import (
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
)

// CapacityType is a managed node group's capacity type (EKS
// CreateNodegroup capacityType).
type CapacityType string

// The capacity types this platform uses.
const (
	OnDemand CapacityType = "ON_DEMAND"
	Spot     CapacityType = "SPOT"
)

// NodeGroupSpec is one managed node group.
type NodeGroupSpec struct {
	Name          string // EKS node group name, e.g. coder-ws-spot
	Tier          workloads.Tier
	InstanceTypes []string
	ARM           bool
	CapacityType  CapacityType
	Min, Max      int
	Desired       int
	DiskGiB       int
	Kubelet       Kubelet
	// Schedule are the Auto Scaling scheduled actions of the group's ASG.
	Schedule []ScheduledAction
}

// nodeRolePolicies are what every node needs; the CNI policy is on the
// aws-node IRSA role instead, and no node gets SSM or wider access.
var nodeRolePolicies = []string{
	"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
	"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
}

// createNodeRoles gives each tier its own node role, so a workspace node's
// instance credentials are never a control node's.
func (c *Cluster) createNodeRoles(ctx *pulumi.Context, name string) error {
	for _, t := range workloads.Tiers {
		role, err := iam.NewRole(ctx, fmt.Sprintf("%s-%s-node", name, t), &iam.RoleArgs{
			Description:       pulumi.Sprintf("EKS %s nodes of %s", t, c.args.Name),
			AssumeRolePolicy:  policydoc.AssumedByNoCondition("ec2.amazonaws.com"),
			ManagedPolicyArns: pulumi.ToStringArray(nodeRolePolicies),
			Tags:              pulumi.StringMap{"coder:tier": pulumi.String(string(t))},
		}, pulumi.Parent(c))
		if err != nil {
			return err
		}
		c.nodeRoles[t] = role
		if err := c.pullThroughPolicy(ctx, fmt.Sprintf("%s-%s-node", name, t), role); err != nil {
			return err
		}
	}
	return nil
}

// pullThroughPolicy lets a node pull an image through the region's ECR
// pull-through cache: the first pull imports it from upstream
// (ecr:BatchImportUpstreamImage) into a repository ECR creates for it
// (ecr:CreateRepository), both on the puller's identity ("IAM permissions
// required to sync an upstream registry with an Amazon ECR private
// registry"); AmazonEC2ContainerRegistryPullOnly covers the pull itself.
func (c *Cluster) pullThroughPolicy(ctx *pulumi.Context, name string, role *iam.Role) error {
	a := c.args
	if len(a.PullThroughPrefixes) == 0 {
		return nil
	}
	repos := pulumi.StringArray{}
	for _, p := range a.PullThroughPrefixes {
		repos = append(repos, pulumi.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", a.Region, a.AccountID, p))
	}
	_, err := iam.NewRolePolicy(ctx, name+"-pull-through", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.Document{{Sid: "PullThroughCache",
			Actions: []string{"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, Resources: repos}}.JSON(),
	}, pulumi.Parent(role))
	return err
}

func (c *Cluster) createNodeGroups(ctx *pulumi.Context, name string) error {
	for _, spec := range c.args.NodeGroups {
		lt, err := c.launchTemplate(ctx, name, spec)
		if err != nil {
			return err
		}
		amiType := "AL2023_x86_64_STANDARD"
		if spec.ARM {
			amiType = "AL2023_ARM_64_STANDARD"
		}
		deps := []pulumi.Resource{c.vpcCni}
		if spec.Tier != workloads.TierControl && c.controlNG != nil {
			// System add-ons run on coder-control: bring it up first.
			deps = append(deps, c.controlNG)
		}
		ng, err := awseks.NewNodeGroup(ctx, fmt.Sprintf("%s-%s", name, spec.Name), &awseks.NodeGroupArgs{
			ClusterName:   c.ClusterName,
			NodeGroupName: pulumi.String(spec.Name),
			NodeRoleArn:   c.nodeRoles[spec.Tier].Arn,
			SubnetIds:     c.args.Network.SubnetIDs[spec.Tier],
			Version:       pulumi.String(c.args.KubernetesVersion),
			AmiType:       pulumi.String(amiType),
			CapacityType:  pulumi.String(string(spec.CapacityType)),
			InstanceTypes: pulumi.ToStringArray(spec.InstanceTypes),
			ScalingConfig: awseks.NodeGroupScalingConfigArgs{
				MinSize: pulumi.Int(spec.Min), MaxSize: pulumi.Int(spec.Max), DesiredSize: pulumi.Int(spec.Desired),
			},
			UpdateConfig: awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
			LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
				Id: lt.ID(), Version: lt.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
			},
			Labels: pulumi.StringMap{string(spec.Tier): pulumi.String("true"), workloads.PoolLabel: pulumi.String(spec.Name)},
			Taints: awseks.NodeGroupTaintArray{awseks.NodeGroupTaintArgs{
				Key: pulumi.String(string(spec.Tier)), Value: pulumi.String("true"), Effect: pulumi.String("NO_SCHEDULE"),
			}},
			Tags: pulumi.StringMap{"Name": pulumi.String(spec.Name), "coder:tier": pulumi.String(string(spec.Tier))},
		}, pulumi.Parent(c), pulumi.DependsOn(deps),
			// The cluster autoscaler and the scheduled actions own the
			// desired size once the group exists.
			pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
		if err != nil {
			return err
		}
		c.nodeGroups[spec.Name] = ng
		if spec.Tier == workloads.TierControl {
			c.controlNG = ng
		}
		if err := c.schedule(ctx, name, spec, ng); err != nil {
			return err
		}
	}
	return nil
}

// launchTemplate requires IMDSv2 (hop limit 2), encrypts the gp3 root
// volume with the EBS key and carries the kubelet settings.
func (c *Cluster) launchTemplate(ctx *pulumi.Context, name string, spec NodeGroupSpec) (*ec2.LaunchTemplate, error) {
	userData, err := spec.Kubelet.UserData()
	if err != nil {
		return nil, err
	}
	ltName := fmt.Sprintf("%s-%s", name, spec.Name)
	throughput := 125
	if spec.Tier == workloads.TierWorkspace || spec.Tier == workloads.TierProvisioner {
		// Image pulls and Terraform caches are disk-bound (Coder: provisioners
		// benefit from fast disks).
		throughput = 250
	}
	return ec2.NewLaunchTemplate(ctx, ltName, &ec2.LaunchTemplateArgs{
		Description:          pulumi.Sprintf("%s nodes of %s", spec.Name, c.args.Name),
		UpdateDefaultVersion: pulumi.Bool(true),
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(2),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(spec.DiskGiB),
				VolumeType:          pulumi.String("gp3"),
				Iops:                pulumi.Int(3000),
				Throughput:          pulumi.Int(throughput),
				Encrypted:           pulumi.String("true"),
				KmsKeyId:            c.args.Keys.EBS,
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		VpcSecurityGroupIds: pulumi.StringArray{c.args.Network.NodesSecurityGroupID, c.args.Network.TierSecurityGroupIDs[spec.Tier]},
		UserData:            pulumi.String(base64.StdEncoding.EncodeToString([]byte(userData))),
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: pulumi.StringMap{"Name": pulumi.String(spec.Name)}},
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: pulumi.StringMap{"Name": pulumi.String(spec.Name)}},
		},
	}, pulumi.Parent(c))
}

// asgName is the Auto Scaling group EKS created for a managed node group.
func asgName(ng *awseks.NodeGroup) pulumi.StringOutput {
	return ng.Resources.ApplyT(func(rs []awseks.NodeGroupResource) (string, error) {
		for _, r := range rs {
			for _, g := range r.AutoscalingGroups {
				if g.Name != nil && *g.Name != "" {
					return *g.Name, nil
				}
			}
		}
		return "", fmt.Errorf("node group has no Auto Scaling group to schedule")
	}).(pulumi.StringOutput)
}

// ephemeralStorage reports each group's root volume and eviction settings.
func ephemeralStorage(specs []NodeGroupSpec) pulumi.Map {
	out := pulumi.Map{}
	for _, s := range specs {
		out[s.Name] = pulumi.Map{
			"tier":          pulumi.String(string(s.Tier)),
			"rootVolumeGiB": pulumi.Int(s.DiskGiB),
			"evictionHard":  pulumi.ToStringMap(s.Kubelet.EvictionHard),
			"evictionSoft":  pulumi.ToStringMap(s.Kubelet.EvictionSoft),
		}
	}
	return out
}
