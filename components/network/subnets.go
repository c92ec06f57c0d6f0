package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/sizing"
)

// subnetTags are the discovery tags the AWS Load Balancer Controller and
// EKS read: internet-facing NLBs go to public subnets, internal ones to the
// control tier.
var subnetTags = map[sizing.Tier]map[string]string{
	sizing.TierPublic:      {"kubernetes.io/role/elb": "1"},
	sizing.TierControl:     {"kubernetes.io/role/internal-elb": "1"},
	sizing.TierProvisioner: {},
	sizing.TierWorkspace:   {},
	sizing.TierDatabase:    {},
}

func (v *Vpc) createSubnets(ctx *pulumi.Context, name string, args *VpcArgs) error {
	for _, tier := range sizing.Tiers {
		for _, s := range args.Plan.SubnetsOf(tier) {
			sn := fmt.Sprintf("%s-%s-%s", name, tier, s.AZ)
			tags := map[string]string{"coder:tier": string(tier)}
			for k, val := range subnetTags[tier] {
				tags[k] = val
			}
			subnet, err := ec2.NewSubnet(ctx, sn, &ec2.SubnetArgs{
				VpcId:            v.VpcID,
				CidrBlock:        pulumi.String(s.CIDR.String()),
				AvailabilityZone: pulumi.String(s.AZ),
				// Public subnets host only NAT gateways and load balancers,
				// which get their addresses explicitly.
				MapPublicIpOnLaunch: pulumi.Bool(false),
				Tags:                withName(sn, tags),
			}, pulumi.Parent(v))
			if err != nil {
				return err
			}
			v.subnets[tier] = append(v.subnets[tier], subnet)
		}
	}
	v.PublicSubnetIDs = v.subnetIDs(sizing.TierPublic)
	v.ControlSubnetIDs = v.subnetIDs(sizing.TierControl)
	v.ProvisionerSubnetIDs = v.subnetIDs(sizing.TierProvisioner)
	v.WorkspaceSubnetIDs = v.subnetIDs(sizing.TierWorkspace)
	v.DatabaseSubnetIDs = v.subnetIDs(sizing.TierDatabase)
	return nil
}

func (v *Vpc) subnetIDs(t sizing.Tier) pulumi.StringArrayOutput {
	ids := pulumi.StringArray{}
	for _, s := range v.subnets[t] {
		ids = append(ids, s.ID().ToStringOutput())
	}
	return ids.ToStringArrayOutput()
}
