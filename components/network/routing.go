package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/sizing"
)

// privateTiers route to the internet through their own AZ's NAT gateway.
var privateTiers = []sizing.Tier{sizing.TierControl, sizing.TierProvisioner, sizing.TierWorkspace}

// createRouting gives every AZ its own NAT gateway and private route table:
// losing one AZ (or its NAT) never cuts another AZ's egress.
func (v *Vpc) createRouting(ctx *pulumi.Context, name string, args *VpcArgs) error {
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: v.VpcID, Tags: nameTag(name),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	public, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: v.VpcID, Tags: nameTag(name + "-public"),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	if _, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
		RouteTableId: public.ID(), DestinationCidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID(),
	}, pulumi.Parent(public)); err != nil {
		return err
	}
	database, err := ec2.NewRouteTable(ctx, name+"-database", &ec2.RouteTableArgs{
		VpcId: v.VpcID, Tags: withName(name+"-database", map[string]string{"coder:egress": "none"}),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}

	nats := pulumi.StringArray{}
	for i, az := range args.Plan.AZs {
		publicSubnet := v.subnets[sizing.TierPublic][i]
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%s", name, az), &ec2.RouteTableAssociationArgs{
			RouteTableId: public.ID(), SubnetId: publicSubnet.ID(),
		}, pulumi.Parent(public)); err != nil {
			return err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-database-%s", name, az), &ec2.RouteTableAssociationArgs{
			RouteTableId: database.ID(), SubnetId: v.subnets[sizing.TierDatabase][i].ID(),
		}, pulumi.Parent(database)); err != nil {
			return err
		}
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%s", name, az), &ec2.EipArgs{
			Domain: pulumi.String("vpc"), Tags: nameTag(fmt.Sprintf("%s-nat-%s", name, az)),
		}, pulumi.Parent(v))
		if err != nil {
			return err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-%s", name, az), &ec2.NatGatewayArgs{
			AllocationId: eip.ID(), SubnetId: publicSubnet.ID(),
			Tags: withName(fmt.Sprintf("%s-%s", name, az), map[string]string{"coder:az": az}),
		}, pulumi.Parent(v), pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return err
		}
		nats = append(nats, nat.ID().ToStringOutput())
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%s", name, az), &ec2.RouteTableArgs{
			VpcId: v.VpcID, Tags: withName(fmt.Sprintf("%s-private-%s", name, az), map[string]string{"coder:az": az}),
		}, pulumi.Parent(v))
		if err != nil {
			return err
		}
		if _, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-private-%s-default", name, az), &ec2.RouteArgs{
			RouteTableId: rt.ID(), DestinationCidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.ID(),
		}, pulumi.Parent(rt)); err != nil {
			return err
		}
		for _, tier := range privateTiers {
			if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-%s-%s", name, tier, az), &ec2.RouteTableAssociationArgs{
				RouteTableId: rt.ID(), SubnetId: v.subnets[tier][i].ID(),
			}, pulumi.Parent(rt)); err != nil {
				return err
			}
		}
		v.privateRouteTables = append(v.privateRouteTables, rt)
	}
	v.NatGatewayIDs = nats.ToStringArrayOutput()
	return nil
}
