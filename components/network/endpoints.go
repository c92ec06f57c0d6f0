package network

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/sizing"
)

// createEndpoints keeps node and pod traffic to AWS APIs inside the VPC:
// S3 as a gateway endpoint on every private route table, the rest as
// interface endpoints with private DNS in the control subnets.
func (v *Vpc) createEndpoints(ctx *pulumi.Context, name string, args *VpcArgs) error {
	rts := pulumi.StringArray{}
	for _, rt := range v.privateRouteTables {
		rts = append(rts, rt.ID().ToStringOutput())
	}
	s3, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId:           v.VpcID,
		ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", args.Region),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   rts,
		Tags:            nameTag(name + "-s3"),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	v.s3Endpoint = s3
	for _, svc := range sizing.InterfaceEndpointServices {
		en := fmt.Sprintf("%s-%s", name, strings.ReplaceAll(svc, ".", "-"))
		if _, err := ec2.NewVpcEndpoint(ctx, en, &ec2.VpcEndpointArgs{
			VpcId:             v.VpcID,
			ServiceName:       pulumi.Sprintf("com.amazonaws.%s.%s", args.Region, svc),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         v.ControlSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{v.EndpointSecurityGroupID},
			Tags:              nameTag(en),
		}, pulumi.Parent(v)); err != nil {
			return err
		}
	}
	return nil
}
