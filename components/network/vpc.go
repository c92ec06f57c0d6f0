// Package network is the VPC of one region: the five subnet tiers from the
// CIDR plan, per-AZ NAT egress, private endpoints, security groups,
// workspace egress filtering and flow logs.
package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/sizing"
)

// VpcArgs configures one region's network.
type VpcArgs struct {
	// Region is the AWS region; the component's AWS provider must match.
	Region    string
	AccountID pulumi.StringInput
	// Plan is the CIDR plan computed from the declared workload.
	Plan *sizing.NetworkPlan
	// Egress is the workspace egress allow-list.
	Egress EgressArgs
	// TransitGateway optionally routes on-premises or peered networks.
	TransitGateway *TransitGatewayArgs
	// FlowLogRetentionDays is the flow-log group retention.
	FlowLogRetentionDays int
	// LogsKeyArn is the customer-managed key for the flow-log group.
	LogsKeyArn pulumi.StringInput
	// BaseDomain is always resolvable when DNS filtering is on.
	BaseDomain string
}

// EgressArgs is the workspace egress allow-list.
type EgressArgs struct {
	AllowedCIDRs []EgressRule
	// AllowedDomains turns on Route 53 Resolver DNS Firewall for the VPC.
	AllowedDomains []string
	// PlatformDomains are the names the stack's own services must resolve
	// under DNS filtering: the IdP, the external-auth providers.
	PlatformDomains []string
	// DirectConnections allows UDP to any address so that workspaces can
	// make direct (peer-to-peer WireGuard) connections after STUN.
	DirectConnections bool
}

// EgressRule is one allowed TCP destination.
type EgressRule struct {
	CIDR        string
	Ports       []int
	Description string
}

// TransitGatewayArgs attaches the VPC to a transit gateway.
type TransitGatewayArgs struct {
	ID    string
	CIDRs []string
}

// Vpc is a region's network.
type Vpc struct {
	pulumi.ResourceState

	VpcID     pulumi.StringOutput `pulumi:"vpcId"`
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`

	PublicSubnetIDs      pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	ControlSubnetIDs     pulumi.StringArrayOutput `pulumi:"controlSubnetIds"`
	ProvisionerSubnetIDs pulumi.StringArrayOutput `pulumi:"provisionerSubnetIds"`
	WorkspaceSubnetIDs   pulumi.StringArrayOutput `pulumi:"workspaceSubnetIds"`
	DatabaseSubnetIDs    pulumi.StringArrayOutput `pulumi:"databaseSubnetIds"`
	NatGatewayIDs        pulumi.StringArrayOutput `pulumi:"natGatewayIds"`

	// NodesSecurityGroupID is shared by every node: intra-cluster traffic.
	NodesSecurityGroupID pulumi.StringOutput `pulumi:"nodesSecurityGroupId"`
	// Per-tier node groups: identity for ingress rules and tier egress.
	ControlSecurityGroupID      pulumi.StringOutput `pulumi:"controlSecurityGroupId"`
	ProvisionerSecurityGroupID  pulumi.StringOutput `pulumi:"provisionerSecurityGroupId"`
	WorkspaceSecurityGroupID    pulumi.StringOutput `pulumi:"workspaceSecurityGroupId"`
	DatabaseSecurityGroupID     pulumi.StringOutput `pulumi:"databaseSecurityGroupId"`
	EndpointSecurityGroupID     pulumi.StringOutput `pulumi:"endpointSecurityGroupId"`
	LoadBalancerSecurityGroupID pulumi.StringOutput `pulumi:"loadBalancerSecurityGroupId"`

	FlowLogGroupName pulumi.StringOutput `pulumi:"flowLogGroupName"`
	// Plan reports tier → AZ → CIDR and capacity against need.
	Plan pulumi.MapOutput `pulumi:"plan"`

	subnets            map[sizing.Tier][]*ec2.Subnet
	privateRouteTables []*ec2.RouteTable
	s3Endpoint         *ec2.VpcEndpoint
	sg                 map[string]*ec2.SecurityGroup
	// rules holds the name of every security group rule registered, so
	// that each is created once (see rule.resourceName).
	rules map[string]bool
}

// NewVpc builds the network of one region.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	if args.Plan == nil {
		return nil, fmt.Errorf("network %s: a CIDR plan is required", name)
	}
	v := &Vpc{subnets: map[sizing.Tier][]*ec2.Subnet{}, sg: map[string]*ec2.SecurityGroup{}, rules: map[string]bool{}}
	planMap := planOutputs(args.Plan)
	if err := ctx.RegisterComponentResourceV2(tokens.Vpc, name, pulumi.Map{
		"region": pulumi.String(args.Region), "plan": planMap,
		"flowLogRetentionDays": pulumi.Int(args.FlowLogRetentionDays),
	}, v, opts...); err != nil {
		return nil, err
	}
	steps := []func(*pulumi.Context, string, *VpcArgs) error{
		v.createVpc, v.createSubnets, v.createRouting, v.createSecurityGroups,
		v.createEndpoints, v.createNodeRules, v.createEgressFiltering, v.createTransitGateway, v.createFlowLogs,
	}
	for _, step := range steps {
		if err := step(ctx, name, args); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}
	v.Plan = planMap.ToMapOutput()
	if err := ctx.RegisterResourceOutputs(v, pulumi.Map{
		"vpcId": v.VpcID, "cidrBlock": v.CidrBlock,
		"publicSubnetIds": v.PublicSubnetIDs, "controlSubnetIds": v.ControlSubnetIDs,
		"provisionerSubnetIds": v.ProvisionerSubnetIDs, "workspaceSubnetIds": v.WorkspaceSubnetIDs,
		"databaseSubnetIds": v.DatabaseSubnetIDs, "natGatewayIds": v.NatGatewayIDs,
		"nodesSecurityGroupId": v.NodesSecurityGroupID, "controlSecurityGroupId": v.ControlSecurityGroupID,
		"provisionerSecurityGroupId": v.ProvisionerSecurityGroupID, "workspaceSecurityGroupId": v.WorkspaceSecurityGroupID,
		"databaseSecurityGroupId": v.DatabaseSecurityGroupID, "endpointSecurityGroupId": v.EndpointSecurityGroupID,
		"loadBalancerSecurityGroupId": v.LoadBalancerSecurityGroupID,
		"flowLogGroupName":            v.FlowLogGroupName, "plan": v.Plan,
	}); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Vpc) createVpc(ctx *pulumi.Context, name string, args *VpcArgs) error {
	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.Plan.VpcCIDR.String()),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true), // interface endpoints need private DNS
		Tags:               nameTag(name),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	v.VpcID = vpc.ID().ToStringOutput()
	v.CidrBlock = vpc.CidrBlock
	return nil
}

// planOutputs renders the plan as tier → {az → cidr, need, capacity, basis}.
func planOutputs(p *sizing.NetworkPlan) pulumi.Map {
	out := pulumi.Map{"vpcCidr": pulumi.String(p.VpcCIDR.String())}
	for _, d := range p.Demands {
		subnets := pulumi.StringMap{}
		for _, s := range p.SubnetsOf(d.Tier) {
			subnets[s.AZ] = pulumi.String(s.CIDR.String())
		}
		out[string(d.Tier)] = pulumi.Map{
			"subnets":  subnets,
			"needIps":  pulumi.Int(d.NeedIPs),
			"capacity": pulumi.Int(d.Capacity),
			"prefix":   pulumi.Int(d.PrefixLen),
			"basis":    pulumi.String(d.Basis),
		}
	}
	return out
}

func nameTag(name string) pulumi.StringMap { return pulumi.StringMap{"Name": pulumi.String(name)} }

func withName(name string, extra map[string]string) pulumi.StringMap {
	m := nameTag(name)
	for k, val := range extra {
		m[k] = pulumi.String(val)
	}
	return m
}
