package network

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// createFlowLogs records every flow of the VPC (all ENIs, accepted and
// rejected) to a KMS-encrypted log group.
func (v *Vpc) createFlowLogs(ctx *pulumi.Context, name string, args *VpcArgs) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/coder/%s/vpc-flow-logs", name),
		KmsKeyId:        args.LogsKeyArn,
		RetentionInDays: pulumi.Int(args.FlowLogRetentionDays),
		Tags:            nameTag(name + "-flow-logs"),
	}, pulumi.Parent(v), pulumi.Protect(true))
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Delivers VPC flow logs to CloudWatch Logs"),
		AssumeRolePolicy: policydoc.AssumedBy("vpc-flow-logs.amazonaws.com", args.AccountID),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.Document{{
			Sid:       "WriteOwnLogGroup",
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resources: pulumi.StringArray{group.Arn, pulumi.Sprintf("%s:*", group.Arn)},
		}}.JSON(),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	if _, err := ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  v.VpcID,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   nameTag(name),
	}, pulumi.Parent(v)); err != nil {
		return err
	}
	v.FlowLogGroupName = group.Name
	return nil
}
