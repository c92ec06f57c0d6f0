package cluster

import (
	"encoding/json"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
)

// createSecurityRules connects nodes and the control plane without giving
// nodes the EKS cluster group (whose allow-all egress would defeat the
// workspace egress allow-list): the API on 443 from nodes, and kubelet and
// webhooks on nodes from the control plane.
func (c *Cluster) createSecurityRules(ctx *pulumi.Context, name string) error {
	nodes := c.args.Network.NodesSecurityGroupID
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-api-from-nodes", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: c.ClusterSecurityGroupID, ReferencedSecurityGroupId: nodes.ToStringPtrOutput(),
		IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
		Description: pulumi.String("Kubernetes API from nodes"),
	}, pulumi.Parent(c)); err != nil {
		return err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-nodes-to-api", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: nodes, ReferencedSecurityGroupId: c.ClusterSecurityGroupID.ToStringPtrOutput(),
		IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
		Description: pulumi.String("Nodes to the Kubernetes API"),
	}, pulumi.Parent(c)); err != nil {
		return err
	}
	_, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-nodes-from-control-plane", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: nodes, ReferencedSecurityGroupId: c.ClusterSecurityGroupID.ToStringPtrOutput(),
		IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(1025), ToPort: pulumi.Int(65535),
		Description: pulumi.String("Control plane to kubelet and admission webhooks"),
	}, pulumi.Parent(c))
	return err
}

// createVpcCni manages the VPC CNI add-on with prefix delegation (each node
// takes /28 prefixes, which the CIDR plan is sized for) and network-policy
// enforcement (the coder-ws NetworkPolicies need it), under an IRSA role.
func (c *Cluster) createVpcCni(ctx *pulumi.Context, name string) error {
	role, err := irsa.NewRole(ctx, name+"-vpc-cni", irsa.RoleArgs{
		OIDC: c.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: "kube-system", Name: "aws-node"},
		Description:       "VPC CNI (aws-node)",
		ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"},
	}, c)
	if err != nil {
		return err
	}
	addon, err := c.addon(ctx, name, "vpc-cni", c.args.Addons.VpcCni, role.Arn, map[string]any{
		"env": map[string]string{
			"ENABLE_PREFIX_DELEGATION": "true",
			"WARM_PREFIX_TARGET":       "1",
		},
		"enableNetworkPolicy": "true",
	})
	if err != nil {
		return err
	}
	c.vpcCni = addon
	return nil
}

// createAddons adds CoreDNS, kube-proxy and the EBS CSI driver once the
// control node group (where the controllers run) exists.
func (c *Cluster) createAddons(ctx *pulumi.Context, name string) error {
	ctl := workloads.TierControl
	onControl := map[string]any{"nodeSelector": ctl.NodeSelector(), "tolerations": []any{ctl.Toleration()}}
	coredns := map[string]any{
		"replicaCount": 2,
		"nodeSelector": ctl.NodeSelector(),
		"tolerations":  []any{ctl.Toleration()},
		"topologySpreadConstraints": []any{map[string]any{
			"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"k8s-app": "kube-dns"}},
		}},
	}
	if _, err := c.addon(ctx, name, "coredns", c.args.Addons.CoreDNS, nil, coredns, c.controlNG); err != nil {
		return err
	}
	if _, err := c.addon(ctx, name, "kube-proxy", c.args.Addons.KubeProxy, nil, nil); err != nil {
		return err
	}
	ebsRole, err := irsa.NewRole(ctx, name+"-ebs-csi", irsa.RoleArgs{
		OIDC: c.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: "kube-system", Name: "ebs-csi-controller-sa"},
		Description:       "EBS CSI controller",
		ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"},
		Policy: policydoc.Document{
			{Sid: "UseEbsKey", Actions: []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
				Resources: pulumi.StringArray{c.args.Keys.EBS}},
			{Sid: "GrantEbsKeyToEc2", Actions: []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"},
				Resources: pulumi.StringArray{c.args.Keys.EBS},
				Condition: pulumi.Map{"Bool": pulumi.Map{"kms:GrantIsForAWSResource": pulumi.String("true")}}},
		},
	}, c)
	if err != nil {
		return err
	}
	// controller.extraVolumeTags is in the add-on's configuration schema
	// (the chart's --extra-tags); map[string]any for the JSON encoding.
	ebsController := map[string]any{"extraVolumeTags": stringsToAny(c.args.VolumeTags)}
	for k, v := range onControl {
		ebsController[k] = v
	}
	_, err = c.addon(ctx, name, "aws-ebs-csi-driver", c.args.Addons.EbsCsi, ebsRole.Arn, map[string]any{
		"controller": ebsController,
		"node":       map[string]any{"tolerateAllTaints": true},
	}, c.controlNG)
	return err
}

// addon creates one EKS managed add-on; conflicts with the self-managed
// defaults EKS installs are resolved in favour of this configuration.
func (c *Cluster) addon(ctx *pulumi.Context, name, addon, version string, role pulumi.StringInput, config map[string]any, deps ...pulumi.Resource) (*awseks.Addon, error) {
	args := &awseks.AddonArgs{
		ClusterName:              c.ClusterName,
		AddonName:                pulumi.String(addon),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
	}
	if version != "" {
		args.AddonVersion = pulumi.String(version)
	}
	if role != nil {
		args.ServiceAccountRoleArn = role.ToStringOutput().ToStringPtrOutput()
	}
	if config != nil {
		b, err := json.Marshal(config)
		if err != nil {
			return nil, err
		}
		args.ConfigurationValues = pulumi.String(string(b))
	}
	var clean []pulumi.Resource
	for _, d := range deps {
		if d != nil {
			clean = append(clean, d)
		}
	}
	return awseks.NewAddon(ctx, name+"-"+addon, args, pulumi.Parent(c), pulumi.DependsOn(append(clean, c.eks)))
}

func stringsToAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
