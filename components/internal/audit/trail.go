// Package audit creates a CloudTrail trail and the hardened bucket it
// delivers to: the one shape of trail every project of this repository uses.
package audit

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// TrailArgs configures one trail.
type TrailArgs struct {
	Region    string
	AccountID pulumi.StringInput
	// KeyArn encrypts the log files and the bucket (a key whose policy lets
	// CloudTrail of this region use it: security.KeyS3).
	KeyArn        pulumi.StringInput
	RetentionDays int
	// MultiRegion records management events of every region.
	MultiRegion bool
	// Selectors, when set, replace the default (management events) with
	// advanced event selectors, e.g. the data events of one bucket.
	Selectors cloudtrail.TrailAdvancedEventSelectorArray
	Tags      pulumi.StringMap
}

// NewTrail creates the bucket and the trail named name under parent: log
// file validation on, encrypted with KeyArn, delivered only by this trail.
func NewTrail(ctx *pulumi.Context, name string, a TrailArgs, parent pulumi.Resource) (*cloudtrail.Trail, error) {
	trailArn := pulumi.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", a.Region, a.AccountID, name)
	b, err := bucket.New(ctx, name, bucket.Args{
		KmsKeyArn: a.KeyArn, TransitionDays: 30, ExpireDays: a.RetentionDays,
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
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("trail %s: %w", name, err)
	}
	t, err := cloudtrail.NewTrail(ctx, name, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(name),
		S3BucketName:               b.Bucket,
		KmsKeyId:                   a.KeyArn,
		IsMultiRegionTrail:         pulumi.Bool(a.MultiRegion),
		IncludeGlobalServiceEvents: pulumi.Bool(a.MultiRegion),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		AdvancedEventSelectors:     a.Selectors,
		Tags:                       a.Tags,
	}, pulumi.Parent(parent), pulumi.DependsOn([]pulumi.Resource{b.Ready}))
	if err != nil {
		return nil, fmt.Errorf("trail %s: %w", name, err)
	}
	return t, nil
}
