package observability

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// createTrail is the stack's one CloudTrail: every region, management
// events, digest files for integrity, into a hardened bucket.
func (m *Monitoring) createTrail(ctx *pulumi.Context) error {
	a := m.args
	if !a.Trail {
		return nil
	}
	name := m.name + "-trail"
	trailArn := pulumi.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", a.Region, a.AccountID, name)
	b, err := bucket.New(ctx, name, bucket.Args{
		KmsKeyArn: a.S3KeyArn, TransitionDays: 30, ExpireDays: a.TrailRetentionDays,
		Statements: func(arn pulumi.StringOutput) policydoc.Document {
			onlyThisTrail := pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceArn": trailArn}}
			return policydoc.Document{
				{Sid: "CloudTrailAclCheck", Principal: policydoc.Service("cloudtrail.amazonaws.com"),
					Actions: []string{"s3:GetBucketAcl"}, Resources: pulumi.StringArray{arn}, Condition: onlyThisTrail},
				{Sid: "CloudTrailWrite", Principal: policydoc.Service("cloudtrail.amazonaws.com"),
					Actions: []string{"s3:PutObject"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/AWSLogs/%s/*", arn, a.AccountID)},
					Condition: onlyThisTrail},
			}
		},
	}, m)
	if err != nil {
		return err
	}
	_, err = cloudtrail.NewTrail(ctx, name, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(name),
		S3BucketName:               b.Bucket,
		KmsKeyId:                   a.S3KeyArn,
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		Tags:                       m.tags(name),
	}, pulumi.Parent(m), pulumi.DependsOn([]pulumi.Resource{b.Ready}))
	return err
}
